"""jieba's word frequencies, loaded fast and safely for filterkit's own jieba tokenizer.

jieba's own start-up parses its 5 MB dictionary (about half a second) or reads a marshal
cache in the shared temp folder, where another user's file breaks or changes the run. Here
the frequencies are cached per user, in a folder filterkit owns, in a form that is read in
pieces: opening it reads a small index (30 ms), and an entry becomes part of jieba's dict
only when a run of text holds its first character (single characters) or its first two
characters side by side (longer words). Those are the only entries a cut of the run looks
up, so the run is cut exactly as with the whole dictionary; a process that cuts thousands of
runs reads the rest in one go. The file holds strings and integer arrays only: reading it
cannot run code, unlike jieba's marshal (or a pickle).

The cache is read only from a folder and a regular file that the current user owns and
nobody else may write (opened without following a link and without blocking, so a FIFO or
a device in its place cannot hang or flood the run), written atomically (a temporary file
in the same folder, then a rename), and keyed by jieba's version and the dictionary file's
size, modification time and SHA-256. A damaged cache (anything in its place that is not
a cache file: a folder, a FIFO, garbage, a header nested too deep) is rebuilt and replaced,
with one warning on stderr; where it cannot be read or written the dictionary is built in
memory, as jieba would. A Chinese page is always tokenized.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import sys
import tempfile
import threading
from array import array
from itertools import accumulate
from pathlib import Path

CACHE_DIR_ENV = "FILTERKIT_CACHE_DIR"
_FORMAT = 2
_MAGIC = b"filterkit-jieba-dictionary\n"
MAX_HEADER_BYTES = 64 * 1024  # the header is a few hundred bytes of JSON; a longer one is damage
MAX_CACHE_BYTES = 256 * 1024 * 1024  # the cache is about 10 MB; a bigger file is not read
# A process that cuts this many runs is working through a batch, where covering each run costs
# more than reading the rest of the table in one go (0.2-0.4 s).
COMPLETE_AFTER_RUNS = 2_000
# Characters and pairs remembered as covered (about 100 bytes each) before the whole table is read
# instead (about 70 MB, once): text of rare characters in new pairs would grow the set without end.
COMPLETE_AFTER_KEYS = 200_000


class FrequencyTable:
    """jieba's ``FREQ`` dict and ``total``; ``cover(run)`` adds the entries a cut of the run looks up."""

    def __init__(self, freq: dict[str, int], total: int, dictionary_sha256: str,
                 entries: "_Entries | None" = None) -> None:
        self.freq = freq
        self.total = total
        self.dictionary_sha256 = dictionary_sha256  # of the dictionary file the words come from
        self._entries = entries
        self._covered: set[str] = set()  # characters and character pairs whose entries are in freq
        self._runs = 0
        self._lock = threading.Lock()

    @property
    def complete(self) -> bool:
        return self._entries is None

    def cover(self, run: str) -> None:
        """Put in ``freq`` every entry that is one of run's characters or starts with two adjacent ones.

        jieba looks up only substrings of the text it cuts: a single character, or a longer
        fragment, whose first two characters are then a pair of the text.
        """
        if self._entries is None:
            return
        self._runs += 1
        keys = set(run)
        keys.update(run[k:k + 2] for k in range(len(run) - 1))
        missing = keys.difference(self._covered)
        complete = self._runs >= COMPLETE_AFTER_RUNS or len(self._covered) + len(missing) > COMPLETE_AFTER_KEYS
        if missing or complete:
            with self._lock:
                entries = self._entries
                if entries is None:
                    return
                if complete:
                    entries.add_all(self.freq)
                    self._entries = None
                    self._covered.clear()
                    return
                for key in missing.difference(self._covered):
                    entries.add_to(self.freq, key)
                    self._covered.add(key)  # after the entries: another thread may be reading freq


class _Entries:
    """The cache file's entries: single characters, and longer words grouped by their first two."""

    def __init__(self, firsts: str, singles: array, second_starts: array, seconds: str,
                 entry_offsets: array, byte_offsets: array, freqs: array, words: bytes) -> None:
        self._first_index = {char: i for i, char in enumerate(firsts)}
        self._singles = singles
        self._second_starts = second_starts
        self._seconds = seconds
        self._entry_offsets = entry_offsets
        self._byte_offsets = byte_offsets
        self._freqs = freqs
        self._words = words

    def add_to(self, freq: dict[str, int], key: str) -> None:
        i = self._first_index.get(key[0])
        if i is None:
            return
        if len(key) == 1:
            freq[key] = self._singles[i]
            return
        group = self._seconds.find(key[1], self._second_starts[i], self._second_starts[i + 1])
        if group < 0:
            return
        words = self._words[self._byte_offsets[group]:self._byte_offsets[group + 1]].decode("utf-8").split("\n")
        # Each word ends with a newline: zip leaves out the empty string after the last.
        freq.update(zip(words, self._freqs[self._entry_offsets[group]:self._entry_offsets[group + 1]]))

    def add_all(self, freq: dict[str, int]) -> None:
        freq.update(zip(self._first_index, self._singles))
        freq.update(zip(self._words.decode("utf-8").split("\n"), self._freqs))


def cache_dir() -> Path:
    """The folder of filterkit's caches: ``$FILTERKIT_CACHE_DIR``, else the user's cache folder."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("filterkit", appauthor=False))


def load(jieba_module) -> FrequencyTable:
    """jieba's frequencies for its default dictionary: from the cache, else built (and cached where safe)."""
    data, key = _source(jieba_module)
    path = cache_path(jieba_module)
    damage = None
    if _safe_folder(path.parent):
        table, damage = _read(path, key)
        if table is not None:
            return table
    freq, total = jieba_module.Tokenizer.gen_pfdict(io.BytesIO(data))
    written = _make_safe_folder(path.parent) and _write(path, key, freq, total)
    if damage:
        outcome = "rebuilt it" if written else "could not replace it: the dictionary is built in memory on every run"
        print(f"filterkit: warning: jieba's dictionary cache {path} {damage}; {outcome}", file=sys.stderr)
    return FrequencyTable(freq, total, key["dict_sha256"])


def cache_path(jieba_module) -> Path:
    return cache_dir() / "jieba" / f"dictionary-{jieba_module.__version__}.bin"


def _source(jieba_module) -> tuple[bytes, dict]:
    """jieba's default dictionary file and the cache key it gives."""
    dictionary = Path(jieba_module.__file__).with_name(jieba_module.DEFAULT_DICT_NAME)
    data = dictionary.read_bytes()
    key = {"format": _FORMAT, "jieba": jieba_module.__version__, "byteorder": sys.byteorder,
           "dict_size": len(data), "dict_mtime_ns": dictionary.stat().st_mtime_ns,
           "dict_sha256": hashlib.sha256(data).hexdigest()}
    return data, key


def _owned_and_private(info: os.stat_result) -> bool:
    """Owned by this user and writable by nobody else (where the system has owners at all)."""
    getuid = getattr(os, "getuid", None)
    owned = getuid is None or info.st_uid == getuid()
    return owned and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _safe_folder(folder: Path) -> bool:
    try:
        info = folder.stat()
    except OSError:
        return False
    return stat.S_ISDIR(info.st_mode) and _owned_and_private(info)


def _make_safe_folder(folder: Path) -> bool:
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError:
        return False
    return _safe_folder(folder)


def _read(path: Path, key: dict) -> tuple[FrequencyTable | None, str | None]:
    """(the cached table, None), or (None, what is wrong with the file if it is damaged): None also when
    the file is missing, another user's or stale (a jieba upgrade), which a rebuild cures without a word."""
    try:
        # O_NONBLOCK: opening a FIFO would wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        return None, None
    except OSError as error:  # a symbolic link (ELOOP), a file we may not read…
        return None, f"cannot be opened ({error.strerror})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "is not a regular file"
        if not _owned_and_private(info):
            return None, None
        if info.st_size > MAX_CACHE_BYTES:
            return None, f"is larger than {MAX_CACHE_BYTES // 2 ** 20} MB"
        with open(os.dup(fd), "rb") as file:
            data = file.read(MAX_CACHE_BYTES + 1)
    except OSError as error:
        return None, f"cannot be read ({error.strerror})"
    finally:
        os.close(fd)
    try:
        table = _parse(data, key)
    except Exception:  # noqa: BLE001 -- whatever is wrong with its bytes, the file is rebuilt
        return None, "is damaged"
    return (table, None) if table is not None else (None, None if data.startswith(_MAGIC) else "is damaged")


def _parse(data: bytes, key: dict) -> FrequencyTable | None:
    """The table of a cache file's bytes; None for a stale one (another key), an exception for damage."""
    if not data.startswith(_MAGIC):
        return None
    header_end = data.index(b"\n", len(_MAGIC), len(_MAGIC) + MAX_HEADER_BYTES)
    header = json.loads(data[len(_MAGIC):header_end])
    if not isinstance(header, dict) or any(header.get(name) != value for name, value in key.items()):
        return None
    sections, position = {}, header_end + 1
    for name, size in header["sections"]:
        sections[name] = data[position:position + size]
        position += size
    if position != len(data) or not isinstance(header["total"], int):
        raise ValueError("the cache's sections do not add up to its size")
    firsts, seconds = sections["firsts"].decode("utf-8"), sections["seconds"].decode("utf-8")
    singles, second_starts, entry_offsets, byte_offsets, freqs = (
        _int64s(sections[name]) for name in ("singles", "second_starts", "entry_offsets", "byte_offsets", "freqs"))
    words = sections["words"]
    if not (len(singles) == len(firsts) == len(second_starts) - 1 and second_starts[-1] == len(seconds)
            == len(entry_offsets) - 1 == len(byte_offsets) - 1 and entry_offsets[-1] == len(freqs)
            and byte_offsets[-1] == len(words)):
        raise ValueError("the cache's sections disagree")
    entries = _Entries(firsts, singles, second_starts, seconds, entry_offsets, byte_offsets, freqs, words)
    return FrequencyTable({}, header["total"], key["dict_sha256"], entries)


def _int64s(data: bytes) -> array:
    numbers = array("q")
    numbers.frombytes(data)
    return numbers


def _write(path: Path, key: dict, freq: dict[str, int], total: int) -> bool:
    """Cache the table (True if written); a folder that refuses the file only means building it again next
    time. Whatever is in the file's place is replaced: a rename replaces a file, a link or a FIFO, and an
    empty folder is removed first."""
    # Sorted, the longer words of one first character, and of one first pair, are neighbours.
    words = sorted(word for word in freq if len(word) > 1)
    firsts = sorted({word[0] for word in freq if word})
    group_starts = [i for i in range(len(words)) if i == 0 or words[i][:2] != words[i - 1][:2]]
    word_bytes = list(accumulate(map(len, map(str.encode, words)), initial=0))

    def byte_offset(i: int) -> int:
        return word_bytes[i] + i  # each word is followed by a newline

    seconds, second_starts, group = [], array("q", [0]), 0
    for first in firsts:
        while group < len(group_starts) and words[group_starts[group]][0] == first:
            seconds.append(words[group_starts[group]][1])
            group += 1
        second_starts.append(group)
    entry_offsets = array("q", group_starts + [len(words)])
    byte_offsets = array("q", map(byte_offset, entry_offsets))
    sections = [("firsts", "".join(firsts).encode("utf-8")),
                ("singles", array("q", map(freq.__getitem__, firsts)).tobytes()),  # jieba enters every prefix
                ("second_starts", second_starts.tobytes()), ("seconds", "".join(seconds).encode("utf-8")),
                ("entry_offsets", entry_offsets.tobytes()), ("byte_offsets", byte_offsets.tobytes()),
                ("freqs", array("q", map(freq.__getitem__, words)).tobytes()),
                ("words", "".join(word + "\n" for word in words).encode("utf-8"))]
    header = dict(key, total=total, sections=[(name, len(data)) for name, data in sections])
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".dictionary-", suffix=".tmp")
    except OSError:
        return False
    try:
        with open(fd, "wb") as file:
            file.write(_MAGIC + json.dumps(header).encode("ascii") + b"\n")
            for _, data in sections:
                file.write(data)
        if path.is_dir() and not path.is_symlink():
            path.rmdir()
        os.replace(temporary, path)
        return True
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        return False
