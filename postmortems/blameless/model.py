"""A small statistical reading of a sentence, beside the rules.

The rules are precise but only know the wordings they were written for. This module
scores a sentence with one logistic regression per category over general features, and
the checker adds a finding when the score passes the category's threshold and no rule
found that category in the sentence: the model only adds, it never removes a rule's
finding.

Features (`features`):

- words, lowercased and cut to a stem by simple suffix rules ("rushed" -> "rush"), and
  pairs of neighbouring words; a person, role or name becomes "<person>" and a person's
  possessive "<person's>", so "Olga's rollback" and "the admin's rollback" look alike;
- the word classes of the rules' lists (words.py, lexicon.py): "c:FROZE_VERBS";
- the same classes when a person is in the clause ("pc:FROZE_VERBS"), a person at the
  start of a clause ("subject:person"), and negation.

A sentence with no person, role, name or human word in it is not scored: the checker is
about people, and a system sentence is the rules' business.

Weights and thresholds live in model_weights.json beside this file, written by
`python -m postmortems.blameless.train` from the development split only.
"""

import json
import math
from collections.abc import Iterable
from functools import cache, lru_cache
from pathlib import Path

from postmortems.blameless import clauses, lexicon, words
from postmortems.blameless.tokens import Token

WEIGHTS = Path(__file__).with_name("model_weights.json")
CATEGORIES = ("blame", "counterfactual", "judgement", "human_error")
PERSON = "<person>"
PERSONS = "<person's>"
# Words that make a sentence about people even with no role or name in it.
HUMAN_WORDS = frozenset(
    {"human", "manual", "manually", "nobody", "no-one", "noone", "hand", "hindsight"}
)
# Word lists too large or too general to be a feature class.
_SKIPPED_LISTS = frozenset({"FIRST_NAMES", "MORE_FIRST_NAMES", "CLAUSE_PUNCT", "NUMBER_WORDS"})
_HOW_MANY_WHY_WORDS = 3


@lru_cache(maxsize=65536)
def stem(low: str) -> str:
    """A crude stem: enough for "rushed", "rushing" and "rushes" to meet."""
    if low.endswith(("'s", "s'")):
        low = low[:-2] if low.endswith("'s") else low[:-1]
    if len(low) > 5 and low.endswith("ies"):
        return low[:-3] + "y"
    for suffix, shortest in (("ing", 6), ("ed", 5), ("es", 5), ("s", 4)):
        if len(low) >= shortest and low.endswith(suffix) and not low.endswith("ss"):
            return low[: -len(suffix)]
    return low


@cache
def word_classes() -> dict[str, tuple[str, ...]]:
    """Each listed word and the names of the lists that hold it."""
    classes: dict[str, list[str]] = {}
    for module in (words, lexicon):
        for name, value in sorted(vars(module).items()):
            if not name.isupper() or name in _SKIPPED_LISTS:
                continue
            if not isinstance(value, (set, frozenset, dict)):
                continue
            for word in value:
                if isinstance(word, str):
                    classes.setdefault(word, [])
                    if name not in classes[word]:
                        classes[word].append(name)
    return {word: tuple(names) for word, names in classes.items()}


def _norm(tokens: list[Token]) -> list[str]:
    normed = []
    for token in tokens:
        if clauses.is_person(token, self_counts=False):
            normed.append(PERSON)
        elif (
            token.low in words.POSSESSIVE_PRONOUNS or token.low.endswith(("'s", "s'"))
        ) and clauses.is_person_possessive(token, self_counts=False):
            normed.append(PERSONS)
        else:
            normed.append(stem(token.low))
    return normed


def is_about_people(tokens: list[Token], normed: list[str] | None = None) -> bool:
    normed = normed if normed is not None else _norm(tokens)
    return PERSON in normed or PERSONS in normed or any(t.low in HUMAN_WORDS for t in tokens)


def features(tokens: list[Token], normed: list[str] | None = None) -> list[tuple[str, int]]:
    """The sentence's features, each with the index of the token it comes from (for the
    words a finding shows as its reason). `normed` is _norm(tokens), when known."""
    normed = normed if normed is not None else _norm(tokens)
    classes = word_classes()
    found: list[tuple[str, int]] = []
    clause = 0
    person_in_clause = False
    pending: list[tuple[str, int]] = []  # classes of this clause, until a person shows up
    for i, (token, low) in enumerate(zip(tokens, normed, strict=True)):
        if token.low in clauses.CLAUSE_PUNCT or token.low in words.CLAUSE_WORDS:
            clause, person_in_clause, pending = i + 1, False, []
        found.append((f"u:{low}", i))
        if i:
            found.append((f"b:{normed[i - 1]}_{low}", i))
        if low in (PERSON, PERSONS):
            if i - clause <= 2:
                found.append(("subject:person", i))
            if not person_in_clause:
                found.extend((f"p{name}", k) for name, k in pending)
            person_in_clause = True
        if clauses.is_negation(token):
            found.append(("negation", i))
        for name in classes.get(token.low, ()):
            found.append((f"c:{name}", i))
            if person_in_clause:
                found.append((f"pc:{name}", i))
            else:
                pending.append((f"c:{name}", i))
    return found


class Model:
    def __init__(self, data: dict):
        # A category whose threshold is above 1 is never reported, so not scored.
        self.categories: dict[str, tuple[float, float, dict[str, float]]] = {
            category: (entry["bias"], entry["threshold"], entry["weights"])
            for category, entry in data["categories"].items()
            if entry["threshold"] <= 1.0
        }

    def score(self, category: str, feats: Iterable[tuple[str, int]]) -> float:
        bias, _, weights = self.categories[category]
        total = bias + sum(weights.get(name, 0.0) for name, _ in feats)
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))

    def predict(
        self, tokens: list[Token], skip: set[str]
    ) -> list[tuple[str, float, tuple[str, ...]]]:
        """(category, probability, the words weighing most) for each category above its
        threshold, leaving out the categories in `skip`."""
        if self.categories.keys() <= skip:
            return []
        normed = _norm(tokens)
        if not is_about_people(tokens, normed):
            return []
        feats = features(tokens, normed)
        found = []
        for category, (_, threshold, weights) in self.categories.items():
            if category in skip:
                continue
            probability = self.score(category, feats)
            if probability >= threshold:
                found.append((category, probability, why_words(tokens, feats, weights)))
        return found


def why_words(
    tokens: list[Token], feats: list[tuple[str, int]], weights: dict[str, float]
) -> tuple[str, ...]:
    """The words whose features push the score up most, in sentence order."""
    weight_of: dict[int, float] = {}
    for name, index in feats:
        weight_of[index] = weight_of.get(index, 0.0) + weights.get(name, 0.0)
    best = sorted((w, i) for i, w in weight_of.items() if w > 0)[-_HOW_MANY_WHY_WORDS:]
    return tuple(tokens[i].text for i in sorted(i for _, i in best))


@cache
def load() -> Model | None:
    if not WEIGHTS.exists():
        return None
    with WEIGHTS.open(encoding="utf-8") as file:
        return Model(json.load(file))
