"""Does ``confidence`` tell good extractions from bad? ``python -m benchmarks.confidence``.

Filters the held-out pages (``training.evaluation``, all sets together) with the shipped
models and prints, per track, the mean word F1 of the pages in the lowest confidence decile
beside that of the other pages, the mean F1 per confidence decile, and the rank correlation
of confidence and F1. Needs ``../shared``.
"""
from __future__ import annotations

import numpy as np

from benchmarks import tracks_to_measure
from filterkit import ContentFilter
from training.evaluation import BATCH_SIZE, held_out_sets, page_input
from training.scoring import page_scores

DECILES = 10


def main(argv: list[str] | None = None) -> int:
    tracks = tracks_to_measure(__doc__, argv)
    if tracks is None:
        return 1
    pages = [page for pages in held_out_sets().values() for page in pages]
    for track in tracks:
        results = ContentFilter().filter_many([page_input(page, track) for page in pages], batch_size=BATCH_SIZE,
                                              format=track)
        confidence, f1 = np.array([[result.confidence, page_scores(result.text, page.gold)[2]]
                                   for result, page in zip(results, pages)]).T
        order = np.argsort(confidence, kind="stable")
        low = order[:len(order) // DECILES]
        rest = order[len(order) // DECILES:]
        ranks = np.corrcoef(np.argsort(np.argsort(confidence)), np.argsort(np.argsort(f1)))[0, 1]
        print(f"{track}: {len(pages)} held-out pages; lowest confidence decile ({len(low)} pages, confidence "
              f"<= {confidence[low].max():.3f}): mean F1 {f1[low].mean():.3f}; other pages: mean F1 "
              f"{f1[rest].mean():.3f}; Spearman rho {ranks:.3f}")
        deciles = np.array_split(order, DECILES)
        print(f"{track}: mean F1 per confidence decile, lowest first: "
              + " ".join(f"{f1[part].mean():.3f}" for part in deciles), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
