"""jieba's dictionary cache damaged or replaced by something else: every Chinese page is still cut as jieba
cuts it, the damage is said once on stderr, and the cache is rebuilt in its place where that can be done."""
from __future__ import annotations

import os
import stat
import threading

import jieba
import pytest

from filterkit import chinese_dictionary, tokens

SENTENCE = "南京市长江大桥在晨雾中显得格外安静。"
EXPECTED = ["南京市", "长江大桥", "在", "晨雾", "中", "显得", "格外", "安静"]


@pytest.fixture
def cache_file(cache):
    """The path of jieba's cache file, in a fresh cache folder (conftest's ``cache``)."""
    cache.mkdir(mode=0o700, parents=True)
    return chinese_dictionary.cache_path(jieba)


def cut_in_thread() -> list[str]:
    """The sentence's tokens, cut in a thread that must end within 60 s (a FIFO would block it for ever)."""
    result: list[list[str]] = []
    thread = threading.Thread(target=lambda: result.append(tokens.tokenize(SENTENCE)), daemon=True)
    thread.start()
    thread.join(60)
    assert result, "tokenizing hung"
    return result[0]


def deep_header(path):
    path.write_bytes(chinese_dictionary._MAGIC + b"[" * 100_000 + b"\n")


def garbage(path):
    path.write_bytes(b"not a cache\n" + os.urandom(1000))


def no_newline(path):
    path.write_bytes(chinese_dictionary._MAGIC + b"{" * 200_000)


def fifo(path):
    os.mkfifo(path, 0o600)


def empty_folder(path):
    path.mkdir(mode=0o700)


def link_to_dev_zero(path):
    path.symlink_to("/dev/zero")


def truncated(path):
    tokens.tokenize("中文")  # build a genuine cache, then cut it
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


@pytest.mark.parametrize("damage", [deep_header, garbage, no_newline, fifo, empty_folder, link_to_dev_zero, truncated])
def test_damaged_cache_is_rebuilt_with_one_warning(cache_file, capsys, damage):
    damage(cache_file)
    tokens._han_words.cache_clear()
    tokens._cut = None
    capsys.readouterr()
    assert cut_in_thread() == EXPECTED
    err = capsys.readouterr().err
    assert err.count("warning") == 1 and str(cache_file) in err and "rebuilt" in err, err
    assert stat.S_ISREG(os.lstat(cache_file).st_mode)
    tokens._han_words.cache_clear()
    tokens._cut = None
    assert cut_in_thread() == EXPECTED  # the next run reads the rebuilt cache without a word
    assert not chinese_dictionary.load(jieba).complete and capsys.readouterr().err == ""


def test_a_folder_that_cannot_be_removed_leaves_the_dictionary_in_memory(cache_file, capsys):
    cache_file.mkdir(mode=0o700)
    (cache_file / "something").write_text("kept")
    capsys.readouterr()
    assert cut_in_thread() == EXPECTED
    err = capsys.readouterr().err
    assert err.count("warning") == 1 and "in memory" in err
    assert (cache_file / "something").read_text() == "kept"
