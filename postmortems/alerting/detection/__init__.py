"""Detection review: the part of a postmortem that asks whether the alerts tied to the
incident earned their page (runbook, actionable, timely, priority)."""
