"""The README's first command: the example page shipped in examples/ comes out as its expected text."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "page.html"
EXPECTED = ROOT / "examples" / "page.expected.txt"
# The README's install-and-filter line, as a newcomer copies it.
FIRST_COMMAND = re.compile(r"^python3 -m pip install -e \. && filterkit (\S+)$", re.MULTILINE)


def test_readme_first_command_filters_the_shipped_example():
    match = FIRST_COMMAND.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert match, "the README's first command is not 'python3 -m pip install -e . && filterkit PAGE'"
    assert (ROOT / match.group(1)).resolve() == EXAMPLE


def test_example_page_prints_title_and_article_only():
    run = subprocess.run([sys.executable, "-m", "filterkit", str(EXAMPLE)], capture_output=True, timeout=120, cwd=ROOT)
    assert run.returncode == 0, run.stderr.decode()
    assert run.stderr == b""
    assert run.stdout.decode("utf-8") == EXPECTED.read_text(encoding="utf-8")


def test_example_page_is_noisy_and_bilingual():
    """The example shows what is dropped: its page carries far more than the expected text, in both languages."""
    from filterkit import ContentFilter

    result = ContentFilter().filter(EXAMPLE.read_bytes())
    dropped = [p for p in result.paragraphs if not p.label]
    assert len(dropped) >= 3 * sum(1 for p in result.paragraphs if p.label)
    assert {p.lang for p in dropped} >= {"en", "zh"}
    assert result.lang == "en"
