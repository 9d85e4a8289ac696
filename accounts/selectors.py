"""Reads of people: who is active, who a typed term names, who matches a search."""

from dataclasses import dataclass, field

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from accounts.models import Team, User

# How many people an ambiguous term lists; more than that asks for more of the name.
MAX_CANDIDATES = 10
# How many people the type-ahead answers with.
SEARCH_LIMIT = 10


def active_people() -> QuerySet[User]:
    return User.objects.filter(is_active=True)


def words_match(query: str) -> Q:
    """Every word of `query` in the person's name or email (case-insensitive)."""
    condition = Q()
    for word in query.split():
        condition &= Q(display_name__icontains=word) | Q(email__icontains=word)
    return condition


@dataclass
class Match:
    """What one typed term names: `people` (at most MAX_CANDIDATES + 1, by name)."""

    term: str
    people: list[User] = field(default_factory=list)

    @property
    def person(self) -> User | None:
        return self.people[0] if len(self.people) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.people) > 1


def match_term(people: QuerySet[User], term: str) -> Match:
    """The people `term` names: an exact email, else an exact name, else every word
    in the name or email. At most two statements."""
    term = " ".join(term.split())
    ordered = people.order_by("display_name", "email", "pk")
    exact = list(
        ordered.filter(Q(email__iexact=term) | Q(display_name__iexact=term))[: MAX_CANDIDATES + 1]
    )
    by_email = [person for person in exact if person.email.lower() == term.lower()]
    if by_email:
        return Match(term, by_email[:1])
    if exact:
        return Match(term, exact)
    return Match(term, list(ordered.filter(words_match(term))[: MAX_CANDIDATES + 1]))


def split_terms(typed: str, *, multiple: bool) -> list[str]:
    if not multiple:
        return [typed.strip()] if typed.strip() else []
    return list(dict.fromkeys(term.strip() for term in typed.split(",") if term.strip()))


def people_matching(*, query: str, team: Team | None = None, limit: int = SEARCH_LIMIT):
    """The first `limit` active people (of `team`, if given) with every word of `query`
    in their name or email: those whose name or email starts with the query first,
    then those with a word of the name starting with it, then the rest, each by name.
    An empty query matches no one (the directory is never sent whole). Plain rows."""
    query = " ".join(query.split())[:100]
    if not query:
        return []
    people = active_people().filter(words_match(query))
    if team is not None:
        people = people.filter(memberships__team=team)
    rank = Case(
        When(Q(display_name__istartswith=query) | Q(email__istartswith=query), then=Value(0)),
        When(display_name__icontains=f" {query}", then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(
        people.annotate(rank=rank)
        .order_by("rank", "display_name", "email", "pk")
        .values_list("pk", "display_name", "email")[:limit]
    )
