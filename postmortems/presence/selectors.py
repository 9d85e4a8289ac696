"""Who else is in a review's editor, and what each slot beside a section shows."""

import datetime as dt
from dataclasses import dataclass, field

from postmortems.models.reviews import Postmortem
from postmortems.presence.models import ReviewPresence
from postmortems.presence.services import FRESH


def people_here(*, postmortem: Postmortem, now: dt.datetime) -> list[ReviewPresence]:
    """The review's rows seen in the last FRESH seconds, with their people, by name
    (the index pm_presence_here)."""
    return list(
        ReviewPresence.objects.filter(postmortem=postmortem, seen_at__gte=now - FRESH)
        .select_related("user")
        .order_by("user__display_name", "user_id")
    )


@dataclass
class Person:
    name: str
    section: str  # its label; blank: reading

    @property
    def initials(self) -> str:
        words = self.name.split()
        letters = [word[0] for word in words[:1] + words[1:][-1:]]
        return "".join(letters).upper() or "?"


@dataclass
class Slot:
    name: str
    people: list[Person] = field(default_factory=list)


def presence_for(
    *, rows: list[ReviewPresence], viewer_id: int, parts: dict[str, str]
) -> tuple[list[Person], list[Slot]]:
    """The others in the editor (the viewer's own tabs left out), and one slot per
    section of the editor with those editing it (empty slots clear the page's)."""
    others: list[Person] = []
    slots = {name: Slot(name=name) for name in parts}
    for row in rows:
        if row.user_id == viewer_id:
            continue
        person = Person(name=row.user.display_name or "Someone", section=parts.get(row.section, ""))
        others.append(person)
        if row.section in slots:
            slots[row.section].people.append(person)
    return others, list(slots.values())
