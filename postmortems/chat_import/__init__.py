"""The chat import: a Slack export or pasted transcript becomes timeline events."""
