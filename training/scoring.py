"""The benchmark's score: page-level word F1 on bags of lower-cased tokens, macro-averaged.

A token is one Han/kana/hangul character or a run of other word characters
(``filterkit.scripts.SCORING_TOKEN``), as ``../shared/data/README.md`` defines it.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from filterkit.scripts import SCORING_TOKEN


def scoring_tokens(text: str) -> list[str]:
    return SCORING_TOKEN.findall(text.lower())


def page_scores(extracted: str, gold: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of one page; two empty texts agree perfectly."""
    got, want = Counter(scoring_tokens(extracted)), Counter(scoring_tokens(gold))
    if not got and not want:
        return 1.0, 1.0, 1.0
    overlap = sum((got & want).values())
    precision = overlap / sum(got.values()) if got else 0.0
    recall = overlap / sum(want.values()) if want else 0.0
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return precision, recall, f1


@dataclass(frozen=True)
class Score:
    """Macro averages over pages."""

    f1: float
    precision: float
    recall: float
    pages: int

    def __str__(self) -> str:
        return f"F1 {self.f1:.3f}  P {self.precision:.3f}  R {self.recall:.3f}  ({self.pages} pages)"


def macro_score(pairs: list[tuple[str, str]]) -> Score:
    """Score (extracted, gold) pairs."""
    per_page = [page_scores(extracted, gold) for extracted, gold in pairs]
    n = len(per_page) or 1
    return Score(sum(s[2] for s in per_page) / n, sum(s[0] for s in per_page) / n,
                 sum(s[1] for s in per_page) / n, len(per_page))
