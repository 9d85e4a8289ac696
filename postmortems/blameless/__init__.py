"""Blameless language: the checker (rules and words), findings in a review, dismissals, the
corpus report."""
