"""Types shared by the API's schemas: bounded numbers, clean text, people, errors."""

import unicodedata
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator

from accounts.models import User
from postmortems.emails import absolute_url
from postmortems.models import ActionItem, Incident, Postmortem, Severity, TimelineEvent


def _clean_text(value: str) -> str:
    """NUL and lone surrogates cannot be stored (PostgreSQL refuses NUL, every database
    refuses half a UTF-16 pair): refuse them here, as a 422, not at the database."""
    if "\x00" in value or any(unicodedata.category(c) == "Cs" for c in value):
        raise ValueError("Text may not contain NUL characters or lone surrogates.")
    return value


Text = Annotated[str, AfterValidator(_clean_text)]
# Bounded like the database columns, so no number reaches a query it overflows.
IncidentNumber = Annotated[int, Field(ge=1, le=999_999_999, description="42 for INC-42")]
Revision = Annotated[
    int,
    Field(ge=0, le=2_147_483_647, description="The revision the client last read."),
]

SeverityValue = Literal[tuple(Severity.values)]  # type: ignore[valid-type]
IncidentStatus = Literal[tuple(Incident.Status.values)]  # type: ignore[valid-type]
PostmortemStatus = Literal[tuple(Postmortem.Status.values)]  # type: ignore[valid-type]
SectionName = Literal[Postmortem.SECTION_NAMES]  # type: ignore[valid-type]
EventKind = Literal[tuple(TimelineEvent.Kind.values)]  # type: ignore[valid-type]
ItemPriority = Literal[tuple(ActionItem.Priority.values)]  # type: ignore[valid-type]
ItemType = Literal[("", *ActionItem.Type.values)]  # type: ignore[valid-type]
ItemStatus = Literal[tuple(ActionItem.Status.values)]  # type: ignore[valid-type]


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
