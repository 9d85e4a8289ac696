"""Alerts as records: every alert any receiver gets, one row per episode (fired to
resolved), grouped by rule, with its runbook, times, repeats and flapping."""
