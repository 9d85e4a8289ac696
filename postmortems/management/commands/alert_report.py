"""Which alerts earn their page: `manage.py alert_report [--team SLUG] [--days N] [--json]`.

The team's alert page's verdicts and numbers (quality/selectors.py rule_quality), for
one team or every team, as a text table or JSON. It names no incident (so no restricted
one). Exit status 0; an unknown team or a bad --days is an error (CommandError)."""

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import Team
from lib.moments import duration_label
from postmortems.alerting.quality.forms import DEFAULT_WINDOW, MAX_DAYS, window
from postmortems.alerting.quality.records import rule_record
from postmortems.alerting.quality.selectors import RuleQuality, rule_quality

COLUMNS = ["rule", "status", "firings", "pages", "out of hours", "night", "runbook",
           "actionable", "flapping", "repeats", "median delay", "late", "wasted pages",
           "mismatches"]  # fmt: skip


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def _row(quality: RuleQuality) -> list[str]:
    n = quality.numbers
    return [quality.rule.name, quality.verdict.label, str(n.firings), str(n.pages),
            str(n.out_of_hours_pages), str(n.night_pages), _percent(n.runbook_share),
            _percent(n.actionable_share), str(n.flapping), str(n.repeats),
            duration_label(n.median_delay), f"{n.late}/{n.tied}", str(n.wasted_pages),
            str(n.mismatched)]  # fmt: skip


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(line[i]) for line in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            for line in [COLUMNS, *rows]]  # fmt: skip


class Command(BaseCommand):
    help = "Each alert rule's verdict (healthy, noisy, needs a runbook, late, mis-prioritized)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", default="", help="a team's slug (default: every team)")
        parser.add_argument(
            "--days",
            type=int,
            default=DEFAULT_WINDOW,
            help=f"window, ending now (default {DEFAULT_WINDOW})",
        )
        parser.add_argument("--json", action="store_true", help="print JSON")

    def handle(self, *args, team: str, days: int, json: bool, **options) -> None:
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days takes 1 to {MAX_DAYS}, not {days}.")
        teams = Team.objects.order_by("name")
        if team:
            teams = teams.filter(slug=team)
            if not teams.exists():
                raise CommandError(f"No team with the slug {team!r}.")
        chosen = list(teams)
        since, until = window(days, timezone.now())
        rules = rule_quality(team_ids=[t.pk for t in chosen], since=since, until=until)
        by_team: dict[int, list[RuleQuality]] = {t.pk: [] for t in chosen}
        for quality in rules:
            by_team[quality.rule.team_id].append(quality)
        if json:
            self._json(chosen, by_team, since, until)
        else:
            self._text(chosen, by_team, days)

    def _json(self, teams, by_team, since, until) -> None:
        report = {
            "since": since.isoformat(),
            "until": until.isoformat(),
            "teams": [
                {"team": t.slug, "name": t.name, "rules": [rule_record(q) for q in by_team[t.pk]]}
                for t in teams
            ],
        }
        self.stdout.write(json.dumps(report, indent=2))

    def _text(self, teams, by_team, days: int) -> None:
        for index, team in enumerate(teams):
            rules = by_team[team.pk]
            if index:
                self.stdout.write("")
            self.stdout.write(f"{team.name} ({team.slug}), last {days} days")
            if not rules:
                self.stdout.write("  No alert fired.")
                continue
            for line in _table([_row(q) for q in rules]):
                self.stdout.write(f"  {line}")
            for quality in rules:
                for problem in quality.explained:
                    self.stdout.write(
                        f"  {quality.rule.name}: {problem.label}: {problem.why}. Fix: {problem.fix}"
                    )
