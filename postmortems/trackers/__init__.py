"""Issue trackers, both ways: a team's action items as issues in GitHub, GitLab, Jira or
Linear, and the issues' state flowing back (webhooks and a periodic reconcile)."""
