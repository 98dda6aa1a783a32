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


def test_favor_moves_the_bar_precision_up_and_recall_down():
    # Expected main tokens 90 + 60 + 22.5 + 10 = 182.5. F0.5 (weight 0.25) of the top 1, 2, 3, 4:
    # 1.25·90/(100+45.6) = 0.773, 1.25·150/(200+45.6) = 0.763, …: the sure paragraph alone.
    # F2 (weight 4) of the top 1…4: 5·90/830 = 0.542, 5·150/930 = 0.806, 5·172.5/980 = 0.880, 5·182.5/1080 = 0.845.
    scores, sizes = np.array([0.9, 0.6, 0.45, 0.1]), np.array([100, 100, 50, 100])
    offsets = np.array([0, 4])
    assert expected_f1_bar(scores, sizes, 0.5) == 0.9
    assert expected_f1_bar(scores, sizes, 2.0) == 0.45
    assert keep(scores, sizes, offsets, 0.5, adaptive=True, beta=0.5).tolist() == [True, False, False, False]
    assert keep(scores, sizes, offsets, 0.5, adaptive=True, beta=2.0).tolist() == [True, True, True, False]


def test_the_bar_falls_as_beta_rises_on_any_page():
    rng = np.random.default_rng(7)
    for _ in range(200):
        scores, sizes = rng.random(12), rng.integers(0, 60, 12)
        if not sizes.any():
            continue
        bars = [expected_f1_bar(scores, sizes, beta) for beta in (0.5, 1.0, 2.0)]
        finite = [bar for bar in bars if bar != math.inf]
        assert finite == sorted(finite, reverse=True)
