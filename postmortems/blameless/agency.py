"""Blame and hindsight read from what a person did: a verb whose doer (clauses.actor) is
a person, a role, a group or a person's possessive, and whose object or frame says the
doing went wrong. The same verbs with a system as the doer stay quiet.

- cause: a person starting an incident ("the support lead kicked off the cascade"),
  taking something offline ("took search offline", "brought the API to its knees"),
  destroying data or the wrong thing ("Tomasz wiping the wrong data directory"),
  an incident that stems from, or is the result of, a person or their change ("the mess
  stems from Tomasz ...", "because of a change that Aleksandra pushed"), owning an
  incident ("the network team owns this outage"), laying it at someone's feet, and
  things that break whenever a person touches them;

The counterfactual rules of the same kind are in hindsight.py.
"""

from collections.abc import Callable, Iterator
from itertools import pairwise

from postmortems.blameless import lexicon, words
from postmortems.blameless.clauses import (
    CLAUSE_PUNCT,
    ENDS,
    Hit,
    actor,
    clause_object,
    clause_start,
    doer_start,
    is_past_verb,
    is_person_possessive,
    negated_before,
    person_in,
    slip_is_subject,
    subject,
    triggered_by,
)
from postmortems.blameless.tokens import Token

_HARMS = (words.INCIDENT_NOUNS - {"this", "it", "that", "issue", "problem"}) | lexicon.HARM_NOUNS
_PARTICLE_NEEDED = {"set": "off", "sets": "off", "kicked": "off", "kicks": "off", "led": "to"}
_PARTICLE_NEEDED |= {"leads": "to", "resulted": "in", "touched": "off"}
# Destroying verbs that do harm whatever they destroy: "wiped three days of commits".
_ALWAYS_DESTROY = {
    "wiped", "wipes", "wiping", "erased", "erasing", "destroyed", "destroying", "nuked",
    "nuking", "trashed", "clobbered", "corrupted", "corrupting", "obliterated",
}  # fmt: skip
_STRONG_DESTROY = {
    "deleted", "deletes", "deleting", "wiped", "wipes", "wiping", "erased", "erasing",
    "purged", "purging", "truncated", "truncating", "overwrote", "overwriting",
    "overwritten", "destroyed", "destroying", "nuked", "nuking", "trashed", "clobbered",
    "corrupted", "corrupting",
}  # fmt: skip
_DETERMINERS = {"the", "a", "an", "its", "their", "our", "this", "those", "these"}
_ALWAYS_HARM = {"crashed", "crashing", "overloaded", "overloading", "flooded", "flooding"}
_ALWAYS_HARM |= lexicon.OVERWHELMING_VERBS
# "took search offline", "brought the API to its knees", "pushed it over the edge"; a
# bare "down" or "out" is rules.py's ("took the site down") or harmless ("brought the
# error rate down").
_SENT_DOWN = (lexicon.DOWN_WORDS - {"down", "under", "out"}) | {"edge"}


def _on_fire(lows: list[str]) -> bool:
    """ "set the internal network on fire"."""
    return any(a == "on" and b in {"fire", "fires"} for a, b in pairwise(lows))


def _by_person(tokens: list[Token], i: int) -> bool:
    """A person does the verb at `i`; not when the person only describes a participant
    at the start of the sentence ("The engineer who triggered the incident joined the
    review"), where the sentence goes on to say what they did next."""
    if i >= 2 and tokens[i - 1].low == "who" and clause_start(tokens, i - 1) == 0:
        return False
    if negated_before(tokens, i) or slip_is_subject(tokens, i):
        return False
    return actor(tokens, i) == "person" or _made_by(tokens, i)


def _made_by(tokens: list[Token], i: int) -> bool:
    """The verb at `i` opens a relative clause on something a person made: "the developer
    shipped a change that exhausted the pool", "Sofia introduced the bug which ..."."""
    if i < 3 or tokens[i - 1].low not in {"that", "which"}:
        return False
    start = clause_start(tokens, i - 1)
    made = next(
        (k for k in range(start, i - 1) if tokens[k].low in lexicon.MAKING_VERBS and k > start),
        None,
    )
    return made is not None and subject(tokens, made, self_counts=False) == "person"


# ---- cause -----------------------------------------------------------------------------


def _prolonged(tokens: list[Token], i: int) -> bool:
    """ "dragged out the recovery", "turned it into a day of degraded service",
    "prolonged the outage": the verb at `i` made an incident longer or worse."""
    lows = [t.low for t in clause_object(tokens, i, 9)]
    if tokens[i].low in {"turned", "turns", "turning"}:
        into = lows.index("into") if "into" in lows else None
        return into is not None and bool(set(lows[into + 1 :]) & lexicon.WORSE_WORDS)
    if tokens[i].low in {"dragged", "drags", "dragging", "drew", "stretched"} and "out" not in lows:
        return False
    return bool(set(lows) & (lexicon.WORSE_WORDS | {"recovery", "restore"}))


@triggered_by(
    lexicon.STARTING_VERBS,
    lexicon.DOWNING_VERBS,
    lexicon.DESTROYING_VERBS,
    lexicon.OVERWHELMING_VERBS,
    lexicon.PROLONGING_VERBS,
    {"knocked", "knocks", "knocking", "managed", "blew", "blown", "blowing"},
    {"filled", "fills", "filling", "locked", "locking"},
)
def _rule_person_did_harm(tokens: list[Token]) -> Iterator[Hit]:
    for i, token in enumerate(tokens):
        low = token.low
        if low in lexicon.STARTING_VERBS:
            lows = [t.low for t in clause_object(tokens, i)]
            particle = _PARTICLE_NEEDED.get(low)
            on_fire = low in {"set", "sets"} and _on_fire(lows)
            if particle is not None and (not lows or lows[0] != particle) and not on_fire:
                continue
            if not set(lows) & _HARMS and not on_fire:
                continue
        elif low in lexicon.DOWNING_VERBS:
            sent = {t.low for t in clause_object(tokens, i)}
            if not sent & _SENT_DOWN:
                continue
        elif low == "managed" and i + 2 < len(tokens) and tokens[i + 1].low == "to":
            if tokens[i + 2].low not in lexicon.MANAGED_HARMS:
                continue  # "managed to restore service"
        elif low in lexicon.OVERWHELMING_VERBS:
            if i and tokens[i - 1].low in _DETERMINERS:
                continue
            if {t.low for t in clause_object(tokens, i, 6)} & lexicon.WRONG_WORDS:
                continue  # "drained the wrong zone" is a slip
        elif low in {"knocked", "knocks", "knocking"} and tokens[i + 1 : i + 2]:
            if tokens[i + 1].low != "out":
                continue
        elif low in lexicon.PROLONGING_VERBS:
            if not _prolonged(tokens, i):
                continue
        elif low in {"blew", "blown", "blowing"}:
            if tokens[i + 1 : i + 2] == [] or tokens[i + 1].low != "away":
                continue  # "blew away the transcoding queue"
        elif low in {"filled", "fills", "filling"}:
            if not {t.low for t in clause_object(tokens, i, 4)} & lexicon.STORAGE_NOUNS:
                continue  # "filled the disk"; not "filled in the form"
        elif low in {"locked", "locking"}:
            lows = [t.low for t in clause_object(tokens, i, 5)]
            if "out" not in lows or not set(lows) & lexicon.EVERYONE_WORDS:
                continue  # "locked everyone out"; not "locked the table"
        elif low in lexicon.DESTROYING_VERBS:
            hit = {t.low for t in clause_object(tokens, i, 6)}
            if i and tokens[i - 1].low in _DETERMINERS:
                continue  # "the overloaded lines": an adjective
            if hit & lexicon.WRONG_WORDS:
                continue  # "deleted the wrong directory" is a slip (judging.py)
            data = low in _STRONG_DESTROY and bool(hit & lexicon.DATA_NOUNS)
            if not (data or low in _ALWAYS_HARM or low in _ALWAYS_DESTROY):
                continue
            if not hit and low in {"crashed", "crashing", "flooded", "flooding"}:
                continue  # "their edge routers crashed": the thing failed, no one did it
        else:
            continue
        if _by_person(tokens, i):
            yield "blame", doer_start(tokens, i), token.end


@triggered_by(
    lexicon.ORIGIN_VERBS,
    lexicon.ORIGIN_NOUNS,
    lexicon.OWING_VERBS,
    {"because", "due", "thanks", "courtesy", "feet", "door", "doorstep", "behind", "account"},
    {"hands"},
)
def _rule_origin(tokens: list[Token]) -> Iterator[Hit]:
    """ "The whole mess stems from Tomasz wiping ...", "the outage was the result of a
    change by Ana", "because of a change that Aleksandra pushed", "can be laid at the
    feet of the storage team"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        nxt = tokens[i + 1].low if i + 1 < n else ""
        if low in lexicon.ORIGIN_VERBS and nxt in {"from", "with", "back", "out", "to"}:
            start = clause_start(tokens, i)
            if not any(t.low in _HARMS for t in tokens[start:i]):
                continue
            person = _person_or_their_change(tokens, i + 2)
        elif low in lexicon.ORIGIN_NOUNS and nxt == "of" and i >= 2:
            if tokens[i - 1].low not in {"the", "a", "direct", "sole"}:
                continue
            if subject(tokens, i) not in {"system", "none"}:
                continue
            person = _person_or_their_change(tokens, i + 2)
        elif (low, nxt) in {("because", "of"), ("due", "to"), ("thanks", "to")} or (
            (low, nxt) == ("account", "of") and i and tokens[i - 1].low == "on"
        ):
            person = _person_in_change(tokens, i + 2)
            if person is None and i + 2 < n and tokens[i + 2].low in {"how", "what"}:
                person = _doer_of_clause(tokens, i + 3)
        elif (low, nxt) == ("courtesy", "of"):
            start = clause_start(tokens, i)
            harm = any(t.low in _HARMS for t in tokens[start:i])
            person = _person_or_their_change(tokens, i + 2) if harm else None
        elif low in lexicon.OWING_VERBS:
            person = _owed_to(tokens, i)
        elif low == "behind" and i and tokens[i - 1].low in {"was", "is", "were", "are"}:
            if subject(tokens, i - 1, self_counts=False) != "person":
                continue
            rest = {t.low for t in tokens[i + 1 : i + 8]}
            if nxt not in {"the", "this", "that", "a", "an", "it"} or not (
                rest & (_HARMS | lexicon.ACTION_NOUNS)
            ):
                continue
            yield "blame", doer_start(tokens, i), token.end
            continue
        elif low in {"feet", "door", "doorstep", "hands"} and nxt == "of" and i >= 2:
            if tokens[i - 2].low != "at":
                continue
            person = person_in(tokens, i + 2, i + 6)
        else:
            continue
        if person is not None and not negated_before(tokens, i):
            yield "blame", token.start, tokens[person].end


def _owed_to(tokens: list[Token], i: int) -> int | None:
    """ "We owe this outage to Mehmet's untested cron job"; not "we owe the quick
    recovery to Mehmet's runbook"."""
    for k in range(i + 1, min(len(tokens), i + 6)):
        if tokens[k].low in ENDS:
            return None
        if tokens[k].low == "to":
            owed = {t.low for t in tokens[i + 1 : k]}
            if not owed & _HARMS or owed & lexicon.GOOD_VERBS:
                return None
            return _person_or_their_change(tokens, k + 1)
    return None


_FINDING_VERBS = {"found", "noticed", "spotted", "reported", "flagged", "caught", "fixed"}
_FINDING_VERBS |= {"wrote", "filed", "raised", "saw", "escalated", "reverted", "opened"}


def _person_or_their_change(tokens: list[Token], start: int) -> int | None:
    if _names_a_slip(tokens, start):
        return None
    person = person_in(tokens, start, start + 4)
    return person if person is not None else _person_in_change(tokens, start)


def _person_in_change(tokens: list[Token], start: int) -> int | None:
    """A person who made the thing named after a cause word: "a change that Aleksandra
    pushed", "a config pushed by the admin"; not "a bug that the engineer found"."""
    n = len(tokens)
    if _names_a_slip(tokens, start):
        return None
    for j in range(start, min(n, start + 6)):
        low = tokens[j].low
        if low in ENDS:
            return None
        if low in {"that", "which"} and j + 1 < n:
            person = person_in(tokens, j + 1, j + 4)
            if person is None:
                return None
            verb = tokens[person + 1].low if person + 1 < n else ""
            return None if verb in _FINDING_VERBS else person
        if low == "by" and j > start:
            return person_in(tokens, j + 1, j + 5)
    return None


def _doer_of_clause(tokens: list[Token], start: int) -> int | None:
    """ "because of how Dariusz rebuilt the SAN": the person doing the verb of the clause
    "how" or "what" opens."""
    person = person_in(tokens, start, start + 4)
    if person is None or person + 1 >= len(tokens):
        return None
    return person if is_past_verb(tokens[person + 1].low) else None


def _names_a_slip(tokens: list[Token], start: int) -> bool:
    """ "the product of a slip by the storage admin": a slip pinned on a person is the
    human-error rule's business (judging.py)."""
    slips = lexicon.MORE_SLIP_NOUNS | words.SLIP_NOUNS
    return any(t.low in slips for t in tokens[start : start + 4])


_BEARING_VERBS = {"bears", "bore", "bear", "carries", "carried", "carry", "shoulders"}
_BEARING_VERBS |= {"shouldered", "takes", "took", "holds", "held"}
_RESPONSIBILITY = {"responsibility", "accountability", "blame"}


@triggered_by(lexicon.ANSWERABLE_WORDS, lexicon.BELONGING_VERBS, _RESPONSIBILITY, {"watch", "down"})
def _rule_answerable(tokens: list[Token]) -> Iterator[Hit]:
    """ "The storage team is accountable for the lost uploads", "the breach happened on
    Camila's watch", "the data loss is squarely down to the backup admin", "those hours
    of downtime belong to the release team"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        nxt = tokens[i + 1].low if i + 1 < n else ""
        # "is responsible for the outage", "bears responsibility for the outage"
        bearer = i - 1 - (i > 1 and tokens[i - 1].low in {"the", "full", "all", "most"})
        bears = low in _RESPONSIBILITY and i and tokens[bearer].low in _BEARING_VERBS
        if (low in lexicon.ANSWERABLE_WORDS or bears) and nxt == "for":
            if not {t.low for t in tokens[i + 2 : i + 8]} & _HARMS:
                continue  # "accountable for the runbook from now on" is ownership
            if subject(tokens, i, self_counts=False) == "person" and not negated_before(tokens, i):
                yield "blame", doer_start(tokens, i), token.end
            continue
        if low not in {"watch", "down"} and low not in lexicon.BELONGING_VERBS:
            continue  # most words: answered before the clause is read
        harm = any(
            t.low in _HARMS or t.low in lexicon.FAILING_VERBS
            for t in tokens[clause_start(tokens, i) : i]
        )
        if not harm or negated_before(tokens, i):
            continue
        person = None
        if low == "watch" and i and is_person_possessive(tokens[i - 1], self_counts=False):
            person = i  # "on Camila's watch"
        elif (
            low == "down" and nxt == "to" and i and tokens[i - 1].low in words.PINNING_ADVERBS
        ) or (low in lexicon.BELONGING_VERBS and nxt in {"to", "with", "on"}):
            person = person_in(tokens, i + 2, i + 6)
        if person is not None:
            yield "blame", token.start, tokens[person].end


@triggered_by({"owns", "owned", "own"})
def _rule_owned(tokens: list[Token]) -> Iterator[Hit]:
    """ "The network team owns this outage"; not "owns the incident process"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low not in {"owns", "owned", "own"} or i + 2 >= n:
            continue
        k = i + 1
        if tokens[k].low in {"this", "that", "the", "today's", "yesterday's"}:
            k += 1
        after = tokens[k + 1].low if k + 1 < n else "."
        # "the storage group owns this one: ..."
        this_one = tokens[k].low == "one" and tokens[k - 1].low in {"this", "that"}
        harm = tokens[k].low in _HARMS or this_one
        if not harm or (after not in ENDS and after not in words.CLAUSE_WORDS):
            continue
        if subject(tokens, i, self_counts=False) == "person" and not negated_before(tokens, i):
            yield "blame", doer_start(tokens, i), tokens[k].end


@triggered_by({"possible", "lost", "lose", "losing"})
def _rule_made_possible(tokens: list[Token]) -> Iterator[Hit]:
    """ "The team's sloppy approach to secrets made the breach possible"; "we lost 90
    minutes of traffic to an operator running a migration by hand"."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        if low == "possible":
            made = next(
                (k for k in range(i - 1, max(-1, i - 7), -1) if tokens[k].low in _MADE), None
            )
            if made is None or not {t.low for t in tokens[made + 1 : i]} & _HARMS:
                continue
            if actor(tokens, made) == "person" and not negated_before(tokens, made):
                yield "blame", doer_start(tokens, made), token.end
        elif low in {"lost", "lose", "losing"}:
            to = next((k for k in range(i + 2, min(n, i + 9)) if tokens[k].low == "to"), None)
            if to is None or any(t.low in ENDS for t in tokens[i + 1 : to]):
                continue
            person = person_in(tokens, to + 1, to + 4)
            # "to the DBA's manual failover", "to an operator running ..."; not "lost
            # access to their products"
            if person is None:
                continue
            acting = (
                is_person_possessive(tokens[person], self_counts=False)
                and tokens[person].low not in words.POSSESSIVE_PRONOUNS
            ) or (person + 1 < n and tokens[person + 1].low.endswith("ing"))
            if acting and not negated_before(tokens, i):
                yield "blame", token.start, tokens[person].end


_MADE = {"made", "makes", "make", "making"}


@triggered_by({"whenever", "everytime", "time"})
def _rule_whenever(tokens: list[Token]) -> Iterator[Hit]:
    """ "Every time Dmitri touches the config, something breaks": a person's doing as the
    standing condition of a failure."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        low = token.low
        every = low == "time" and i > 0 and tokens[i - 1].low in {"every", "each", "any"}
        if low not in {"whenever", "everytime"} and not every:
            continue
        first = i + 1
        if person_in(tokens, first, first + 3) is None:
            continue
        comma = next((k for k in range(first, min(n, first + 15)) if tokens[k].low == ","), None)
        if comma is None:
            continue
        for k in range(comma + 1, min(n, comma + 10)):
            if tokens[k].low in lexicon.HABITUAL_FAILURES:
                yield "blame", tokens[i - (low == "time")].start, tokens[k].end
                break


# What a "had it not been for ..." sentence says would have been: nothing bad (the
# person or their act is the cause), against an outcome that would have been worse (the
# person is credited: "had it not been for Maria's quick thinking, the outage would
# have lasted hours").
_NEGATED = {"none", "nothing", "never", "not", "no", "wouldn't", "n't"}
_WENT_WELL = lexicon.GOOD_VERBS | {"fine", "okay", "ok", "up", "healthy", "smoothly"}


def _but_for(tokens: list[Token], i: int) -> bool:
    """The "for" at `i` ends "had it not been for", "if it hadn't been for", "if it
    weren't for", "were it not for" or a clause-opening "but for"."""
    before = [t.low for t in tokens[max(0, i - 2) : i]]
    if before[-1:] == ["but"]:
        return i == 1 or tokens[i - 2].low in CLAUSE_PUNCT
    return before[-2:] in _BUT_FOR_ENDS or before[-1:] in (["weren't"], ["wasn't"])


_BUT_FOR_ENDS = (["not", "been"], ["hadn't", "been"], ["it", "not"])


@triggered_by({"for"})
def _rule_but_for(tokens: list[Token]) -> Iterator[Hit]:
    """ "Had it not been for Ken's hasty merge, the release would have been fine", "if
    it weren't for the deployer, none of this would have happened": a person, or what
    they did, as the one thing without which nothing would have gone wrong."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low != "for" or i + 1 >= n or not _but_for(tokens, i):
            continue
        person = person_in(tokens, i + 1, i + 5)
        if person is None:
            person = _person_in_change(tokens, i + 1)
        if person is None:
            continue
        comma = next((k for k in range(person + 1, n) if tokens[k].low == ","), None)
        rest = {t.low for t in tokens[comma + 1 :]} if comma is not None else set()
        # Without the person's act, would things have been fine? "... would have been
        # fine", "... would have stayed up", "none of this would have happened": then
        # the act is the cause. "... would have lasted hours", "we would not have
        # caught it": then the person is credited.
        went_well = bool(rest & _WENT_WELL)
        if rest and went_well != bool(rest & _NEGATED):
            yield "blame", tokens[max(0, i - 4)].start, tokens[person].end


# "..., which broke checkout": verbs that do harm whatever their object.
_WHICH_BROKE = {"broke", "crashed", "killed", "corrupted", "wiped", "destroyed", "froze"}
# "which then took ...", "which in turn caused ...": words before the relative's verb.
_WHICH_LEAD_INS = {"then", "in", "turn", "eventually", "promptly", "immediately", "soon"}


def _harm_done(tokens: list[Token], v: int) -> bool:
    """The verb at `v` does harm: it causes an incident ("caused the outage", "led to
    the data loss"), takes something down, or breaks it."""
    low = tokens[v].low
    lows = [t.low for t in clause_object(tokens, v)]
    if low in lexicon.STARTING_VERBS:
        particle = _PARTICLE_NEEDED.get(low)
        if particle is not None and (not lows or lows[0] != particle):
            return False
        return bool(set(lows) & _HARMS)
    if low in lexicon.DOWNING_VERBS:
        return bool(set(lows) & lexicon.DOWN_WORDS)
    return low in _WHICH_BROKE and bool(lows)


@triggered_by({"which"})
def _rule_act_which_harmed(tokens: list[Token]) -> Iterator[Hit]:
    """ "The admin dropped the production table, which took the site down": a person's
    act, then a relative "which" on the whole clause whose verb does the harm. The same
    act followed by a neutral or good outcome ("..., which restored writes") is left
    alone, as is a system's act ("the job dropped the table, which ...")."""
    n = len(tokens)
    for i, token in enumerate(tokens):
        if token.low != "which" or i < 3 or tokens[i - 1].low != ",":
            continue
        v = i + 1
        while v < n and tokens[v].low in _WHICH_LEAD_INS:
            v += 1
        if v >= n or not _harm_done(tokens, v):
            continue
        start = clause_start(tokens, i - 2)
        verb = next(
            (
                k
                for k in range(start + 1, i - 1)
                if is_past_verb(tokens[k].low) and actor(tokens, k) == "person"
            ),
            None,
        )
        if verb is not None and not negated_before(tokens, verb):
            yield "blame", doer_start(tokens, verb), tokens[v].end


RULES: tuple[Callable[[list[Token]], Iterator[Hit]], ...] = (
    _rule_person_did_harm,
    _rule_act_which_harmed,
    _rule_but_for,
    _rule_origin,
    _rule_answerable,
    _rule_owned,
    _rule_made_possible,
    _rule_whenever,
)
