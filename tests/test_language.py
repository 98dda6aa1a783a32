"""langdetect's profiles from the shipped arrays: the very probabilities, order and answers of its own loader."""
import numpy as np
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

from filterkit import language_profiles
from filterkit.language_profiles import WordProbabilities, load_factory


def _langdetects_own():
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    return factory


def test_shipped_profiles_are_langdetects_own_probabilities():
    """If this fails after a langdetect upgrade: python -m training.tables."""
    own, shipped = _langdetects_own(), load_factory(PROFILES_DIRECTORY)
    assert isinstance(shipped.word_lang_prob_map, WordProbabilities)
    assert shipped.langlist == own.langlist
    assert len(shipped.word_lang_prob_map) == len(own.word_lang_prob_map)
    for word, row in own.word_lang_prob_map.items():
        assert word in shipped.word_lang_prob_map
        assert shipped.word_lang_prob_map[word] == row, word
    assert "no such n-gram" not in shipped.word_lang_prob_map


def test_detection_is_unchanged():
    texts = ["Die Stadt öffnet den alten Markt am Fluss wieder, sagen die Händler.",
             "La ville rouvre le vieux marché au bord du fleuve, disent les commerçants.",
             "El mercado del puerto abre de nuevo tras las lluvias del invierno pasado.",
             "Riverside market reopens after the floods of last year, traders say."]
    answers = []
    for factory in (_langdetects_own(), load_factory(PROFILES_DIRECTORY)):
        factory.set_seed(0)
        for text in texts:
            detector = factory.create()
            detector.append(text)
            answers.append([(language.lang, language.prob) for language in detector.get_probabilities()])
    assert answers[:len(texts)] == answers[len(texts):]


def test_a_missing_or_foreign_table_falls_back_to_langdetects_loader(tmp_path, monkeypatch):
    with np.load(language_profiles.PROFILES_FILE) as stored:
        arrays = dict(stored)
    monkeypatch.setattr(language_profiles, "PROFILES_FILE", tmp_path / "absent.npz")
    assert isinstance(load_factory(PROFILES_DIRECTORY).word_lang_prob_map, dict)
    arrays["langdetect_version"] = np.array("0.0.1")
    np.savez(tmp_path / "old.npz", **arrays)
    monkeypatch.setattr(language_profiles, "PROFILES_FILE", tmp_path / "old.npz")
    assert isinstance(load_factory(PROFILES_DIRECTORY).word_lang_prob_map, dict)
