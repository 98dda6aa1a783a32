"""langdetect's language profiles, read from arrays shipped with filterkit instead of from its JSON files.

langdetect's own loader parses 55 JSON profiles and builds, for each of 87,598 n-grams,
a list of 55 probabilities: 4.8 million Python floats, 0.2 s of an idle machine's cold
start and over a second of a busy one's. ``training.tables`` stores the probabilities
that loader computes (only the 184,000 that are not zero) as arrays, and a word's list is
built the first time a detector asks for it. The lists are the very floats langdetect
computes, in the language order its loader would give on this machine (the order its
directory lists the profiles in), so detection is unchanged; with another langdetect
version, or profiles the table does not hold, langdetect's own loader is used.
"""
from __future__ import annotations

import os
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

PROFILES_FILE = Path(__file__).resolve().parent / "data" / "langdetect_profiles.npz"
WORD_SEPARATOR = "\n"  # no profile n-gram holds a newline


class WordProbabilities:
    """The mapping langdetect's detector reads (``word in map``, ``map[word]``), built a word at a time."""

    def __init__(self, words: list[str], starts: np.ndarray, columns: np.ndarray, probabilities: np.ndarray,
                 n_languages: int):
        self._index = {word: i for i, word in enumerate(words)}
        self._starts = starts.tolist()
        self._columns = columns
        self._probabilities = probabilities
        self._n_languages = n_languages
        self._rows: dict[str, list[float]] = {}

    def __contains__(self, word: object) -> bool:
        return word in self._index

    def __len__(self) -> int:
        return len(self._index)

    def __getitem__(self, word: str) -> list[float]:
        row = self._rows.get(word)
        if row is None:
            i = self._index[word]
            start, stop = self._starts[i], self._starts[i + 1]
            row = [0.0] * self._n_languages
            for column, probability in zip(self._columns[start:stop].tolist(),
                                           self._probabilities[start:stop].tolist()):
                row[column] = probability
            self._rows[word] = row
        return row


def table_arrays(factory: Any) -> dict[str, np.ndarray]:
    """A loaded langdetect ``DetectorFactory``'s profiles as the arrays ``load_factory`` reads."""
    words = list(factory.word_lang_prob_map)
    columns, probabilities, starts = [], [], [0]
    for word in words:
        row = factory.word_lang_prob_map[word]
        found = [(i, value) for i, value in enumerate(row) if value != 0.0]
        columns += [i for i, _ in found]
        probabilities += [value for _, value in found]
        starts.append(len(columns))
    return {"words": np.array(WORD_SEPARATOR.join(words)), "starts": np.array(starts, dtype=np.int64),
            "columns": np.array(columns, dtype=np.int16), "probabilities": np.array(probabilities, dtype=np.float64),
            "languages": np.array(factory.langlist), "langdetect_version": np.array(metadata.version("langdetect"))}


def load_factory(profiles_directory: str) -> Any:
    """A langdetect ``DetectorFactory`` with the profiles of ``profiles_directory`` loaded: from the shipped
    arrays when they hold these very profiles, else by langdetect's own loader."""
    from langdetect.detector_factory import DetectorFactory

    factory = DetectorFactory()
    order = [name for name in os.listdir(profiles_directory) if not name.startswith(".")
             and os.path.isfile(os.path.join(profiles_directory, name))]
    try:
        with np.load(PROFILES_FILE, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        languages = [str(name) for name in arrays["languages"]]
        usable = str(arrays["langdetect_version"]) == metadata.version("langdetect") and sorted(languages) == sorted(order)
    except (OSError, KeyError, ValueError):
        usable = False
    if not usable:
        factory.load_profile(profiles_directory)
        return factory
    # Each profile file is named for its language: the loader's order is the directory's.
    position = np.array([order.index(name) for name in languages], dtype=np.int16)
    factory.langlist = order
    factory.word_lang_prob_map = WordProbabilities(str(arrays["words"]).split(WORD_SEPARATOR), arrays["starts"],
                                                   position[arrays["columns"]], arrays["probabilities"], len(order))
    return factory
