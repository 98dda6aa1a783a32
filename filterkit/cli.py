"""The ``filterkit`` command: a Unix filter from scraped pages to their main content.

One page (stdin or a file) prints its main text. Batches — JSON Lines records
(``--jsonl``), several files and folders (``--input-dir``), web archives (WARC, detected by
content) — go through ``filterkit.parallel`` in ``--jobs`` processes, in input order,
read as a stream, and write one JSON line per page (or one text file per page with
``--output-dir``).
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, Iterator

ARCHIVE_SNIFF_BYTES = 1024  # a gzip member's first 64 bytes may hold fewer than the 8 of "WARC/1.1"
CHUNK_BYTES = 4 * 1024 * 1024  # input per chunk of a batch (pages of a chunk are held and scored together)
EXIT_OK = 0  # done (in batch modes also when some records carry an "error")
EXIT_USAGE = 2  # bad options
EXIT_INPUT = 3  # unreadable file, undecodable bytes, a damaged archive (after writing all before the damage)
EXIT_MODEL = 4  # model missing, damaged, untrusted or made for other versions
EXIT_OUTPUT = 5  # output cannot be written (disk full, closed stream)
EXIT_PIPE = 141  # the reader of our output went away (as a shell reports a process ended by SIGPIPE)
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM: complete output lines only

EPILOG = """\
input and output:
  A page is either the visible text of a scraped web page, one block per line, or its
  HTML (--format auto tells them apart: a page that opens with a tag and names <html>,
  <head>, <body> or carries closing tags is HTML). HTML is split into blocks, one per
  paragraph-level element (p, li, td, h1-h6, div text...).
  Bytes are decoded by this rule: a BOM; else --encoding; else, for HTML, the page's
  <meta charset> (GB2312/GBK read as GB18030); else the HTTP Content-Type charset of a
  record or archive; else UTF-8 (also when only a few bytes are bad); else a legacy
  CJK encoding (GB18030, Big5, Shift_JIS, EUC-KR) told apart by a detector; else the
  encoding the detector finds; else the page is refused. Encoding names are WHATWG labels.
  Output is the main content: the kept lines or blocks, verbatim and in order,
  separated by a blank line. An empty page gives empty output.

batches (one JSON line out per page, in input order):
  --jsonl reads JSON Lines, one object per line with the page in "text", its HTML in
  "html", or HTML bytes as base64 in "html_b64" (with optional "encoding" and
  "content_type"), and writes the object with "main" and "lang" added, or with "error";
  other fields pass through. Output is strict UTF-8 JSON: lone surrogates become U+FFFD,
  NaN and infinite numbers become null.
  Several files, a folder or --input-dir: one line per file with its "path" (or, with
  --output-dir, one text file per input at the same relative path).
  A WARC file (gzip or plain, detected by content): one line per HTML response or WET
  conversion record, with "url" and "record_id"; other records are skipped and counted.
  --jobs N runs N worker processes; a worker that dies is replaced and only the record
  that killed it gets an "error". On a terminal a progress bar and a summary show.

examples:
  filterkit < page.txt > main.txt
  filterkit page.html > main.txt
  filterkit --json page.html | jq '.paragraphs[] | select(.label) | .path'
  filterkit --markdown page.html > main.md
  filterkit --markdown --links page.html > main.md
  filterkit --jsonl --jobs 2 < pages.jsonl > filtered.jsonl
  filterkit --jobs 2 crawl.warc.gz > pages.jsonl
  filterkit --input-dir saved-pages/ --output-dir main-texts/ --jobs 2

exit status:
  0 success (in batch modes even when some records carry an "error")
  2 bad options
  3 input that cannot be read or decoded, or an archive damaged part-way (all before it is written)
  4 the model cannot be loaded (missing, damaged, or made for other versions)
  5 output that cannot be written (disk full, closed stream)
  130 interrupted (Ctrl-C, SIGTERM): only complete output lines were written
  141 the output's reader went away (a closed pipe)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="filterkit", description="Keep the main content (title and article paragraphs) of scraped pages "
        "and drop navigation, bylines, share bars, teaser lists, cookie notices and footers.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", metavar="PATH",
                        help="pages, folders of pages, WARC archives, or JSON Lines with --jsonl (default: stdin)")
    parser.add_argument("--input-dir", action="append", default=[], metavar="DIR",
                        help="a folder whose files (all levels down) are pages (repeatable)")
    parser.add_argument("--output-dir", metavar="DIR", type=Path,
                        help="write one main-text file per input page, at the same relative path")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true",
                        help="one page: print a JSON object (main text, language, format, encoding, and every "
                        "paragraph with score, label, lang and HTML tag path)")
    output.add_argument("--jsonl", action="store_true", help="read and write JSON Lines, one page per line")
    parser.add_argument("--markdown", action="store_true",
                        help="the main content as Markdown (headings, lists, tables, code, quotes): on stdout for "
                             "one page, in a \"markdown\" field of JSON records, as .md files with --output-dir")
    parser.add_argument("--links", action="store_true", help="with --markdown: links as [text](href)")
    parser.add_argument("--threshold", type=float, metavar="P",
                        help="keep exactly the paragraphs with P(main) >= P (default: the model's rule: its "
                        "threshold, 0.5 for the shipped models, which on HTML pages each page lowers to the bar "
                        "of its best expected word F1; see meta.json)")
    parser.add_argument("--model", metavar="DIR", help="a model set (text/ and html/ models) or one model's directory "
                        "(default: the set shipped with filterkit)")
    parser.add_argument("--trust-model", action="store_true",
                        help="load --model even if it is a filterkit 0.2 model, a pickle (a pickle can run code "
                        "when loaded: only for models you made or trust; models are arrays since 0.3)")
    parser.add_argument("--format", choices=("auto", "text", "html", "warc"), default="auto",
                        help="what the input pages are (default: auto, each page's own; warc: the inputs are archives)")
    parser.add_argument("--encoding", metavar="NAME", help="decode input bytes with this encoding (a WHATWG label)")
    parser.add_argument("--jobs", type=int, default=1, metavar="N", help="worker processes for batches (default 1)")
    parser.add_argument("--batch-size", type=int, default=64, metavar="N", help="pages scored together (default 64)")
    parser.add_argument("--page-timeout", type=float, metavar="S",
                        help="batches: give up on a page after S seconds (its record gets an \"error\")")
    parser.add_argument("--max-page-bytes", type=int, default=20 * 1024 * 1024, metavar="N",
                        help="cut longer pages to N bytes before filtering (default 20 MiB; the record says "
                        "\"truncated\")")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar or summary, only errors")
    parser.add_argument("--version", action="version", version=_version())
    return parser


def _version() -> str:
    from filterkit import __version__

    return f"filterkit {__version__}"


class _Fail(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def _content_filter(options: dict):
    from filterkit.errors import ModelError
    from filterkit.filter import ContentFilter

    try:
        return ContentFilter(options["model"], options["threshold"], max_page_bytes=options["max_page_bytes"],
                             trust=options["trust"])
    except ModelError as error:
        raise _Fail(str(error), EXIT_MODEL) from None


def _options(args) -> dict:
    """What a worker needs to rebuild the run's filter: plain values, so they pickle."""
    return {"model": args.model, "threshold": args.threshold, "max_page_bytes": args.max_page_bytes,
            "trust": args.trust_model,
            "encoding": args.encoding, "format": "auto" if args.format == "warc" else args.format,
            "output_dir": str(args.output_dir) if args.output_dir else None, "batch_size": args.batch_size,
            "markdown": args.markdown, "links": args.links}


# -- one page ------------------------------------------------------------------------------
def _single(args, out: BinaryIO) -> None:
    from filterkit import records
    from filterkit.errors import FilterkitError, ModelError

    name = args.inputs[0] if args.inputs else "-"
    data = _read_bytes(name)
    content_filter = _content_filter(_options(args))
    try:
        result = content_filter.filter(data, encoding=args.encoding, format=_options(args)["format"])
    except ModelError as error:
        raise _Fail(str(error), EXIT_MODEL) from None
    except FilterkitError as error:
        raise _Fail(str(error), EXIT_INPUT) from None
    if args.json:
        record = result.to_dict()
        if args.markdown:
            record["markdown"] = result.to_markdown(args.links)
        out.write((records.dump(record) + "\n").encode("utf-8"))
    elif args.markdown:
        out.write(result.to_markdown(args.links).encode("utf-8"))
    elif result.text:
        out.write((result.text + "\n").encode("utf-8"))


def _read_bytes(name: str) -> bytes:
    try:
        if name == "-":
            return sys.stdin.buffer.read() if sys.stdin is not None else b""
        with open(name, "rb") as stream:
            return stream.read()
    except OSError as error:
        raise _Fail(f"cannot read {'standard input' if name == '-' else name}: {error.strerror or error}",
                    EXIT_INPUT) from None
    except ValueError:  # stdin closed
        return b""


# -- batches: work items and what a worker does with them ----------------------------------
# An item is ("record", line), ("file", path, relative path), or ("archive", fields, page).
_worker: dict[str, Any] = {}


def _start_worker(options: dict) -> None:
    from filterkit.errors import ModelError

    content_filter = _worker["filter"] = _content_filter(options)
    _worker["options"] = options
    for track in ("text", "html"):  # loaded now, so that no page's time limit pays for loading a model
        try:
            content_filter.load(track)
        except ModelError:  # a model set without this track: its pages get the error when they come
            pass
    # What is loaded now lives as long as the worker: out of the collector's sight, its full
    # collections no longer walk it again and again during the batch.
    gc.freeze()


def _work(items: list[tuple]) -> list[tuple[str | None, bool]]:
    """(output line or None, ok) per item: a JSON line, or None where a file was written instead."""
    from filterkit import records

    options = _worker["options"]
    entries: list[tuple[dict, Any]] = []
    for item in items:
        if item[0] == "record":
            entries.append(records.parse(item[1], options["format"]))
        elif item[0] == "file":
            entries.append(_file_entry(item[1], item[2], options["format"]))
        else:
            entries.append((dict(item[1]), item[2]))
    pages = [page for _, page in entries if page is not None]
    results = iter(_worker["filter"].filter_many(pages, batch_size=options["batch_size"],
                                                 encoding=options["encoding"], format=options["format"]))
    out = []
    for record, page in entries:
        if page is not None:
            result = next(results)
            if result.error is not None:
                record["error"] = result.error
            else:
                record.update(main=result.text, lang=result.lang)
                if options["markdown"]:
                    record["markdown"] = result.to_markdown(options["links"])
                if result.truncated:
                    record["truncated"] = True
        if options["output_dir"] and "path" in record:
            out.append(_write_text(record, options["output_dir"], options["markdown"]))
        else:
            out.append((records.dump(record), "error" not in record))
    _release_memory()
    return out


def _release_memory() -> None:
    """Give the chunk's memory back to the system: glibc keeps freed pages of big pages' arrays otherwise,
    and a long batch's workers would grow with the largest chunk they ever met."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc
        pass


def _file_entry(path: str, relative: str, page_format: str) -> tuple[dict, Any]:
    from filterkit.filter import Page

    record = {"path": relative}
    try:
        with open(path, "rb") as stream:
            return record, Page(stream.read(), format=page_format)
    except OSError as error:
        record["error"] = f"cannot read {relative}: {error.strerror or error}"
        return record, None


def _write_text(record: dict, output_dir: str, markdown: bool = False) -> tuple[str | None, bool]:
    """Write a page's main text (or Markdown, as .md) under the output folder; an error is still a JSON line
    on stdout."""
    from filterkit import records

    if "error" in record:
        return records.dump(record), False
    target = Path(output_dir) / f"{record['path']}.{'md' if markdown else 'txt'}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if markdown:
            target.write_text(record["markdown"], encoding="utf-8")
        else:
            target.write_text(record["main"] + "\n" if record["main"] else "", encoding="utf-8")
    except OSError as error:
        return records.dump({"path": record["path"], "error": f"cannot write {target}: {error.strerror}"}), False
    return None, True


def _failed_item(item: tuple, reason: str) -> tuple[str, bool]:
    from filterkit import records

    if item[0] == "record":
        record, _ = records.parse(item[1])
        record = {key: value for key, value in record.items() if key not in ("text", "html", "html_b64")} \
            if "error" not in record else record
    elif item[0] == "file":
        record = {"path": item[2]}
    else:
        record = dict(item[1])
    record["error"] = f"cannot filter this page: {reason}"
    return records.dump(record), False


# -- batches: reading the inputs as a stream of items ---------------------------------------
class _Counts:
    def __init__(self) -> None:
        self.pages = self.written = self.skipped = self.errors = 0
        self.started = time.monotonic()
        self.broken: str | None = None  # where an archive broke


def _batch_items(args, counts: _Counts) -> Iterator[tuple]:
    if args.jsonl:
        for name in args.inputs or ["-"]:
            if os.path.isdir(name):
                yield from _folder_items(name, args, counts)
                continue
            yield from _lines(name)
        return
    for name in args.inputs:
        if os.path.isdir(name):
            yield from _folder_items(name, args, counts)
        else:
            yield from _path_items(name, os.path.basename(name), args, counts)
    for folder in args.input_dir:
        yield from _folder_items(folder, args, counts)


def _lines(name: str) -> Iterator[tuple]:
    if name == "-" and sys.stdin is None:  # stdin closed: no records
        return
    try:
        stream = sys.stdin.buffer if name == "-" else open(name, "rb")
    except OSError as error:
        raise _Fail(f"cannot read {name}: {error.strerror}", EXIT_INPUT) from None
    with stream:
        for line in stream:
            yield ("record", line)


def _folder_items(folder: str, args, counts: _Counts) -> Iterator[tuple]:
    if not os.path.isdir(folder):
        raise _Fail(f"cannot read {folder}: not a folder", EXIT_INPUT)
    root = Path(folder)
    for directory, subdirectories, files in os.walk(folder):
        subdirectories.sort()
        for name in sorted(files):
            path = Path(directory) / name
            yield from _path_items(str(path), str(path.relative_to(root)), args, counts)


def _path_items(path: str, relative: str, args, counts: _Counts) -> Iterator[tuple]:
    if args.format == "warc" or _is_archive(path):
        yield from _archive_items(path, relative, counts)
    else:
        yield ("file", path, relative)


def _is_archive(path: str) -> bool:
    from filterkit.archives import looks_like_warc

    try:
        with open(path, "rb") as stream:
            return looks_like_warc(stream.read(ARCHIVE_SNIFF_BYTES))
    except OSError:
        return False  # the worker reports it as unreadable


def _archive_items(path: str, relative: str, counts: _Counts) -> Iterator[tuple]:
    from filterkit.archives import ArchiveError, iter_records

    try:
        for record in iter_records(path):
            if record.page is None:
                counts.skipped += 1
                continue
            fields = {"url": record.url, "record_id": record.record_id, "warc_type": record.warc_type,
                      "archive": relative}
            yield ("archive", fields, record.page)
    except ArchiveError as error:
        counts.broken = f"{relative}: {error}"
    except OSError as error:
        counts.broken = f"cannot read {relative}: {error.strerror or error}"


def _batch(args, out: BinaryIO) -> int:
    from filterkit.parallel import ordered_map

    counts = _Counts()
    options = _options(args)
    _content_filter(options)  # a model that cannot be loaded fails once, here, not in every worker
    timeout = (lambda n: args.page_timeout * n) if args.page_timeout else None
    chunks = _chunked(_batch_items(args, counts), args.batch_size, counts)
    progress = _progress(args, counts)
    done = 0
    try:
        for outputs in ordered_map(chunks, _work, _failed_item, args.jobs, _start_worker, (options,), timeout):
            lines = []
            for line, ok in outputs:
                counts.written += ok
                counts.errors += not ok
                if line is not None:
                    lines.append(line + "\n")
            _write(out, "".join(lines).encode("utf-8"))
            done += len(outputs)
            if progress is not None:
                progress.update(done)
    finally:
        if progress is not None:
            progress.close()
    out.flush()
    if not args.quiet and sys.stderr.isatty():
        elapsed = time.monotonic() - counts.started
        print(f"filterkit: {counts.pages} pages in, {counts.written} out, {counts.skipped} skipped, "
              f"{counts.errors} errors, {elapsed:.1f} s ({counts.pages / max(elapsed, 1e-9):.1f} pages/s)",
              file=sys.stderr)
    if counts.broken:
        raise _Fail(counts.broken, EXIT_INPUT)
    return EXIT_OK


def _chunked(items: Iterator[tuple], size: int, counts: _Counts) -> Iterator[list[tuple]]:
    """Chunks of at most ``size`` items and about CHUNK_BYTES of input, so that a worker's memory is bounded by
    the chunk, however large the pages."""
    chunk: list[tuple] = []
    held = 0
    for item in items:
        chunk.append(item)
        held += _item_bytes(item)
        if len(chunk) >= size or held >= CHUNK_BYTES:
            counts.pages += len(chunk)
            yield chunk
            chunk, held = [], 0
    if chunk:
        counts.pages += len(chunk)
        yield chunk


def _item_bytes(item: tuple) -> int:
    if item[0] == "record":
        return len(item[1])
    if item[0] == "archive":
        return len(item[2].content)
    try:
        return os.path.getsize(item[1])
    except OSError:
        return 0


class _Progress:
    """A one-line progress report on a terminal's stderr: pages, pages/s, errors and skipped so far."""

    INTERVAL = 0.5  # seconds between redraws

    def __init__(self, counts: _Counts):
        self.counts = counts
        self.shown = 0.0

    def update(self, done: int, final: bool = False) -> None:
        now = time.monotonic()
        if not final and now - self.shown < self.INTERVAL:
            return
        self.shown = now
        rate = done / max(now - self.counts.started, 1e-9)
        sys.stderr.write(f"\r\x1b[Kfilterkit: {done} pages, {rate:.1f} pages/s, {self.counts.errors} errors, "
                         f"{self.counts.skipped} skipped")
        sys.stderr.flush()

    def close(self) -> None:
        sys.stderr.write("\r\x1b[K")
        sys.stderr.flush()


def _progress(args, counts: _Counts) -> _Progress | None:
    if args.quiet or sys.stderr is None or not sys.stderr.isatty():
        return None
    return _Progress(counts)


def _is_batch(args) -> bool:
    if args.jsonl or args.input_dir or len(args.inputs) > 1 or args.output_dir or args.format == "warc":
        return True
    if args.inputs and (os.path.isdir(args.inputs[0]) or _is_archive(args.inputs[0])):
        return True
    return False


def _check(parser: argparse.ArgumentParser, args) -> None:
    if args.threshold is not None and not 0.0 <= args.threshold <= 1.0:
        parser.error("--threshold must be between 0 and 1")
    if args.jobs < 1 or args.batch_size < 1:
        parser.error("--jobs and --batch-size must be at least 1")
    if args.page_timeout is not None and args.page_timeout <= 0:
        parser.error("--page-timeout must be a positive number of seconds")
    if args.max_page_bytes < 1:
        parser.error("--max-page-bytes must be at least 1")
    if args.model == "":
        parser.error("--model: give a model directory")
    if args.links and not args.markdown:
        parser.error("--links goes with --markdown")
    if args.encoding is not None:
        from filterkit.decoding import web_encoding

        if web_encoding(args.encoding) is None:
            parser.error(f"--encoding: {args.encoding!r} is not a web encoding label (utf-8, gb18030, big5, "
                         "shift_jis, windows-1252...)")
    if args.json and _is_batch(args):
        parser.error("--json is for one page; batches write JSON Lines already")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    _check(parser, args)
    out = sys.stdout.buffer if sys.stdout is not None else None
    if out is None:
        print("filterkit: error: no standard output to write to", file=sys.stderr)
        return EXIT_OUTPUT
    from filterkit.parallel import Stopped

    _install_stop_handler()
    try:
        if _is_batch(args):
            status = _batch(args, out)
        else:
            _single(args, out)
            status = EXIT_OK
        out.flush()
        return status
    except _Fail as failure:
        _error(str(failure))
        return failure.status
    except (KeyboardInterrupt, Stopped):
        try:
            out.flush()  # what is in the buffer is whole lines
        except OSError:
            pass
        _quiet_output()
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        _quiet_output()
        return EXIT_PIPE
    except OSError as error:
        _quiet_output()
        _error(f"cannot write the output: {error.strerror or error}")
        return EXIT_OUTPUT


_stopping = {"writing": False, "signal": None}


def _write(out: BinaryIO, data: bytes) -> None:
    """Write whole lines: a SIGTERM that arrives meanwhile takes effect once they are written."""
    _stopping["writing"] = True
    try:
        out.write(data)
        out.flush()
    finally:
        _stopping["writing"] = False
    if _stopping["signal"] is not None:
        from filterkit.parallel import Stopped

        raise Stopped(_stopping["signal"])


def _error(message: str) -> None:
    try:
        sys.stderr.write(f"filterkit: error: {' '.join(message.split())}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # no stderr left to say it on
        pass


def _install_stop_handler() -> None:
    import signal

    from filterkit.parallel import Stopped

    def stop(signum, frame):
        _stopping["signal"] = signum
        if not _stopping["writing"]:
            raise Stopped(signum)

    try:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, stop)
    except ValueError:  # not the main thread (main() called from a library): leave signals alone
        pass


def _quiet_output() -> None:
    """Point stdout at /dev/null so that the interpreter's own flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":
    sys.exit(main())
