"""A review as one Markdown document, plain or anonymised."""
