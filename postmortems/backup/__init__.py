"""Backup and restore of the whole database as JSON (export_data, import_data)."""
