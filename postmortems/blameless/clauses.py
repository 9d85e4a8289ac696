"""Clause structure for the blameless rules: where a clause starts, who its subject is
(a person, nobody, or a system), whether it is negated, and which words are people.

The rules (rules.py, attribution.py, indirect_blame.py, agency.py, hindsight.py,
judging.py) read sentences only through these helpers.
"""

from collections.abc import Callable, Iterable, Iterator

from postmortems.blameless import lexicon, words
from postmortems.blameless.tokens import Token

Hit = tuple[str, int, int]  # category, start offset, end offset
Rule = Callable[[list[Token]], Iterator[Hit]]

# The words a rule starts from, for rules that declare them (`triggered_by`): the checker
# skips a rule for a sentence that holds none of them, which keeps a long review fast as
# rules are added.
TRIGGERS: dict[Rule, frozenset[str]] = {}


def triggered_by(*groups: Iterable[str]) -> Callable[[Rule], Rule]:
    def register(rule: Rule) -> Rule:
        TRIGGERS[rule] = frozenset().union(*groups)
        return rule

    return register


CLAUSE_PUNCT = {",", ";", ":", "(", ")", "|", "\u2014", "\u2013", "-", "[", "]", "*"}


COORDINATORS = {"and", "or"}
# A clause is looked at this many tokens either side of a word at most: a "sentence" of
# 100,000 words with no punctuation would otherwise be walked again for every trigger.
CLAUSE_MAX_TOKENS = 60


def clause_start(tokens: list[Token], i: int, *, coordinated: bool = False) -> int:
    """Index of the first token of the clause that holds token `i`. With `coordinated`,
    "and"/"or" do not end the clause: "nobody was careless or lazy" negates both."""
    j = i - 1
    while j >= max(0, i - CLAUSE_MAX_TOKENS):
        low = tokens[j].low
        if coordinated and low in COORDINATORS:
            j -= 1
            continue
        if low in CLAUSE_PUNCT or (low in words.CLAUSE_WORDS and not _idiom(tokens, j)):
            return j + 1
        j -= 1
    return j + 1


def _idiom(tokens: list[Token], j: int) -> bool:
    """A clause word inside a fixed phrase: "drain both zones at once"."""
    return tokens[j].low == "once" and j > 0 and tokens[j - 1].low == "at"


def is_person(token: Token, *, self_counts: bool = True) -> bool:
    low = token.low
    if low in words.PERSON_PRONOUNS:
        return self_counts or low not in words.SELF_PRONOUNS
    if low in words.ROLES or low.startswith("@"):
        return True
    if token.text[:1].isupper() and low in words.CAPITALISED_ROLES:
        return True
    # "DAG", "ANA": a word in capitals is an acronym, not a name.
    return token.text[:1].isupper() and low in words.FIRST_NAMES and not token.text.isupper()


def possessive(token: Token) -> str | None:
    """ "Bob's" -> "bob"; None when the token is not a possessive."""
    if token.low.endswith("'s"):
        return token.low[:-2]
    if token.low.endswith("s'"):
        return token.low[:-1]
    return None


def is_person_possessive(token: Token, *, self_counts: bool = True) -> bool:
    if token.low in words.POSSESSIVE_PRONOUNS:
        return True
    owner = possessive(token)
    if owner is None or owner in words.NEGATIVE_SUBJECTS:
        return False
    stripped = Token(token.text[: len(owner)], owner, token.start, token.end)
    return is_person(stripped, self_counts=self_counts)


def in_proper_name(tokens: list[Token], k: int) -> bool:
    """A capitalised role word inside a title-case name mid-sentence: "the new Developer
    Story", "Team Foundation Server" name products, not people."""
    token = tokens[k]
    if k == 0 or not token.text[:1].isupper() or k + 1 >= len(tokens):
        return False
    if token.low not in words.ROLES and token.low not in words.CAPITALISED_ROLES:
        return False  # "Jake Smith" is a person
    following = tokens[k + 1].text
    return following[:1].isupper() and following[:1].isalpha()


def _relative_antecedent(tokens: list[Token], start: int, self_counts: bool) -> str | None:
    """The subject of a clause opened by the relative "who" is the person before it:
    "the dev team who pushed the binary", "It was the owner who brought it down". A
    negation before the antecedent ("it was not the owner who ...", "nobody who ...")
    makes it "negative"; a question ("we ask who pushed") names no antecedent."""
    if start >= 2 and tokens[start - 1].low == "that":
        return _it_cleft(tokens, start - 1, self_counts)
    if start < 2 or tokens[start - 1].low != "who":
        return None
    antecedent = tokens[start - 2]
    if antecedent.low in {"one", "ones"} and start >= 4 and tokens[start - 3].low == "the":
        # "Ops is the one who let ...": the one is the subject of "is".
        be = start - 4
        if tokens[be].low in {"is", "was", "are", "were", "'s"}:
            return _cleft_subject(tokens, be, self_counts)
    if antecedent.low in words.NEGATIVE_SUBJECTS:
        return "negative"
    if not is_person(antecedent, self_counts=self_counts):
        return None
    if negated_before(tokens, start - 2):
        return "negative"
    return "person"


def _it_cleft(tokens: list[Token], that: int, self_counts: bool) -> str | None:
    """ "It was the release engineer's rushed deploy that brought the API down": the
    subject of the verb after "that" is what the cleft names."""
    for be in range(that - 1, max(0, that - 9), -1):
        if tokens[be].low in {"was", "is", "were"} and tokens[be - 1].low == "it":
            named = tokens[be + 1 : that]
            if any(is_negation(t) for t in named):
                return "negative"
            if any(
                is_person(t, self_counts=self_counts)
                or is_person_possessive(t, self_counts=self_counts)
                for t in named
            ):
                return "person"
            return None
    return None


def _cleft_subject(tokens: list[Token], be: int, self_counts: bool) -> str | None:
    who = subject(tokens, be, self_counts=self_counts, follow=False)
    return who if who in {"person", "negative"} else None


def _coordinated_subject(tokens: list[Token], start: int, self_counts: bool) -> str | None:
    """A verb right after "and"/"or" shares the subject of the clause before: "John
    deployed the change and took the server down". That subject is read up to the first
    past-tense verb of that clause, so its objects do not count."""
    if start < 2 or tokens[start - 1].low not in COORDINATORS:
        return None
    first = clause_start(tokens, start - 1)
    verb = next((k for k in range(first, start - 1) if is_past_verb(tokens[k].low)), None)
    if verb is None or verb == first:
        return None
    return subject(tokens, verb, self_counts=self_counts, follow=False)


_SLIP_SUBJECTS = (words.SLIP_NOUNS | lexicon.MORE_SLIP_NOUNS) - lexicon.FAILINGS


def slip_is_subject(tokens: list[Token], i: int) -> bool:
    """The subject of the verb at `i` is a slip: "a keyboard slip by the storage
    administrator wiped ...", "an engineer's miscalculation filled the volume". That is
    human error (a slip as the cause), which the slip rules report, not blame."""
    return any(t.low in _SLIP_SUBJECTS for t in tokens[clause_start(tokens, i) : i])


def in_general(owner: Token, noun: Token) -> bool:
    """ "teach everyone to hide their mistakes": a pronoun's faults in the plural are
    people's in general, not a slip or a fault behind the incident."""
    return owner.low in words.POSSESSIVE_PRONOUNS and noun.low.endswith("s")


def is_past_verb(low: str) -> bool:
    return (
        low in words.IRREGULAR_PAST
        or low in words.ACTION_PAST
        or (len(low) > 3 and low.endswith("ed"))
    )


def subject(tokens: list[Token], i: int, *, self_counts: bool = True, follow: bool = True) -> str:
    """Who does the verb at `i`: "person", "negative" (nobody), "system" or "none".
    `follow` reads through one "and" to a shared subject (once: a chain of them is not
    walked back, which would cost a long sentence its length at every verb)."""
    start = clause_start(tokens, i)
    j = i - 1
    while j >= start and tokens[j].low in words.ADVERBS:
        j -= 1
    span = [t for t in tokens[start : j + 1] if t.low not in {"'", '"'}]
    if not span:
        return (
            _relative_antecedent(tokens, start, self_counts)
            or (_coordinated_subject(tokens, start, self_counts) if follow else None)
            or "none"
        )
    lows = [t.low for t in span]
    if lows[0] in words.NEGATIVE_SUBJECTS or lows[:2] in (["no", "one"], ["not", "one"]):
        return "negative"
    if lows[0] == "no":  # "no engineer", "no reviewer"
        return "negative"
    if _after_relative_clause(tokens, start, span, self_counts):
        return "person"
    if len(lows) > 1 and _gerund(lows[0]):
        return "system"  # "Deleting them caused ...": a person after a gerund is its object
    for k in range(start, j + 1):
        if is_person(tokens[k], self_counts=self_counts) and not in_proper_name(tokens, k):
            return "person"
    return "system"


# Words in -ing that are not gerunds opening a clause.
_NOT_GERUNDS = {
    "during", "including", "following", "according", "regarding", "concerning", "pending",
    "something", "anything", "everything", "nothing", "morning", "evening", "thing",
    "things", "string", "spring", "king", "ring", "building", "meeting", "ceiling",
}  # fmt: skip


def _gerund(low: str) -> bool:
    return len(low) > 5 and low.endswith("ing") and low not in _NOT_GERUNDS | words.ROLES


def _after_relative_clause(
    tokens: list[Token], start: int, span: list[Token], self_counts: bool
) -> bool:
    """The verb comes after a whole relative clause, so its subject is the person the
    clause describes: in "the team that enabled the feature is responsible", "is" follows
    "that enabled the feature", whose own verb has already come."""
    if start < 2 or tokens[start - 1].low not in {"that", "who"}:
        return False
    if not any(is_past_verb(t.low) for t in span):
        return False
    antecedent = start - 2
    return is_person(tokens[antecedent], self_counts=self_counts) and not negated_before(
        tokens, antecedent
    )


def negated_before(tokens: list[Token], i: int) -> bool:
    """A negation earlier in the clause of token `i` ("nobody was careless"); "nothing
    short of reckless" says the opposite."""
    start = clause_start(tokens, i, coordinated=True)
    return any(
        is_negation(tokens[k]) and not _nothing_short(tokens, k) and not _but_for_not(tokens, k)
        for k in range(start, i)
    )


def _nothing_short(tokens: list[Token], k: int) -> bool:
    return tokens[k].low == "nothing" and k + 1 < len(tokens) and tokens[k + 1].low == "short"


def _but_for_not(tokens: list[Token], k: int) -> bool:
    """The "not" of "had it not been for", "if it weren't for": it negates nothing in
    what follows ("had it not been for Priya's hasty push" calls the push hasty)."""
    after = [t.low for t in tokens[k + 1 : k + 3]]
    if after == ["been", "for"]:
        return True  # "had it not been for", "if it hadn't been for"
    it = k > 0 and tokens[k - 1].low == "it"
    return after[:1] == ["for"] and (it or tokens[k].low in {"weren't", "wasn't"})


def negated_in_clause(tokens: list[Token], i: int) -> bool:
    start = clause_start(tokens, i)
    end, last = i + 1, min(len(tokens), i + 1 + CLAUSE_MAX_TOKENS)
    while end < last and tokens[end].low not in CLAUSE_PUNCT:
        end += 1
    return any(is_negation(t) for t in tokens[start:end] if t is not tokens[i])


def is_negation(token: Token) -> bool:
    return token.low in words.NEGATIONS or token.low.endswith("n't")


def is_participle(low: str) -> bool:
    if low in words.IRREGULAR_PARTICIPLES:
        return True
    return len(low) > 3 and low.endswith(("ed", "en")) and low not in {"need", "seen"}


def person_after(tokens: list[Token], i: int, limit: int = 5) -> int | None:
    """Index of a person named in the few tokens after `i`, before the phrase ends."""
    for j in range(i + 1, min(len(tokens), i + 1 + limit)):
        token = tokens[j]
        if token.low in CLAUSE_PUNCT or token.low in words.CLAUSE_WORDS or token.low == ".":
            return None
        if possessive(token) is not None:
            continue  # "caused by Bob's deploy": the deploy is the cause
        following = tokens[j + 1].low if j + 1 < len(tokens) else ""
        if token.low in {"user", "operator"} and following in {"error", "errors", "mistake"}:
            return None  # "operator error" is the human_error rule's business
        if is_person(token, self_counts=False):
            return j
        if token.low in {"by", "to", "of", "for", "in", "on", "with", "during"}:
            return None
    return None


ENDS = CLAUSE_PUNCT | {".", "!", "?"}


def person_in(tokens: list[Token], start: int, stop: int) -> int | None:
    """Index of the first person (or a person's possessive) in tokens[start:stop],
    before the clause ends; "we" and "I" do not count."""
    for j in range(start, min(stop, len(tokens))):
        token = tokens[j]
        if token.low in ENDS:
            return None
        if _lead_verb(tokens, j):
            continue
        if is_person(token, self_counts=False) or is_person_possessive(token, self_counts=False):
            return j
    return None


def actor(tokens: list[Token], i: int, *, self_counts: bool = False) -> str:
    """Who does the verb at `i`, like `subject`, but a person's possessive in the subject
    makes the person the actor: "Guo Wei's hotfix set off the leak", "the contractor's
    script is what deleted the images"."""
    who = subject(tokens, i, self_counts=self_counts)
    start = clause_start(tokens, i)
    if who == "person":
        # "Turning on the feature for everyone overloaded ...": a person after a
        # preposition is not the one acting.
        doers = [
            k
            for k in range(start, i)
            if is_person(tokens[k], self_counts=self_counts)
            and not (k and tokens[k - 1].low in _PREPOSITIONS)
            and not _lead_verb(tokens, k)
        ]
        return "person" if doers or start == i else "system"
    if who != "system":
        return who
    for k in range(start, i):
        if is_person_possessive(tokens[k], self_counts=self_counts):
            return "person"
    if _free_relative(tokens, start):
        return "person"
    return "system"


_PREPOSITIONS = {"for", "to", "with", "of", "from", "on", "in", "at", "by", "about", "like"}


def _lead_verb(tokens: list[Token], k: int) -> bool:
    """ "an adjacent service lead to ...": "lead" as a verb."""
    nxt = tokens[k + 1].low if k + 1 < len(tokens) else ""
    return tokens[k].low in {"lead", "leads"} and nxt == "to"


def _free_relative(tokens: list[Token], start: int) -> bool:
    """ "Whoever wrote that cron job was clueless": the clause before the verb opened
    with "whoever", with no punctuation since."""
    for k in range(start - 1, max(-1, start - 12), -1):
        low = tokens[k].low
        if low in ENDS:
            return False
        if low == "whoever":
            return k == 0 or tokens[k - 1].low in ENDS
    return False


_ASKING = {"ask", "asks", "asked", "asking", "not", "about", "than", "as", "saying", "claiming"}


def asked_about(tokens: list[Token], i: int) -> bool:
    """The hindsight is the topic, not the claim: "we ask what people knew, not what
    they should have known", "saying someone should have known better"."""
    window = tokens[max(0, i - 5) : i]
    for k, token in enumerate(window):
        before = window[k - 1].low if k else (tokens[i - 6].low if i >= 6 else "")
        if token.low in {"what", "whether", "who"} and (before in _ASKING or before == ","):
            return True
        if token.low in {"saying", "claiming", "asking"}:
            return True
    return False


def clause_object(tokens: list[Token], i: int, limit: int = 7) -> list[Token]:
    """The words after the verb at `i`, up to the end of its clause."""
    out = []
    for token in tokens[i + 1 : i + 1 + limit]:
        if token.low in ENDS or token.low in words.CLAUSE_WORDS - {"that"}:
            break
        out.append(token)
    return out


def doer_start(tokens: list[Token], i: int) -> int:
    """Where a finding about the verb at `i` starts: at the person who did it, when one
    comes before it in its clause, else at the verb."""
    start = clause_start(tokens, i)
    for token in tokens[start:i]:
        if is_person(token, self_counts=False) or is_person_possessive(token, self_counts=False):
            return token.start
    return tokens[i].start
