"""Precision and recall of the blameless checker on a labelled corpus.

    python -m postmortems.blameless.report [CORPUS.jsonl] [--misses]

Each corpus line is {"text": ..., "expected": [categories]}; an empty list marks a
neutral sentence. A sentence counts once per category: a true positive when the checker
reports a category the label has, a false positive when the label lacks it, a false
negative when the checker misses it. "overall" sums the counts over all categories.
"""

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from postmortems.blameless.checker import CATEGORIES, check

DEFAULT_CORPUS = Path(settings.BASE_DIR) / "tests/core/blameless/blameless_corpus.jsonl"


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    scores: dict[str, Score]
    sentences: int
    neutral: int
    misses: list[tuple[str, set[str], set[str]]] = field(default_factory=list)

    @property
    def overall(self) -> Score:
        total = Score()
        for score in self.scores.values():
            total.tp += score.tp
            total.fp += score.fp
            total.fn += score.fn
        return total

    def table(self) -> str:
        lines = [f"{'category':<16}{'precision':>10}{'recall':>8}{'tp':>5}{'fp':>5}{'fn':>5}"]
        rows = [*self.scores.items(), ("overall", self.overall)]
        for name, s in rows:
            lines.append(
                f"{name:<16}{s.precision:>10.3f}{s.recall:>8.3f}{s.tp:>5}{s.fp:>5}{s.fn:>5}"
            )
        lines.append(f"{self.sentences} sentences, {self.neutral} neutral")
        return "\n".join(lines)


# A neutral sentence is a hard negative when it holds a word or shape some rule reacts
# to: a cause or condition word, a modal, a judging or error word, or a person, and the
# verbs and frames the person-as-doer rules start from.
_HARD_CUES = re.compile(
    r"\b(?:caus\w*|because|due to|why|came down|down to|start\w* with|began with|root"
    r"|should|could|would|ought|might|had|if|fail\w*|forg[oe]t\w*|neglect\w*|overlook\w*"
    r"|ignor\w*|nobody|no one|error\w*|mistake\w*|typo\w*|slip\w*|obvious\w*|clearly"
    r"|careless\w*|reckless\w*|sloppy|lazy|naive|took down|taken down|broke|brought down"
    r"|blame\w*|fault\w*|human|operator\w*|engineer\w*|admin\w*|on-call|team|someone"
    r"|reviewer|deployer|responders|support|ops|people|we|they"
    # words the person-as-doer rules (agency.py, hindsight.py, judging.py) start from
    r"|reason|set off|kicked off|set in motion|hands of|traced?|expected|supposed|wrong"
    r"|responsib\w*|accountab\w*|owe\w*|courtesy|panick\w*|fumbl\w*|froze|missed"
    r"|omitt\w*|chose|decided|mistakenly|accidentally|response|handl\w*)\b|\w's\b|\"",
    re.I,
)


def is_hard_negative(text: str) -> bool:
    return bool(_HARD_CUES.search(text))


def load_corpus(path: Path = DEFAULT_CORPUS) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def evaluate(entries: list[dict]) -> Report:
    report = Report({c: Score() for c in CATEGORIES}, len(entries), 0)
    for entry in entries:
        expected = set(entry["expected"])
        found = {finding.category for finding in check(entry["text"])}
        report.neutral += not expected
        for category in CATEGORIES:
            score = report.scores[category]
            if category in found and category in expected:
                score.tp += 1
            elif category in found:
                score.fp += 1
            elif category in expected:
                score.fn += 1
        if found != expected:
            report.misses.append((entry["text"], expected, found))
    return report


def main(argv: list[str]) -> int:
    paths = [a for a in argv if not a.startswith("--")]
    report = evaluate(load_corpus(Path(paths[0]) if paths else DEFAULT_CORPUS))
    print(report.table())
    if "--misses" in argv:
        for text, expected, found in report.misses:
            print(f"\nexpected {sorted(expected)} found {sorted(found)}\n  {text!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
