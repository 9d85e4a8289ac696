"""Recurrence: an incident that shares alert rules, services or tags with an earlier
reviewed incident may be the same problem again, a sign that the earlier fix did not
hold. Detected when an incident opens (and again when its services or tags change),
confirmed or dismissed by its authors."""
