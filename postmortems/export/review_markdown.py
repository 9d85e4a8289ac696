"""A postmortem as one Markdown document: a plain download, or an anonymised copy.

The anonymised copy replaces people by their role in the review ("Incident owner",
"Author 1", "Responder 1", "Action owner 1", "Team member 1"), the same role for the
same person everywhere: in the metadata and in every piece of free text, where
display names, first names, email addresses and @handles are replaced. Email
addresses of people the review does not know are removed too.
"""

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from lib.moments import duration_label as duration
from postmortems.models.review_templates import review_sections
from postmortems.models.reviews import Postmortem
from postmortems.selectors import postmortem_with_content

EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
UNKNOWN_EMAIL = "[email removed]"
AMBIGUOUS = "[name removed]"


class Anonymiser:
    """Maps people to roles and rewrites free text accordingly, in one regex pass
    (so a role label is never rewritten again)."""

    def __init__(self, people: list[tuple[User, str]]) -> None:
        self.roles: dict[int, str] = {}
        self._emails: dict[str, str] = {}
        insensitive: dict[str, str] = {}  # full names, handles: any case
        sensitive: dict[str, str] = {}  # first names: as written ("Will", not "will")
        for user, role in people:
            if user.pk in self.roles:
                continue  # the first (most specific) role wins
            self.roles[user.pk] = role
            self._emails[user.email.casefold()] = role
            local = user.email.split("@")[0]
            _add(insensitive, "@" + local, role)
            # A bare username only when it cannot be an ordinary word ("ops").
            if len(local) >= 3 and re.search(r"[\d._-]", local):
                _add(insensitive, local, role)
            if user.display_name.strip():
                _add(insensitive, user.display_name.strip(), role)
                first = user.display_name.split()[0]
                if len(first) >= 2 and first != user.display_name.strip():
                    _add(sensitive, first, role)
        self._insensitive = {key.casefold(): role for key, role in insensitive.items()}
        self._sensitive = sensitive
        parts = [f"(?P<email>{EMAIL})"]
        if insensitive:
            parts.append(f"(?i:(?<![\\w@])(?P<ci>{_alternatives(insensitive)})(?![\\w]))")
        if sensitive:
            parts.append(f"(?<![\\w@])(?P<cs>{_alternatives(sensitive)})(?!\\w)")
        self._pattern = re.compile("|".join(parts))

    def name(self, user: User | None) -> str:
        if user is None:
            return ""
        return self.roles.get(user.pk, "Someone")

    def text(self, value: str) -> str:
        return self._pattern.sub(self._replace, value) if value else value

    def _replace(self, match: re.Match) -> str:
        if match["email"] is not None:
            return self._emails.get(match["email"].casefold(), UNKNOWN_EMAIL)
        if match.groupdict().get("ci") is not None:
            return self._insensitive[match["ci"].casefold()]
        return self._sensitive[match["cs"]]


def _add(names: dict[str, str], key: str, role: str) -> None:
    """Two people answering to the same name: neither is named."""
    for existing in list(names):
        if existing.casefold() == key.casefold() and names[existing] != role:
            names[existing] = AMBIGUOUS
            return
    names.setdefault(key, role)


def _alternatives(names: dict[str, str]) -> str:
    return "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))


def anonymiser_for(postmortem: Postmortem) -> Anonymiser:
    """Roles, most specific first: the incident owner, the authors, the people who
    wrote the timeline, the action item owners, then the rest of the owning team."""
    postmortem_with_content(postmortem)
    incident = postmortem.incident
    events = list(postmortem.timeline_events.all())
    items = list(postmortem.action_items.all())
    others = {
        user.pk: user
        for user in User.objects.filter(
            Q(pk__in={e.created_by_id for e in events if e.created_by_id})
            | Q(memberships__team_id=incident.team_id)
        ).distinct()
    }
    people: list[tuple[User, str]] = []
    if incident.owner:
        people.append((incident.owner, "Incident owner"))
    people += _numbered("Author", sorted(postmortem.authors.all(), key=lambda u: u.pk))
    responders = [others[e.created_by_id] for e in events if e.created_by_id in others]
    people += _numbered("Responder", _unique(responders))
    people += _numbered("Action owner", _unique([i.owner for i in items if i.owner]))
    people += _numbered("Team member", sorted(others.values(), key=lambda u: u.pk))
    # Numbering counts only people not already named by an earlier role.
    return Anonymiser(_renumber(people))


def _unique(users: list[User]) -> list[User]:
    return list({user.pk: user for user in users}.values())


def _numbered(role: str, users: list[User]) -> list[tuple[User, str]]:
    return [(user, role) for user in users]


def _renumber(people: list[tuple[User, str]]) -> list[tuple[User, str]]:
    seen: set[int] = set()
    counters: dict[str, int] = {}
    result = []
    for user, role in people:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        if role != "Incident owner":
            counters[role] = counters.get(role, 0) + 1
            role = f"{role} {counters[role]}"
        result.append((user, role))
    return result


def postmortem_markdown(
    postmortem: Postmortem, *, tz: ZoneInfo, anonymiser: Anonymiser | None = None
) -> str:
    """The whole review as Markdown: title, metadata, sections, timeline, action items."""
    postmortem_with_content(postmortem)
    incident = postmortem.incident
    text: Callable[[str], str] = anonymiser.text if anonymiser else (lambda value: value)

    def name(user: User | None) -> str:
        if user is None:
            return "—"
        return anonymiser.name(user) if anonymiser else user.display_name

    def when(moment: datetime | None) -> str:
        return timezone.localtime(moment, tz).strftime("%Y-%m-%d %H:%M %Z") if moment else "—"

    authors = ", ".join(name(a) for a in postmortem.authors.all()) or "—"
    services = ", ".join(s.name for s in incident.services.all()) or "—"
    tags = ", ".join(t.name for t in postmortem.tags.all()) or "—"
    lines = [
        f"# {incident.reference}: {text(incident.title)}",
        "",
        f"- **Status:** {postmortem.get_status_display()}"
        + (f", published {when(postmortem.published_at)}" if postmortem.published_at else ""),
        f"- **Team:** {incident.team.name}",
        f"- **Severity:** {incident.get_severity_display()}",
        f"- **Incident owner:** {name(incident.owner)}",
        f"- **Authors:** {authors}",
        f"- **Services:** {services}",
        f"- **Tags:** {tags}",
        f"- **Started:** {when(incident.started_at)}",
        f"- **Detected:** {when(incident.detected_at)} "
        f"(time to detect {duration(incident.time_to_detect)})",
        f"- **Mitigated:** {when(incident.mitigated_at)} "
        f"(time to mitigate {duration(incident.time_to_mitigate)})",
        f"- **Resolved:** {when(incident.resolved_at)} "
        f"(time to resolve {duration(incident.time_to_resolve)})",
        "",
    ]
    for part in review_sections(postmortem):  # the review's own layout, custom sections too
        body = part.text.strip()
        lines += [f"## {text(part.label)}", "", text(body) if body else "_Not written._", ""]
    lines += ["## Timeline", ""]
    for event in postmortem.timeline_events.all():
        entry = f"- **{when(event.occurred_at)}** · {event.get_kind_display()}: {text(event.text)}"
        lines.append(_indent_continuation(entry))
        if event.source_url:
            lines.append(f"  Source: {text(event.source_url)}")
    if not postmortem.timeline_events.all():
        lines.append("_No timeline._")
    items = list(postmortem.action_items.all())
    commitments = [item for item in items if not item.is_idea]
    ideas = [item for item in items if item.is_idea]
    lines += ["", "## Action items", ""]
    for item in commitments:
        done = "x" if item.is_finished else " "
        due = item.due_date.isoformat() if item.due_date else "no date"
        # The type may be blank on a draft (readiness asks for it), as the emails allow.
        kind = f"{item.get_type_display()}, " if item.type else ""
        lines.append(
            f"- [{done}] **{text(item.title)}** ({kind}"
            f"{item.get_priority_display().lower()} priority) · owner: {name(item.owner)} "
            f"· due: {due} · {item.get_status_display()}"
        )
        if item.verification:
            check = item.get_verification_display()
            plan = f": {text(item.verification_plan)}" if item.verification_plan else ""
            lines.append(_indent_continuation(f"  How we will know it worked: {check}{plan}"))
        if item.wont_do_reason:
            lines.append(_indent_continuation(f"  Won't do: {text(item.wont_do_reason)}"))
        if item.description.strip():
            lines.append(_indent_continuation("  " + text(item.description.strip())))
        if item.tracker_url:
            lines.append(f"  Tracker: {text(item.tracker_url)}")
    if not commitments:
        lines.append("_No action items._")
    if ideas:
        lines += ["", "### Ideas (not committed)", ""]
        for item in ideas:
            lines.append(_indent_continuation(f"- {text(item.title)}"))
    return "\n".join(lines).rstrip() + "\n"


def _indent_continuation(entry: str) -> str:
    """Keep a multi-line text inside its list item."""
    return entry.replace("\r\n", "\n").replace("\n", "\n  ")
