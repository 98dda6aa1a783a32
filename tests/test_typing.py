"""Type checkers see filterkit's public names (a literal __all__, py.typed) and the package itself passes mypy."""
import textwrap
from pathlib import Path

import pytest
from mypy import api

import filterkit

ROOT = Path(__file__).resolve().parent.parent
USER_CODE = """
from filterkit import ContentFilter, FilterResult, Page, extract


def main_text(html: bytes, url: str) -> str:
    content_filter = ContentFilter(threshold=0.6)
    result: FilterResult = content_filter.filter(html, content_type="text/html")
    pages = [Page(html, content_type="text/html", id=url)]
    texts = [r.text for r in content_filter.filter_many(pages) if r.ok]
    return extract("page text") + result.text + "".join(texts)
"""


def mypy(*args: str) -> tuple[str, int]:
    stdout, stderr, status = api.run([*args, "--cache-dir", str(ROOT / ".mypy_cache")])
    return stdout + stderr, status


def test_all_is_literal_and_complete():
    assert set(filterkit.__all__) == {*filterkit._EXPORTS, "__version__"}
    for name in filterkit.__all__:
        assert getattr(filterkit, name) is not None


def test_the_package_passes_mypy(monkeypatch):
    monkeypatch.chdir(ROOT)  # pyproject.toml's [tool.mypy]: the files, and the untyped libraries
    output, status = mypy()
    assert status == 0, output


@pytest.mark.parametrize("use, error", [
    ("", None),
    ("ContentFilter().filter('x').txt", '"FilterResult" has no attribute "txt"'),
    ("Page(5)", 'Argument 1 to "Page" has incompatible type "int"'),
])
def test_user_code_under_strict_sees_the_public_names(tmp_path, monkeypatch, use, error):
    (tmp_path / "user.py").write_text(USER_CODE + textwrap.dedent(f"""

        def more() -> None:
            {use or "pass"}
        """), encoding="utf-8")
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MYPYPATH", str(ROOT))
    # filterkit's own code is checked as a library: its names and types, not --strict's rules for the caller.
    output, status = mypy("--strict", "--follow-imports=silent", str(tmp_path / "user.py"))
    if error is None:
        assert status == 0, output
    else:
        assert status == 1 and error in output, output
