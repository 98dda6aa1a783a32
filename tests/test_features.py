"""Features: shapes of single paragraphs and context that never leaks across pages."""
import numpy as np
import pytest

from filterkit.analysis import analyse
from filterkit.features import (HASH_FEATURES, MISSING, SHAPE_NAMES, HashedTerms, PageTerms, first_pass_features, shift,
                                shape_features, tfidf)
from filterkit.line_marks import LINE_MARK_NAMES, line_marks


def column(name):
    return SHAPE_NAMES.index(name)


def test_shape_features_see_cuts_bullets_and_dates():
    batch = analyse(["The minister said the plan would go ahead.\n  • Library extends weekend hours and wit\n"
                     "发布时间:2024-09-22 01:45:17 作者:小编\n© 2025 Example News. All rights reserved."])
    f = shape_features(batch)
    assert f[:, column("ends_terminal")].tolist() == [1, 0, 0, 1]
    assert f[:, column("ends_word")].tolist() == [0, 1, 1, 0]
    assert f[:, column("bullet")].tolist() == [0, 1, 0, 0]
    assert f[:, column("indent")].tolist() == [0, 2, 0, 0]
    assert f[:, column("date")].tolist() == [0, 0, 1, 0]
    assert f[:, column("copyright")].tolist() == [0, 0, 0, 1]
    assert f[2, column("cjk_share")] == 1.0


def test_neighbours_stop_at_page_edges():
    page_index = np.array([0, 0, 1, 1, 1])
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert shift(values, 1, page_index).tolist() == [2.0, MISSING, 4.0, 5.0, MISSING]
    assert shift(values, -1, page_index).tolist() == [MISSING, 1.0, MISSING, 3.0, 4.0]


def test_coherence_excludes_the_paragraph_itself_and_other_pages():
    pages = ["river ferry harbour crossing\nriver ferry harbour boats\nelection ballot count votes",
             "election ballot count votes\nelection ballot turnout"]
    batch = analyse(pages)
    rows = tfidf(HashedTerms(batch).matrix, np.ones(HASH_FEATURES, dtype=np.float32))
    similarity = PageTerms(rows, batch.page_index, 2).similarity(np.ones(len(batch)))
    assert similarity[0] > 0.3 and similarity[1] > 0.3  # the two ferry lines agree
    assert similarity[2] == pytest.approx(0.0, abs=1e-6)  # the election line shares nothing with the rest of its own page
    assert similarity[3] > 0.3 and similarity[4] > 0.3


def test_first_pass_features_have_one_row_per_paragraph():
    batch = analyse(["One.\nTwo lines here.", "", "Three"])
    features, _ = first_pass_features(batch, HashedTerms(batch), np.ones(HASH_FEATURES, dtype=np.float32),
                                      np.zeros(len(batch)), np.zeros((3, 2)))
    assert features.shape[0] == 3 and np.isfinite(features).all()




def test_hashed_terms_are_presence_of_unigrams_and_edge_bigrams():
    batch = analyse(["share share this", "", "中文标题"])
    terms = HashedTerms(batch)
    assert terms.matrix.shape == (2, HASH_FEATURES)
    # share, this; < share, share share, share this, this >
    assert terms.matrix[0].nnz == 6 and set(terms.matrix[0].data) == {1.0}
    assert terms.last_bucket[0] == terms.matrix[0].indices[terms.matrix[0].indices == terms.last_bucket[0]][0]
    assert (HashedTerms(analyse(["share share this"])).matrix[0] != terms.matrix[0]).nnz == 0  # stable buckets


def test_shipped_character_table_is_the_one_this_python_builds():
    """The table shipped to spare cold starts its 70 ms build is current (else: python -m training.tables)."""
    import unicodedata

    from filterkit import characters

    with np.load(characters.TABLE_FILE) as stored:
        assert str(stored["unidata_version"]) == unicodedata.unidata_version, "run python -m training.tables"
        assert np.array_equal(stored["table"], characters.build_table()), "run python -m training.tables"
    assert np.array_equal(characters._shipped_table(), characters.build_table())


def test_line_marks_see_list_leads_and_cut_copies_across_labels_and_pages():
    pages = ["Summary: Officials of both countries met on Friday to discuss …\n"
             "Officials of both countries met on Friday to discuss trade and security.\n"
             "• Harbour ferry resumes its winter timetable\n12. Library extends weekend hours\n"
             "(3) 河边的校车线路恢复\n“Quoted” words open this line.\n- \n",
             "Officials of both countries met on Friday to discuss"]
    batch = analyse(pages)
    marks = line_marks(batch.texts, batch.offsets)
    named = {name: marks[:, i].tolist() for i, name in enumerate(LINE_MARK_NAMES)}
    assert named["lead_glyph"] == [0, 0, 1, 0, 0, 0, 1, 0]
    assert named["lead_number"] == [0, 0, 0, 1, 1, 0, 0, 0]
    assert named["copy_of_later"] == [1, 0, 0, 0, 0, 0, 0, 0]  # the cut summary, its label aside
    assert named["has_cut_copy"] == [0, 1, 0, 0, 0, 0, 0, 0]  # the article line; never across pages
    reverse = analyse(["Officials of both countries met on Friday to discuss trade and security.\n"
                       "Officials of both countries met on Friday to discuss 。"])
    assert line_marks(reverse.texts, reverse.offsets)[:, LINE_MARK_NAMES.index("copy_of_earlier")].tolist() == [0, 1]  # a cut copy after its source


def test_shared_words_count_other_chosen_lines_of_the_page_only():
    pages = ["river ferry harbour crossing resumes\nriver ferry harbour timetable\nelection ballot count",
             "election ballot count votes"]
    batch = analyse(pages)
    rows = tfidf(HashedTerms(batch).matrix, np.ones(HASH_FEATURES, dtype=np.float32))
    terms = PageTerms(rows, batch.page_index, 2)
    shared = terms.shared(np.array([True, True, False, True]))
    assert 0.3 < shared[0] < 1 and 0.3 < shared[1] < 1  # the ferry lines share words with each other
    assert shared[2] == 0  # the ballot line's words are on the other page only
    assert shared[3] == 0  # a chosen line does not share words with itself
    assert terms.shared(np.zeros(4, dtype=bool)).tolist() == [0, 0, 0, 0]
