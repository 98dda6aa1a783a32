"""Write the precomputed tables the package ships: ``python -m training.tables``.

* ``filterkit/data/character_classes.npz``: the class bits of every code point of the Basic
  Multilingual Plane (``filterkit.characters.build_table``) with the Unicode version they
  were built from; a Python of another Unicode version builds its own at run time.
* ``filterkit/data/langdetect_profiles.npz``: the word probabilities langdetect's own
  loader computes from its profiles (``filterkit.language_profiles``), with its version;
  another langdetect version loads its profiles itself.

Run it after changing the character classes or upgrading langdetect; ``tests/test_features.py``
and ``tests/test_language.py`` check the files are current.
"""
from __future__ import annotations

import unicodedata

import numpy as np

from filterkit.characters import TABLE_FILE, build_table
from filterkit.language_profiles import PROFILES_FILE, table_arrays


def main() -> None:
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    TABLE_FILE.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(TABLE_FILE, table=build_table(), unidata_version=np.array(unicodedata.unidata_version))
    print(f"wrote {TABLE_FILE} (Unicode {unicodedata.unidata_version})")
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    arrays = table_arrays(factory)
    np.savez_compressed(PROFILES_FILE, **arrays)
    print(f"wrote {PROFILES_FILE} ({len(factory.word_lang_prob_map):,} words, {len(arrays['columns']):,} "
          f"probabilities, langdetect {arrays['langdetect_version']})")


if __name__ == "__main__":
    main()
