"""Clause-level rules of the blameless checker: who a cause, a condition or a slip is
pinned on, in the shapes reviews use beyond "caused by" and "should have".

Each rule finds its trigger, then reads the clause it governs and fires only when that
clause names a person (a name, a pronoun other than "we"/"I", or a role such as the
deployer, the reviewer, ops, support, the night shift), never when it names a system:

- cause: "because the operator skipped ...", "because the engineer misread ..." (a
  prefixed or irregular past tense is a verb too), "Maria is why ...", "came down to a
  slip by the release manager", "is on the reviewer", "started with Ken's merge", "traces
  back to the DBA", "was Aaron's";
- condition: "if the reviewer had run ...", "had Omar checked ...", "if it had been
  finished by the admin", "ought to have", "nobody thought to", "ops overlooked ...";
- judgement of a person's action in other words: "froze", "made a hash of", "a hasty
  merge", "an amateur mistake", with design words ("a careless retry policy in the
  client library") left alone;
- a slip pinned on a person: "an operator slip", "a typo made by the on-call", "an
  engineer made a typo", "a mistyped command by an engineer".

The helpers (subject, negation, people) are those of clauses.py.
"""

from collections.abc import Callable, Iterator

from postmortems.blameless import lexicon, words
from postmortems.blameless.clauses import ENDS as _ENDS
from postmortems.blameless.clauses import (
    Hit,
    actor,
    asked_about,
    clause_start,
    in_general,
    is_negation,
    is_participle,
    is_person,
    is_person_possessive,
    negated_before,
    possessive,
    subject,
)
from postmortems.blameless.clauses import person_in as _person_in
from postmortems.blameless.tokens import Token


def _is_verb(token: Token) -> bool:
    low = token.low
    return _is_past(low) or any(
        low.startswith(prefix) and _is_past(low[len(prefix) :]) for prefix in _VERB_PREFIXES
    )


# "misread", "overwrote", "re-ran", "undid": a prefix on a past tense is a past tense.
_VERB_PREFIXES = ("mis-", "mis", "over-", "over", "re-", "re", "under", "un")


def _is_past(low: str) -> bool:
    return (
        low in words.IRREGULAR_PAST
        or low in words.IRREGULAR_PARTICIPLES
        or low in words.ACTION_PAST
        or (len(low) > 3 and low.endswith("ed"))
    )


# ---- cause -----------------------------------------------------------------------------


def _rule_because(tokens: list[Token]) -> Iterator[Hit]:
    """ "because the deployer skipped the canary": a person does the verb of the clause."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low != "because" or i + 1 >= n or tokens[i + 1].low == "of":
            continue
        for j in range(i + 1, min(n, i + _BECAUSE_SUBJECT_MAX)):
            if tokens[j].low in _ENDS or tokens[j].low in words.CLAUSE_WORDS:
                break
            if not _is_verb(tokens[j]) or tokens[j - 1].low in _MODIFIED_BY:
                continue  # "a tired admin": a participle after a determiner describes
            span = tokens[i + 1 : j]
            verb = tokens[j].low
            if (
                any(is_person(t, self_counts=False) for t in span)
                and not any(is_negation(t) for t in tokens[i + 1 : j + 2])
                and verb not in words.STATE_VERBS
                and not (j + 1 < n and is_participle(tokens[j + 1].low) and verb in _BE)
            ):
                yield "blame", token.start, tokens[j].end
            break


_BE = {"is", "was", "are", "were", "'s", "be", "been"}
# The subject of a "because" clause may be long ("because the engineer shipping a small
# bugfix upgraded ..."): its verb is looked for this many tokens on.
_BECAUSE_SUBJECT_MAX = 11
_MODIFIED_BY = {"a", "an", "the", "our", "their", "his", "her", "its", "this", "that", "some"}


def _rule_is_why(tokens: list[Token]) -> Iterator[Hit]:
    """ "Maria is why the queue backed up", "the on-call is the reason ..."."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1].low if i + 1 < n else ""
        after = tokens[i + 2].low if i + 2 < n else ""
        what_harmed = nxt == "what" and i + 2 < n and _harm_verb(tokens, i + 2)
        if token.low not in _BE or not (
            nxt == "why" or (nxt == "the" and after == "reason") or what_harmed
        ):
            continue
        start = clause_start(tokens, i)
        span = tokens[start:i]
        # "Hiroshi's late-night schema change is the reason ...": a person's act too
        person = span and any(
            is_person(t, self_counts=False) or is_person_possessive(t, self_counts=False)
            for t in span
        )
        if not person and subject(tokens, i, self_counts=False) == "person":
            person = True  # "the person who upgraded the OS ... is the reason"
            span = tokens[_relative_head(tokens, start) : i]
        if not person:
            earlier = _clause_referred_to(tokens, start, span)
            if earlier is not None:
                person, span = True, tokens[earlier:i]
        if person and not negated_before(tokens, i) and not _good_outcome(tokens, i + 2):
            yield "blame", span[0].start, tokens[i + (1 if nxt == "why" else 2)].end


# "that is what wiped the user directory", "... is what cost the firm its money"
_WHAT_HARMED = {"wiped", "cost", "caused", "broke", "killed", "crashed", "deleted", "corrupted"}
_WHAT_HARMED |= {"stretched", "dragged", "prolonged", "doubled", "took", "brought", "knocked"}


def _harm_verb(tokens: list[Token], v: int) -> bool:
    """The verb at `v`, after "is what", does harm: "wiped", "took ... down"."""
    low = tokens[v].low
    if low not in _WHAT_HARMED:
        return False
    if low in {"took", "brought", "knocked"}:
        return any(t.low in lexicon.DOWN_WORDS for t in tokens[v + 1 : v + 6])
    return True


def _relative_head(tokens: list[Token], start: int) -> int:
    """Where the subject a relative clause describes begins: "the person" in "the person
    who upgraded the OS"."""
    k = start - 1
    if k >= 1 and tokens[k].low in {"who", "that"}:
        k -= 1
        while k > 0 and tokens[k - 1].low not in _ENDS and tokens[k - 1].low not in {"and"}:
            k -= 1
        return k
    return start


def _rule_what_was(tokens: list[Token]) -> Iterator[Hit]:
    """ "What knocked the API offline was Olga and her rushed rollback": the harm first,
    then the person who did it."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low != "what" or clause_start(tokens, i) != i or i + 1 >= n:
            continue
        if not _harm_verb(tokens, i + 1):
            continue
        be = next((k for k in range(i + 2, min(n, i + 10)) if tokens[k].low in _BE), None)
        if be is None:
            continue
        person = _person_in(tokens, be + 1, be + 4)
        if person is not None and not negated_before(tokens, be):
            yield "blame", token.start, tokens[person].end


def _good_outcome(tokens: list[Token], start: int) -> bool:
    """ "Maria is why we caught the regression early": credit, not blame."""
    return any(t.low in lexicon.GOOD_VERBS for t in tokens[start : start + 4])


def _clause_referred_to(tokens: list[Token], start: int, span: list[Token]) -> int | None:
    """ "Alice merged without review, and that is why ...": "that", "this" or "which"
    points back to the clause before it; when a person did that clause's verb, the
    person is the reason. Returns where that clause starts."""
    if not span and start >= 1 and tokens[start - 1].low in {"that", "which"}:
        pointer = start - 1
    elif [t.low for t in span] in (["that"], ["this"]):
        pointer = start
    else:
        return None
    end = pointer
    while end > 0 and tokens[end - 1].low in {"and", ",", ";", "\u2014"}:
        end -= 1
    if end == 0:
        return None  # the clause referred to is in an earlier sentence
    verb = next((k for k in range(end) if _is_verb(tokens[k])), None)
    if verb is None or subject(tokens, verb, self_counts=False) != "person":
        return None
    if negated_before(tokens, verb):
        return None
    return clause_start(tokens, verb)


_DOWN_TO = {("came", "down"), ("comes", "down"), ("come", "down"), ("boils", "down")}
_DOWN_TO |= {("boiled", "down"), ("was", "down"), ("is", "down"), ("were", "down")}
_STARTED = {"started", "began", "starts", "begins", "begun"}


def _rule_pinned_on(tokens: list[Token]) -> Iterator[Hit]:
    """ "came down to a slip by the release manager", "started with Ken's merge",
    "is squarely on the operator", "traces back to the DBA", "was Aaron's"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        nxt = tokens[i + 1].low if i + 1 < n else ""
        if (low, nxt) in _DOWN_TO and i + 2 < n and tokens[i + 2].low == "to":
            if subject(tokens, i) == "person":
                continue  # "the on-call came down to the office"
            person = _person_in(tokens, i + 3, i + 9)
        elif low in _STARTED and nxt == "with":
            person = _person_in(tokens, i + 2, i + 6)
        elif low in {"trace", "traces", "traced", "tracing"} and nxt == "back":
            person = _person_in(tokens, i + 2, i + 7) if tokens[i + 2 : i + 3] else None
        elif low == "root" and nxt == "of":
            be = next((k for k in range(i + 2, min(n, i + 8)) if tokens[k].low in _BE), None)
            person = None if be is None else _person_in(tokens, be + 1, be + 5)
        elif low in _BE and subject(tokens, i) in {"system", "none"}:
            person = _pinned_by_be(tokens, i)
        else:
            continue
        if person is not None and _error_phrase(tokens, person):
            continue  # "came down to operator error": human error, no one named
        if person is not None and not negated_before(tokens, i):
            yield "blame", token.start, tokens[person].end


def _error_phrase(tokens: list[Token], k: int) -> bool:
    following = tokens[k + 1].low if k + 1 < len(tokens) else ""
    return (tokens[k].low, following) in words.ERROR_PHRASES


def _pinned_by_be(tokens: list[Token], i: int) -> int | None:
    """ "The outage is (squarely) on the backbone team", "the config was Aaron's"."""
    n = len(tokens)
    j = i + 1
    while j < n and tokens[j].low in words.PINNING_ADVERBS:
        j += 1
    if j < n and tokens[j].low == "on":
        person = _person_in(tokens, j + 1, j + 4)
        if person is not None and is_person(tokens[person], self_counts=False):
            following = tokens[person + 1].low if person + 1 < n else "."
            if following in {"'s", "shift", "call", "duty", "leave"}:
                return None  # "on the night shift", "on call"
            return person
        return None
    for k in range(j, min(n, j + 4)):
        if is_person_possessive(tokens[k], self_counts=False):
            if k + 1 >= n or tokens[k + 1].low in _ENDS or tokens[k + 1].low == "doing":
                return k
            return None
        if tokens[k].low in _ENDS:
            return None
    return None


# ---- condition -------------------------------------------------------------------------


def _rule_condition(tokens: list[Token]) -> Iterator[Hit]:
    """ "If the reviewer had run the tests", "Had Omar checked", "if it had been
    finished by the admin": a person's different action imagined after the fact."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        if not (low == "if" or (low == "had" and clause_start(tokens, i) == i)):
            continue
        first = i + 1
        for j in range(first, min(n, first + 7)):
            here = tokens[j].low
            if here in _ENDS:
                break
            if low == "if" and here != "had":
                continue
            k = j + 1 if low == "if" else j
            while k < n and tokens[k].low in words.ADVERBS - {"had", "have", "been"}:
                if tokens[k].low in _KEEP and not (k + 1 < n and tokens[k + 1].low.endswith("ing")):
                    break  # "if ops had kept the old record": "kept" is the verb
                k += 1
            if k >= n or not is_participle(tokens[k].low) or k == first:
                continue
            span = tokens[first : j if low == "if" else k]
            person = any(is_person(t, self_counts=False) for t in span)
            if tokens[k].low == "been" and k + 1 < n and is_participle(tokens[k + 1].low):
                # "if the rotation had been finished by the infra engineer"
                by = k + 2 < n and tokens[k + 2].low == "by"
                person = by and _person_in(tokens, k + 3, k + 6) is not None
            elif span and any(t.low in {"it", "this", "that"} for t in span[:1]):
                person = False
            if person and not any(is_negation(t) for t in span):
                yield "counterfactual", token.start, tokens[k].end
            break


_OVERLOOK = {"overlooked", "neglected", "ignored", "disregarded", "skipped"}
_KEEP = {"keep", "keeps", "kept"}


def _rule_overlooked(tokens: list[Token]) -> Iterator[Hit]:
    """ "Support overlooked the spike", "the deployer neglected the checklist", "ought to
    have", "nobody thought to look"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        nxt = tokens[i + 1].low if i + 1 < n else ""
        if low == "ought" and nxt == "to" and i + 3 < n and tokens[i + 2].low == "have":
            person = subject(tokens, i) == "person" or any(
                is_person(t, self_counts=False) for t in tokens[:i]
            )
            if is_participle(tokens[i + 3].low) and person and not asked_about(tokens, i):
                yield "counterfactual", token.start, tokens[i + 3].end
            continue
        if low in {"thought", "think"} and nxt == "to":
            who = subject(tokens, i)
            if who == "negative" or (who == "person" and negated_before(tokens, i)):
                yield "counterfactual", token.start, tokens[i + 1].end
            continue
        if low in _OVERLOOK and nxt not in {"to", "by"}:
            if low == "skipped" and (_in_because(tokens, i) or _reason_after(tokens, i)):
                continue  # "because the deployer skipped ..." is the cause rule's
            if subject(tokens, i, self_counts=False) == "person" and not negated_before(tokens, i):
                start = clause_start(tokens, i)
                yield "counterfactual", tokens[start].start, token.end


def _in_because(tokens: list[Token], i: int) -> bool:
    return any(t.low == "because" for t in tokens[max(0, i - _BECAUSE_SUBJECT_MAX) : i])


def _reason_after(tokens: list[Token], i: int) -> bool:
    return any(t.low in lexicon.REASON_WORDS for t in tokens[i + 1 :])


# ---- judgement and slips ---------------------------------------------------------------


def _rule_judged_action(tokens: list[Token]) -> Iterator[Hit]:
    """Judging words of people and their actions: "the responders froze", "made a hash
    of the failover", "a hasty merge", "an amateur mistake"; not "a careless retry policy
    in the client library", which describes code."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        nxt = tokens[i + 1].low if i + 1 < n else ""
        if low in {"made", "make", "makes", "making"} and i + 3 < n:
            if actor(tokens, i) == "system":
                # "the migration tool made a mess of the foreign keys"; not "whoever
                # wrote that firewall rule made a hash of it"
                continue
            if tokens[i + 1].low in {"a", "an"} and tokens[i + 2].low in words.MESS_NOUNS:
                k = i + 3
                if tokens[k].low == "ear":  # "a pig's ear of"
                    k += 1
                if k < n and tokens[k].low == "of":
                    yield "judgement", token.start, tokens[k].end
            continue
        if low in words.FROZE_VERBS and subject(tokens, i, self_counts=False) == "person":
            if not negated_before(tokens, i):
                yield "judgement", token.start, token.end
            continue
        if low == "asleep" and nxt == "at":
            yield "judgement", token.start, token.end
            continue
        if low not in words.PERSON_JUDGEMENT_WORDS or negated_before(tokens, i):
            continue
        if low in words.JUDGEMENT_WORDS or nxt in words.TECHNICAL_AFTER.get(low, ()):
            continue  # rules.py's judgement rule has these
        if describes_design(tokens, i) or _said_of_a_system(tokens, i):
            continue
        if low.endswith("ly") and _describes_working(tokens, i):
            continue  # "the service lazily initialises its pool"
        yield "judgement", token.start, token.end


def _describes_working(tokens: list[Token], i: int) -> bool:
    """An adverb before a verb in the present, with a system doing it: how the system
    works, not how someone acted ("the service lazily initialises its pool")."""
    nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
    present = nxt.endswith("s") and not nxt.endswith("ss")
    return present and actor(tokens, i) == "system"


def _said_of_a_system(tokens: list[Token], i: int) -> bool:
    """ "The old deploy script was clumsy and brittle": the judging word is said of a
    system, after "is"/"was"."""
    k = i - 1
    while k >= 0 and tokens[k].low in {"too", "so", "very", "rather", "quite"}:
        k -= 1
    if k < 1 or tokens[k].low not in _BE or subject(tokens, k) != "system":
        return False
    return tokens[k - 1].low not in lexicon.ACTION_NOUNS  # "the config push was ..."


def describes_design(tokens: list[Token], i: int) -> bool:
    """The judging word sits on a design noun: "a careless retry policy in the client
    library", "lax input validation"."""
    if tokens[i].low in {"obviously", "clearly"} or i + 1 >= len(tokens):
        return False
    if tokens[i + 1].low in {"the", "a", "an", "this", "that", "our", "their"}:
        return False
    owner = possessive(tokens[i - 1]) if i else None
    if owner is not None and not is_person_possessive(tokens[i - 1]):
        return True  # "the secrets scanner's sloppy regular expression"
    return any(t.low in words.DESIGN_NOUNS for t in tokens[i + 1 : i + 4])


def _rule_slip(tokens: list[Token]) -> Iterator[Hit]:
    """A slip pinned on a person: "an operator slip", "a typo made by the on-call",
    "the engineer's typo", "an engineer made a typo", "mistyped by an engineer"."""
    for i, token in enumerate(tokens):
        low = token.low
        if low in words.SLIP_NOUNS:
            prev = tokens[i - 1] if i > 0 else None
            # "Jake's mistake", like "Jake's fault", pins the cause on Jake: blame (rules.py),
            # as judging.py reads it too; "the engineer's typo" names the slip.
            hit = prev is not None and (
                (prev.low in words.ROLES and prev.low not in {"team", "teams", "people"})
                or (is_person_possessive(prev, self_counts=False) and low not in words.FAULT_NOUNS)
            )
            after = tokens[i + 1 : i + 3]
            if not hit and after:
                by = next((k for k, t in enumerate(after) if t.low in {"by", "from"}), None)
                if by is not None:
                    hit = _person_in(tokens, i + 2 + by, i + 2 + by + 4) is not None
            if not hit and i >= 2 and tokens[i - 1].low in {"a", "an"}:
                made = tokens[i - 2]
                hit = made.low in {"made", "makes", "make"} and (
                    subject(tokens, i - 2, self_counts=False) == "person"
                )
            if not hit:
                hit = _made_after(tokens, i)
            if prev is not None and in_general(prev, token):
                continue  # "hide their mistakes"
            if hit and not negated_before(tokens, i):
                yield "human_error", token.start, token.end
        elif low in {"mistyped", "mis-typed", "misclicked", "mis-clicked", "misclick"}:
            if _person_in(tokens, i + 1, i + 7) is not None:
                yield "human_error", token.start, token.end
        elif low in {"mis-click", "misclick"}:
            yield "human_error", token.start, token.end


def _made_after(tokens: list[Token], i: int) -> bool:
    """ "a typo an engineer made", "the slip the operator made": a person made the slip,
    in a relative clause without "that"."""
    lows = [t.low for t in tokens[i + 1 : i + 5]]
    person = _person_in(tokens, i + 1, i + 4)
    if person is None or tokens[i + 1].low in {"by", "from", "of", "in", "on", "to"}:
        return False
    return (
        person + 1 < len(tokens)
        and tokens[person + 1].low in {"made", "makes", "committed"}
        and ("," not in lows)
    )


RULES: tuple[Callable[[list[Token]], Iterator[Hit]], ...] = (
    _rule_because,
    _rule_is_why,
    _rule_what_was,
    _rule_pinned_on,
    _rule_condition,
    _rule_overlooked,
    _rule_judged_action,
    _rule_slip,
)
