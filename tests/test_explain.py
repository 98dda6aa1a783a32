"""--explain: one self-contained HTML report, opened in a real headless Chromium (Selenium) and checked there."""
import re
import shutil
import subprocess
import sys

import pytest

from conftest import PAGES
from filterkit.explain import explain

COMMAND = [sys.executable, "-m", "filterkit"]
REPORTED = ["meta-article-en.html", "meta-article-zh.html", "kind-comments.html", "harbour-ferry.txt"]
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


def report_of(name: str, folder) -> tuple:
    """(report file written by the command, FilterResult of the same page through the API)."""
    from filterkit import ContentFilter

    path = folder / f"{name}.report.html"
    with path.open("wb") as out:
        done = subprocess.run([*COMMAND, "--explain", str(PAGES / name)], stdout=out, stderr=subprocess.PIPE,
                              timeout=120)
    assert done.returncode == 0, done.stderr
    return path, ContentFilter().filter((PAGES / name).read_bytes())


def test_the_report_loads_nothing_from_anywhere(content_filter):
    report = explain(content_filter.filter((PAGES / "meta-article-en.html").read_text(encoding="utf-8")))
    assert not re.search(r"<(?:link|img|iframe|object|embed)\b|\b(?:src|href|srcset)\s*=|@import|url\(", report)
    assert "https://courier.larkfield.example/town/benches-mapped" in report  # the page's URL, shown as text


def test_page_text_cannot_break_out_of_the_report(content_filter):
    result = content_filter.filter("<script>alert(1)</script> & <b>bold</b>\n" * 3, format="text")
    report = explain(result)
    assert "<script>alert(1)" not in report and "&lt;script&gt;alert(1)&lt;/script&gt;" in report


def test_explain_is_for_one_page(tmp_path):
    done = subprocess.run([*COMMAND, "--explain", str(PAGES / "night-market.html"), str(PAGES / "kind-hidden.html")],
                          capture_output=True, timeout=120)
    assert done.returncode == 2 and b"--explain is for one page" in done.stderr


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Chromium and chromedriver are not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.mark.parametrize("name", REPORTED)
def test_the_report_shows_every_block_with_its_decision_in_a_browser(browser, name, tmp_path):
    from selenium.webdriver.common.by import By

    path, result = report_of(name, tmp_path)
    browser.get(path.as_uri())
    assert browser.title.startswith("filterkit")
    blocks = browser.find_elements(By.CSS_SELECTOR, "#blocks .block")
    assert len(blocks) == len(result.paragraphs) > 0
    for block, paragraph in zip(blocks, result.paragraphs):
        classes = block.get_attribute("class").split()
        assert ("kept" in classes, "dropped" in classes) == (paragraph.label, not paragraph.label)
        assert block.find_element(By.CSS_SELECTOR, ".text").get_attribute("textContent") == paragraph.text
        assert float(block.get_attribute("data-score")) == pytest.approx(paragraph.score, abs=1e-4)
        hover = block.get_attribute("title")
        assert f"language {paragraph.lang}" in hover and (paragraph.path is None or paragraph.path in hover)
    header = browser.find_element(By.CSS_SELECTOR, "table.meta").text
    assert f"confidence {result.confidence}" in header and f"kept share {result.kept_share}" in header
    if result.metadata.title:
        assert result.metadata.title in header

    # The page's script runs: hiding the dropped blocks hides those and only those.
    browser.find_element(By.ID, "hide-dropped").click()
    assert [block.is_displayed() for block in blocks] == [paragraph.label for paragraph in result.paragraphs]
    errors = [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "ERROR")]
    assert errors == []
