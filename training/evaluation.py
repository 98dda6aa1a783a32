"""Held-out measurement shared by the trainer and the benchmark script.

The held-out pages are the benchmark pages whose domain hashes into the held-out bucket
(``training.benchmarks``), grouped as the issue's figures are stated: all of wcxb-dev,
and magic-html's English and Chinese pages separately.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from filterkit.analysis import analyse
from filterkit.model import ParagraphClassifier
from training.benchmarks import BenchmarkPage, read_magic_html, read_wcxb, split_pages
from training.scoring import Score, macro_score

BATCH_SIZE = 64


def held_out_sets() -> dict[str, list[BenchmarkPage]]:
    _, wcxb = split_pages(read_wcxb())
    _, magic = split_pages(read_magic_html())
    return {"wcxb-dev": wcxb,
            "magic-html en": [p for p in magic if p.lang == "en"],
            "magic-html zh": [p for p in magic if p.lang == "zh"]}


@dataclass(frozen=True)
class Measurement:
    score: Score
    pages_per_second: float


def measure(model: ParagraphClassifier, texts: list[str], golds: list[str], threshold: float) -> Measurement:
    """Score the model's extractions of ``texts``; time analysis and scoring in batches, in this process."""
    extracted: list[str] = []
    started = time.perf_counter()
    for start in range(0, len(texts), BATCH_SIZE):
        batch = analyse(texts[start:start + BATCH_SIZE])
        scores = model.predict_proba(batch)
        for where in batch.page_slices():
            extracted.append("\n\n".join(segment.text for segment, score in zip(batch.segments[where], scores[where])
                                         if score >= threshold))
    elapsed = time.perf_counter() - started
    return Measurement(macro_score(list(zip(extracted, golds))), len(texts) / elapsed if elapsed else 0.0)
