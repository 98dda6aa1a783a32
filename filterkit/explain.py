"""A page's decisions as a picture: one self-contained HTML report (``filterkit --explain``).

Every block (or line) of the page is shown in order, shaded by its score, marked kept or
dropped (class ``kept`` / ``dropped``, attribute ``data-score``), with its score, language
and tag path on hover; the page's metadata, confidence and kept share head the report. The
file loads nothing (inline CSS and a few lines of inline script, no fonts, images or
links out), so it opens offline and shows the same everywhere.
"""
from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from filterkit.filter import FilterResult

KEPT_RGB = "22, 128, 60"  # a kept block's shade: this colour at its score's strength
DROPPED_RGB = "180, 40, 40"  # a dropped block's: this colour at (1 − score)'s strength
MAX_SHADE = 0.45  # opacity of the shade of a block whose score is 1 (kept) or 0 (dropped)

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem; color: #1b1b1b; }
h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
table.meta { border-collapse: collapse; margin-bottom: 1rem; font-size: .9rem; }
table.meta th { text-align: left; padding: .1rem 1rem .1rem 0; color: #555; font-weight: 600; vertical-align: top; }
table.meta td { padding: .1rem 0; word-break: break-word; }
.legend { font-size: .85rem; color: #444; margin-bottom: 1rem; }
.legend span { padding: 0 .4rem; margin-right: .4rem; border-left: 5px solid; }
.swatch-kept { border-color: rgb(22, 128, 60); } .swatch-dropped { border-color: rgb(180, 40, 40); }
.block { margin: .3rem 0; padding: .3rem .6rem; border-left: 5px solid; white-space: pre-wrap; word-break: break-word; }
.block .score { float: right; font: 12px monospace; color: #333; margin-left: .6rem; }
.kept { border-color: rgb(22, 128, 60); }
.dropped { border-color: rgb(180, 40, 40); color: #555; text-decoration: line-through rgba(0, 0, 0, .25); }
body.hide-dropped .dropped { display: none; }
"""

SCRIPT = """
document.getElementById("hide-dropped").addEventListener("change", function (event) {
  document.body.classList.toggle("hide-dropped", event.target.checked);
});
"""


def explain(result: FilterResult, name: str | None = None) -> str:
    """The report of one filtered page, as an HTML document; ``name`` (the page's file name) heads it."""
    paragraphs = result.paragraphs
    kept = sum(paragraph.label for paragraph in paragraphs)
    heading = f"filterkit: {name}" if name else "filterkit: what was kept"
    summary = {"blocks": f"{len(paragraphs)} ({kept} kept, {len(paragraphs) - kept} dropped)",
               "confidence": result.confidence, "kept share": result.kept_share, "language": result.lang,
               "read as": result.format}
    metadata = result.metadata.to_dict() if result.metadata is not None else {}
    rows = "".join(f"<tr><th>{escape(key)}</th><td>{escape(str(value))}</td></tr>"
                   for key, value in {**summary, **metadata}.items() if value is not None)
    blocks = "\n".join(_block(number, paragraph) for number, paragraph in enumerate(paragraphs))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(heading)}</title>
<style>{STYLE}</style></head>
<body>
<h1>{escape(heading)}</h1>
<table class="meta">{rows}</table>
<div class="legend"><span class="swatch-kept">kept</span><span class="swatch-dropped">dropped</span>
shade: the block's score, P(main content); hover a block for its score, language and tag path.
<label><input type="checkbox" id="hide-dropped"> hide dropped blocks</label></div>
<main id="blocks">
{blocks}
</main>
<script>{SCRIPT}</script>
</body></html>
"""


def _block(number: int, paragraph) -> str:
    state = "kept" if paragraph.label else "dropped"
    strength = paragraph.score if paragraph.label else 1 - paragraph.score
    colour = KEPT_RGB if paragraph.label else DROPPED_RGB
    hover = f"{state} · score {paragraph.score:.4f} · language {paragraph.lang}"
    if paragraph.path:
        hover += f" · {paragraph.path}"
    return (f'<div class="block {state}" data-index="{number}" data-score="{paragraph.score:.4f}" '
            f'data-lang="{escape(paragraph.lang)}" title="{escape(hover)}" '
            f'style="background-color: rgba({colour}, {strength * MAX_SHADE:.3f})">'
            f'<span class="score">{paragraph.score:.2f}</span><span class="text">{escape(paragraph.text)}</span></div>')
