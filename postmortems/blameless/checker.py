"""Blameless language checks: find blame, hindsight and judgement in postmortem Markdown.

`check(text)` returns findings with character offsets into the raw text. It works on
rules over tokens rather than a word list, because the same words are often harmless:

1. Mask what the author did not write in their own voice: fenced and inline code,
   blockquotes (quoted chat), text in quotation marks, and URLs. Masked characters
   become spaces, so offsets still point into the raw input.
2. Split the rest into sentences (Markdown list items, headings and table rows are
   sentences of their own) and the sentences into word tokens. Hyphenated words stay one
   token, so "the should-have-fired alert" is an adjective, not a modal.
3. Each rule finds its trigger, then looks at the structure around it: the subject
   (a person's name, a pronoun or a role, versus a system noun; the person before a
   relative "who"; the subject a verb shares through "and"), negation earlier in the
   clause ("nobody was careless"), modal + have + past participle ("should have
   checked", not "should have to" or "could have a dashboard"), and technical terms
   ("lazy loading", "sloppy quorum").

The corpus in tests/core/blameless/blameless_corpus.jsonl measures precision and recall;
`python -m postmortems.blameless.report` prints the table.
"""

import bisect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from postmortems.blameless import words

CATEGORIES = ("blame", "counterfactual", "judgement", "human_error", "root_cause")

MESSAGES = {
    "blame": (
        "Names a person as the cause of the incident.",
        "Describe what happened and what allowed it, e.g. “the config push reached "
        "production without a canary”.",
    ),
    "counterfactual": (
        "Says what someone should have done instead of what happened.",
        "Say what people knew and did at the time and why it made sense, e.g. “the config "
        "was not checked before the deploy; nothing in the pipeline asked for it”.",
    ),
    "judgement": (
        "Judges people, or calls the outcome obvious with hindsight.",
        "Describe the action or the signal neutrally and what made it hard to see at the time.",
    ),
    "human_error": (
        "“Human error” ends the inquiry instead of explaining what happened.",
        "Name the conditions that made the mistake possible: tooling, defaults, alerts, "
        "workload, missing guardrails.",
    ),
    "root_cause": (
        "“Root cause” suggests a single cause; incidents have several.",
        "Write about contributing factors, e.g. “one contributing factor was …”.",
    ),
}


@dataclass(frozen=True)
class Finding:
    start: int
    end: int
    category: str
    message: str
    suggestion: str

    def excerpt(self, text: str) -> str:
        return text[self.start : self.end]


class Token(NamedTuple):
    """A word of a sentence. A tuple rather than a frozen dataclass: a long review has
    tens of thousands of them, and a frozen dataclass took a third of the check's time
    just to build them."""

    text: str
    low: str
    start: int
    end: int


# ---- 1. Masking --------------------------------------------------------------------------

# The runs of backticks and tildes are possessive (`{3,}+) and code spans open only at the
# start of a run: otherwise a line of 100,000 backticks is tried at every split of the run,
# and the check ran for minutes. A code span ends within CODE_SPAN_MAX characters, which
# also keeps an unclosed run from scanning the rest of the text at every run.
CODE_SPAN_MAX = 2_000
_FENCE = re.compile(r"^ {0,3}(`{3,}+|~{3,}+)[^\n]*\n.*?(?:^ {0,3}\1[^\n]*$|\Z)", re.M | re.S)
_INLINE_CODE = re.compile(rf"(?<!`)(`++)(.{{1,{CODE_SPAN_MAX}}}?)(?<!`)\1(?!`)", re.S)
_BLOCKQUOTE = re.compile(r"^ {0,3}>[^\n]*", re.M)
# A link's destination ends within 500 characters: unbounded, every "](" scanned to the
# end of its line, and a line of them took 26 s for 40,000 characters.
_URL = re.compile(r"https?://[^\s)>\]]+|\]\([^)\n]{0,500}\)")
_QUOTES = re.compile(
    '"[^"\n]{1,400}"|\u201c[^\u201d\n]{1,400}\u201d|\u2018[^\u2019\n]{1,400}\u2019'
    "|(?<![\\w'\u2019])'[^'\n]{1,200}'(?![\\w])"
)


def mask(text: str) -> str:
    """`text` with code, quotes, blockquotes and URLs blanked out (same length)."""
    chars = list(text)
    for pattern in (_FENCE, _INLINE_CODE, _BLOCKQUOTE, _URL, _QUOTES):
        current = "".join(chars)
        for match in pattern.finditer(current):
            for i in range(match.start(), match.end()):
                if chars[i] != "\n":
                    chars[i] = " "
    return "".join(chars)


# ---- 2. Sentences and tokens -------------------------------------------------------------

_TOKEN = re.compile("@[\\w.-]+|\\w+(?:['\u2019\\-]\\w+)*|[^\\w\\s]")
_BLOCK_START = re.compile(r"\s*(?:[-*+]\s|\d+[.)]\s|#|\||$)")
_ABBREVIATIONS = {"e.g", "i.e", "vs", "etc", "approx", "cf", "mr", "ms", "dr", "no"}
_TIME = re.compile(r"\d{1,2}:\d{2}")


def _line_breaks(masked: str) -> set[int]:
    """Offsets of newlines that end a sentence: a new paragraph, list item, heading or
    table row, or a line that starts with a time (a timeline entry). Soft-wrapped
    lines inside a paragraph continue the sentence."""
    breaks = set()
    for match in re.finditer(r"\n", masked):
        rest = masked[match.end() : match.end() + 40]
        # The last character before the newline, spaces aside: looked up, not copied
        # (copying all that comes before made each newline cost the text's length).
        last = match.start()
        while last > 0 and masked[last - 1] in " \t":
            last -= 1
        if (
            _BLOCK_START.match(rest)
            or _TIME.match(rest.lstrip())
            or last == 0
            or masked[last - 1] in ".!?:|"
        ):
            breaks.add(match.start())
    return breaks


def sentences(masked: str) -> Iterator[list[Token]]:
    breaks = _line_breaks(masked)
    current: list[Token] = []
    last_end = 0
    for match in _TOKEN.finditer(masked):
        gap = masked[last_end : match.start()]
        if current and any(last_end + i in breaks for i, ch in enumerate(gap) if ch == "\n"):
            yield current
            current = []
        text = match.group().replace("\u2019", "'")
        current.append(Token(text, text.lower(), match.start(), match.end()))
        last_end = match.end()
        if text in {".", "!", "?"} and _ends_sentence(current, masked, match.end()):
            yield current
            current = []
    if current:
        yield current


def _ends_sentence(tokens: list[Token], masked: str, end: int) -> bool:
    if len(tokens) >= 2 and tokens[-2].low in _ABBREVIATIONS:
        return False
    rest = masked[end : end + 1]  # one character, not a copy of the rest of the text
    return not rest or rest.isspace()


# ---- 3. Structure helpers ----------------------------------------------------------------

_CLAUSE_PUNCT = {",", ";", ":", "(", ")", "|", "\u2014", "\u2013", "-", "[", "]", "*"}


_COORDINATORS = {"and", "or"}
# A clause is looked at this many tokens either side of a word at most: a "sentence" of
# 100,000 words with no punctuation would otherwise be walked again for every trigger.
CLAUSE_MAX_TOKENS = 60


def _clause_start(tokens: list[Token], i: int, *, coordinated: bool = False) -> int:
    """Index of the first token of the clause that holds token `i`. With `coordinated`,
    "and"/"or" do not end the clause: "nobody was careless or lazy" negates both."""
    j = i - 1
    while j >= max(0, i - CLAUSE_MAX_TOKENS):
        low = tokens[j].low
        if coordinated and low in _COORDINATORS:
            j -= 1
            continue
        if low in _CLAUSE_PUNCT or low in words.CLAUSE_WORDS:
            return j + 1
        j -= 1
    return j + 1


def _is_person(token: Token, *, self_counts: bool = True) -> bool:
    low = token.low
    if low in words.PERSON_PRONOUNS:
        return self_counts or low not in words.SELF_PRONOUNS
    if low in words.ROLES or low.startswith("@"):
        return True
    if token.text[:1].isupper() and low in words.CAPITALISED_ROLES:
        return True
    return token.text[:1].isupper() and low in words.FIRST_NAMES


def _possessive(token: Token) -> str | None:
    """ "Bob's" -> "bob"; None when the token is not a possessive."""
    if token.low.endswith("'s"):
        return token.low[:-2]
    if token.low.endswith("s'"):
        return token.low[:-1]
    return None


def _is_person_possessive(token: Token, *, self_counts: bool = True) -> bool:
    if token.low in words.POSSESSIVE_PRONOUNS:
        return True
    owner = _possessive(token)
    if owner is None or owner in words.NEGATIVE_SUBJECTS:
        return False
    stripped = Token(token.text[: len(owner)], owner, token.start, token.end)
    return _is_person(stripped, self_counts=self_counts)


def _in_proper_name(tokens: list[Token], k: int) -> bool:
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
    if start < 2 or tokens[start - 1].low != "who":
        return None
    antecedent = tokens[start - 2]
    if antecedent.low in words.NEGATIVE_SUBJECTS:
        return "negative"
    if not _is_person(antecedent, self_counts=self_counts):
        return None
    if negated_before(tokens, start - 2):
        return "negative"
    return "person"


def _coordinated_subject(tokens: list[Token], start: int, self_counts: bool) -> str | None:
    """A verb right after "and"/"or" shares the subject of the clause before: "John
    deployed the change and took the server down". That subject is read up to the first
    past-tense verb of that clause, so its objects do not count."""
    if start < 2 or tokens[start - 1].low not in _COORDINATORS:
        return None
    first = _clause_start(tokens, start - 1)
    verb = next((k for k in range(first, start - 1) if _is_past_verb(tokens[k].low)), None)
    if verb is None or verb == first:
        return None
    return subject(tokens, verb, self_counts=self_counts, follow=False)


def _is_past_verb(low: str) -> bool:
    return (
        low in words.IRREGULAR_PAST
        or low in words.ACTION_PAST
        or (len(low) > 3 and low.endswith("ed"))
    )


def subject(tokens: list[Token], i: int, *, self_counts: bool = True, follow: bool = True) -> str:
    """Who does the verb at `i`: "person", "negative" (nobody), "system" or "none".
    `follow` reads through one "and" to a shared subject (once: a chain of them is not
    walked back, which would cost a long sentence its length at every verb)."""
    start = _clause_start(tokens, i)
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
    for k in range(start, j + 1):
        if _is_person(tokens[k], self_counts=self_counts) and not _in_proper_name(tokens, k):
            return "person"
    return "system"


def negated_before(tokens: list[Token], i: int) -> bool:
    """A negation earlier in the clause of token `i` ("nobody was careless")."""
    start = _clause_start(tokens, i, coordinated=True)
    return any(_is_negation(t) for t in tokens[start:i])


def negated_in_clause(tokens: list[Token], i: int) -> bool:
    start = _clause_start(tokens, i)
    end, last = i + 1, min(len(tokens), i + 1 + CLAUSE_MAX_TOKENS)
    while end < last and tokens[end].low not in _CLAUSE_PUNCT:
        end += 1
    return any(_is_negation(t) for t in tokens[start:end] if t is not tokens[i])


def _is_negation(token: Token) -> bool:
    return token.low in words.NEGATIONS or token.low.endswith("n't")


def is_participle(low: str) -> bool:
    if low in words.IRREGULAR_PARTICIPLES:
        return True
    return len(low) > 3 and low.endswith(("ed", "en")) and low not in {"need", "seen"}


def _person_after(tokens: list[Token], i: int, limit: int = 5) -> int | None:
    """Index of a person named in the few tokens after `i`, before the phrase ends."""
    for j in range(i + 1, min(len(tokens), i + 1 + limit)):
        token = tokens[j]
        if token.low in _CLAUSE_PUNCT or token.low in words.CLAUSE_WORDS or token.low == ".":
            return None
        if _possessive(token) is not None:
            continue  # "caused by Bob's deploy": the deploy is the cause
        following = tokens[j + 1].low if j + 1 < len(tokens) else ""
        if token.low in {"user", "operator"} and following in {"error", "errors", "mistake"}:
            return None  # "operator error" is the human_error rule's business
        if _is_person(token, self_counts=False):
            return j
        if token.low in {"by", "to", "of", "for", "in", "on", "with", "during"}:
            return None
    return None


# ---- 4. Rules ----------------------------------------------------------------------------

Hit = tuple[str, int, int]  # category, start offset, end offset


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
        if who == "negative" or _asked_about(tokens, i):
            continue
        if passive and modal in {"should", "could"}:
            # "The config should have been reviewed": an unnamed person's omission.
            yield "counterfactual", token.start, end
        elif who == "person" and not (modal == "would" and _system_condition(tokens)):
            yield "counterfactual", token.start, end


_ASKING = {"ask", "asks", "asked", "asking", "not", "about", "than", "as", "saying", "claiming"}


def _asked_about(tokens: list[Token], i: int) -> bool:
    """The hindsight is the topic, not the claim: "we ask what people knew, not what
    they should have known", "saying someone should have known better"."""
    window = tokens[max(0, i - 5) : i]
    for k, token in enumerate(window):
        before = window[k - 1].low if k else (tokens[i - 6].low if i >= 6 else "")
        if token.low in {"what", "whether"} and (before in _ASKING or before == ","):
            return True
        if token.low in {"saying", "claiming", "asking"}:
            return True
    return False


def _system_condition(tokens: list[Token]) -> bool:
    """The sentence has an if-clause (or "Had the alert ...") whose subject is a system:
    "the on-call would have gone straight there had the alert named the cluster" is
    about the alert, not about the on-call."""
    for i, token in enumerate(tokens):
        opener = token.low == "if" or (token.low == "had" and _clause_start(tokens, i) == i)
        if not opener:
            continue
        for j in range(i + 1, min(len(tokens), i + 6)):
            if tokens[j].low in {"had", "has", "was", "were", "is", "did"} or is_participle(
                tokens[j].low
            ):
                segment = tokens[i + 1 : j]
                if segment and not any(_is_person(t) for t in segment):
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
        if token.low == "bother" and i > 0 and _is_negation(tokens[i - 1]):
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
        if low == "clearly" and not _clearly_is_stance(tokens, i):
            continue
        if low in {"obviously", "clearly"} and _signal_moved(tokens, i):
            continue
        if attribution.describes_design(tokens, i):
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


def _clearly_is_stance(tokens: list[Token], i: int) -> bool:
    """ "The graph clearly showed", "was clearly wrong", "Clearly, ..." say the outcome was
    obvious; "label it clearly", "we will clearly document", "the plan clearly states"
    describe how something is (to be) written."""
    prev = tokens[i - 1].low if i > 0 else ""
    nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
    if _clause_start(tokens, i) == i or i == 0:
        return True
    if prev in {"was", "were", "is", "are", "been", "be", "'s"}:
        return True
    if prev in {"will", "can", "could", "should", "must", "to", "would", "may", "shall"}:
        return False
    if nxt in {"did", "didn't", "had", "hadn't", "never", "knew", "ignored"}:
        return True
    return nxt in words.IRREGULAR_PAST or (nxt.endswith("ed") and len(nxt) > 4)


_ERROR_PHRASES = {
    ("human", "error"), ("human", "errors"), ("operator", "error"), ("user", "error"),
    ("pilot", "error"), ("human", "mistake"), ("human", "failure"), ("operator", "mistake"),
}  # fmt: skip


def _rule_human_error(tokens: list[Token]) -> Iterator[Hit]:
    for i, token in enumerate(tokens):
        nxt = tokens[i + 1].low if i + 1 < len(tokens) else ""
        if (token.low, nxt) in _ERROR_PHRASES:
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
        if _is_person_possessive(token, self_counts=False):
            k = i + 1
            while k < n and k <= i + 2 and tokens[k].low not in words.FAULT_NOUNS:
                k += 1
            if k < n and tokens[k].low in words.FAULT_NOUNS and not negated_before(tokens, i):
                yield "blame", token.start, tokens[k].end
            continue
        # "caused by the intern", "due to Bob", "because of Chen", "thanks to Greg"
        if (low, nxt) in {("caused", "by"), ("due", "to"), ("because", "of"), ("thanks", "to")}:
            person = _person_after(tokens, i + 1)
            if person is not None and not negated_before(tokens, i):
                yield "blame", token.start, tokens[person].end
            continue
        # "we blame the network automation owners", "the team took the heat"
        if low in {"blame", "blamed", "blames"} or low in _TAKES_BLAME:
            hit = _blame_received(tokens, i)
            if hit is not None:
                yield "blame", hit[0], hit[1]
                continue
        # "traced the breakage to Emma", "blamed it on the DBA"
        if low in {"traced", "attributed", "pinned", "blamed"}:
            for k in range(i + 1, min(n, i + 6)):
                if tokens[k].low in {"to", "on"}:
                    person = _person_after(tokens, k, limit=4)
                    if person is not None:
                        yield "blame", token.start, tokens[person].end
                    break
            continue
        # "the fault of the dev team", "the carelessness of the on-call": the possessive
        # above, written with "of"
        if low in words.FAULT_NOUNS and nxt == "of" and low not in words.FAULT_OF_SKIP:
            person = _person_after(tokens, i + 1, limit=4)
            if person is not None and not negated_before(tokens, i):
                yield "blame", token.start, tokens[person].end
            continue
        # "the blame lies with the payments team", "the fault rests with ops"
        if low in {"blame", "fault"} and nxt in {"lies", "falls", "rests", "is", "for"}:
            for k in range(i + 1, min(n, i + 8)):
                if tokens[k].low in {"with", "on"}:
                    person = _person_after(tokens, k, limit=4)
                    if person is not None and not negated_before(tokens, i):
                        yield "blame", token.start, tokens[person].end
                    break
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
        start = _subject_start(tokens, i)
        yield "blame", start, verb_end


_BLAME_TRIGGERS = {
    "broke", "breaks", "broken", "took", "takes", "take", "brought", "brings", "knocked",
    "taken", "messed", "screwed", "blew", "dropped", "botched", "caused", "wiped",
    "responsible", "to", "at",
}  # fmt: skip


_TAKES_BLAME = {"took", "takes", "take", "taking", "got", "gets", "get", "getting", "bore"}
_TAKES_BLAME |= {"bears", "bear", "shoulder", "shouldered", "shoulders"}
_BLAME_OBJECTS = {"blame", "heat", "fall", "rap"}
_ENDS_PHRASE = _CLAUSE_PUNCT | words.CLAUSE_WORDS | {".", "!", "?", "for", "on", "from", "over"}


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
    if subject(tokens, i) not in {"person", "none"} or _clause_start(tokens, i) == i:
        return None  # "Blame the owners" as an imperative is advice, not a claim
    object_start = i + 1
    if tokens[object_start].low not in {"the", "our", "their"} and not (
        tokens[object_start].text[:1].isupper() and tokens[object_start].low in words.FIRST_NAMES
    ):
        return None
    person = _person_after(tokens, i, limit=5)
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
        if low in _CLAUSE_PUNCT or low in words.CLAUSE_WORDS or low in {".", "of", "for", "to"}:
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
    if low in {"broke", "breaks", "broken"}:
        ends = _CLAUSE_PUNCT | words.CLAUSE_WORDS | {"."}
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
            if w in _CLAUSE_PUNCT or w in {".", "up"}:
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
        return tokens[i + 1].end if objects & words.INCIDENT_NOUNS else None
    if low == "to" and nxt == "blame" and i > 0 and tokens[i - 1].low in {"is", "are", "was"}:
        return tokens[i + 1].end
    if low == "at" and nxt == "fault" and i > 0 and tokens[i - 1].low in {"is", "are", "was"}:
        return tokens[i + 1].end
    return None


def _subject_start(tokens: list[Token], i: int) -> int:
    start = _clause_start(tokens, i)
    for token in tokens[start:i]:
        if _is_person(token, self_counts=False):
            return token.start
    return tokens[i].start


RULES: tuple[Callable[[list[Token]], Iterator[tuple[str, int, int]]], ...] = (
    _rule_blame,
    _rule_modal_have,
    _rule_omission,
    _rule_judgement,
    _rule_human_error,
)
RULES += (_rule_root_cause,)

# The clause-level rules live in a module of their own (checker.py holds the shared
# helpers they use), so they are imported once those helpers exist.
from postmortems.blameless import attribution  # noqa: E402

RULES += attribution.RULES


def _mentioned(tokens: list[Token], ends: list[int], start: int) -> bool:
    """The hit is a word being talked about: "the phrase root cause". `ends` holds the
    tokens' end offsets, in order, so the two tokens before are found by bisection."""
    before = bisect.bisect_right(ends, start)
    return any(t.low in words.MENTION_NOUNS for t in tokens[max(0, before - 3) : before])


def check(text: str) -> list[Finding]:
    """Blameless-language findings in Markdown `text`, in order of position."""
    found: dict[tuple[str, int, int], Finding] = {}
    for tokens in sentences(mask(text)):
        ends = [token.end for token in tokens]
        for rule in RULES:
            for category, start, end in rule(tokens):
                if _mentioned(tokens, ends, start):
                    continue
                message, suggestion = MESSAGES[category]
                found.setdefault(
                    (category, start, end), Finding(start, end, category, message, suggestion)
                )
    return sorted(found.values(), key=lambda f: (f.start, f.end, f.category))
