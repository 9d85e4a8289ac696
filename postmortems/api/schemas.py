"""Types shared by the API's schemas: bounded numbers, clean text, people, errors."""

import re
import unicodedata
from datetime import UTC, date, datetime
from functools import partial
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from ninja import Field, Schema
from ninja.schema import DjangoGetter
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, model_validator

from accounts.models import User
from lib.moments import OUT_OF_RANGE, day_in_range, moment_in_range
from postmortems.models.actions import ActionItem
from postmortems.models.incidents import Incident, Severity
from postmortems.models.reviews import Postmortem, TimelineEvent
from postmortems.notifications.emails import absolute_url


def _clean_text(value: str) -> str:
    """NUL and lone surrogates cannot be stored (PostgreSQL refuses NUL, every database
    refuses half a UTF-16 pair): refuse them here, as a 422, not at the database."""
    if "\x00" in value or any(unicodedata.category(c) == "Cs" for c in value):
        raise ValueError("Text may not contain NUL characters or lone surrogates.")
    return value


Text = Annotated[str, AfterValidator(_clean_text)]

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso(value: Any, *, moment: bool) -> Any:
    """pydantic also reads numbers ("1700000000", 0.5) as Unix times; the schema says
    ISO 8601, so only ISO 8601 is accepted."""
    if isinstance(value, str | bytes):
        text = value.decode() if isinstance(value, bytes) else value
        if _ISO_DAY.match(text) and (moment or len(text) == 10):
            return value
    elif isinstance(value, date):
        return value
    example = "2026-11-02T09:30:00Z" if moment else "2026-11-02"
    raise ValueError(f"Use ISO 8601, e.g. {example}.")


def _storable(value: datetime) -> datetime:
    """Only moments every time zone can show (lib/moments.py): refused here, as
    a 422, not by the database or by the pages that would show them. The moment goes on
    in UTC: Python takes offsets up to ±23:59, PostgreSQL only ±15:59."""
    if not moment_in_range(value):
        raise ValueError(OUT_OF_RANGE)
    return value.astimezone(UTC)


def _in_range(value: date) -> date:
    if not day_in_range(value):
        raise ValueError(OUT_OF_RANGE)
    return value


# A moment with its UTC offset ("Z" or "+01:00"), so no one's clock is guessed at.
Moment = Annotated[
    AwareDatetime, BeforeValidator(partial(_iso, moment=True)), AfterValidator(_storable)
]
Day = Annotated[date, BeforeValidator(partial(_iso, moment=False)), AfterValidator(_in_range)]
# Bounded like the database columns, so no number reaches a query it overflows.
IncidentNumber = Annotated[int, Field(ge=1, le=999_999_999, description="42 for INC-42")]
Revision = Annotated[
    int,
    Field(ge=0, le=2_147_483_647, description="The revision the client last read."),
]

# The models' choices, as Literals built at run time (pydantic validates against them
# and puts them in the schema); a type checker cannot evaluate those, and sees text.
if TYPE_CHECKING:
    SeverityValue: TypeAlias = str
    IncidentStatus: TypeAlias = str
    PostmortemStatus: TypeAlias = str
    SectionName: TypeAlias = str
    EventKind: TypeAlias = str
    ItemPriority: TypeAlias = str
    ItemType: TypeAlias = str
    ItemStatus: TypeAlias = str
    ItemVerification: TypeAlias = str
    ItemOutcome: TypeAlias = str  # proven fixes (api/action_outcomes.py)
else:
    SeverityValue = Literal[tuple(Severity.values)]
    IncidentStatus = Literal[tuple(Incident.Status.values)]
    PostmortemStatus = Literal[tuple(Postmortem.Status.values)]
    # A key of the review's layout: a built-in section, or a custom one ("c_...") of
    # the template the review started with (postmortems/models/review_templates.py).
    SectionName = Annotated[str, Field(pattern=r"^[a-z0-9_]{1,30}$", examples=["summary"])]
    EventKind = Literal[tuple(TimelineEvent.Kind.values)]
    ItemPriority = Literal[tuple(ActionItem.Priority.values)]
    ItemType = Literal[("", *ActionItem.Type.values)]
    ItemStatus = Literal[tuple(ActionItem.Status.values)]
    ItemVerification = Literal[("", *ActionItem.Verification.values)]
    ItemOutcome = Literal[tuple(ActionItem.Outcome.values)]  # proven fixes


class ErrorOut(Schema):
    detail: str = Field(description="What went wrong, for people.")
    errors: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Messages per input field; `__all__` holds those about several fields.",
    )


class PersonOut(Schema):
    email: str
    display_name: str


def person(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"email": user.email, "display_name": user.display_name}


def web_url(path: str) -> str:
    return absolute_url(path)


class BodyIn(Schema):
    """A request body: a JSON object, nothing else. ninja's Schema reads attributes of
    any object it is given, so a bare string "x" would become {"title": "x".title()}."""

    @model_validator(mode="before")
    @classmethod
    def _an_object(cls, value: Any) -> Any:
        # ninja hands the body over wrapped in its attribute reader.
        raw = value._obj if isinstance(value, DjangoGetter) else value
        if not isinstance(raw, dict):
            raise ValueError("Send a JSON object with the fields named in the schema.")
        return value
