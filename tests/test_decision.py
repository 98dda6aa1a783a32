"""Scores to labels: the fixed bar and the HTML track's expected-F1 bar."""
import math

import numpy as np

from filterkit.decision import expected_f1_bar, keep


def test_expected_f1_bar_keeps_unsure_paragraphs_that_raise_the_expected_f1():
    # Expected main tokens: 90 + 22.5 + 22.5 + 5 = 140. Keeping the top 1, 2, 3, 4 paragraphs is
    # expected to score 180/240 = 0.75, 225/290 = 0.78, 270/340 = 0.79 and 280/440 = 0.64.
    scores, sizes = np.array([0.9, 0.45, 0.05, 0.45]), np.array([100, 50, 100, 50])
    assert expected_f1_bar(scores, sizes) == 0.45
    offsets = np.array([0, 4])
    assert keep(scores, sizes, offsets, 0.5, adaptive=True).tolist() == [True, True, False, True]
    assert keep(scores, sizes, offsets, 0.5, adaptive=False).tolist() == [True, False, False, False]


def test_a_page_of_sure_noise_keeps_nothing():
    scores, sizes = np.full(50, 0.02), np.full(50, 10)
    assert expected_f1_bar(scores, sizes) == math.inf
    assert not keep(scores, sizes, np.array([0, 50]), 0.5, adaptive=True).any()


def test_each_page_gets_its_own_bar():
    # The same unsure paragraph is kept beside a weak page's best paragraph, not beside a sure article.
    # Beside the article it would lower the expected F1 (0.964 → 0.953), beside the weak paragraph
    # it raises it (0.600 → 0.667).
    scores = np.array([0.95, 0.95, 0.95, 0.4, 0.6, 0.4])
    sizes = np.array([200, 200, 200, 40, 40, 40])
    kept = keep(scores, sizes, np.array([0, 4, 6]), 0.5, adaptive=True)
    assert kept.tolist() == [True, True, True, False, True, True]
