"""Precision and recall of the blameless checker on both corpus splits, from a plain shell:

    python -m postmortems.blameless_report [--misses]

It sets up Django itself (the checker needs no database). The development split
(tests/core/blameless/blameless_corpus.jsonl) is the one rules are changed against; the
held-out split (blameless_heldout.jsonl) is only measured, never tuned on: see
tests/core/blameless/README.md. `--misses` lists the development split's misses only.
"""

import os
import sys
from collections import Counter
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent.parent / "tests" / "core" / "blameless"
DEVELOPMENT = CORPUS_DIR / "blameless_corpus.jsonl"
HELD_OUT = CORPUS_DIR / "blameless_heldout.jsonl"


def source_kind(source: str) -> str:
    if source == "project":
        return "project"
    if source.startswith("adapted from"):
        return "adapted from a public source"
    return "drawn from a public source"


def composition(entries: list[dict]) -> str:
    from postmortems.blameless.checker import CATEGORIES
    from postmortems.blameless.report import is_hard_negative

    categories = Counter(c for e in entries for c in e["expected"])
    kinds = Counter(source_kind(e["source"]) for e in entries)
    neutral = [e for e in entries if not e["expected"]]
    hard = sum(1 for e in neutral if is_hard_negative(e["text"]))
    lines = [f"{len(entries)} sentences; {len(neutral)} neutral, of which {hard} hard negatives"]
    lines.append(f"hard-negative share {hard / len(entries):.1%}")
    lines.append("  " + ", ".join(f"{c} {categories[c]}" for c in CATEGORIES))
    lines.append("  " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "blameless-report-only")
    import django
    from django.apps import apps

    if not apps.ready:  # run from a shell; inside a test run Django is set up (and its logging)
        django.setup()
    from postmortems.blameless.report import evaluate, load_corpus

    for name, path in (("development", DEVELOPMENT), ("held-out", HELD_OUT)):
        entries = load_corpus(path)
        report = evaluate(entries)
        print(f"== {name} split ({path.name})")
        print(composition(entries))
        print(report.table())
        print()
        if name == "development" and "--misses" in argv:
            for text, expected, found in report.misses:
                print(f"expected {sorted(expected)} found {sorted(found)}\n  {text!r}")
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
