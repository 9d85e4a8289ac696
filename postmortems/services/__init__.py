"""Writes. Forms parse, services write, selectors read, views glue."""
