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
  A page is the visible text of a scraped web page, one block per line. Bytes are
  decoded as UTF-8 (a BOM wins; GB18030 is tried next), or as --encoding says.
  Output is the main content: the kept lines, verbatim and in order, separated by a
  blank line. An empty page gives empty output.

  --jsonl reads one JSON object per line, each with the page in "text", and writes
  exactly one line per input line, in order: the input object with "main" and "lang"
  added, or with "error" (a message) when that record is bad; other fields pass through.

examples:
  filterkit < page.txt > main.txt
  filterkit --json page.txt | jq '.paragraphs[] | select(.label) | .score'
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
                        help="print a JSON object: main text, page language, and every paragraph with score, label, lang")
    output.add_argument("--jsonl", action="store_true", help="read and write JSON Lines, one page per line")
    parser.add_argument("--threshold", type=float, metavar="P",
                        help="keep paragraphs with P(main) >= P (default: the model's, see its meta.json)")
    parser.add_argument("--model", metavar="DIR", help="a model directory (default: the model shipped with filterkit)")
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
    from filterkit.decoding import UndecodableInput, decode

    with _open_input(args.file) as stream:
        data = stream.read()
    try:
        text, encoding = decode(data, args.encoding)
    except UndecodableInput as error:
        raise _Fail(str(error), EXIT_INPUT) from None
    result = _load(args).filter(text)
    if args.json:
        out.write(json.dumps({**result.to_dict(), "encoding": encoding}, ensure_ascii=False) + "\n")
    elif result.text:
        out.write(result.text + "\n")


# -- JSON Lines ----------------------------------------------------------------------------
_worker_filter = None


def _worker_init(model, threshold) -> None:
    global _worker_filter
    from filterkit.filter import ContentFilter

    _worker_filter = ContentFilter(model, threshold)


def _parse_record(line: bytes, encoding: str | None) -> tuple[dict | None, str | None]:
    """(record, page text) or (record-or-None, None) with record["error"] set."""
    from filterkit.decoding import UndecodableInput, decode

    try:
        raw = decode(line, encoding)[0].strip()
    except UndecodableInput as error:
        return {"error": str(error)}, None
    if not raw:
        return {"error": "empty line: expected a JSON object with a \"text\" field"}, None
    try:
        record = json.loads(raw)
    except ValueError as error:
        return {"error": f"not JSON: {error}"}, None
    if not isinstance(record, dict):
        return {"error": f"expected a JSON object, got {type(record).__name__}"}, None
    text = record.get("text")
    if not isinstance(text, str):
        record["error"] = "the record has no \"text\" string"
        return record, None
    return record, text


def _filter_chunk(lines: list[bytes], encoding: str | None, content_filter=None) -> list[str]:
    content_filter = content_filter or _worker_filter
    parsed = [_parse_record(line, encoding) for line in lines]
    pages = [text for _, text in parsed if text is not None]
    try:
        results = iter(list(content_filter.filter_many(pages)))
        failure = None
    except Exception as error:  # a page the pipeline cannot handle must not cost the others their output
        results, failure = None, error
    out = []
    for record, text in parsed:
        if text is not None and results is not None:
            result = next(results)
            record.update(main=result.text, lang=result.lang)
        elif text is not None:
            record = _retry_alone(record, text, content_filter, failure)
        out.append(json.dumps(record, ensure_ascii=False))
    return out


def _retry_alone(record: dict, text: str, content_filter, failure: Exception) -> dict:
    try:
        result = content_filter.filter(text)
    except Exception as error:
        record["error"] = f"cannot filter this page: {type(error).__name__}: {error or failure}"
    else:
        record.update(main=result.text, lang=result.lang)
    return record


def _chunks(stream: BinaryIO, size: int) -> Iterator[list[bytes]]:
    lines = iter(stream)
    while chunk := list(islice(lines, size)):
        yield chunk


def _jsonl(args, out) -> None:
    with _open_input(args.file) as stream:
        if args.jobs <= 1:
            content_filter = _load(args)
            for chunk in _chunks(stream, args.batch_size):
                out.writelines(line + "\n" for line in _filter_chunk(chunk, args.encoding, content_filter))
            return
        _load(args)  # fail once, clearly, before starting workers
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(args.jobs, initializer=_worker_init, initargs=(args.model, args.threshold)) as pool:
            pending = (pool.submit(_filter_chunk, chunk, args.encoding) for chunk in _chunks(stream, args.batch_size))
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
