"""Blame told as a sequence: a system failed right after a person acted, and the
sentence leaves the reader to join the two. "The private cloud vanished after Fernanda
left a parameter blank", "the API slowed to a crawl after Tomasz changed the index".

The same shape stays quiet when the person only noticed, reported or joined ("the
database crashed after Ana paged the DBA" is a timeline), when the outcome is good ("the
service recovered after Ana restarted it"), when what came after was done to the person
("after the on-call was paged"), and when a system acted ("after the cron job ran").
"""

from collections.abc import Callable, Iterator

from postmortems.blameless import lexicon
from postmortems.blameless.clauses import (
    ENDS,
    Hit,
    clause_start,
    is_past_verb,
    negated_before,
    person_in,
    subject,
    triggered_by,
)
from postmortems.blameless.tokens import Token

# What a system does when it fails: a verb on its own, or with the word that must follow.
_FAILED: dict[str, set[str] | None] = dict.fromkeys(lexicon.FAILING_VERBS)
_FAILED |= {
    "went": lexicon.DOWN_WORDS | {"read-only", "away", "silent"},
    "fell": {"over", "apart", "down"},
    "melted": {"down"}, "ground": {"to"}, "locked": {"up"},
}  # fmt: skip


def _failed_before(tokens: list[Token], after: int) -> bool:
    """The clause before "after" says a system failed."""
    start = clause_start(tokens, after - 1)
    for k in range(start, after):
        low = tokens[k].low
        if low not in _FAILED:
            continue
        needs = _FAILED[low]
        if needs is not None and (k + 1 >= after or tokens[k + 1].low not in needs):
            continue
        return subject(tokens, k, self_counts=False) == "system" and not negated_before(tokens, k)
    return False


@triggered_by({"after"})
def _rule_failed_after_act(tokens: list[Token]) -> Iterator[Hit]:
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low != "after" or i < 2 or not _failed_before(tokens, i):
            continue
        person = person_in(tokens, i + 1, i + 4)
        if person is None:
            continue
        verb = next(
            (k for k in range(person + 1, min(n, person + 4)) if is_past_verb(tokens[k].low)),
            None,
        )
        if verb is None or any(t.low in ENDS for t in tokens[person:verb]):
            continue
        if tokens[verb].low in lexicon.NOTICING_VERBS:
            continue  # "after Ana paged the DBA", "after the on-call was paged"
        yield "blame", tokens[person].start, tokens[verb].end


RULES: tuple[Callable[[list[Token]], Iterator[Hit]], ...] = (_rule_failed_after_act,)
