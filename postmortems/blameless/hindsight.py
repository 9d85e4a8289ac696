"""Hindsight read from what a person did not do: the doer of a verb (clauses.actor) is a
person, a role or a group, and the verb or its frame says a step was passed over.

- passing over or missing a signal: "Priyanka omitted the staging step", "the on-call
  engineers missed the warning", "the SREs sat on the alert", "Ops never looked at the
  capacity dashboard";
- deciding against a step: "Leila chose not to run the smoke tests", "it never occurred
  to the operator to check";
- not making the effort: "never got around to", "no one took the time to", "did not
  care to", "nobody took ownership of";
- a duty left undone: "was supposed to verify the backups but never did", "checking the
  lag was Bongani's job, and he never did it";
- an inverted condition: "Were the reviewer paying attention, ... would have".

The same verbs with a system as the doer ("the config service never got around to
renewing the certificate") stay quiet.
"""

from collections.abc import Callable, Iterator

from postmortems.blameless import lexicon, words
from postmortems.blameless.clauses import (
    ENDS,
    Hit,
    actor,
    clause_object,
    clause_start,
    doer_start,
    is_negation,
    is_person,
    is_person_possessive,
    negated_before,
    person_in,
    subject,
    triggered_by,
)
from postmortems.blameless.tokens import Token


@triggered_by(
    lexicon.PASSING_VERBS, lexicon.MISSING_VERBS, lexicon.DILIGENCE_VERBS, lexicon.DILIGENCE_BASE
)
def _rule_passed_over(tokens: list[Token]) -> Iterator[Hit]:
    """ "Priyanka omitted the staging step", "the SRE passed over the alert", "the
    on-call engineers missed the warning"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        if low in lexicon.PASSING_VERBS:
            particle = lexicon.PASSING_PARTICLES.get(low)
            if particle is not None and (i + 1 >= n or tokens[i + 1].low != particle):
                continue
            signal = any(t.low in lexicon.SIGNAL_NOUNS for t in clause_object(tokens, i, 5))
            if low == "sat" and not signal:
                continue  # "sat on the bridge call"
            end = tokens[i + 1].end if particle else token.end
        elif low in lexicon.DILIGENCE_VERBS and i and tokens[i - 1].low == "never":
            end = token.end  # "Ops never looked at the capacity dashboard"
        elif low in lexicon.DILIGENCE_BASE and _just_did_not(tokens, i):
            end = token.end  # "the admin just didn't look"
        elif low in lexicon.MISSING_VERBS - {"overlooked"}:
            if not any(t.low in lexicon.SIGNAL_NOUNS for t in clause_object(tokens, i, 5)):
                continue
            end = token.end
        else:
            continue
        never = low in lexicon.DILIGENCE_VERBS or low in lexicon.DILIGENCE_BASE
        if subject(tokens, i, self_counts=False) == "person" and (
            never or not negated_before(tokens, i)
        ):
            yield "counterfactual", doer_start(tokens, i), end


def _just_did_not(tokens: list[Token], i: int) -> bool:
    """ "just didn't", "simply did not": the step passed over, with the writer's
    impatience; a plain "didn't look" may be a fact of the timeline."""
    lows = [t.low for t in tokens[max(0, i - 3) : i]]
    if lows[-1:] == ["not"]:
        lows = lows[:-1]
    return len(lows) >= 2 and lows[-1] in {"didn't", "did"} and lows[-2] in {"just", "simply"}


# Steps passed over, in the infinitive: "chose to ignore the warning".
_PASS_OVER = {"ignore", "skip", "bypass", "disregard", "overlook", "neglect", "override"}
_PASS_OVER |= {"silence", "snooze", "mute", "dismiss", "disable"}


@triggered_by(lexicon.CHOOSING_VERBS, {"occurred", "occur"})
def _rule_chose_not(tokens: list[Token]) -> Iterator[Hit]:
    """ "Leila chose not to run the smoke tests", "it never occurred to the operator to
    check the lag"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        nxt = tokens[i + 1].low if i + 1 < n else ""
        chose_not = low in lexicon.CHOOSING_VERBS and nxt in {"not", "against"}
        # "the SRE chose to ignore the warning": choosing to pass a step over
        chose_to_skip = (
            low in lexicon.CHOOSING_VERBS
            and nxt == "to"
            and i + 2 < n
            and tokens[i + 2].low in _PASS_OVER
            and not {t.low for t in tokens[i + 3 :]} & lexicon.REASON_WORDS
        )
        if (chose_not or chose_to_skip) and subject(tokens, i, self_counts=False) == "person":
            yield "counterfactual", doer_start(tokens, i), tokens[i + 1 + chose_to_skip].end
        elif (
            low in {"occurred", "occur"}
            and nxt == "to"
            and negated_before(tokens, i)
            and person_in(tokens, i + 2, i + 5) is not None
        ):
            yield "counterfactual", token.start, tokens[i + 1].end


_EFFORT_BY_FIRST: dict[str, list[tuple[str, ...]]] = {}
for _phrase in lexicon.EFFORT_PHRASES:
    _EFFORT_BY_FIRST.setdefault(_phrase[0], []).append(_phrase)


@triggered_by(lexicon.OMISSION_NOUNS, lexicon.WARNING_VERBS, {"forgot", "forgets", "forgotten"})
def _rule_omitted(tokens: list[Token]) -> Iterator[Hit]:
    """ "Our DBA's failure to test the restore", "nobody raised the alarm about the lag",
    "Julien forgot about the certificate"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        nxt = tokens[i + 1].low if i + 1 < n else ""
        if low in lexicon.OMISSION_NOUNS and nxt == "to" and i:
            if is_person_possessive(tokens[i - 1], self_counts=False):
                yield "counterfactual", tokens[i - 1].start, tokens[i + 1].end
        elif low in lexicon.WARNING_VERBS and _nobody(tokens, i):
            yield "counterfactual", token.start, token.end
        elif low in {"forgot", "forgets", "forgotten"} and nxt in _FORGOT_WHAT:
            who = subject(tokens, i, self_counts=False)
            if who == "person" and not negated_before(tokens, i):
                yield "counterfactual", doer_start(tokens, i), token.end


def _nobody(tokens: list[Token], i: int) -> bool:
    """The clause of the verb at `i` opens with no person: "nobody", "no one", "no
    engineer"; not "nothing flagged the loop", which is about the system."""
    start = clause_start(tokens, i)
    if start >= i:
        return False
    first = tokens[start].low
    second = tokens[start + 1] if start + 1 < i else None
    if first in {"nobody", "noone", "no-one"}:
        return True
    return (
        first in {"no", "not"}
        and second is not None
        and (second.low == "one" or is_person(second, self_counts=False))
    )


_FORGOT_WHAT = {"about", "that", "the", "his", "her", "their", "its", "which", "how", "where"}


@triggered_by(phrase[0] for phrase in lexicon.EFFORT_PHRASES)
def _rule_no_effort(tokens: list[Token]) -> Iterator[Hit]:
    """ "Kwabena never got around to ...", "no one took the time to ...", "did not care
    to", "nobody bothered checking"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        for phrase in _EFFORT_BY_FIRST.get(token.low, ()):
            if i + len(phrase) > n:
                continue
            if tuple(t.low for t in tokens[i : i + len(phrase)]) != phrase:
                continue
            who = subject(tokens, i)
            if who == "negative" or (who in {"person", "none"} and negated_before(tokens, i)):
                if who == "none" and phrase[0] not in {"be", "care", "cared"}:
                    break
                yield "counterfactual", token.start, tokens[i + len(phrase) - 1].end
            break


@triggered_by(lexicon.DUTY_WORDS, lexicon.DUTY_NOUNS)
def _rule_duty_undone(tokens: list[Token]) -> Iterator[Hit]:
    """ "The team was supposed to verify the backups but never did", "the on-call needed
    to escalate and didn't"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        # "Checking the lag was Bongani's job, and he never did it"
        owed = token.low in lexicon.DUTY_NOUNS and i > 0
        if owed and not is_person_possessive(tokens[i - 1], self_counts=False):
            continue
        duty = token.low in lexicon.DUTY_WORDS and i + 1 < n and tokens[i + 1].low == "to"
        if not owed and not (duty and subject(tokens, i) == "person"):
            continue
        if negated_before(tokens, i):
            continue
        for j in range(i + 2, min(n, i + 16)):
            if tokens[j].low not in {"but", "and", "yet"}:
                continue
            undone = next(
                (k for k in range(j + 1, min(n, j + 4)) if tokens[k].low in lexicon.UNDONE_WORDS),
                None,
            )
            other = is_person(tokens[j + 1], self_counts=False)
            if undone is not None and (not other or tokens[j + 1].low in words.PERSON_PRONOUNS):
                yield "counterfactual", token.start, tokens[undone].end
            break


@triggered_by(
    {"left", "leaves", "leaving", "let", "lets", "letting", "waved", "waves", "sat", "stood"}
)
def _rule_let_pass(tokens: list[Token]) -> Iterator[Hit]:
    """ "Pieter left the backup verification undone", "Amira let it slide", "the
    reviewers let the change through", "waved the config through": a person passing a
    step over, as the verb's doer; "support sat by while the error rate climbed"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        if low in {"sat", "stood"}:
            by_while = [t.low for t in tokens[i + 1 : i + 3]] in (["by", "while"], ["by", "as"])
            worsening = {t.low for t in tokens[i + 3 : i + 12]} & _WORSENING
            if (
                by_while
                and worsening
                and actor(tokens, i) == "person"
                and not negated_before(tokens, i)
            ):
                yield "counterfactual", doer_start(tokens, i), tokens[i + 1].end
            continue
        if low in {"left", "leaves", "leaving"}:
            wanted = lexicon.UNDONE_STATES
        elif low in {"let", "lets", "letting"}:
            wanted = lexicon.LET_PASS_WORDS
        elif low in {"waved", "waves"}:
            wanted = {"through"}
        else:
            continue
        end = next(
            (k for k in range(i + 2, min(n, i + 7)) if tokens[k].low in wanted),
            None,
        )
        if end is None or any(t.low in ENDS for t in tokens[i + 1 : end]):
            continue
        if actor(tokens, i) == "person" and not negated_before(tokens, i):
            yield "counterfactual", doer_start(tokens, i), tokens[end].end


@triggered_by({"why", "up"})
def _rule_asked_why_not(tokens: list[Token]) -> Iterator[Hit]:
    """ "Why didn't Lucía stop the rollout?", "it was up to the reviewer to notice the
    missing limit": what a person should have done, as a question or a duty."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        nxt = tokens[i + 1].low if i + 1 < n else ""
        if low == "why" and nxt in _NOT_DONE and clause_start(tokens, i) == i:
            person = person_in(tokens, i + 2, i + 5)
            if person is not None:
                yield "counterfactual", token.start, tokens[person].end
        elif low == "up" and nxt == "to" and i and tokens[i - 1].low in _BE_PAST:
            person = person_in(tokens, i + 2, i + 5)
            if person is None or person + 1 >= n or tokens[person + 1].low != "to":
                continue
            if tokens[i + 2 : person + 1] and not negated_before(tokens, i):
                yield "counterfactual", tokens[i - 1].start, tokens[person].end


# "... while the error rate climbed": things getting worse while someone watched.
_WORSENING = lexicon.FAILING_VERBS | {"climbed", "grew", "rose", "spiked", "filled", "piled"}
_WORSENING |= {"burned", "spread", "worsened", "mounted", "soared"}
_NOT_DONE = {"didn't", "wasn't", "weren't", "hadn't", "couldn't", "wouldn't"}
_BE_PAST = {"was", "is", "were", "are"}


@triggered_by({"were", "should"})
def _rule_inverted_condition(tokens: list[Token]) -> Iterator[Hit]:
    """ "Were the reviewer paying attention, the bug would have been caught"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low not in {"were", "should"} or clause_start(tokens, i) != i:
            continue
        person = person_in(tokens, i + 1, i + 5)
        if person is None or any(is_negation(t) for t in tokens[i + 1 : person + 3]):
            continue
        comma = next((k for k in range(person, min(n, person + 12)) if tokens[k].low == ","), None)
        if comma is None:
            continue
        if any(t.low in {"would", "could", "might"} for t in tokens[comma : comma + 12]):
            yield "counterfactual", token.start, tokens[person].end


RULES: tuple[Callable[[list[Token]], Iterator[Hit]], ...] = (
    _rule_passed_over,
    _rule_let_pass,
    _rule_asked_why_not,
    _rule_chose_not,
    _rule_omitted,
    _rule_no_effort,
    _rule_duty_undone,
    _rule_inverted_condition,
)
