"""The blameless rules on words and short phrases: "should have", "failed to", judging
words, "human error", "root cause", and blame through a verb, a possessive or "caused by".
The clause-level rules are in attribution.py, agency.py, hindsight.py and judging.py;
checker.py runs them all.
"""

from collections.abc import Callable, Iterator

from postmortems.blameless import lexicon, words
from postmortems.blameless.attribution import describes_design
from postmortems.blameless.clauses import (
    CLAUSE_PUNCT,
    ENDS,
    Hit,
    asked_about,
    clause_object,
    clause_start,
    in_general,
    is_negation,
    is_participle,
    is_person,
    is_person_possessive,
    negated_before,
    negated_in_clause,
    person_after,
    slip_is_subject,
    subject,
)
from postmortems.blameless.tokens import Token


def _modal_adverb(low: str) -> bool:
    """An adverb between a modal and "have": "easily", "reasonably", "surely"."""
    return low in words.ADVERBS - {"have", "has", "had", "did", "does", "do", "be", "been"} or (
        len(low) > 4 and low.endswith("ly")
    )


def _rule_modal_have(tokens: list[Token]) -> Iterator[Hit]:
    """should/could/would/might (not) have + past participle, said of a person."""
    for i, token in enumerate(tokens):
        low = token.low
        modal = low.split("'")[0].removesuffix("n")
        contracted_have = low.endswith("'ve")
        if modal not in {"should", "could", "would", "might", "shouldn", "couldn", "wouldn"}:
            continue
        modal = modal.removesuffix("n")
        j = i + 1
        if not contracted_have:
            if j < len(tokens) and tokens[j].low in {"not", "never"}:
                j += 1
            # "could easily have spotted", "might reasonably have restarted"
            if j + 1 < len(tokens) and tokens[j + 1].low == "have" and _modal_adverb(tokens[j].low):
                j += 1
            if j >= len(tokens) or tokens[j].low != "have":
                continue
            j += 1
        if j < len(tokens) and tokens[j].low in words.ADVERBS - {"been", "have", "had"}:
            j += 1
        if j >= len(tokens) or not is_participle(tokens[j].low):
            continue
        verb = tokens[j]
        if verb.low in words.WISH_VERBS:
            continue
        passive = verb.low == "been" and j + 1 < len(tokens) and is_participle(tokens[j + 1].low)
        end = tokens[j + 1].end if passive else verb.end
        who = subject(tokens, i)
        if who == "negative" or asked_about(tokens, i):
            continue
        if (
            verb.low in _CAUSED
            and modal in {"could", "might"}
            and who == "person"
            and _harm_object(tokens, j)
        ):
            # "Only the release captain could have caused this": a guess at who did it;
            # "could have started the failover sooner" is a step not taken
            yield "blame", _subject_start(tokens, i), verb.end
        elif passive and modal in {"should", "could"}:
            # "The config should have been reviewed": an unnamed person's omission.
            yield "counterfactual", token.start, end
        elif who == "person" and not (modal == "would" and _system_condition(tokens)):
            yield "counterfactual", token.start, end


_CAUSED = {"caused", "triggered", "started", "broken", "broke"}


def _harm_object(tokens: list[Token], verb: int) -> bool:
    objects = {t.low for t in clause_object(tokens, verb)}
    return bool(objects & (words.INCIDENT_NOUNS | lexicon.HARM_NOUNS))


def _system_condition(tokens: list[Token]) -> bool:
    """The sentence has an if-clause (or "Had the alert ...") whose subject is a system:
    "the on-call would have gone straight there had the alert named the cluster" is
    about the alert, not about the on-call."""
    for i, token in enumerate(tokens):
        opener = token.low == "if" or (token.low == "had" and clause_start(tokens, i) == i)
        if not opener:
            continue
        for j in range(i + 1, min(len(tokens), i + 6)):
            if tokens[j].low in {"had", "has", "was", "were", "is", "did"} or is_participle(
                tokens[j].low
            ):
                segment = tokens[i + 1 : j]
                if segment and not any(is_person(t) for t in segment):
                    return True
                break
    return False


_OMISSION = {"failed", "neglected", "forgot", "omitted", "bothered"}


def _rule_omission(tokens: list[Token]) -> Iterator[Hit]:
    """ "X failed/neglected/forgot to", "didn't bother", "if only"."""
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
        if token.low == "if" and nxt == "only":
            after = tokens[i + 2].low if i + 2 < len(tokens) else ""
            if after not in words.NUMBER_WORDS and not after.isdigit():
                yield "counterfactual", token.start, tokens[i + 1].end
            continue
        if token.low == "bother" and i > 0 and is_negation(tokens[i - 1]):
            if subject(tokens, i - 1) in {"person", "none"}:
                yield "counterfactual", tokens[i - 1].start, token.end
            continue
        if token.low not in _OMISSION or nxt != "to":
            continue
        who = subject(tokens, i)
        if token.low == "bothered":
            # "Nobody bothered to read the alert" blames; "Alice bothered to check" does not.
            if who == "negative" or negated_before(tokens, i):
                yield "counterfactual", token.start, tokens[i + 1].end
            continue
        if who == "negative" or negated_before(tokens, i):
            continue
        if who == "person" or (who == "none" and token.low != "failed"):
            yield "counterfactual", token.start, tokens[i + 1].end


def _rule_judgement(tokens: list[Token]) -> Iterator[Hit]:
    for i, token in enumerate(tokens):
        low = token.low
        nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
        prev = tokens[i - 1].low if i > 0 else ""
        if low == "rookie" and nxt in {"mistake", "mistakes", "error", "move"}:
            yield "judgement", token.start, tokens[i + 1].end
            continue
        if low == "obvious":
            if (nxt in words.OBVIOUS_NOUNS or prev in {"be", "was", "is", "been"}) and not (
                negated_before(tokens, i)
            ):
                yield "judgement", token.start, token.end
            continue
        if low not in words.JUDGEMENT_WORDS:
            continue
        if nxt in words.TECHNICAL_AFTER.get(low, ()):
            continue
        if negated_before(tokens, i):
            continue
        if asked_about(tokens, i):
            continue  # "we did not ask who was careless"
        if low == "clearly" and not _clearly_is_stance(tokens, i):
            continue
        if (
            low in {"obviously", "clearly"}
            and _signal_moved(tokens, i)
            and not _nobody_then(tokens, i)
        ):
            continue
        if low in {"obviously", "clearly"} and _describes_a_measure(tokens, i):
            continue
        if describes_design(tokens, i):
            continue
        yield "judgement", token.start, token.end


def _signal_moved(tokens: list[Token], i: int) -> bool:
    """ "The latency obviously jumped": a system did something plainly visible, which
    says nothing about people. "The graph clearly showed ..." still counts: a signal
    that showed something implies someone missed it."""
    nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
    prev = tokens[i - 1].low if i > 0 else ""
    verb = nxt in words.IRREGULAR_PAST or (nxt.endswith("ed") and len(nxt) > 3)
    if not verb or nxt in words.DISPLAY_VERBS or prev in {"was", "were", "is", "are", "been"}:
        return False
    return subject(tokens, i) == "system"


def _nobody_then(tokens: list[Token], i: int) -> bool:
    """ "The alert obviously fired, but nobody looked": the plain signal is set against
    what nobody did, which is the hindsight the word carries."""
    lows = [t.low for t in tokens[i + 1 :]]
    return any(
        w in words.NEGATIVE_SUBJECTS or lows[k : k + 2] == ["no", "one"] for k, w in enumerate(lows)
    )


# "a load that was obviously beyond its capacity", "obviously wrong values": the word
# measures a thing or describes data, it does not say someone should have seen it.
_MEASURES = {"beyond", "above", "over", "under", "below", "past", "outside"}
_DATA_ADJECTIVES = lexicon.WRONG_WORDS | {"bad", "broken", "stale", "invalid", "corrupt"}
_DATA_ADJECTIVES |= {"corrupted", "malformed", "garbled", "bogus", "impossible", "negative"}


def _describes_a_measure(tokens: list[Token], i: int) -> bool:
    nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
    after = tokens[i + 2].low if i + 2 < len(tokens) else "."
    prev = tokens[i - 1].low if i else ""
    if nxt in _MEASURES:
        return True
    return nxt in _DATA_ADJECTIVES and after not in ENDS and prev not in _BE_WORDS


def _clearly_is_stance(tokens: list[Token], i: int) -> bool:
    """ "The graph clearly showed", "was clearly wrong", "Clearly, ..." say the outcome was
    obvious; "label it clearly", "we will clearly document", "the plan clearly states"
    describe how something is (to be) written."""
    prev = tokens[i - 1].low if i > 0 else ""
    nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
    if clause_start(tokens, i) == i or i == 0:
        return True
    if prev in {"was", "were", "is", "are", "been", "be", "'s"}:
        return True
    if prev in {"will", "can", "could", "should", "must", "to", "would", "may", "shall"}:
        return False
    if nxt in {"did", "didn't", "had", "hadn't", "never", "knew", "ignored"}:
        return True
    return nxt in words.IRREGULAR_PAST or (nxt.endswith("ed") and len(nxt) > 4)


def _rule_human_error(tokens: list[Token]) -> Iterator[Hit]:
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
        if (token.low, nxt) in words.ERROR_PHRASES:
            end = tokens[i + 1].end
        elif token.low.startswith(("fat-finger", "fatfinger")) or token.low == "pebkac":
            end = token.end
        else:
            continue
        window = {t.low for t in tokens[max(0, i - 4) : i]}
        if window & words.PREVENTION_WORDS or negated_in_clause(tokens, i):
            continue
        yield "human_error", token.start, end


def _rule_root_cause(tokens: list[Token]) -> Iterator[Hit]:
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
        if token.low == "root" and nxt == "cause":
            end_index = i + 1
        elif token.low == "root-cause":
            end_index = i
        else:
            continue
        after = tokens[end_index + 1].low if end_index + 1 < len(tokens) else ""
        if after in {"analysis", "analyses", "analysing", "analyzing"}:
            continue  # the name of a meeting or document, not a claim about causes
        if negated_before(tokens, i):
            continue  # "there was no single root cause"
        yield "root_cause", token.start, tokens[end_index].end


_BREAK_PARTICLES = {"down", "into", "for", "up", "off", "out", "apart", "even"}


def _rule_blame(tokens: list[Token]) -> Iterator[Hit]:
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        nxt = tokens[i + 1].low if i + 1 < n else ""
        # "Dave's fault", "the intern's mistake", "his carelessness"
        if is_person_possessive(token, self_counts=False):
            k = i + 1
            while k < n and k <= i + 2 and tokens[k].low not in words.FAULT_NOUNS:
                k += 1
            fault = k < n and tokens[k].low in words.FAULT_NOUNS
            if fault and not in_general(token, tokens[k]) and not negated_before(tokens, i):
                yield "blame", token.start, tokens[k].end
            continue
        # "caused, in the end, by an engineer": a short aside between the two words
        if low == "caused" and nxt == ",":
            close = next((k for k in range(i + 2, min(n, i + 7)) if tokens[k].low == ","), None)
            if close is not None and close + 1 < n and tokens[close + 1].low == "by":
                person = person_after(tokens, close + 1)
                if person is not None and not negated_before(tokens, i):
                    yield "blame", token.start, tokens[person].end
                continue
        # "caused by the intern", "due to Bob", "because of Chen", "thanks to Greg", "on
        # account of the deployer"
        if (low, nxt) in {("caused", "by"), ("due", "to"), ("because", "of"), ("thanks", "to")} or (
            (low, nxt) == ("account", "of") and i and tokens[i - 1].low == "on"
        ):
            person = person_after(tokens, i + 1)
            credit = low == "thanks" and any(t.low in lexicon.GOOD_VERBS for t in tokens)
            if person is not None and not negated_before(tokens, i) and not credit:
                yield "blame", token.start, tokens[person].end
            continue
        # "we blame the network automation owners", "the team took the heat"
        if low in {"blame", "blamed", "blames"} or low in _TAKES_BLAME:
            hit = _blame_received(tokens, i)
            if hit is not None:
                yield "blame", hit[0], hit[1]
                continue
        # "traced the breakage to Emma", "blamed it on the DBA"
        if low in {"traced", "attributed", "attributes", "attribute", "pinned", "blamed"}:
            for k in range(i + 1, min(n, i + 6)):
                if tokens[k].low in {"to", "on"}:
                    person = person_after(tokens, k, limit=4)
                    if person is None:
                        person = _slip_by_person(tokens, k)
                    if person is not None:
                        yield "blame", token.start, tokens[person].end
                    break
            continue
        # "the fault of the dev team", "the carelessness of the on-call": the possessive
        # above, written with "of"
        if low in words.FAULT_NOUNS and nxt == "of" and low not in words.FAULT_OF_SKIP:
            person = person_after(tokens, i + 1, limit=4)
            if person is not None and not negated_before(tokens, i):
                yield "blame", token.start, tokens[person].end
            continue
        if low in _BE_WORDS and nxt not in {"not", "never"}:
            culprit = _culprit_after(tokens, i)
            if (
                culprit is not None
                and subject(tokens, i, self_counts=False) == "person"
                and not negated_before(tokens, i)
            ):
                yield "blame", _subject_start(tokens, i), tokens[culprit].end
            continue
        verb_end = _blame_verb(tokens, i)
        if verb_end is None:
            continue
        if subject(tokens, i, self_counts=False) != "person" or negated_before(tokens, i):
            continue
        if slip_is_subject(tokens, i):
            continue  # "a keyboard slip by the admin wiped ..." is human error
        start = _subject_start(tokens, i)
        yield "blame", start, verb_end


def _slip_by_person(tokens: list[Token], to: int) -> int | None:
    """ "attributes the incident to a lapse by the network technician": the person
    whose slip or fault the cause is pinned to."""
    for k in range(to + 1, min(len(tokens), to + 4)):
        if tokens[k].low in words.FAULT_NOUNS | words.SLIP_NOUNS | lexicon.MORE_SLIP_NOUNS:
            if k + 1 < len(tokens) and tokens[k + 1].low in {"by", "of", "from"}:
                return person_after(tokens, k + 1, limit=4)
            return None
    return None


_BLAME_TRIGGERS = {
    "broke", "breaks", "broken", "took", "takes", "take", "brought", "brings", "knocked",
    "taken", "messed", "screwed", "breaking", "blew", "dropped", "botched", "caused", "wiped",
    "responsible", "to", "at",
}  # fmt: skip


_TAKES_BLAME = {"took", "takes", "take", "taking", "got", "gets", "get", "getting", "bore"}
_TAKES_BLAME |= {"bears", "bear", "shoulder", "shouldered", "shoulders"}
_BLAME_OBJECTS = {"blame", "heat", "fall", "rap"}
_ENDS_PHRASE = CLAUSE_PUNCT | words.CLAUSE_WORDS | {".", "!", "?", "for", "on", "from", "over"}


def _blame_received(tokens: list[Token], i: int) -> tuple[int, int] | None:
    """Start and end offsets when blame is handed to a named person: "we blame the
    owners", "the release team took the heat". A general remark ("when you blame
    people", "tempting to blame the last person") names nobody in particular."""
    n = len(tokens)
    low = tokens[i].low
    if negated_before(tokens, i):
        return None
    if low in _TAKES_BLAME:
        if i + 2 >= n or tokens[i + 1].low != "the" or tokens[i + 2].low not in _BLAME_OBJECTS:
            return None
        after = tokens[i + 3].low if i + 3 < n else "."
        if after not in _ENDS_PHRASE or (tokens[i + 2].low == "fall" and after != "for"):
            return None  # "got the heat map working"; "took the fall" only as "... for"
        if subject(tokens, i, self_counts=False) != "person":
            return None
        return _subject_start(tokens, i), tokens[i + 2].end
    prev = tokens[i - 1].low if i else ""
    if prev in {"to", "the", "a", "no", "of", "for", "is", "was", "be"} or i + 2 >= n:
        return None  # "to blame", "the blame", "is to blame" (the rule above)
    if subject(tokens, i) not in {"person", "none"} or clause_start(tokens, i) == i:
        return None  # "Blame the owners" as an imperative is advice, not a claim
    object_start = i + 1
    if tokens[object_start].low not in {"the", "our", "their"} and not (
        tokens[object_start].text[:1].isupper() and tokens[object_start].low in words.FIRST_NAMES
    ):
        return None
    person = person_after(tokens, i, limit=5)
    if person is None:
        return None
    return tokens[i].start, tokens[person].end


_BE_WORDS = {"is", "was", "are", "were", "been", "be", "'s"}
_DETERMINERS = {"a", "an", "the", "one", "our", "their", "its", "real", "main", "only", "true"}


def _culprit_after(tokens: list[Token], i: int) -> int | None:
    """Index of a noun that casts the subject as the cause, a few words after the verb
    "be" at `i`: "the engineer was a bad apple", "ops is the culprit", "the on-call was
    the weak link". Determiners and adjectives may come between; a clause may not."""
    for k in range(i + 1, min(len(tokens), i + 5)):
        low = tokens[k].low
        if low in words.CULPRIT_NOUNS:
            before = tokens[k - 1].low
            needs = words.CULPRIT_NOUNS[low]
            return k if not needs or before in needs else None
        if low in CLAUSE_PUNCT or low in words.CLAUSE_WORDS or low in {".", "of", "for", "to"}:
            return None
        if k == i + 1 and low not in _DETERMINERS:
            return None  # "was paged", "is on call": not a noun phrase
    return None


def _blame_verb(tokens: list[Token], i: int) -> int | None:
    """End offset of a blaming verb phrase that starts at `i`, or None."""
    n = len(tokens)
    low = tokens[i].low
    if low not in _BLAME_TRIGGERS:
        return None  # most words: answered before building the look-ahead below
    nxt = tokens[i + 1].low if i + 1 < n else ""
    rest = [t.low for t in tokens[i + 1 : i + 7]]
    if low in {"broke", "breaks", "broken", "breaking"}:
        ends = CLAUSE_PUNCT | words.CLAUSE_WORDS | {"."}
        stop = next((k for k, w in enumerate(rest) if w in ends), len(rest))
        if any(w in _BREAK_PARTICLES for w in rest[:stop]):
            return None  # broke the work down / into batches / for lunch
        return tokens[i].end
    if low in {"took", "takes", "take", "brought", "brings", "knocked", "taken"}:
        particle = {"knocked": {"over", "down"}}.get(low, {"down"})
        for k, w in enumerate(rest[:5]):
            if w in particle:
                objects = set(rest[:5]) - particle
                if objects & words.HARMLESS_TAKE_DOWN:
                    return None
                return tokens[i + 1 + k].end
            if w in CLAUSE_PUNCT or w in {".", "up"}:
                return None
        return None
    if (low, nxt) in {("messed", "up"), ("screwed", "up"), ("blew", "up"), ("dropped", "the")}:
        if low == "dropped" and (i + 2 >= n or tokens[i + 2].low != "ball"):
            return None
        return tokens[i + 2].end if low == "dropped" else tokens[i + 1].end
    if low in {"botched", "caused", "wiped"} and nxt != "by":
        return tokens[i].end
    if low == "responsible" and nxt == "for" and i + 2 < n:
        objects = {t.low for t in tokens[i + 2 : i + 5]}
        # A longer noun phrase, "for the load balancer meltdown", ends in its noun.
        later = {t.low for t in tokens[i + 5 : i + 7]} - {"this", "that", "it"}
        return tokens[i + 1].end if (objects | later) & words.INCIDENT_NOUNS else None
    if low == "to" and nxt == "blame" and i > 0 and tokens[i - 1].low in {"is", "are", "was"}:
        return tokens[i + 1].end
    if low == "at" and nxt == "fault" and i > 0 and tokens[i - 1].low in {"is", "are", "was"}:
        return tokens[i + 1].end
    return None


def _subject_start(tokens: list[Token], i: int) -> int:
    start = clause_start(tokens, i)
    for token in tokens[start:i]:
        if is_person(token, self_counts=False):
            return token.start
    return tokens[i].start


RULES: tuple[Callable[[list[Token]], Iterator[Hit]], ...] = (
    _rule_blame,
    _rule_modal_have,
    _rule_omission,
    _rule_judgement,
    _rule_human_error,
    _rule_root_cause,
)
