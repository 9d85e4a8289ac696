"""What each demo alert rule is meant to be judged (postmortems/demo/alerts.toml)."""

from datetime import datetime, timedelta

from accounts.models import Team
from postmortems.alerting.quality.criteria import Verdict
from postmortems.alerting.quality.selectors import rule_quality

# Every problem of every rule over the whole history (eight weeks), worst first.
PROBLEMS = {
    "HighCPUUsage": [Verdict.NOISY, Verdict.MISPRIORITIZED],
    "DiskAlmostFull": [Verdict.NEEDS_RUNBOOK],
    "CertificateExpiresSoon": [Verdict.MISPRIORITIZED],
    "CheckoutErrorRateHigh": [],
    "ReconciliationMismatch": [Verdict.LATE],
    "CrashFreeRateLow": [Verdict.LATE],
    "APIErrorRateHigh": [],
    "SignInLatencyHigh": [],
    "SyntheticCheckFailing": [],
    "FrontendJSErrorsHigh": [],
    "LoadBalancer5xxHigh": [],
    "LedgerWriteErrors": [],
    "SchemaRegistryErrors": [],
}
# The last 30 days hold the same verdicts, less the rules that fired only before them.
OLDER = {"CrashFreeRateLow", "SignInLatencyHigh", "SyntheticCheckFailing"}


def problems(days: int, now: datetime) -> dict[str, list[Verdict]]:
    team_ids = list(Team.objects.values_list("pk", flat=True))
    found = rule_quality(team_ids=team_ids, since=now - timedelta(days=days), until=now)
    return {quality.rule.name: quality.problems for quality in found}
