"""The command's batch modes as a crawler runs them: folders, JSON Lines, workers that die, signals, bad streams."""
import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import PAGES
from training.corpus import read_page

PAGE = read_page(PAGES / "harbour-ferry.txt")
COMMAND = [sys.executable, "-m", "filterkit"]
ARTICLE = ("<html><body><h1>老城区夜市今晚重新开张</h1><p>经过三个月的整修，这座老夜市今晚重新开张，摊贩们在傍晚五点准时"
           "摆好摊位，游客络绎不绝。</p><p>市政府表示，整修工程更换了排水系统与照明，并把走道拓宽，让轮椅与婴儿车也能"
           "顺利通行。</p></body></html>")


def run(*args, data=b"", **kwargs):
    return subprocess.run([*COMMAND, *args], input=data, capture_output=True, timeout=180, **kwargs)


def records(n):
    return "".join(json.dumps({"n": i, "text": PAGE.text}) + "\n" for i in range(n)).encode()


def test_files_and_folders_give_one_line_each_in_order_and_an_unreadable_one_an_error(tmp_path):
    (tmp_path / "site" / "b").mkdir(parents=True)
    (tmp_path / "site" / "a.txt").write_text(PAGE.text, encoding="utf-8")
    (tmp_path / "site" / "b" / "c.html").write_bytes((PAGES / "night-market.html").read_bytes())
    (tmp_path / "site" / "b" / "d.txt").write_bytes(bytes(range(128, 256)) * 8)
    (tmp_path / "alone.txt").write_text(PAGE.text, encoding="utf-8")
    done = run("alone.txt", "site", "missing.txt", "--input-dir", "site/b", "--jobs", "2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["path"] for r in out] == ["alone.txt", "site/a.txt", "site/b/c.html", "site/b/d.txt", "missing.txt",
                                        "site/b/c.html", "site/b/d.txt"]  # the paths as the command line names them
    assert out[0]["main"] == out[1]["main"] == PAGE.gold and out[2]["lang"] == "en"
    assert "--encoding" in out[3]["error"] and "cannot read" in out[4]["error"]
    assert done.stderr == b""  # not a terminal: no progress bar, no summary


def test_output_dir_writes_a_text_file_per_page_at_the_same_relative_path(tmp_path):
    (tmp_path / "in" / "deep").mkdir(parents=True)
    (tmp_path / "in" / "deep" / "page.txt").write_text(PAGE.text, encoding="utf-8")
    done = run("--input-dir", str(tmp_path / "in"), "--output-dir", str(tmp_path / "out"))
    assert done.returncode == 0 and done.stdout == b"", done.stderr
    assert (tmp_path / "out" / "deep" / "page.txt.txt").read_text(encoding="utf-8") == PAGE.gold + "\n"


def test_jsonl_output_is_strict_utf8_json_whatever_the_input_holds():
    lines = [
        '{"text": "Harbour ferry news\\ud800 today", "odd": "\\udc00\\ud800", "pair": "\\ud83d\\ude00"}',
        '{"text": "x", "nan": NaN, "inf": Infinity, "big": 1e999, "ok": 1.5}',
        '{"deep": ' + "[" * 100000 + "]" * 100000 + ', "text": "x"}',
        '{"html_b64": "' + base64.b64encode(ARTICLE.encode("gb18030")).decode() + '"}',
        '{"html_b64": "%%%"}',
    ]
    done = run("--jsonl", "--jobs", "2", data=("\n".join(lines) + "\n").encode())
    assert done.returncode == 0, done.stderr
    out = done.stdout.decode("utf-8").splitlines()  # strict UTF-8
    parsed = [json.loads(line, parse_constant=lambda name: 1 / 0) for line in out]  # no NaN or Infinity
    assert len(parsed) == len(lines)
    assert parsed[0]["odd"] == "\ufffd\ufffd" and parsed[0]["pair"] == "😀" and "\ufffd" in parsed[0]["main"]
    assert parsed[1]["nan"] is None and parsed[1]["inf"] is None and parsed[1]["big"] is None and parsed[1]["ok"] == 1.5
    assert "nested too deeply" in parsed[2]["error"]
    assert "夜市今晚重新开张" in parsed[3]["main"] and parsed[3]["lang"] == "zh" and "base64" in parsed[4]["error"]


def _children(pid):
    found = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found.update(int(child) for child in (task / "children").read_text().split())
    return found


class _Run:
    """The command in a subprocess whose output is drained by a thread, so that a test can keep writing to it."""

    def __init__(self, *args):
        self.process = subprocess.Popen([*COMMAND, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE)
        self.out = bytearray()
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _drain(self):
        while chunk := self.process.stdout.read1(65536):
            self.out += chunk

    def lines(self, at_least, timeout=120):
        deadline = time.monotonic() + timeout
        while self.out.count(b"\n") < at_least and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.out.count(b"\n")

    def finish(self, timeout=180):
        self.process.wait(timeout)
        self.reader.join(10)
        return bytes(self.out), self.process.stderr.read()


def _workers(process, jobs):
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        workers = [pid for pid in _children(process.pid)
                   if b"multiprocessing" in Path(f"/proc/{pid}/cmdline").read_bytes()
                   and b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()]
        if len(workers) >= jobs:
            return workers
        time.sleep(0.2)
    raise AssertionError("the workers did not start")


def test_a_killed_worker_loses_no_record():
    run = _Run("--jsonl", "--jobs", "2", "--batch-size", "4")
    run.process.stdin.write(records(40))
    run.process.stdin.flush()
    os.kill(_workers(run.process, 2)[0], signal.SIGKILL)
    run.process.stdin.write(records(40))
    run.process.stdin.close()
    out, err = run.finish()
    assert run.process.returncode == 0, err
    lines = [json.loads(line) for line in out.decode().splitlines()]
    assert [r["n"] for r in lines] == list(range(40)) * 2
    assert all(r["main"] == PAGE.gold for r in lines)


def test_sigterm_stops_workers_and_leaves_complete_lines_only():
    run = _Run("--jsonl", "--jobs", "2", "--batch-size", "2")
    run.process.stdin.write(records(20))
    run.process.stdin.flush()
    assert run.lines(1) >= 1  # the run is under way, stdin still open
    workers = _workers(run.process, 2)
    run.process.send_signal(signal.SIGTERM)
    out, err = run.finish(timeout=30)
    assert run.process.returncode == 130 and b"Traceback" not in err, err
    lines = out.decode().splitlines(keepends=True)
    assert lines and all(line.endswith("\n") and json.loads(line)["main"] == PAGE.gold for line in lines)
    time.sleep(1)
    assert not [pid for pid in workers if Path(f"/proc/{pid}").exists()]


def test_output_and_input_streams_that_fail_are_one_line_errors(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(PAGE.text, encoding="utf-8")
    with open("/dev/full", "wb") as full:
        done = subprocess.run([*COMMAND, str(page)], stdout=full, stderr=subprocess.PIPE, timeout=120)
    assert done.returncode == 5 and done.stderr.decode().count("\n") == 1 and b"Traceback" not in done.stderr
    closed = subprocess.run(["bash", "-c", f"{' '.join(COMMAND)} {page} >&-"], capture_output=True, timeout=120)
    assert closed.returncode == 5 and b"Traceback" not in closed.stderr
    no_stdin = subprocess.run(["bash", "-c", f"{' '.join(COMMAND)} <&-"], capture_output=True, timeout=120)
    assert no_stdin.returncode == 0 and no_stdin.stderr == b""
    chinese = "市政府昨天召开会议，讨论明年的财政预算安排，各部门负责人出席了会议并发言。\n"
    ascii_locale = run(data=chinese.encode(), env={**os.environ, "LC_ALL": "C", "PYTHONIOENCODING": ""})
    assert ascii_locale.returncode == 0 and ascii_locale.stdout.decode("utf-8") == chinese


def test_a_page_over_its_time_limit_gets_an_error_and_the_rest_go_on(tmp_path):
    slow = "\n".join(f"Paragraph {i} of a long page about the harbour ferry timetable." for i in range(60000))
    lines = [json.dumps({"n": 0, "text": PAGE.text}), json.dumps({"n": 1, "text": slow}),
             json.dumps({"n": 2, "text": PAGE.text})]
    done = run("--jsonl", "--page-timeout", "0.5", data=("\n".join(lines) + "\n").encode())
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["n"] for r in out] == [0, 1, 2] and "time limit" in out[1]["error"]
    assert out[0]["main"] == out[2]["main"] == PAGE.gold


def _on_a_terminal(*args, data):
    """Run the command with stderr on a pseudo-terminal; returns (stdout, what the terminal showed)."""
    import pty

    controller, terminal = pty.openpty()
    process = subprocess.Popen([*COMMAND, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=terminal)
    os.close(terminal)
    shown = bytearray()
    reader = threading.Thread(target=lambda: _read_all(controller, shown), daemon=True)
    reader.start()
    out, _ = process.communicate(data, timeout=180)
    reader.join(10)
    return out, shown.decode("utf-8", "replace")


def _read_all(fd, into):
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            return
        if not chunk:
            return
        into += chunk


def test_a_terminal_shows_progress_and_a_summary_unless_quiet():
    out, shown = _on_a_terminal("--jsonl", "--batch-size", "2", data=records(6))
    assert len(out.splitlines()) == 6
    assert "pages/s" in shown and "6 pages in, 6 out, 0 skipped, 0 errors" in shown
    out, shown = _on_a_terminal("--jsonl", "--quiet", data=records(2))
    assert len(out.splitlines()) == 2 and shown == ""
