"""Insights: the team lead dashboard, review health and its stored months, charts, CSV, My
work, the pulse survey."""
