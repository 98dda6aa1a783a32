"""Page types: one row per page, probabilities in PAGE_TYPES order, unknown pages never learnt from."""
import numpy as np

from filterkit.analysis import analyse
from filterkit.features import HASH_FEATURES, HashedTerms, tfidf
from filterkit.page_types import PAGE_TYPES, PageTypeModel, page_rows

FORUM = "Re: my boiler keeps losing pressure\nReply\nQuote\nPosted by {name}\nJoined 2019, 340 posts\nReply"
PRODUCT = "{name} kettle, 1.7 litres\nPrice: 39.99\nAdd to cart\nIn stock\nFree delivery\nAdd to wishlist"
NAMES = ("anna", "brook", "carl", "dana", "emil", "fern", "gus", "hale")


def page_matrix(pages):
    batch = analyse(pages)
    return page_rows(tfidf(HashedTerms(batch).matrix, np.ones(HASH_FEATURES, dtype=np.float32)), batch)


def test_page_rows_are_one_unit_row_per_page():
    rows = page_matrix(["One line.\nAnother line.", "", "A third page."])
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    assert rows.shape[0] == 3 and np.allclose(norms, [1, 0, 1])


def test_the_model_tells_kinds_apart_and_ignores_unknown_pages():
    pages = [FORUM.format(name=n) for n in NAMES] + [PRODUCT.format(name=n) for n in NAMES]
    kinds = ["forum"] * 8 + ["product"] * 8
    # Pages of no known kind ("" or a kind not in PAGE_TYPES) are scored, never learnt from.
    pages += [PRODUCT.format(name=n) for n in NAMES[:4]]
    kinds += ["", "", "unknown", ""]
    model = PageTypeModel().fit(page_matrix(pages), kinds)
    probabilities = model.predict_proba(page_matrix([FORUM.format(name="ivo"), PRODUCT.format(name="jan")]))
    assert probabilities.shape == (2, len(PAGE_TYPES))
    assert probabilities[0].argmax() == PAGE_TYPES.index("forum")
    assert probabilities[1].argmax() == PAGE_TYPES.index("product")
    assert model.classes_ == ["forum", "product"]


def test_with_fewer_than_two_kinds_the_model_says_what_it_knows():
    rows = page_matrix([FORUM.format(name=n) for n in NAMES[:3]])
    assert not PageTypeModel().fit(rows, ["", "", ""]).predict_proba(rows).any()
    single = PageTypeModel().fit(rows, ["forum", "", ""]).predict_proba(rows)
    assert (single[:, PAGE_TYPES.index("forum")] == 1).all() and single.sum() == 3
