"""Precision and recall of each ``favor`` setting: ``python -m benchmarks.favor``.

Runs the shipped models on the held-out pages (``training.evaluation``) with
``ContentFilter(favor=...)`` for "balanced" (the default rule), "precision" and "recall",
on the HTML and the text track, and prints macro word F1, precision and recall per set.
Needs ``../shared``.
"""
from __future__ import annotations

from benchmarks import tracks_to_measure
from filterkit import ContentFilter
from filterkit.decision import FAVOR_BETA
from training.evaluation import SETS, held_out_sets, score_pages


def main(argv: list[str] | None = None) -> int:
    tracks = tracks_to_measure(__doc__, argv)
    if tracks is None:
        return 1
    sets = held_out_sets()
    print(f"{'track':5s} {'set':14s} {'favor':10s} {'F1':>6s} {'P':>6s} {'R':>6s} {'pages':>5s}")
    for track in tracks:
        for name in SETS:
            for favor in FAVOR_BETA:
                score = score_pages(ContentFilter(favor=favor), sets[name], track)
                print(f"{track:5s} {name:14s} {favor:10s} {score.f1:6.3f} {score.precision:6.3f} "
                      f"{score.recall:6.3f} {score.pages:5d}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
