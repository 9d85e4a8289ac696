"""Train the blameless model (model.py) on the development split, and pick thresholds.

    python -m postmortems.blameless.train [--write] [--folds 5]

One logistic regression per category, fitted by stochastic gradient descent (AdaGrad
steps, L2 penalty, a fixed shuffle seed) over the sparse features of model.features, in
plain Python, so the same corpus gives the same weights. Only the development split
(tests/core/blameless/blameless_corpus.jsonl) is read.

Thresholds come from k-fold cross-validation on that split: each category takes the
lowest threshold at which the out-of-fold predictions, on the sentences the model reads
(a person in them), reach precision 0.95 with at least MIN_FOUND findings; with none,
the category's threshold is 1.01 and the model never reports it. `--write` stores the
weights fitted on the whole split with those thresholds in model_weights.json.
"""

import argparse
import json
import math
import random
import sys
from pathlib import Path

from postmortems.blameless.model import CATEGORIES, WEIGHTS, features, is_about_people
from postmortems.blameless.tokens import mask, sentences

DEVELOPMENT = Path(__file__).resolve().parents[2] / "tests/core/blameless/blameless_corpus.jsonl"
EPOCHS = 25
RATE = 0.3
L2 = 1e-4
MIN_COUNT = 2  # a feature seen in fewer development sentences is dropped
SEED = 20261207
TARGET_PRECISION = 0.95
MIN_FOUND = 5
THRESHOLDS = [round(0.5 + 0.01 * k, 2) for k in range(50)] + [0.995, 0.998]
NEVER = 1.01

Example = tuple[list[str], set[str], bool]  # feature names, labels, about people


def load(path: Path = DEVELOPMENT) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def example(entry: dict) -> Example:
    tokens = [token for sentence in sentences(mask(entry["text"])) for token in sentence]
    names = [name for name, _ in features(tokens)]
    return names, set(entry["expected"]), is_about_people(tokens)


def fit(examples: list[Example], category: str) -> tuple[float, dict[str, float]]:
    counts: dict[str, int] = {}
    for names, _, _ in examples:
        for name in set(names):
            counts[name] = counts.get(name, 0) + 1
    kept = [
        ([n for n in names if counts[n] >= MIN_COUNT], category in labels)
        for names, labels, _ in examples
    ]
    weights: dict[str, float] = {}
    squares: dict[str, float] = {}
    bias, bias_square = 0.0, 0.0
    order = list(range(len(kept)))
    shuffler = random.Random(SEED)
    for _ in range(EPOCHS):
        shuffler.shuffle(order)
        for k in order:
            names, positive = kept[k]
            total = bias + sum(weights.get(n, 0.0) for n in names)
            predicted = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))
            error = predicted - (1.0 if positive else 0.0)
            bias_square += error * error
            bias -= RATE * error / math.sqrt(bias_square + 1e-8)
            for n in names:
                w = weights.get(n, 0.0)
                gradient = error + L2 * w
                squares[n] = squares.get(n, 0.0) + gradient * gradient
                weights[n] = w - RATE * gradient / math.sqrt(squares[n] + 1e-8)
    rounded = {n: round(w, 4) for n, w in sorted(weights.items()) if abs(w) >= 1e-3}
    return round(bias, 4), rounded


def probability(bias: float, weights: dict[str, float], names: list[str]) -> float:
    total = bias + sum(weights.get(n, 0.0) for n in names)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, total))))


def out_of_fold(examples: list[Example], folds: int) -> dict[str, list[float]]:
    """Each sentence's probability per category from the model fitted without its fold."""
    scores = {c: [0.0] * len(examples) for c in CATEGORIES}
    for fold in range(folds):
        train = [e for k, e in enumerate(examples) if k % folds != fold]
        for category in CATEGORIES:
            bias, weights = fit(train, category)
            for k, (names, _, _) in enumerate(examples):
                if k % folds == fold:
                    scores[category][k] = probability(bias, weights, names)
    return scores


def counts(examples: list[Example], scores: list[float], category: str, threshold: float):
    tp = fp = fn = 0
    for (_, labels, about), score in zip(examples, scores, strict=True):
        found = about and score >= threshold
        tp += found and category in labels
        fp += found and category not in labels
        fn += not found and category in labels
    return tp, fp, fn


def pick_threshold(examples: list[Example], scores: list[float], category: str) -> float:
    for threshold in THRESHOLDS:
        tp, fp, _ = counts(examples, scores, category, threshold)
        if tp + fp >= MIN_FOUND and tp / (tp + fp) >= TARGET_PRECISION:
            return threshold
    return NEVER


def train(entries: list[dict], folds: int) -> tuple[dict, list[str]]:
    examples = [example(entry) for entry in entries]
    scores = out_of_fold(examples, folds)
    lines = [f"{'category':<16}{'threshold':>10}{'precision':>10}{'recall':>8}{'tp':>5}{'fp':>5}"]
    data: dict = {"trained_on": "blameless_corpus.jsonl", "folds": folds, "categories": {}}
    for category in CATEGORIES:
        threshold = pick_threshold(examples, scores[category], category)
        tp, fp, fn = counts(examples, scores[category], category, threshold)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn)
        lines.append(
            f"{category:<16}{threshold:>10.3f}{precision:>10.3f}{recall:>8.3f}{tp:>5}{fp:>5}"
        )
        bias, weights = fit(examples, category)
        data["categories"][category] = {"bias": bias, "threshold": threshold, "weights": weights}
    return data, lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args(argv)
    data, lines = train(load(), args.folds)
    print(f"cross-validated ({args.folds} folds) on the development split, model alone:")
    print("\n".join(lines))
    if args.write:
        WEIGHTS.write_text(json.dumps(data, indent=0, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
