"""The outcome called obvious with hindsight, in words other than "obviously": "it was
plain as day that the script would remove the wrong members", "anyone could see the
disk was about to fill". Both judge the people who did not see it. A negation ("it was
not plain as day") or a question ("could anyone see it?") stays quiet.
"""

from collections.abc import Callable, Iterator

from postmortems.blameless.clauses import ENDS, Hit, negated_before, triggered_by
from postmortems.blameless.tokens import Token

_PLAIN = {"plain", "clear", "obvious"}
_ANYONE = {"anyone", "anybody", "everyone", "everybody"}
_SEEING = {"see", "seen", "tell", "told", "spot", "spotted", "predict", "predicted"}
_CLAUSE_VERBS = {"was", "were", "would", "had", "that", "is", "are", "will", "going"}


@triggered_by(_PLAIN, _ANYONE)
def _rule_plain_to_see(tokens: list[Token]) -> Iterator[Hit]:
    n = len(tokens)
    lows = [t.low for t in tokens]
    for i, low in enumerate(lows):
        if low in _PLAIN and lows[i + 1 : i + 3] == ["as", "day"]:
            if not negated_before(tokens, i):
                yield "judgement", tokens[i].start, tokens[i + 2].end
            continue
        if low not in _ANYONE or i + 2 >= n or lows[i + 1] != "could":
            continue
        k = i + 2 + (lows[i + 2] == "have")
        # what was seen is a clause ("the disk was about to fill"), not a thing anyone
        # could look at ("anyone could see the dashboard")
        after = lows[k + 1 : k + 9]
        stop = next((j for j, w in enumerate(after) if w in ENDS), len(after))
        seen = set(after[:stop]) & _CLAUSE_VERBS
        if (
            k < n
            and lows[k] in _SEEING
            and seen
            and lows[-1] != "?"
            and not negated_before(tokens, i)
        ):
            yield "judgement", tokens[i].start, tokens[k].end


RULES: tuple[Callable[[list[Token]], Iterator[Hit]], ...] = (_rule_plain_to_see,)
