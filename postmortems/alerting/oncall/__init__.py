"""On-call: a team's rotations (members in order, primary and secondary, weekly handoff),
overrides and swaps, shifts (from the rotation or imported from an iCalendar feed), and
the team's on-call policy (working hours, notification channels per severity)."""
