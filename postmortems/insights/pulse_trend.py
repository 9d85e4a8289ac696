"""Reads for the pulse survey: who still has to answer, and the team trend.

The trend is aggregated per team and month and shown only where a month has at
least MIN_ANSWERS answers, so no single person's answer can be told apart. Comments
are shown per team only (never per review or per month), from those months only,
in alphabetical order so the order reveals nothing either.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Avg, Count
from django.db.models.functions import TruncMonth

from accounts.models import Team, User
from lib.months import last_months
from postmortems.insights.models import PulseAnswer, PulseParticipant
from postmortems.models.reviews import Postmortem

MIN_ANSWERS = 3
MONTHS = 12


def pulse_pending(*, postmortem: Postmortem, user: User) -> bool:
    """`user` was asked about this review and has not answered yet."""
    return PulseParticipant.objects.filter(
        postmortem=postmortem, user=user, answered=False
    ).exists()


def pulse_for_review_page(*, postmortem: Postmortem, user: User) -> dict:
    """PAGE_EXTRAS["review-read"]: whether the page asks this reader the pulse question."""
    return {"can_answer_pulse": pulse_pending(postmortem=postmortem, user=user)}


def pulse_invited(*, postmortem: Postmortem, user: User) -> PulseParticipant | None:
    return PulseParticipant.objects.filter(postmortem=postmortem, user=user).first()


@dataclass
class PulseMonth:
    month: date
    count: int = 0
    average: float | None = None

    @property
    def shown(self) -> bool:
        return self.count >= MIN_ANSWERS


@dataclass
class TeamPulse:
    team_name: str
    months: list[PulseMonth]  # newest first
    comments: list[str] = field(default_factory=list)

    @property
    def any_shown(self) -> bool:
        return any(month.shown for month in self.months)


def pulse_trend(*, teams: list[Team] | None, today: date) -> list[TeamPulse]:
    """The last MONTHS months per team (`teams=None`: every team with answers), in
    two queries: the aggregates, then the comments of the months that are shown."""
    window = last_months(today, MONTHS)
    answers = PulseAnswer.objects.filter(answered_on__gte=window[0], answered_on__lte=today)
    if teams is not None:
        answers = answers.filter(team__in=teams)
    rows = (
        answers.annotate(month=TruncMonth("answered_on"))
        .values("team_id", "team__name", "month")
        .annotate(n=Count("pk"), average=Avg("score"))
        .order_by()
    )
    names = {team.pk: team.name for team in teams or []}
    found: dict[tuple[int, date], dict] = {}
    for row in rows:
        names.setdefault(row["team_id"], row["team__name"])
        found[(row["team_id"], _as_date(row["month"]))] = row
    result: dict[int, TeamPulse] = {}
    shown: set[tuple[int, date]] = set()
    for team_id, name in sorted(names.items(), key=lambda pair: pair[1]):
        months = []
        for month in reversed(window):
            counted = found.get((team_id, month))
            entry = PulseMonth(month=month)
            if counted:
                entry.count = counted["n"]
                entry.average = round(counted["average"], 1) if entry.shown else None
            if entry.shown:
                shown.add((team_id, month))
            months.append(entry)
        result[team_id] = TeamPulse(team_name=name, months=months)
    if shown:
        for team_id, answered_on, comment in answers.exclude(comment="").values_list(
            "team_id", "answered_on", "comment"
        ):
            if (team_id, answered_on.replace(day=1)) in shown:
                result[team_id].comments.append(comment)
        for pulse in result.values():
            pulse.comments.sort(key=str.casefold)
    return list(result.values())


def _as_date(value) -> date:
    """TruncMonth of a DateField is a date on every backend; be safe with datetimes."""
    return value.date() if hasattr(value, "date") and callable(value.date) else value
