"""Small shared helpers that know nothing of the product: database errors, request ids,
client addresses, Markdown, JSON input, time, diffs, iCal, the parts' wiring."""
