"""Blame written indirectly: the person is not the subject of a blaming verb, but the
sentence still hands them the cause.

- a passive with a person as its agent: "the data was corrupted by the admin", "the
  outage was triggered by the on-call engineer's restart" (a cause verb such as
  "triggered" counts only when what it acts on is an incident: "the failover was
  triggered by the on-call" describes a response);
- a person letting something go wrong: "our DBA let the counter wrap around", "ops
  allowed the certificate to expire";
- blame placed on someone: "the blame for the lost files belongs to the developer who
  ...", "the fault lies squarely with the payments team".

Each reads the structure of the clause through clauses.py, so the same shapes with a
system ("corrupted by a migration script", "the scheduler let the job overlap") stay
quiet.
"""

from collections.abc import Callable, Iterator

from postmortems.blameless import lexicon, words
from postmortems.blameless.clauses import (
    CLAUSE_PUNCT,
    Hit,
    clause_start,
    is_person,
    is_person_possessive,
    negated_before,
    person_after,
    subject,
)
from postmortems.blameless.tokens import Token

_PARTICLES = {"down", "over", "off", "out", "up", "offline"}
_AGENT_ENDS = {"of", "in", "on", "with", "during", "for", "from", "to", "at", "after", "."}
_ERROR_WORDS = {"error", "errors", "mistake", "mistakes"}


def _agent(tokens: list[Token], by: int) -> int | None:
    """Index of a person (or a person's possessive) in the noun phrase after "by"."""
    for j in range(by + 1, min(len(tokens), by + 6)):
        token = tokens[j]
        low = token.low
        if low in CLAUSE_PUNCT or low in words.CLAUSE_WORDS or low in _AGENT_ENDS:
            return None
        following = tokens[j + 1].low if j + 1 < len(tokens) else ""
        if following in _ERROR_WORDS:
            return None  # "by operator error" is the human_error rule's business
        if is_person(token, self_counts=False) or is_person_possessive(token, self_counts=False):
            return j
    return None


def _rule_passive_agent(tokens: list[Token]) -> Iterator[Hit]:
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        harm = low in words.HARM_PARTICIPLES
        if not harm and low not in words.CAUSE_PARTICIPLES:
            continue
        by = i + 1
        if by < n and tokens[by].low in _PARTICLES:
            by += 1
        elif by + 1 < n and (tokens[by].low, tokens[by + 1].low) == ("in", "motion"):
            by += 2  # "set in motion by"
        elif low in {"taken", "brought", "knocked", "set", "kicked"}:
            continue  # "taken by the on-call" is not "taken down by the on-call"
        if by >= n or tokens[by].low != "by":
            continue
        incidents = words.INCIDENT_NOUNS | lexicon.HARM_NOUNS
        if not harm and not any(t.low in incidents for t in tokens[max(0, i - 8) : i]):
            continue
        person = _agent(tokens, by)
        if person is not None and not negated_before(tokens, i):
            yield "blame", token.start, tokens[person].end


_SLIPS = words.SLIP_NOUNS | lexicon.MORE_SLIP_NOUNS
_LETTING = {"let", "lets", "letting", "allowed", "allows", "allowing"}


def _rule_let_fail(tokens: list[Token]) -> Iterator[Hit]:
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low not in _LETTING:
            continue
        if subject(tokens, i, self_counts=False) != "person" or negated_before(tokens, i):
            continue
        if any(t.low in _SLIPS for t in tokens[clause_start(tokens, i) : i]):
            continue  # "staff oversight let the domain expire": a slip, for judging.py
        for j in range(i + 1, min(n, i + 8)):
            low = tokens[j].low
            if low in CLAUSE_PUNCT or (low in words.CLAUSE_WORDS and low != "that"):
                break
            if low in words.FAILURE_VERBS:
                start = clause_start(tokens, i)
                first = next((t for t in tokens[start:i] if is_person(t, self_counts=False)), token)
                yield "blame", first.start, tokens[j].end
                break


_NOUN_BEFORE = {"the", "all", "full", "much", "most", "some", "any", "primary", "main", "real"}
_PLACED = {"with", "on", "to"}


def _for_an_incident(tokens: list[Token], i: int) -> bool:
    """ "Responsibility for the S3 outage": what is placed is an incident."""
    if i + 1 >= len(tokens) or tokens[i + 1].low != "for":
        return False
    return any(t.low in words.INCIDENT_NOUNS for t in tokens[i + 2 : i + 6])


def _rule_blame_placed(tokens: list[Token]) -> Iterator[Hit]:
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low not in {"blame", "fault"} | lexicon.PLACED_NOUNS:
            continue
        if token.low in lexicon.PLACED_NOUNS and not _for_an_incident(tokens, i):
            continue  # "responsibility for paging rests with the SRE team" is ownership
        prev = tokens[i - 1].low if i else ""
        if i != clause_start(tokens, i) and prev not in _NOUN_BEFORE:
            continue  # "we blame", "to blame": the verb, which rules.py reads
        for j in range(i + 1, min(n, i + 15)):
            low = tokens[j].low
            if low in CLAUSE_PUNCT or low in words.CLAUSE_WORDS:
                break
            if low not in words.PLACING_VERBS:
                continue
            k = j + 1
            while k < n and tokens[k].low in words.PINNING_ADVERBS:
                k += 1
            if k < n and tokens[k].low in _PLACED:
                person = person_after(tokens, k, limit=4)
                if person is not None and not negated_before(tokens, i):
                    yield "blame", token.start, tokens[person].end
            break


RULES: tuple[Callable[[list[Token]], Iterator[Hit]], ...] = (
    _rule_passive_agent,
    _rule_let_fail,
    _rule_blame_placed,
)
