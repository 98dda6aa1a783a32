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
import math
import os
import re
import stat
import sys
import time
from collections import Counter
from fnmatch import fnmatch
from itertools import islice
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from filterkit.inputs import (Peeked, is_archive_file, is_regular_file, looks_like_warc, not_a_page, read_head,
                              read_up_to)

STDIN_NAME = "stdin"  # what a page or archive read from stdin is named under --output-dir (stdin.txt)
SKIP_REASONS_SHOWN = 5  # reasons named in an archive's line of skipped records
RECORD_NAME_CHARS = 80  # of a record id or URL, in the name of the record's file under --output-dir
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")  # characters replaced in a file name made from a record id or URL
CHUNK_BYTES = 4 * 1024 * 1024  # input per chunk of a batch (pages of a chunk are held and scored together)
EXIT_OK = 0  # done (in batch modes also when some records carry an "error")
EXIT_USAGE = 2  # bad options
EXIT_INPUT = 3  # unreadable file, undecodable bytes, a damaged archive (after writing all before the damage)
EXIT_MODEL = 4  # model missing, damaged, untrusted or made for other versions
EXIT_OUTPUT = 5  # output cannot be written (disk full, closed stream)
EXIT_PIPE = 141  # the reader of our output went away (as a shell reports a process ended by SIGPIPE)
EXIT_INTERRUPTED = 130  # Ctrl-C or SIGTERM: complete output lines only
# Upper bounds of the numeric options: beyond them a value is a typo, not a wish, and would
# overflow a wait (a time limit of 1e300 s) or start thousands of processes.
MAX_JOBS = 256
MAX_BATCH_SIZE = 100_000
MAX_PAGE_TIMEOUT = 7 * 24 * 3600.0
MAX_PAGE_BYTES = 2 ** 40

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
  "content_type"), and writes the object with "main", "lang", "metadata" (title, author,
  date, site_name, description, url, image, language, page_type...), "confidence" (the
  expected word F1 of what was kept) and "kept_share" added, or with "error";
  other fields pass through. Output is strict UTF-8 JSON: lone surrogates become U+FFFD,
  NaN and infinite numbers become null.
  Several files, a folder or --input-dir: one line per file with its "path" as the command
  line names it (or, with --output-dir, one text file per page at its relative path; with
  several inputs, each under its own name; a page on stdin: stdin.txt). Files in folders
  are told by content: non-pages (scripts, style sheets, robots.txt, images, PDFs, binary)
  and FIFOs are skipped with a line on stderr; --glob chooses files by name.
  A WARC file, pipe or stdin (gzip or plain, detected by content): one line per HTML
  response or WET conversion record, with "url", "record_id", "warc_date", "http_status" and
  "content_type" (its text, or an "error"),
  one file per such record with --output-dir; other records are skipped and counted on
  stderr. Content-Encoding gzip, deflate, br and zstd (and lists of them) are unpacked.
  --jobs N runs N worker processes; a worker that dies is replaced and only the record
  that killed it gets an "error". On a terminal a progress bar and a summary show.

examples:
  filterkit < page.txt > main.txt
  filterkit page.html > main.txt
  filterkit --json page.html | jq '.paragraphs[] | select(.label) | .path'
  filterkit --json page.html | jq '.metadata.title, .confidence'
  filterkit --explain page.html > report.html
  filterkit --favor recall page.html > main.txt
  filterkit --markdown page.html > main.md
  filterkit --markdown --links page.html > main.md
  filterkit --jsonl --jobs 2 < pages.jsonl > filtered.jsonl
  filterkit --jobs 2 crawl.warc.gz > pages.jsonl
  cat crawl.warc.gz | filterkit > pages.jsonl
  filterkit --input-dir saved-pages/ --output-dir main-texts/ --jobs 2

exit status:
  0 success (in batch modes even when some records carry an "error")
  2 bad options
  3 input that cannot be read or decoded, archives damaged part-way, or folders unreadable
    (all else is written; each is said on stderr)
  4 the model cannot be loaded (missing, damaged, or made for other versions), also by a
    worker part-way through a batch (the lines before it are complete); a model set without
    a track's model gives each page of that track an "error" in a batch, exit 4 for one page
  5 output that cannot be written (disk full, closed stream)
  130 interrupted (Ctrl-C, SIGTERM, also during one page): only complete output lines were written
  141 the output's reader went away (a closed pipe)
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="filterkit", description="Keep the main content (title and article paragraphs) of scraped pages "
        "and drop navigation, bylines, share bars, teaser lists, cookie notices and footers.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="*", metavar="PATH",
                        help="pages, folders of pages, WARC archives, or JSON Lines with --jsonl (default: stdin; '-' names stdin)")
    parser.add_argument("--input-dir", action="append", default=[], metavar="DIR",
                        help="a folder whose files (all levels down) are pages (repeatable)")
    parser.add_argument("--output-dir", metavar="DIR", type=Path,
                        help="write one main-text file per input page, at the same relative path (several inputs: "
                        "each under its own name; archives: one file per page record)")
    parser.add_argument("--glob", action="append", default=[], metavar="PATTERN",
                        help="in folders, only the files whose name or relative path matches PATTERN, e.g. "
                        "'*.html' (repeatable)")
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true",
                        help="one page: print a JSON object (main text, language, format, encoding, metadata, "
                        "confidence, kept share, and every paragraph with score, label, lang and HTML tag path)")
    output.add_argument("--jsonl", action="store_true", help="read and write JSON Lines, one page per line")
    output.add_argument("--explain", action="store_true",
                        help="one page: print an HTML report of every block, shaded by its score and marked kept or "
                        "dropped, with the page's metadata and confidence (self-contained: open it in a browser)")
    parser.add_argument("--markdown", action="store_true",
                        help="the main content as Markdown (headings, lists, tables, code, quotes): on stdout for "
                             "one page, in a \"markdown\" field of JSON records, as .md files with --output-dir")
    parser.add_argument("--links", action="store_true", help="with --markdown: links as [text](href)")
    parser.add_argument("--threshold", type=_number(0.0, 1.0), metavar="P",
                        help="keep exactly the paragraphs with P(main) >= P (default: the model's rule: its "
                        "threshold, 0.5 for the shipped models, which on HTML pages each page lowers to the bar "
                        "of its best expected word F1; see meta.json)")
    parser.add_argument("--favor", choices=("balanced", "precision", "recall"), default="balanced",
                        help="move the model's per-page rule towards keeping less (precision) or more (recall): "
                        "each page keeps its paragraphs of best expected F0.5 or F2 instead of F1 (default "
                        "balanced; not with --threshold)")
    parser.add_argument("--model", metavar="DIR", help="a model set (text/ and html/ models) or one model's directory "
                        "(default: the set shipped with filterkit)")
    parser.add_argument("--trust-model", action="store_true",
                        help="load --model even if it is a filterkit 0.2 model, a pickle (a pickle can run code "
                        "when loaded: only for models you made or trust; models are arrays since 0.3)")
    parser.add_argument("--format", choices=("auto", "text", "html", "warc"), default="auto",
                        help="what the input pages are (default: auto, each page's own; warc: the inputs are archives)")
    parser.add_argument("--encoding", metavar="NAME", help="decode input bytes with this encoding (a WHATWG label)")
    parser.add_argument("--jobs", type=_count(MAX_JOBS), default=1, metavar="N",
                        help="worker processes for batches (default 1)")
    parser.add_argument("--batch-size", type=_count(MAX_BATCH_SIZE), default=64, metavar="N",
                        help="pages scored together (default 64)")
    parser.add_argument("--page-timeout", type=_number(0.0, MAX_PAGE_TIMEOUT, above=True),
                        metavar="S",
                        help="batches: give up on a page after S seconds (its record gets an \"error\")")
    parser.add_argument("--max-page-bytes", type=_count(MAX_PAGE_BYTES), default=20 * 1024 * 1024,
                        metavar="N",
                        help="cut longer pages to N bytes before filtering (default 20 MiB; the record says "
                        "\"truncated\")")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar, summary or lines about skipped input: only errors")
    parser.add_argument("--version", action="version", version=_version())
    return parser


def _number(low: float, high: float, above: bool = False):
    """An argparse type: a finite number in [low, high] (or (low, high] with ``above``); NaN, inf, garbage and
    numbers out of range are refused at parsing (exit 2), before they can fail later in a worker."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value) or value < low or value > high or (above and value == low):
            raise argparse.ArgumentTypeError(f"{text!r} is not a number {'above' if above else 'from'} {low:g} "
                                             f"{'up ' if above else ''}to {high:g}")
        return value
    return parse


def _count(high: int):
    """An argparse type: a whole number from 1 to ``high``."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not 1 <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to {high:,}")
        return value
    return parse


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
                             trust=options["trust"], favor=options["favor"])
    except ModelError as error:
        raise _Fail(str(error), EXIT_MODEL) from None


def _options(args) -> dict:
    """What a worker needs to rebuild the run's filter: plain values, so they pickle."""
    return {"model": args.model, "threshold": args.threshold, "max_page_bytes": args.max_page_bytes,
            "trust": args.trust_model, "favor": args.favor,
            "encoding": args.encoding, "format": "auto" if args.format == "warc" else args.format,
            "output_dir": str(args.output_dir) if args.output_dir else None, "batch_size": args.batch_size,
            "markdown": args.markdown, "links": args.links}


# -- one page ------------------------------------------------------------------------------
def _single(args, out: BinaryIO, streams: dict[str, Peeked]) -> None:
    from filterkit import records
    from filterkit.errors import FilterkitError, ModelError

    name = args.inputs[0] if args.inputs else "-"
    try:
        data = _read_page(name, streams, args.max_page_bytes)
    except OSError as error:
        raise _Fail(f"cannot read {_shown(name)}: {error.strerror or error}", EXIT_INPUT) from None
    content_filter = _content_filter(_options(args))
    try:
        result = content_filter.filter(data, encoding=args.encoding, format=_options(args)["format"])
    except ModelError as error:
        raise _Fail(str(error), EXIT_MODEL) from None
    except FilterkitError as error:
        raise _Fail(str(error), EXIT_INPUT) from None
    if result.truncated:
        _note(args, f"{_shown(name)} is longer than --max-page-bytes: its first {args.max_page_bytes} bytes "
              "were filtered")
    if args.json:
        record = result.to_dict()
        if args.markdown:
            record["markdown"] = result.to_markdown(args.links)
        _write(out, (records.dump(record) + "\n").encode("utf-8"))
    elif args.explain:
        from filterkit.explain import explain

        _write(out, explain(result, None if name == "-" else os.path.basename(name)).encode("utf-8"))
    elif args.markdown:
        _write(out, result.to_markdown(args.links).encode("utf-8"))
    elif result.text:
        _write(out, (result.text + "\n").encode("utf-8"))


def _read_page(name: str, streams: dict[str, Peeked], max_bytes: int) -> bytes:
    """A page's bytes, read no further than one byte past the cut (the filter then cuts and says so):
    a huge file or an endless device (a link to /dev/zero) costs no more than a page."""
    if name in streams:
        return read_up_to(streams[name], max_bytes + 1)
    with open(name, "rb") as stream:
        return read_up_to(stream, max_bytes + 1)


def _shown(name: str) -> str:
    return "standard input" if name == "-" else name


def _streams(args) -> dict[str, Peeked]:
    """The inputs that can be read only once (stdin, pipes, FIFOs, devices), opened now and their first bytes
    peeked, so that telling an archive from a page reads them once and loses nothing."""
    streams: dict[str, Peeked] = {}
    for name in _named_inputs(args):
        if name in streams or (name != "-" and (os.path.isdir(name) or is_regular_file(name)
                                                 or not os.path.exists(name))):
            continue
        try:
            if name == "-":
                streams[name] = Peeked(sys.stdin.buffer if sys.stdin is not None else None)
            else:
                streams[name] = Peeked(open(name, "rb"))
        except ValueError:  # stdin closed
            streams[name] = Peeked(None)
        except OSError:  # a socket, a device that cannot be opened: reported where its page is read
            pass
    return streams


def _named_inputs(args) -> list[str]:
    """The PATHs, or stdin ("-") when neither PATHs nor --input-dir are given."""
    return args.inputs or ([] if args.input_dir else ["-"])


# -- batches: work items and what a worker does with them ----------------------------------
# An item is ("record", line), ("file", path, fields, output target) or ("page", fields, page or None, output target).
_worker: dict[str, Any] = {}


def _start_worker(options: dict) -> None:
    from filterkit.errors import ModelError

    content_filter = _worker["filter"] = _content_filter(options)
    _worker["options"] = options
    for track in ("text", "html"):  # loaded now, so that no page's time limit pays for loading a model
        if content_filter.has_model(track):  # a set without this track: its pages get an "error" each
            try:
                content_filter.load(track)
            except ModelError as error:
                raise _Fail(str(error), EXIT_MODEL) from None
    # What is loaded now lives as long as the worker: out of the collector's sight, its full
    # collections no longer walk it again and again during the batch.
    gc.freeze()


def _work(items: list[tuple]) -> list[tuple[str | None, bool]]:
    """(output line or None, ok) per item: a JSON line, or None where a file was written instead."""
    from filterkit import records
    from filterkit.errors import ModelError
    from filterkit.parallel import Fatal

    options = _worker["options"]
    entries: list[tuple[dict, Any, str | None]] = []
    for item in items:
        if item[0] == "record":
            entries.append((*records.parse(item[1], options["format"]), None))
        elif item[0] == "file":
            entries.append((*_file_entry(item[1], item[2], options["format"], options["max_page_bytes"]), item[3]))
        else:
            entries.append((dict(item[1]), item[2], item[3]))
    pages = [page for _, page, _ in entries if page is not None]
    try:
        results = iter(list(_worker["filter"].filter_many(pages, batch_size=options["batch_size"],
                                                          encoding=options["encoding"], format=options["format"])))
    except ModelError as error:  # the model is unusable for every page: end the run once (exit 4)
        raise Fatal(str(error)) from None
    out = []
    for record, page, target in entries:
        if page is not None:
            result = next(results)
            if result.error is not None:
                record["error"] = result.error
            else:
                record.update(main=result.text, lang=result.lang, **result.summary())
                if options["markdown"]:
                    record["markdown"] = result.to_markdown(options["links"])
                if result.truncated:
                    record["truncated"] = True
                if result.replaced_bytes:
                    record["replaced_bytes"] = result.replaced_bytes
        if options["output_dir"] and target is not None:
            out.append(_write_text(record, options["output_dir"], target, options["markdown"]))
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


def _file_entry(path: str, fields: dict, page_format: str, max_bytes: int) -> tuple[dict, Any]:
    from filterkit.filter import Page

    record = dict(fields)
    try:
        with open(path, "rb") as stream:
            return record, Page(read_up_to(stream, max_bytes + 1), format=page_format)
    except OSError as error:
        record["error"] = f"cannot read {record['path']}: {error.strerror or error}"
        return record, None


def _write_text(record: dict, output_dir: str, target: str, markdown: bool = False) -> tuple[str | None, bool]:
    """Write a page's main text (or Markdown, as .md) under the output folder; an error is still a JSON line
    on stdout."""
    from filterkit import records

    if "error" in record:
        return records.dump(record), False
    path = Path(output_dir) / f"{target}.{'md' if markdown else 'txt'}"
    try:
        _make_folders(str(path.parent))
        if markdown:
            path.write_text(record["markdown"], encoding="utf-8")
        else:
            path.write_text(record["main"] + "\n" if record["main"] else "", encoding="utf-8")
    except OSError as error:
        return records.dump({**{key: value for key, value in record.items() if key not in ("main", "lang")},
                             "error": f"cannot write {path}: {error.strerror}"}), False
    return None, True


def _make_folders(folder: str) -> None:
    """os.makedirs as a loop: its recursion fails on a tree thousands of folders deep."""
    missing = []
    while folder and not os.path.isdir(folder):
        missing.append(folder)
        folder = os.path.dirname(folder)
    for path in reversed(missing):
        try:
            os.mkdir(path)
        except FileExistsError:
            if not os.path.isdir(path):
                raise


def _failed_item(item: tuple, reason: str) -> tuple[str, bool]:
    from filterkit import records

    if item[0] == "record":
        record, _ = records.parse(item[1])
        record = {key: value for key, value in record.items() if key not in ("text", "html", "html_b64")} \
            if "error" not in record else record
    elif item[0] == "file":
        record = dict(item[2])
    else:
        record = dict(item[1])
    record["error"] = f"cannot filter this page: {reason}"
    return records.dump(record), False


# -- batches: reading the inputs as a stream of items ---------------------------------------
class _Counts:
    def __init__(self) -> None:
        self.pages = self.written = self.skipped = self.errors = 0
        self.broken = 0  # archives damaged and folders or streams unreadable, each said on stderr
        self.started = time.monotonic()


# An item is ("record", JSON line), ("file", path, fields, target) read by the worker, or ("page", fields, page,
# target) read here (None for a page that could not be read: its fields carry the "error"). ``target`` is where
# --output-dir puts the page's text (a relative path, without ".txt"); None for JSON Lines records.
def _batch_items(args, counts: _Counts, streams: dict[str, Peeked], roots: dict[str, str]) -> Iterator[tuple]:
    if args.jsonl:
        for name in args.inputs or ["-"]:
            if os.path.isdir(name):
                yield from _folder_items(name, args, counts, roots[name])
                continue
            yield from _lines(name)
        return
    for name in _named_inputs(args):
        if name not in streams and os.path.isdir(name):
            yield from _folder_items(name, args, counts, roots[name])
        else:
            yield from _named_items(name, args, counts, streams, roots[name])
    for folder in args.input_dir:
        yield from _folder_items(folder, args, counts, roots[folder])


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


def _named_items(name: str, args, counts: _Counts, streams: dict[str, Peeked], root: str) -> Iterator[tuple]:
    """A PATH of the command line (or stdin): an archive, or one page whose "path" is the name as given."""
    fields = {"path": name}
    target = root.rstrip("/") or _root_name(name)
    if name in streams:
        stream = streams[name]
        if args.format == "warc" or looks_like_warc(stream.head):
            yield from _archive_items(stream, _shown(name), args, counts, root)
            return
        try:
            data = read_up_to(stream, args.max_page_bytes + 1)
        except OSError as error:
            yield ("page", {**fields, "error": f"cannot read {_shown(name)}: {error.strerror or error}"}, None, target)
            return
        from filterkit.filter import Page

        yield ("page", fields, Page(data), target)
    elif args.format == "warc" or is_archive_file(name):
        yield from _archive_items(name, name, args, counts, root)
    else:
        yield ("file", name, fields, target)


def _folder_items(folder: str, args, counts: _Counts, root: str) -> Iterator[tuple]:
    """The files under ``folder``, all levels down, sorted: pages and archives, told by their content.

    What is not a regular file (a FIFO, a socket, a device) and what is not a page (an image, a script, a
    style sheet, robots.txt...) is skipped with a line on stderr; a sub-folder or file that cannot be read
    is said too (a file gets its record with an "error"). The --output-dir folder is not walked.
    """
    not_matching = 0
    for path in _walk(folder, args, counts):
        relative = os.path.relpath(path, folder)
        if args.glob and not any(fnmatch(relative, pattern) or fnmatch(os.path.basename(path), pattern)
                                 for pattern in args.glob):
            not_matching += 1
            continue
        yield from _folder_file(path, root + relative, args, counts)
    if not_matching:
        counts.skipped += not_matching
        _note(args, f"{folder}: {not_matching} files not matching --glob skipped")


def _walk(folder: str, args, counts: _Counts) -> Iterator[str]:
    """The paths of the entries under ``folder`` that are not folders, a folder's own before its sub-folders',
    each sorted by name. A loop, not os.walk's recursion: a tree thousands of folders deep is a tree too."""
    excluded = _identity(args.output_dir) if args.output_dir else None
    stack = [folder]
    while stack:
        directory = stack.pop()
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as error:
            _problem(counts, f"cannot read the folder {directory}: {error.strerror or error}")
            continue
        folders = []
        for entry in entries:
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
                linked_folder = not is_folder and entry.is_symlink() and entry.is_dir()
            except OSError:
                is_folder = linked_folder = False
            if linked_folder:
                _skip(args, counts, f"{entry.path}: a symbolic link to a folder (not followed)")
            elif is_folder and excluded is not None and entry.inode() == excluded[1] \
                    and _identity(entry.path) == excluded:
                _note(args, f"{entry.path}: the --output-dir folder, not read")
            elif is_folder:
                folders.append(entry.path)
            else:
                yield entry.path
        stack.extend(reversed(folders))


def _folder_file(path: str, target: str, args, counts: _Counts) -> Iterator[tuple]:
    fields = {"path": path}
    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            _skip(args, counts, f"{path}: not a regular file ({_file_kind(mode)})")
            return
        head = read_head(path)
    except OSError as error:
        yield ("page", {**fields, "error": f"cannot read {path}: {error.strerror or error}"}, None, target)
        return
    if args.format == "warc" or looks_like_warc(head):
        yield from _archive_items(path, path, args, counts, target + "/")
        return
    reason = not_a_page(head) if args.format == "auto" else None
    if reason:
        _skip(args, counts, f"{path}: not a page ({reason})")
        return
    yield ("file", path, fields, target)


def _identity(path: str | os.PathLike) -> tuple[int, int] | None:
    """A folder's (device, inode): what tells it apart however it is named (realpath walks every level)."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return found.st_dev, found.st_ino


def _file_kind(mode: int) -> str:
    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
             (stat.S_ISBLK, "a block device"))
    return next((kind for test, kind in kinds if test(mode)), "not a file")


def _archive_items(source: str | Peeked, shown: str, args, counts: _Counts, root: str) -> Iterator[tuple]:
    """One item per page record (with --output-dir, one file each, named by its number and record id);
    the other records are counted, and said in one line per archive."""
    from filterkit.archives import ArchiveError, iter_records

    skipped: Counter[str] = Counter()
    pages = 0
    try:
        for number, record in enumerate(iter_records(source), 1):
            if record.page is None and record.error is None:
                skipped[record.skip or "not a page"] += 1
                continue
            pages += 1
            fields = {"url": record.url, "record_id": record.record_id, "warc_type": record.warc_type,
                      "warc_date": record.date, "http_status": record.status,
                      "content_type": record.content_type, "archive": shown}
            target = root + _record_name(number, record.record_id or record.url)
            if record.error is not None:
                yield ("page", {**fields, "error": record.error}, None, target)
            else:
                yield ("page", fields, record.page, target)
    except ArchiveError as error:
        _problem(counts, f"{shown}: {error}")
    except OSError as error:
        _problem(counts, f"cannot read {shown}: {error.strerror or error}")
    finally:
        counts.skipped += sum(skipped.values())
        if skipped:
            reasons = ", ".join(f"{count}× {reason}" for reason, count in skipped.most_common(SKIP_REASONS_SHOWN))
            more = ", ..." if len(skipped) > SKIP_REASONS_SHOWN else ""
            _note(args, f"{shown}: {pages} page records, {sum(skipped.values())} other records skipped "
                  f"({reasons}{more})")


def _record_name(number: int, identifier: str) -> str:
    """A file name for an archive's record: its number in the archive (unique, in order), then its id or URL
    with every character that is not safe in a file name replaced."""
    safe = _UNSAFE.sub("_", identifier.strip("<>")).strip("._-")[:RECORD_NAME_CHARS]
    return f"{number:06d}-{safe}" if safe else f"{number:06d}"


def _root_name(name: str) -> str:
    """The name an input's output goes under: its own file or folder name (stdin: "stdin")."""
    if name == "-":
        return STDIN_NAME
    return os.path.basename(os.path.normpath(os.path.abspath(name))) or "root"


def _output_roots(args) -> dict[str, str]:
    """Per input, the prefix of its outputs' relative paths under --output-dir: none for a single input (its
    files at their relative paths, as it is laid out), its own name for each of several, so that two folders
    holding the same relative path cannot overwrite each other's outputs."""
    names = [*_named_inputs(args), *args.input_dir]
    if not args.output_dir or len(names) == 1:
        return {name: "" for name in names}
    roots: dict[str, str] = {}
    owners: dict[str, str] = {}
    for name in names:
        root = _root_name(name)
        if root in owners:
            raise _Fail(f"--output-dir: {owners[root]} and {name} would both write to "
                        f"{os.path.join(args.output_dir, root)}; give them in separate runs", EXIT_USAGE)
        owners[root] = name
        roots[name] = root + "/"
    return roots


def _check_folders(args) -> None:
    """Before anything is read: the --input-dir folders exist, and the output folder is none of them."""
    for folder in args.input_dir:
        if not os.path.isdir(folder):
            raise _Fail(f"cannot read {folder}: not a folder", EXIT_INPUT)
    if args.output_dir:
        output = os.path.realpath(args.output_dir)
        for name in [*args.inputs, *args.input_dir]:
            if os.path.isdir(name) and os.path.realpath(name) == output:
                raise _Fail(f"--output-dir {args.output_dir} is an input folder: give another", EXIT_USAGE)


def _skip(args, counts: _Counts, message: str) -> None:
    counts.skipped += 1
    _note(args, f"skipped {message}")


def _note(args, message: str) -> None:
    """A line on stderr about input passed over (unless --quiet), whether or not stderr is a terminal."""
    if args is not None and args.quiet:
        return
    try:
        sys.stderr.write(f"filterkit: {' '.join(message.split())}\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):  # no stderr left to say it on
        pass


def _problem(counts: _Counts, message: str) -> None:
    """Input that could not be read to its end: said now, and the run ends with exit 3 after the rest."""
    counts.broken += 1
    _error(message)


def _batch(args, out: BinaryIO, streams: dict[str, Peeked]) -> int:
    from filterkit.parallel import ordered_map

    counts = _Counts()
    options = _options(args)
    _content_filter(options)  # a model that cannot be loaded fails once, here, not in every worker
    timeout = (lambda n: args.page_timeout * n) if args.page_timeout else None
    roots = _output_roots(args)
    if args.output_dir:
        try:  # made now, so that a walk meeting it inside an input folder knows it
            _make_folders(str(args.output_dir))
        except OSError as error:
            raise _Fail(f"cannot write to {args.output_dir}: {error.strerror or error}", EXIT_OUTPUT) from None
    chunks = _chunked(_batch_items(args, counts, streams, roots), args.batch_size, counts)
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
    _write(out, b"")
    if not args.quiet and _stderr_is_terminal():
        elapsed = time.monotonic() - counts.started
        _tell(f"filterkit: {counts.pages} pages in, {counts.written} out, {counts.skipped} skipped, "
              f"{counts.errors} errors, {elapsed:.1f} s ({counts.pages / max(elapsed, 1e-9):.1f} pages/s)" + "\n")
    return EXIT_INPUT if counts.broken else EXIT_OK  # each broken input was said on stderr as it was met


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
    if item[0] == "page":
        return len(item[2].content) if item[2] is not None else 0
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
        _tell(f"\r\x1b[Kfilterkit: {done} pages, {rate:.1f} pages/s, {self.counts.errors} errors, "
              f"{self.counts.skipped} skipped")

    def close(self) -> None:
        _tell("\r\x1b[K")


def _progress(args, counts: _Counts) -> _Progress | None:
    if args.quiet or not _stderr_is_terminal():
        return None
    return _Progress(counts)


def _is_batch(args, streams: dict[str, Peeked]) -> bool:
    if args.jsonl or args.input_dir or len(args.inputs) > 1 or args.output_dir or args.format == "warc":
        return True
    name = args.inputs[0] if args.inputs else "-"
    if name in streams:
        return looks_like_warc(streams[name].head)
    return os.path.isdir(name) or is_archive_file(name)


def _check(parser: argparse.ArgumentParser, args) -> None:
    if args.model == "":
        parser.error("--model: give a model directory")
    if args.links and not args.markdown:
        parser.error("--links goes with --markdown")
    if args.encoding is not None:
        from filterkit.decoding import web_encoding

        if web_encoding(args.encoding) is None:
            parser.error(f"--encoding: {args.encoding!r} is not a web encoding label (utf-8, gb18030, big5, "
                         "shift_jis, windows-1252...)")
    if args.jsonl and args.output_dir:
        parser.error("--output-dir writes pages (files, folders, archives, stdin) as text files; --jsonl records "
                     "are written to stdout")
    if args.glob and not (args.input_dir or any(os.path.isdir(name) for name in args.inputs)):
        parser.error("--glob chooses files in folders: give a folder (PATH or --input-dir)")
    if args.favor != "balanced" and args.threshold is not None:
        parser.error("--favor moves the model's per-page rule and --threshold replaces it: give one of the two")


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (OSError, ValueError):
        return False


def _keep_stderr_open() -> None:
    """With stderr closed (``2>&-``), point file descriptor 2 at /dev/null: the next file opened would take
    descriptor 2 otherwise, and a library's warning would be written into it; and a batch must not fail for
    having no one to tell."""
    try:
        os.fstat(2)
        return
    except OSError:
        pass
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        if devnull != 2:
            os.dup2(devnull, 2)
            os.close(devnull)
        sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
    except OSError:
        pass


def main(argv: list[str] | None = None) -> int:
    _keep_stderr_open()
    parser = _parser()
    args = parser.parse_args(argv)
    _check(parser, args)
    out = sys.stdout.buffer if sys.stdout is not None else None
    if out is None:
        print("filterkit: error: no standard output to write to", file=sys.stderr)
        return EXIT_OUTPUT
    from filterkit.errors import ModelError
    from filterkit.parallel import Fatal, Stopped, WorkerError

    _install_stop_handler()
    try:
        _check_folders(args)
        streams = {} if args.jsonl else _streams(args)
        if _is_batch(args, streams):
            if args.json:
                parser.error("--json is for one page; batches write JSON Lines already")
            if args.explain:
                parser.error("--explain is for one page: it writes one HTML report")
            status = _batch(args, out, streams)
        else:
            _single(args, out, streams)
            status = EXIT_OK
        _write(out, b"")
        return status
    except _Fail as failure:
        _error(str(failure))
        return failure.status
    except (KeyboardInterrupt, Stopped):
        try:
            out.flush()  # what is in the buffer is whole lines
        except (OSError, ValueError):
            pass
        _quiet_output()
        return EXIT_INTERRUPTED
    except _OutputBroken as broken:
        _quiet_output()
        if isinstance(broken.error, BrokenPipeError):
            return EXIT_PIPE
        _error(f"cannot write the output: {broken.error.strerror or broken.error}")
        return EXIT_OUTPUT
    except (ModelError, WorkerError, Fatal) as error:  # only the model makes a whole run fail in a worker
        _error(str(error))
        return EXIT_MODEL
    except OSError as error:  # every write goes through _write: any other OSError is one of reading the input
        _error(f"cannot read the input: {error.strerror or error}")
        return EXIT_INPUT


_stopping = {"writing": False, "signal": None}


class _OutputBroken(Exception):
    """Writing the output failed: kept apart from OSErrors of reading, which are input errors (exit 3)."""

    def __init__(self, error: OSError):
        super().__init__(str(error))
        self.error = error


def _write(out: BinaryIO, data: bytes) -> None:
    """Write whole lines: a SIGTERM that arrives meanwhile takes effect once they are written."""
    _stopping["writing"] = True
    try:
        if data:
            out.write(data)
        out.flush()
    except OSError as error:
        raise _OutputBroken(error) from None
    except ValueError:  # stdout closed under us
        raise _OutputBroken(OSError(9, "the output is closed")) from None
    finally:
        _stopping["writing"] = False
    if _stopping["signal"] is not None:
        from filterkit.parallel import Stopped

        raise Stopped(_stopping["signal"])


def _error(message: str) -> None:
    _tell(f"filterkit: error: {' '.join(message.split())}\n")


def _tell(text: str) -> None:
    """Write to stderr; a closed or broken stderr (its reader gone) is no reason to fail the run."""
    try:
        sys.stderr.write(text)
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
