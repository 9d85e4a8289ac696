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

Modules: tokens.py (steps 1 and 2), clauses.py (the structure helpers of step 3),
rules.py (rules on words and short phrases), attribution.py (clause-level rules),
indirect_blame.py (blame handed over by a passive, "let" or "the blame lies with"), and
the rules that read who did a verb (clauses.actor): agency.py (a person as the cause),
hindsight.py (a step a person passed over) and judging.py (a person or their action
judged, a slip linked to a person); obvious.py (the outcome called obvious in other
words) and sequence.py (a failure right after a person's act). Word lists live in
words.py, lexicon.py and names.py. A rule registered with `clauses.triggered_by` is
skipped for a sentence that holds none of its trigger words.

The corpus in tests/core/blameless/blameless_corpus.jsonl measures precision and recall;
`python -m postmortems.blameless.report` prints the table.
"""

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from postmortems.blameless import (
    agency,
    attribution,
    hindsight,
    indirect_blame,
    judging,
    obvious,
    rules,
    sequence,
    words,
)
from postmortems.blameless.clauses import TRIGGERS, Hit
from postmortems.blameless.tokens import Token, mask, sentences

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


RULES: tuple[Callable[[list[Token]], Iterator[Hit]], ...] = (
    rules.RULES
    + attribution.RULES
    + indirect_blame.RULES
    + agency.RULES
    + hindsight.RULES
    + judging.RULES
    + obvious.RULES
    + sequence.RULES
)


def _mentioned(tokens: list[Token], ends: list[int], start: int, end: int, category: str) -> bool:
    """The hit is a word being talked about: "the phrase root cause", "we stopped writing
    operator error", "human error is a label we avoid". `ends` holds the tokens' end
    offsets, in order, so the tokens either side are found by bisection."""
    before = bisect.bisect_right(ends, start)
    window = tokens[max(0, before - 3) : before]
    if any(t.low in {"calling", "call"} for t in window):
        return True  # "calling it a sloppy rollback tells us nothing"
    labels = category in {"human_error", "root_cause"}  # phrases people write or avoid
    if labels and any(t.low in words.MENTION_VERBS for t in window):
        return True  # "we stopped writing operator error"
    # "words like sloppy or careless": the last of a list reaches back past the others
    listed = before and tokens[before - 1].low in {"or", "and", ","}
    if any(
        t.low in words.MENTION_NOUNS for t in tokens[max(0, before - (6 if listed else 3)) : before]
    ):
        return True
    after = bisect.bisect_left(ends, end) + 1
    said = [t.low for t in tokens[after : after + 3]]
    return said[:1] in (["is"], ["was"]) and bool(set(said[1:]) & words.MENTION_NOUNS)


def check(text: str) -> list[Finding]:
    """Blameless-language findings in Markdown `text`, in order of position."""
    found: dict[tuple[str, int, int], Finding] = {}
    for tokens in sentences(mask(text)):
        ends = [token.end for token in tokens]
        lows = {token.low for token in tokens}
        for rule in RULES:
            triggers = TRIGGERS.get(rule)
            if triggers is not None and triggers.isdisjoint(lows):
                continue
            for category, start, end in rule(tokens):
                if _mentioned(tokens, ends, start, end, category):
                    continue
                message, suggestion = MESSAGES[category]
                found.setdefault(
                    (category, start, end), Finding(start, end, category, message, suggestion)
                )
    return sorted(found.values(), key=lambda f: (f.start, f.end, f.category))
