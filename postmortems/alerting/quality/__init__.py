"""Alert quality: the four criteria of a good alert measured per rule over a window
(runbook, actionable, timely, priority), each rule's verdict, the team's alert page and
the report."""
