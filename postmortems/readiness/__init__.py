"""Readiness: the checks a review passes before publishing, per-severity policy, action
item quality."""
