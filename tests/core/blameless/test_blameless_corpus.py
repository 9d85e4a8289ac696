"""The checker against the labelled corpus: precise enough that people keep it on."""

from pathlib import Path

from postmortems.blameless.checker import CATEGORIES
from postmortems.blameless.report import DEFAULT_CORPUS, evaluate, load_corpus

HELD_OUT = Path(__file__).parent / "blameless_heldout.jsonl"


def test_the_corpus_is_large_and_mostly_hard_negatives():
    entries = load_corpus()
    assert len(entries) >= 300
    assert {c for e in entries for c in e["expected"]} == set(CATEGORIES)
    assert sum(1 for e in entries if not e["expected"]) >= len(entries) / 2


def test_overall_precision_and_recall_on_the_corpus(capsys):
    report = evaluate(load_corpus(DEFAULT_CORPUS))
    with capsys.disabled():
        print("\n" + report.table())
    assert report.overall.precision >= 0.9, report.misses
    assert report.overall.recall >= 0.85, report.misses
    for category, score in report.scores.items():
        assert score.tp > 0, category


def test_sentences_written_after_the_checker_score_nearly_as_well(capsys):
    """A held-out set written once the checker existed, never tuned against: a check
    that the corpus numbers are not only the result of fitting the corpus."""
    report = evaluate(load_corpus(HELD_OUT))
    with capsys.disabled():
        print("\nheld-out\n" + report.table())
    assert report.overall.precision >= 0.9
    assert report.overall.recall >= 0.85
