"""The demo data: people, teams and incidents read from TOML files."""
