"""On-call load and care: what each person carried, the warnings, the CSV and the page."""
