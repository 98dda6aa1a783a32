"""The README's first command: the example page shipped in examples/ comes out as its expected text."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


def test_install_lines_name_this_distribution_and_its_extras():
    """Every pip line of the README, the docs and the messages of the code installs this project: its
    distribution name, extras it has."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    sources = [ROOT / "README.md", *(ROOT / "docs").glob("*.md"),
               *(path for folder in ("filterkit", "training", "benchmarks") for path in (ROOT / folder).rglob("*.py"))]
    lines = [line for source in sources for line in source.read_text(encoding="utf-8").splitlines()
             if "pip install" in line]
    assert lines
    requirements = [req for line in lines for req in re.findall(r"pip install (?:-e )?'?([^'`\s]+)'?", line)]
    for requirement in requirements:
        name, _, extras = requirement.partition("[")
        assert name in (".", project["name"]), f"{requirement!r} does not install {project['name']}"
        for extra in filter(None, extras.rstrip("]").split(",")):
            assert extra in project["optional-dependencies"], f"{requirement!r}: no extra {extra!r}"
