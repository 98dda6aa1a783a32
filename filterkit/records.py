"""JSON Lines records in and out: the page a record carries, and strict JSON back.

A record is one JSON object per line with the page in ``"text"``, its HTML in ``"html"``,
or HTML bytes as base64 in ``"html_b64"`` (for pages that are not valid UTF-8), and
optionally ``"encoding"`` and ``"content_type"`` (the HTTP Content-Type) for those bytes.
Every other field passes through. The output is the same object with ``"main"`` and
``"lang"`` added (and ``"truncated": true`` for a page cut at the size limit), or with
``"error"`` for a record that cannot be filtered.

Output is strict JSON in UTF-8 whatever the input held: lone surrogates (valid JSON
escapes such as ``"\\ud800"``) become U+FFFD, and the non-finite numbers that Python
would write as ``NaN`` or ``Infinity`` (``NaN``, ``Infinity``, ``1e999`` in the input)
become ``null``.
"""
from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from filterkit.filter import Page

PAGE_FIELDS = (("html", "html"), ("text", None))  # field, format (None: the run's --format)


def _finite(number: str) -> float | None:
    value = float(number)
    return value if math.isfinite(value) else None


def parse(line: bytes | str, page_format: str = "auto") -> tuple[dict[str, Any], Page | None]:
    """(record, page): the page is None when the record is bad, with ``record["error"]`` saying why."""
    if isinstance(line, bytes):
        line = line.decode("utf-8", errors="replace")
    raw = line.strip()
    if not raw:
        return {"error": "empty line: expected a JSON object with a \"text\" or \"html\" field"}, None
    try:
        record = json.loads(raw, parse_constant=lambda name: None, parse_float=_finite)
    except RecursionError:
        return {"error": "not JSON that can be read: nested too deeply"}, None
    except ValueError as error:
        return {"error": f"not JSON: {error}"}, None
    if not isinstance(record, dict):
        return {"error": f"expected a JSON object, got {type(record).__name__}"}, None
    extra = {key: record.get(key) for key in ("encoding", "content_type")}
    bad = [key for key, value in extra.items() if value is not None and not isinstance(value, str)]
    if bad:
        record["error"] = f"\"{bad[0]}\" must be a string"
        return record, None
    if isinstance(record.get("html_b64"), str):
        try:
            content = base64.b64decode(record["html_b64"], validate=True)
        except (binascii.Error, ValueError):
            record["error"] = "\"html_b64\" is not valid base64"
            return record, None
        return record, Page(content, extra["encoding"], extra["content_type"], "html")
    for field, field_format in PAGE_FIELDS:
        if isinstance(record.get(field), str):
            return record, Page(record[field], extra["encoding"], extra["content_type"], field_format or page_format)
    record["error"] = "the record has no \"text\", \"html\" or \"html_b64\" string"
    return record, None


def dump(record: dict[str, Any]) -> str:
    """One line of strict JSON (no NaN, no lone surrogate), without its newline."""
    try:
        line = json.dumps(record, ensure_ascii=False, allow_nan=False)
    except ValueError:  # a non-finite float the caller put in: written as null
        line = json.dumps(_without_nan(record), ensure_ascii=False)
    except RecursionError:
        return json.dumps({"error": "the record is nested too deeply to be written back"})
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = line.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return line


def _without_nan(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nan(item) for item in value]
    return value
