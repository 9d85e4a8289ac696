"""Notifications: the outbox, email composition, team chat, reminders and escalations,
digests, announcements, nudges, the calendar feed, beat's heartbeat."""
