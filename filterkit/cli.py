"""The ``filterkit`` command: a Unix filter from a scraped page to its main content."""
from __future__ import annotations

import argparse
import json
import sys
from itertools import islice
from typing import BinaryIO, Iterator

EXIT_OK = 0  # done (in --jsonl mode also when some records carried an "error")
EXIT_USAGE = 2  # bad options
EXIT_INPUT = 3  # unreadable file or undecodable bytes
EXIT_MODEL = 4  # model missing, damaged or made for other versions

EPILOG = """\
input and output:
  A page is either the visible text of a scraped web page, one block per line, or its
  HTML (--format auto tells them apart: a page that opens with a tag and names <html>,
  <head>, <body> or carries closing tags is HTML). HTML is split into blocks, one per
  paragraph-level element (p, li, td, h1-h6, div text...).
  Bytes are decoded by this rule: a BOM; else --encoding; else, for HTML, the page's
  <meta charset> (GB2312/GBK read as GB18030); else UTF-8; else GB18030; else the
  encoding a detector (charset-normalizer) finds; else the page is refused.
  Output is the main content: the kept lines or blocks, verbatim and in order,
  separated by a blank line. An empty page gives empty output.

  --jsonl reads one JSON object per line, each with the page in "text" or its HTML in
  "html", and writes exactly one line per input line, in order: the input object with
  "main" and "lang" added, or with "error" (a message) when that record is bad; other
  fields pass through.

examples:
  filterkit < page.txt > main.txt
  filterkit page.html > main.txt
  filterkit --json page.html | jq '.paragraphs[] | select(.label) | .path'
  filterkit --jsonl --jobs 2 < pages.jsonl > filtered.jsonl

exit status:
  0 success (in --jsonl mode even when some records carry an "error")
  2 bad options
  3 input that cannot be read or decoded
  4 the model cannot be loaded (missing, damaged, or made for other versions)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="filterkit", description="Keep the main content (title and article paragraphs) of a scraped page "
        "and drop navigation, bylines, share bars, teaser lists, cookie notices and footers.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", nargs="?", default="-", help="the page, or JSON Lines with --jsonl (default: stdin)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true",
                        help="print a JSON object: main text, page language, format, encoding, and every "
                        "paragraph with score, label, lang and (HTML) tag path")
    output.add_argument("--jsonl", action="store_true", help="read and write JSON Lines, one page per line")
    parser.add_argument("--threshold", type=float, metavar="P",
                        help="keep exactly the paragraphs with P(main) >= P (default: the model's rule: its "
                        "threshold, 0.5 for the shipped models, which on HTML pages each page lowers to the bar "
                        "of its best expected word F1; see meta.json)")
    parser.add_argument("--model", metavar="DIR", help="a model set (text/ and html/ models) or one model's directory "
                        "(default: the set shipped with filterkit)")
    parser.add_argument("--format", choices=("auto", "text", "html"), default="auto",
                        help="what the input pages are (default: auto, each page's own)")
    parser.add_argument("--encoding", metavar="NAME", help="decode input bytes with this encoding")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes for --jsonl (default 1)")
    parser.add_argument("--batch-size", type=int, default=64, metavar="N", help="pages scored together (default 64)")
    parser.add_argument("--version", action="version", version=_version())
    return parser


def _version() -> str:
    from filterkit import __version__

    return f"filterkit {__version__}"


class _Fail(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def _open_input(name: str) -> BinaryIO:
    if name == "-":
        return sys.stdin.buffer
    try:
        return open(name, "rb")
    except OSError as error:
        raise _Fail(f"cannot read {name}: {error.strerror}", EXIT_INPUT) from None


def _load(args):
    from filterkit.filter import ContentFilter
    from filterkit.model_io import ModelError

    try:
        return ContentFilter(args.model, args.threshold)
    except ModelError as error:
        raise _Fail(str(error), EXIT_MODEL) from None


def _single(args, out) -> None:
    from filterkit.decoding import UndecodableInput
    from filterkit.model_io import ModelError

    with _open_input(args.file) as stream:
        data = stream.read()
    content_filter = _load(args)
    try:
        result = content_filter.filter(data, encoding=args.encoding, format=args.format)
    except UndecodableInput as error:
        raise _Fail(str(error), EXIT_INPUT) from None
    except ModelError as error:
        raise _Fail(str(error), EXIT_MODEL) from None
    if args.json:
        out.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
    elif result.text:
        out.write(result.text + "\n")


# -- JSON Lines ----------------------------------------------------------------------------
_worker_filter = None


def _worker_init(model, threshold) -> None:
    global _worker_filter
    from filterkit.filter import ContentFilter

    _worker_filter = ContentFilter(model, threshold)


def _parse_record(line: bytes, encoding: str | None, page_format: str) -> tuple[dict, str | None, str]:
    """(record, page, format): the page is None when the record is bad, with record["error"] set.

    A record's "html" is read as HTML; its "text" as ``page_format`` says (--format).
    """
    from filterkit.decoding import UndecodableInput, decode

    try:
        raw = decode(line, encoding)[0].strip()
    except UndecodableInput as error:
        return {"error": str(error)}, None, page_format
    if not raw:
        return {"error": "empty line: expected a JSON object with a \"text\" or \"html\" field"}, None, page_format
    try:
        record = json.loads(raw)
    except ValueError as error:
        return {"error": f"not JSON: {error}"}, None, page_format
    if not isinstance(record, dict):
        return {"error": f"expected a JSON object, got {type(record).__name__}"}, None, page_format
    for field, field_format in (("html", "html"), ("text", page_format)):
        if isinstance(record.get(field), str):
            return record, record[field], field_format
    record["error"] = "the record has no \"text\" or \"html\" string"
    return record, None, page_format


def _filter_chunk(lines: list[bytes], encoding: str | None, page_format: str, content_filter=None) -> list[str]:
    from filterkit.model_io import ModelError

    content_filter = content_filter or _worker_filter
    parsed = [_parse_record(line, encoding, page_format) for line in lines]
    results: dict[int, object] = {}
    for fmt in {fmt for _, page, fmt in parsed if page is not None}:
        where = [i for i, (_, page, page_fmt) in enumerate(parsed) if page is not None and page_fmt == fmt]
        try:
            results.update(zip(where, content_filter.filter_many([parsed[i][1] for i in where], format=fmt)))
        except ModelError:
            raise  # no page can be filtered: the whole run fails, clearly
        except Exception:  # a page the pipeline cannot handle must not cost the others their output
            for i in where:
                results[i] = _alone(parsed[i][1], fmt, content_filter)
    out = []
    for i, (record, page, _) in enumerate(parsed):
        if page is not None:
            result = results[i]
            if isinstance(result, Exception):
                record["error"] = f"cannot filter this page: {type(result).__name__}: {result}"
            else:
                record.update(main=result.text, lang=result.lang)
        out.append(json.dumps(record, ensure_ascii=False))
    return out


def _alone(page: str, page_format: str, content_filter):
    """The page's result, or the exception that filtering it alone raised."""
    try:
        return content_filter.filter(page, format=page_format)
    except Exception as error:
        return error


def _chunks(stream: BinaryIO, size: int) -> Iterator[list[bytes]]:
    lines = iter(stream)
    while chunk := list(islice(lines, size)):
        yield chunk


def _jsonl(args, out) -> None:
    from filterkit.model_io import ModelError

    try:
        _jsonl_records(args, out)
    except ModelError as error:
        raise _Fail(str(error), EXIT_MODEL) from None


def _jsonl_records(args, out) -> None:
    with _open_input(args.file) as stream:
        if args.jobs <= 1:
            content_filter = _load(args)
            for chunk in _chunks(stream, args.batch_size):
                out.writelines(line + "\n" for line in _filter_chunk(chunk, args.encoding, args.format, content_filter))
            return
        _load(args)  # fail once, clearly, before starting workers
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(args.jobs, initializer=_worker_init, initargs=(args.model, args.threshold)) as pool:
            pending = (pool.submit(_filter_chunk, chunk, args.encoding, args.format)
                       for chunk in _chunks(stream, args.batch_size))
            window = list(islice(pending, args.jobs * 2))  # bounded read-ahead keeps memory flat on endless input
            while window:
                out.writelines(line + "\n" for line in window.pop(0).result())
                window.extend(islice(pending, 1))


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        _parser().error("--threshold must be between 0 and 1")
    if args.jobs < 1 or args.batch_size < 1:
        _parser().error("--jobs and --batch-size must be at least 1")
    out = sys.stdout
    try:
        (_jsonl if args.jsonl else _single)(args, out)
        out.flush()
    except _Fail as failure:
        print(f"filterkit: error: {failure}", file=sys.stderr)
        return failure.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader (head, less) went away: not an error of ours
        sys.stderr.close()
        return EXIT_OK
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
