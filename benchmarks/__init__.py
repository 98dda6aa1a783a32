"""Measurement scripts (speed, memory, archives, hostile inputs, tracks): ``python3 -m benchmarks.<name>``."""
from __future__ import annotations

import argparse
import sys

TRACKS = ("html", "text")


def tracks_to_measure(description: str, argv: list[str] | None) -> tuple[str, ...] | None:
    """The ``--track`` choices of a script measuring the held-out pages per track (both by default), or None,
    said on stderr, when the benchmark pages are not in ../shared/data."""
    from training import benchmarks

    parser = argparse.ArgumentParser(description=description.split("\n\n")[0])
    parser.add_argument("--track", choices=TRACKS, action="append", help="a track to measure (default: both)")
    args = parser.parse_args(argv)
    if not benchmarks.available():
        print("needs the benchmark pages in ../shared/data", file=sys.stderr)
        return None
    return tuple(args.track or TRACKS)
