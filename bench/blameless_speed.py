"""Time the blameless check on a 5,000-word review built from the corpus.

    .venv/bin/python -m bench.blameless_speed [--words 5000] [--runs 40]

The review is the development split's sentences in a fixed shuffled order, grouped into
paragraphs, list items and timeline lines until it holds the asked number of words, so
it has about the corpus's mix of findings. Each run checks the whole text once, as the
editor's live check does for one section. The checker needs no database.
"""

import argparse
import json
import os
import random
import statistics
import time
from pathlib import Path

from postmortems.blameless.checker import check

CORPUS = Path(__file__).resolve().parent.parent / "tests/core/blameless/blameless_corpus.jsonl"
LIMIT_MS = 100.0


def review(words: int, seed: int = 7) -> str:
    lines = [json.loads(line)["text"] for line in CORPUS.open(encoding="utf-8") if line.strip()]
    random.Random(seed).shuffle(lines)
    parts: list[str] = []
    count = 0
    index = 0
    while count < words:
        group = [lines[(index + k) % len(lines)] for k in range(4)]
        index += 4
        shape = index % 3
        if shape == 0:
            parts.append(" ".join(group))
        elif shape == 1:
            parts.append("\n".join(f"- {sentence}" for sentence in group))
        else:
            parts.append("\n".join(f"{10 + k}:0{k} {sentence}" for k, sentence in enumerate(group)))
        count += sum(len(sentence.split()) for sentence in group)
    return "\n\n".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    text = review(args.words)
    check(text)  # warm up: regexes compiled, word sets built
    wall, cpu = [], []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        findings = check(text)
        cpu.append((time.process_time() - started_cpu) * 1000)
        wall.append((time.perf_counter() - started) * 1000)
    print(f"{len(text.split())} words, {len(text)} characters, {len(findings)} findings")
    # CPU time is what the check costs; wall time also counts waiting for a core, which
    # on a shared machine can be most of it.
    for name, times in (("cpu", cpu), ("wall", wall)):
        times.sort()
        p50 = statistics.median(times)
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        verdict = "ok" if p95 < LIMIT_MS else "over the limit"
        print(f"{name:>4}: p50 {p50:.1f} ms, p95 {p95:.1f} ms over {args.runs} runs ({verdict})")
    print(f"limit {LIMIT_MS:.0f} ms; load average now {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
