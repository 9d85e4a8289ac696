"""Judgement and human error read from how a person acted: judging adjectives, adverbs,
verbs and idioms whose doer (clauses.actor) is a person, a role or a person's
possessive, and slips linked to a person. The same words about a system ("the retry
logic handled the partition badly", "the old deploy script was clumsy") stay quiet.

- judgement: "the on-call's response was shambolic", "whoever wrote that cron job was
  clueless", "the release engineer's rushed deploy", "a bone-headed move by the release
  manager", "handled the rollback badly", "a junior engineer blundered", "cut corners",
  "dragged their feet", "lost her nerve", "out of her depth", "asleep on the job";
- human error: "a technician's misstep", "a copy-paste error by the on-call engineer",
  "a slip during maintenance by the person running the playbook", "staff oversight",
  "an administrator keyed in the wrong subnet mask".
"""

from collections.abc import Callable, Iterator

from postmortems.blameless import lexicon, words
from postmortems.blameless.clauses import (
    ENDS,
    Hit,
    actor,
    clause_start,
    is_past_verb,
    is_person_possessive,
    negated_before,
    person_in,
    triggered_by,
)
from postmortems.blameless.tokens import Token

_BE = {"is", "was", "are", "were", "been", "be", "'s", "seemed", "looked", "got", "became"}
_DEGREE = {
    "too", "so", "very", "completely", "totally", "utterly", "frankly", "pretty", "rather",
    "really", "simply", "just", "clearly", "quite", "thoroughly", "woefully", "hopelessly",
    "downright", "plain", "a", "bit", "little", "being", "fairly", "extremely", "complete",
    "total", "absolute", "utter", "an", "real", "of", "half", "all", "plainly", "painfully",
    "nothing", "short",
}  # fmt: skip
_STRONG = lexicon.JUDGING_ADJECTIVES - lexicon.WEAK_JUDGING


def _judged(tokens: list[Token], i: int, *, self_counts: bool = True) -> bool:
    return actor(tokens, i, self_counts=self_counts) == "person" and not negated_before(tokens, i)


@triggered_by(_BE)
def _rule_judging_predicate(tokens: list[Token]) -> Iterator[Hit]:
    """A person, or a person's action, is called something judging: "the incident
    commander was out of her depth", "the on-call's response was shambolic"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low not in _BE:
            continue
        k = i + 1
        while k < n and tokens[k].low in _DEGREE:
            k += 1
        while (
            k + 2 < n
            and tokens[k + 1].low == "and"
            and (tokens[k].low in lexicon.WEAK_JUDGING or tokens[k + 2].low in _STRONG)
        ):
            k += 2  # "half asleep and useless", "painfully slow and disorganised"
        fiasco = (
            k < n and tokens[k].low in lexicon.FIASCO_NOUNS and tokens[i + 1].low in {"a", "an"}
        )
        if not fiasco and (k >= n or tokens[k].low not in _STRONG) and not _too_much(tokens, k):
            continue
        if k + 1 < n and tokens[k + 1].low in words.DESIGN_NOUNS:
            continue
        if _judged(tokens, i):
            yield "judgement", tokens[k].start, tokens[k].end


_PACE = {"late", "slowly", "long", "early", "quickly", "soon", "casually", "lightly"}


@triggered_by({"too"})
def _rule_far_too(tokens: list[Token]) -> Iterator[Hit]:
    """ "Support escalated far too late", "the on-call waited way too long": a person's
    pace judged. The same words of a system ("the alert fired far too late") are about
    the alert's design."""
    for i, token in enumerate(tokens):
        if token.low != "too" or i < 2 or i + 1 >= len(tokens):
            continue
        if tokens[i - 1].low not in {"far", "much", "way"} or tokens[i + 1].low not in _PACE:
            continue
        verb = next(
            (k for k in range(i - 2, clause_start(tokens, i) - 1, -1) if _verb(tokens, k)), None
        )
        if verb is not None and _judged(tokens, verb, self_counts=False):
            yield "judgement", tokens[i - 1].start, tokens[i + 1].end


def _too_much(tokens: list[Token], k: int) -> bool:
    """ "The on-call was too slow to escalate": "too" and a word of pace or temper."""
    return k < len(tokens) and tokens[k - 1].low == "too" and tokens[k].low in lexicon.TOO_WORDS


@triggered_by(lexicon.JUDGING_ADJECTIVES)
def _rule_judging_modifier(tokens: list[Token]) -> Iterator[Hit]:
    """A judging word on a person's action: "the release engineer's rushed deploy", "a
    bone-headed move by the release manager", "Yusuf made a poor call"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low not in lexicon.JUDGING_ADJECTIVES:
            continue
        noun = next(
            (k for k in range(i + 1, min(n, i + 3)) if tokens[k].low in lexicon.ACTION_NOUNS),
            None,
        )
        if noun is None or negated_before(tokens, i):
            continue
        if token.low in lexicon.WEAK_JUDGING and tokens[noun].low not in lexicon.DECISION_NOUNS:
            continue  # "a bad merge by Ayesha" names the merge; "a bad call" judges
        owner = any(is_person_possessive(t, self_counts=False) for t in tokens[max(0, i - 2) : i])
        after = tokens[noun + 1].low if noun + 1 < n else ""
        by = after in {"by", "from"} and person_in(tokens, noun + 2, noun + 6) is not None
        article = i >= 2 and tokens[i - 1].low in {"a", "an", "some", "one", "another"}
        made = article and _made_by_person(tokens, i - 2)
        if owner or by or made:
            yield "judgement", token.start, tokens[noun].end


def _made_by_person(tokens: list[Token], k: int) -> bool:
    low = tokens[k].low
    doing = {"made", "makes", "make", "did", "does", "do", "took", "showed", "pulled"}
    return low in doing and actor(tokens, k) == "person"


@triggered_by(lexicon.JUDGING_VERBS, lexicon.JUDGING_ADVERBS)
def _rule_judging_manner(tokens: list[Token]) -> Iterator[Hit]:
    """ "Yusuf handled the rollback badly", "a junior engineer blundered through the
    runbook": a judging adverb or verb with a person doing it."""
    for i, token in enumerate(tokens):
        low = token.low
        if low in lexicon.JUDGING_VERBS:
            if _judged(tokens, i, self_counts=False) or _passive_by_person(tokens, i, 6):
                yield "judgement", token.start, token.end
            continue
        if low not in lexicon.JUDGING_ADVERBS:
            continue
        start = clause_start(tokens, i)
        verb = next((k for k in range(start, i + 2) if k < len(tokens) and _verb(tokens, k)), None)
        active = verb is not None and verb != i and _judged(tokens, verb)
        if active or _passive_by_person(tokens, i):
            yield "judgement", token.start, token.end


def _passive_by_person(tokens: list[Token], i: int, within: int = 4) -> bool:
    """ "The rollback was handled incompetently by the release team", "the failover was
    bungled from start to finish by the platform team"."""
    for k in range(i + 1, min(len(tokens), i + within)):
        if tokens[k].low in ENDS:
            return False
        if tokens[k].low == "by":
            return person_in(tokens, k + 1, k + 5) is not None and not negated_before(tokens, i)
    return False


def _verb(tokens: list[Token], k: int) -> bool:
    low = tokens[k].low
    return is_past_verb(low) and low not in words.IRREGULAR_PAST - {"made", "had"}


_IDIOMS_BY_FIRST: dict[str, list[tuple[tuple[str, ...], set[str]]]] = {}
for _head, _tails in lexicon.JUDGING_IDIOMS:
    _IDIOMS_BY_FIRST.setdefault(_head[0], []).append((_head, _tails))


@triggered_by(_IDIOMS_BY_FIRST)
def _rule_judging_idiom(tokens: list[Token]) -> Iterator[Hit]:
    """ "cut corners", "dragged their feet", "lost her nerve", "out of her depth",
    "asleep on the job", "poor judgement", "half a brain"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        for head, tails in _IDIOMS_BY_FIRST.get(token.low, ()):
            if tuple(t.low for t in tokens[i : i + len(head)]) != head:
                continue
            k = i + len(head)
            if tails:
                if k < n and tokens[k].low in words.POSSESSIVE_PRONOUNS | {"its", "our", "my"}:
                    k += 1
                if k < n and tokens[k].low in {"one", "only", "own"}:
                    k += 1  # "failed at their one job"
                if k >= n or tokens[k].low not in tails:
                    continue
            else:
                k -= 1
            if negated_before(tokens, i) and head[0] not in {"not", "wasn't", "weren't"}:
                break
            person = head[0] in {"poor", "bad", "half", "lapse", "cowboy"} or (
                actor(tokens, i) == "person"
            )
            if person:
                yield "judgement", token.start, tokens[k].end
            break


# ---- human error -----------------------------------------------------------------------

_SLIPS = lexicon.MORE_SLIP_NOUNS | words.SLIP_NOUNS
_MANUAL = {"manual", "human", "operator", "user", "keyboard", "clerical", "operational"}


@triggered_by(_SLIPS)
def _rule_slip_linked(tokens: list[Token]) -> Iterator[Hit]:
    """A slip linked to a person: "a technician's misstep", "a copy-paste error by the
    on-call engineer", "a simple slip during routine maintenance by the person running
    the playbook", "staff oversight", "a manual mistake"."""
    for i, token in enumerate(tokens):
        low = token.low
        if low not in _SLIPS:
            continue
        if i + 1 < len(tokens) and tokens[i + 1].low in words.ERROR_COMPOUNDS:
            continue  # "error budgets", "error handling": things, not slips
        prev = tokens[i - 1] if i else None
        linked = False
        if prev is not None:
            linked = prev.low in words.ROLES - {"team", "teams", "people"} or (
                low not in words.FAULT_NOUNS and is_person_possessive(prev, self_counts=False)
            )
        if not linked and i >= 2 and low not in words.FAULT_NOUNS:
            linked = is_person_possessive(tokens[i - 2], self_counts=False)
        if not linked and prev is not None and prev.low in _MANUAL and low != "oversight":
            linked = prev.low in {"manual", "clerical", "keyboard"}
        if not linked and low not in lexicon.FAILINGS:
            linked = _slip_by(tokens, i) or _made_slip(tokens, i)
        prevention = {t.low for t in tokens[max(0, i - 5) : i]} & words.PREVENTION_WORDS
        if linked and not prevention and not negated_before(tokens, i):
            yield "human_error", token.start, token.end


def _made_slip(tokens: list[Token], i: int) -> bool:
    """ "Seung-min made a rookie error": a person made the slip."""
    for k in range(i - 1, max(-1, i - 5), -1):
        low = tokens[k].low
        if low in {"made", "makes", "make", "committed"}:
            return actor(tokens, k) == "person"
        if low in ENDS:
            return False
    return False


@triggered_by(lexicon.SLIP_VERBS, lexicon.SLIP_ADVERBS, {"mixed", "muddled"})
def _rule_slip_verb(tokens: list[Token]) -> Iterator[Hit]:
    """ "The technician mixed up the two breakers", "a DBA mistakenly ran the cleanup"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        nxt = tokens[i + 1].low if i + 1 < n else ""
        if low in lexicon.SLIP_VERBS or (low in {"mixed", "muddled"} and nxt == "up"):
            verb = i
        elif low in lexicon.SLIP_ADVERBS and nxt:
            verb = i + 1  # the verb the adverb comes before
        else:
            continue
        if i and tokens[i - 1].low in {"the", "a", "an"}:
            continue  # "the confused operator"
        if _judged(tokens, verb, self_counts=False):
            yield "human_error", token.start, tokens[verb].end


def _slip_by(tokens: list[Token], i: int) -> bool:
    n = len(tokens)
    for j in range(i + 1, min(n, i + 7)):
        low = tokens[j].low
        if low in ENDS or low in {"that", "which", "because", "when", "while"}:
            return False
        if low == "part" and is_person_possessive(tokens[j - 1], self_counts=False):
            return True  # "a mistake on the engineer's part"
        if low in {"by", "from"} or (low == "part" and tokens[j - 1].low == "the"):
            nxt = j + 2 if low == "part" else j + 1
            return person_in(tokens, nxt, nxt + 4) is not None
    return False


@triggered_by(lexicon.INPUT_VERBS)
def _rule_wrong_input(tokens: list[Token]) -> Iterator[Hit]:
    """ "An administrator keyed in the wrong subnet mask", "the operator who typed the
    wrong capacity figure"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low not in lexicon.INPUT_VERBS:
            continue
        wrong = next(
            (
                k
                for k in range(i + 1, min(n, i + 5))
                if tokens[k].low in lexicon.WRONG_WORDS and tokens[k - 1].low != "went"
            ),
            None,
        )
        if wrong is None or any(t.low in ENDS for t in tokens[i + 1 : wrong]):
            continue
        if _judged(tokens, i, self_counts=False):
            yield "human_error", token.start, tokens[wrong].end


@triggered_by(lexicon.WRONG_WORDS)
def _rule_wrong_by(tokens: list[Token]) -> Iterator[Hit]:
    """ "The wrong cluster was selected by the operator": a wrong input, passive."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low not in lexicon.WRONG_WORDS:
            continue
        for k in range(i + 1, min(n, i + 6)):
            if tokens[k].low in ENDS:
                break
            if tokens[k].low in lexicon.INPUT_VERBS and k + 1 < n and tokens[k + 1].low == "by":
                person = person_in(tokens, k + 2, k + 6)
                if person is not None and not negated_before(tokens, i):
                    yield "human_error", token.start, tokens[person].end
                break


RULES: tuple[Callable[[list[Token]], Iterator[Hit]], ...] = (
    _rule_judging_predicate,
    _rule_judging_modifier,
    _rule_judging_manner,
    _rule_judging_idiom,
    _rule_far_too,
    _rule_slip_linked,
    _rule_wrong_input,
    _rule_wrong_by,
    _rule_slip_verb,
)
