"""jieba's word frequencies, loaded fast and safely for filterkit's own jieba tokenizer.

jieba's own start-up parses its 5 MB dictionary (about half a second) or reads a marshal
cache in the shared temp folder, where another user's file breaks or changes the run. Here
the frequencies are cached per user, in a folder filterkit owns, grouped by a word's first
character: opening the cache reads a small index, and a character's words become a dict only
when a run of text holds that character. jieba looks up only fragments that start with a
character of the run it cuts, so a table covering the run's characters cuts it exactly as
the whole dictionary does.

The cache is read only from a folder and a file that the current user owns and nobody else
may write, written atomically (a temporary file in the same folder, then a rename), and
keyed by jieba's version and the dictionary file's size, modification time and SHA-256.
Where it cannot be read or written the dictionary is built in memory, as jieba would.
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
from pathlib import Path

CACHE_DIR_ENV = "FILTERKIT_CACHE_DIR"
_FORMAT = 1
_MAGIC = b"filterkit-jieba-dictionary\n"


class FrequencyTable:
    """jieba's ``FREQ`` dict and ``total``; ``cover(text)`` adds the words starting with text's characters."""

    def __init__(self, freq: dict[str, int], total: int, dictionary_sha256: str,
                 blocks: "_Blocks | None" = None) -> None:
        self.freq = freq
        self.total = total
        self.dictionary_sha256 = dictionary_sha256  # of the dictionary file the words come from
        self._blocks = blocks
        self._covered: set[str] = set()
        self._lock = threading.Lock()

    @property
    def complete(self) -> bool:
        return self._blocks is None

    def cover(self, text: str) -> None:
        """Make sure every word whose first character occurs in ``text`` is in ``freq``."""
        if self._blocks is None:
            return
        missing = set(text).difference(self._covered)
        if missing:
            with self._lock:
                for char in missing.difference(self._covered):
                    self._blocks.add_to(self.freq, char)
                    self._covered.add(char)  # after the words: another thread may be reading freq


class _Blocks:
    """The cache file's words grouped by first character: an index and the raw blocks."""

    def __init__(self, chars: str, entry_offsets: array, byte_offsets: array, freqs: array, words: bytes) -> None:
        self._index = {char: i for i, char in enumerate(chars)}
        self._entry_offsets = entry_offsets
        self._byte_offsets = byte_offsets
        self._freqs = freqs
        self._words = words

    def add_to(self, freq: dict[str, int], char: str) -> None:
        i = self._index.get(char)
        if i is None:
            return
        words = self._words[self._byte_offsets[i]:self._byte_offsets[i + 1]].decode("utf-8").split("\n")
        freq.update(zip(words, self._freqs[self._entry_offsets[i]:self._entry_offsets[i + 1]]))


def cache_dir() -> Path:
    """The folder of filterkit's caches: ``$FILTERKIT_CACHE_DIR``, else the user's cache folder."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("filterkit", appauthor=False))


def load(jieba_module) -> FrequencyTable:
    """jieba's frequencies for its default dictionary: from the cache, else built (and cached where safe)."""
    dictionary = Path(jieba_module.__file__).with_name(jieba_module.DEFAULT_DICT_NAME)
    data = dictionary.read_bytes()
    info = dictionary.stat()
    key = {"format": _FORMAT, "jieba": jieba_module.__version__, "byteorder": sys.byteorder,
           "dict_size": len(data), "dict_mtime_ns": info.st_mtime_ns, "dict_sha256": hashlib.sha256(data).hexdigest()}
    folder = cache_dir() / "jieba"
    path = folder / f"dictionary-{jieba_module.__version__}.bin"
    if _safe_folder(folder):
        table = _read(path, key)
        if table is not None:
            return table
    freq, total = jieba_module.Tokenizer.gen_pfdict(io.BytesIO(data))
    if _make_safe_folder(folder):
        _write(path, key, freq, total)
    return FrequencyTable(freq, total, key["dict_sha256"])


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


def _read(path: Path, key: dict) -> FrequencyTable | None:
    """The cached table, or None when the file is missing, foreign, stale or damaged."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    with open(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not (stat.S_ISREG(info.st_mode) and _owned_and_private(info)):
            return None
        try:
            data = file.read()
            return _parse(data, key)
        except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError, IndexError):
            return None


def _parse(data: bytes, key: dict) -> FrequencyTable | None:
    if not data.startswith(_MAGIC):
        return None
    header_end = data.index(b"\n", len(_MAGIC))
    header = json.loads(data[len(_MAGIC):header_end])
    if not isinstance(header, dict) or any(header.get(name) != value for name, value in key.items()):
        return None
    n_chars, n_entries = header["chars"], header["entries"]
    view = memoryview(data)
    position = header_end + 1

    def take(size: int) -> memoryview:
        nonlocal position
        part = view[position:position + size]
        if len(part) != size:
            raise ValueError("truncated cache")
        position += size
        return part

    def int64s(count: int) -> array:
        numbers = array("q")
        numbers.frombytes(take(count * numbers.itemsize))
        return numbers

    chars = bytes(take(header["chars_bytes"])).decode("utf-8")
    entry_offsets, byte_offsets, freqs = int64s(n_chars + 1), int64s(n_chars + 1), int64s(n_entries)
    words = bytes(take(header["words_bytes"]))
    if (position != len(data) or len(chars) != n_chars or entry_offsets[-1] != n_entries
            or byte_offsets[-1] != len(words) or not isinstance(header["total"], int)):
        raise ValueError("inconsistent cache")
    return FrequencyTable({}, header["total"], key["dict_sha256"], _Blocks(chars, entry_offsets, byte_offsets, freqs, words))


def _write(path: Path, key: dict, freq: dict[str, int], total: int) -> None:
    """Cache the table; a folder that refuses the file only means building it again next time."""
    groups: dict[str, list[str]] = {}
    for word in freq:
        if word:
            groups.setdefault(word[0], []).append(word)
    chars = "".join(groups)
    entry_offsets, byte_offsets, freqs = array("q", [0]), array("q", [0]), array("q")
    blocks = []
    for words in groups.values():
        block = "\n".join(words).encode("utf-8")
        blocks.append(block)
        freqs.extend(freq[word] for word in words)
        entry_offsets.append(len(freqs))
        byte_offsets.append(byte_offsets[-1] + len(block))
    chars_bytes = chars.encode("utf-8")
    header = dict(key, total=total, chars=len(chars), entries=len(freqs),
                  chars_bytes=len(chars_bytes), words_bytes=byte_offsets[-1])
    try:
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".dictionary-", suffix=".tmp")
    except OSError:
        return
    try:
        with open(fd, "wb") as file:
            file.write(_MAGIC + json.dumps(header).encode("ascii") + b"\n" + chars_bytes)
            for numbers in (entry_offsets, byte_offsets, freqs):
                file.write(numbers.tobytes())
            for block in blocks:
                file.write(block)
        os.replace(temporary, path)
    except OSError:
        try:
            os.unlink(temporary)
        except OSError:
            pass
