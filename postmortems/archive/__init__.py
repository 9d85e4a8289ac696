"""The archive, the knowledge store: search and its filters, related reviews, browse by
service and tag, Atom feeds, following."""
