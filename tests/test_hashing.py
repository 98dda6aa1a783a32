"""Token hashes: the same murmurhash3 values scikit-learn gives (the models store weights of these buckets)."""
import subprocess
import sys

from conftest import needs_shared


def test_hashes_equal_scikit_learns_on_edge_cases():
    from sklearn.utils import murmurhash3_32

    from filterkit.hashing import token_hashes

    tokens = ["", "a", "news", "新闻", "報道", "😀", "👩‍👩‍👧", "\ufffd", "e\u0301", "ß", "x" * 1001, "tab\there"]
    assert token_hashes(tokens).tolist() == [murmurhash3_32(t, seed=0, positive=True) for t in tokens]
    assert token_hashes(["\ud800"]).shape == (1,)  # a lone surrogate, should one get this far, is hashed, not fatal


@needs_shared
def test_hashes_equal_scikit_learns_on_benchmark_pages():
    """Every token and class word of 50 benchmark pages, English and Chinese, on both tracks."""
    from sklearn.utils import murmurhash3_32

    from filterkit import hashing
    from filterkit.analysis import analyse, analyse_blocks
    from filterkit.html_blocks import parse_blocks
    from training.benchmarks import read_magic_html

    pages = read_magic_html()
    chosen = [p for p in pages if p.lang == "en"][:25] + [p for p in pages if p.lang == "zh"][:25]
    html = [p.html() for p in chosen]
    blocks = analyse_blocks([parse_blocks(text) for text in html])
    tokens = {t for batch in (blocks, analyse(html)) for paragraph in batch.tokens for t in paragraph}
    tokens |= {term for block in blocks.structure.terms for term in block}
    assert len(tokens) > 5000 and any("\u4e00" <= t[0] <= "\u9fff" for t in tokens if t)
    hashing._hash_cache.clear()
    tokens = sorted(tokens)
    assert hashing.token_hashes(tokens).tolist() == [murmurhash3_32(t, seed=0, positive=True) for t in tokens]



def test_hashing_does_not_import_scikit_learn():
    code = "import sys, filterkit.hashing; print(sorted(m for m in sys.modules if m.split(\".\")[0] == \"sklearn\"))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
