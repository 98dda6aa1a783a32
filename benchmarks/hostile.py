"""Hostile input against the real ``filterkit`` command and its API (issue 14, must-hold 1).

Every case builds its input in a temp folder from text written here, runs
``python3 -m filterkit ...`` as a subprocess (cwd = this checkout) or a small API script,
and checks what a crawler relies on: no "Traceback" on stderr, the documented exit status
(README "Exit status"), one output line per input record in order for batch modes, strict
UTF-8 JSON (NaN and Infinity refused), and no file created by a malicious model's payload.
A case that fails is reported as FAIL in the table; this script never fixes filterkit.

    python3 -m benchmarks.hostile [--only NAME] [--table docs/hostile.md]
"""
from __future__ import annotations

import argparse
import base64
import codecs
import hashlib
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
COMMAND = [sys.executable, "-m", "filterkit"]
SHIPPED_TEXT_MODEL = ROOT / "filterkit" / "models" / "default" / "text"

# -- original pages (written for this script) ----------------------------------------------
EN_TEXT = "\n".join([
    "Riverside Gazette | Home | News | Sport | Weather",
    "Volunteers repaint the old footbridge over the mill stream",
    "A group of twenty volunteers spent the weekend scraping rust from the iron footbridge that crosses the mill "
    "stream behind the market square, and by Sunday evening the first coat of green paint was dry.",
    "The bridge was built in 1889 for workers walking to the paper mill, and the town council had planned to "
    "replace it with a concrete crossing until residents collected signatures to keep it.",
    "The council has now agreed to pay for the paint and the scaffolding if the volunteers finish the work "
    "before the autumn rains, and a local carpenter has offered to mend the wooden handrail for free.",
    "Share this story: Facebook | Twitter | Email",
    "© 2026 Riverside Gazette. All rights reserved.",
]) + "\n"
ZH_SENTENCE = "河边的老木桥上周末由二十多名志愿者重新刷漆"
ZH_TEXT = "\n".join([
    "首页 | 新闻 | 体育 | 天气",
    "志愿者为老木桥重新刷漆",
    ZH_SENTENCE + "，他们从早上七点一直忙到傍晚，把桥栏上的铁锈一点一点刮干净。",
    "这座桥建于上世纪三十年代，原本是工人去造纸厂上班的必经之路，镇政府曾计划拆掉它，改建一座水泥桥。",
    "居民们收集了上千个签名，希望保留这座桥。镇政府最后同意出钱买油漆和脚手架，只要志愿者在秋雨来临前完工。",
    "分享到：微信 | 微博 | 邮件",
    "版权所有 © 2026 河畔日报",
]) + "\n"
ZH_HTML = ("<!DOCTYPE html><html><head><meta charset=\"{charset}\"><title>志愿者为老木桥重新刷漆 - 河畔日报</title>"
           "</head><body><div class=\"nav\"><a href=\"/\">首页</a> | <a href=\"/news\">新闻</a></div>"
           "<h1>志愿者为老木桥重新刷漆</h1><p>" + ZH_SENTENCE + "，他们从早上七点一直忙到傍晚，把桥栏上的铁锈一点一点"
           "刮干净。</p><p>这座桥建于上世纪三十年代，原本是工人去造纸厂上班的必经之路，镇政府曾计划拆掉它。</p>"
           "<p>居民们收集了上千个签名，希望保留这座桥，镇政府最后同意出钱买油漆和脚手架。</p>"
           "<div class=\"footer\">版权所有 © 2026 河畔日报</div></body></html>")
BIG5_SENTENCE = "南港的老渡口今年春天重新開放"
BIG5_HTML = ("<html><head><title>老渡口重新開放 - 海灣週報</title></head><body><h1>老渡口重新開放</h1>"
             "<p>" + BIG5_SENTENCE + "，每天早上六點就有第一班小船載著上學的孩子和買菜的老人過河。</p>"
             "<p>船夫林伯伯已經在這條河上划了四十年的船，他說以前沒有橋的時候，整個村子的人都靠這幾艘船進城。</p>"
             "<p>鄉公所表示，渡口旁邊的舊倉庫將改成一間小小的展覽館，介紹渡船的歷史和附近村落的故事。</p>"
             "<p>週末的時候，許多遊客專程來搭船，碼頭邊的豆花攤生意也跟著好了起來。</p></body></html>")
SJIS_SENTENCE = "川沿いの古い木の橋が塗り直されました"
SJIS_HTML = ("<html><head><title>古い橋の塗り直し - 川辺新聞</title></head><body><h1>古い橋の塗り直し</h1>"
             "<p>先週末、" + SJIS_SENTENCE + "。二十人ほどのボランティアが朝七時から夕方まで作業を続けました。</p>"
             "<p>この橋は昭和の初めに製紙工場へ通う人々のために造られ、町は一度コンクリートの橋に架け替える計画を立てていました。"
             "</p><p>住民が千人以上の署名を集めたことで、町は塗料と足場の費用を負担することに決めました。</p>"
             "<p>秋の雨が始まる前に工事を終えることが条件で、地元の大工さんも手すりの修理を申し出ています。</p>"
             "</body></html>")
KR_SENTENCE = "강가의 오래된 나무 다리가 새로 칠해졌습니다"
KR_HTML = ("<html><head><title>오래된 다리 - 강변 신문</title></head><body><h1>오래된 다리를 다시 칠하다</h1>"
           "<p>지난 주말 " + KR_SENTENCE + ". 스무 명의 자원봉사자가 아침 일곱 시부터 저녁까지 일했습니다.</p>"
           "<p>이 다리는 제지 공장으로 출근하던 사람들을 위해 지어졌고, 군청은 한때 콘크리트 다리로 바꿀 계획이었습니다.</p>"
           "<p>주민들이 천 명이 넘는 서명을 모으자 군청은 페인트와 비계 비용을 내기로 했습니다.</p>"
           "<p>가을비가 오기 전에 공사를 마치는 것이 조건이며, 동네 목수도 난간 수리를 돕겠다고 했습니다.</p></body></html>")
EN_HTML = ("<html><head><title>Footbridge repainted - Riverside Gazette</title></head><body>"
           "<nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav><h1>Volunteers repaint the old footbridge</h1>"
           "<p>A group of twenty volunteers spent the weekend scraping rust from the iron footbridge that crosses the "
           "mill stream behind the market square.</p><p>The bridge was built in 1889 for workers walking to the paper "
           "mill, and the council had planned to replace it.</p><footer>© 2026 Riverside Gazette</footer></body></html>")


# -- running the command -------------------------------------------------------------------
@dataclass
class Done:
    status: int | None
    out: bytes
    err: bytes


def env(**changes: str | None) -> dict[str, str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    for key, value in changes.items():
        if value is None:
            environment.pop(key, None)
        else:
            environment[key] = value
    return environment


def cli(*args: str, data: bytes | None = b"", environment: dict | None = None, timeout: float = 90,
        stdout=subprocess.PIPE) -> Done:
    try:
        done = subprocess.run([*COMMAND, *args], input=data, stdout=stdout, stderr=subprocess.PIPE, cwd=ROOT,
                              env=environment or env(), timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        return Done(None, expired.stdout or b"", (expired.stderr or b"") + f"[timed out after {timeout} s]".encode())
    return Done(done.returncode, done.stdout or b"", done.stderr)


def _reset_peak_memory() -> None:
    """Reset this process's own peak RSS to its current RSS: Linux hands a child this process's peak at
    fork and exec (ru_maxrss), so a case that once made this script large would inflate every later figure."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:  # not Linux, or not allowed: the figures are upper bounds then
        pass


def measured(*args: str, data: bytes = b"", timeout: float = 240) -> tuple[Done, float]:
    """The command (one process: --jobs 1) and its peak resident memory in MB, from wait4's rusage."""
    _reset_peak_memory()
    process = subprocess.Popen([*COMMAND, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=ROOT, env=env())
    out, err = bytearray(), bytearray()

    def drain(stream, into: bytearray) -> None:
        while chunk := stream.read1(65536):
            into += chunk

    def feed() -> None:
        try:
            process.stdin.write(data)
            process.stdin.close()
        except OSError:
            pass

    threads = [threading.Thread(target=drain, args=(process.stdout, out), daemon=True),
               threading.Thread(target=drain, args=(process.stderr, err), daemon=True),
               threading.Thread(target=feed, daemon=True)]
    for thread in threads:
        thread.start()
    timer = threading.Timer(timeout, process.kill)
    timer.start()
    _, status, usage = os.wait4(process.pid, 0)
    timer.cancel()
    process.returncode = os.waitstatus_to_exitcode(status)
    for thread in threads[:2]:
        thread.join(10)
    if process.returncode == -signal.SIGKILL:
        err += f"[killed after {timeout} s]".encode()
    return Done(process.returncode, bytes(out), bytes(err)), usage.ru_maxrss / 1024


def shell(script: str, environment: dict | None = None, timeout: float = 90) -> Done:
    try:
        done = subprocess.run(["bash", "-c", script], capture_output=True, cwd=ROOT, env=environment or env(),
                              timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        return Done(None, expired.stdout or b"", (expired.stderr or b"") + f"[timed out after {timeout} s]".encode())
    return Done(done.returncode, done.stdout, done.stderr)


def api(code: str, timeout: float = 90) -> Done:
    """Run an API script in its own interpreter (so a hang or a crash is the case's, not ours)."""
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, cwd=ROOT, env=env(), timeout=timeout)
    except subprocess.TimeoutExpired as expired:
        return Done(None, expired.stdout or b"", (expired.stderr or b"") + f"[timed out after {timeout} s]".encode())
    return Done(done.returncode, done.stdout, done.stderr)


def quote(path: Path | str) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


# -- checks --------------------------------------------------------------------------------
class Checks:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.stderr = b""

    def note(self, text: str) -> None:
        """A measurement shown in the result column, pass or fail."""
        self.notes.append(text)

    def fail(self, problem: str) -> None:
        self.problems.append(problem)

    def run(self, done: Done, status: int | set[int], one_line_error: bool = False) -> None:
        """No traceback, the documented status, and (for an error status) exactly one line on stderr."""
        self.stderr += done.err
        statuses = {status} if isinstance(status, int) else status
        if b"Traceback" in done.err:
            self.fail("traceback on stderr")
        if done.status not in statuses:
            self.fail(f"exit {done.status}, expected {'/'.join(map(str, sorted(statuses)))}")
        if one_line_error and done.status not in (0, None, 130, 141):  # a signal's status needs no sentence
            lines = _without_usage(done.err).count(b"\n")
            if lines != 1:
                self.fail(f"stderr has {lines} lines, expected one sentence")

    def lines(self, out: bytes, count: int, order: list | None = None) -> list[dict]:
        """Strict UTF-8, strict JSON, ``count`` complete lines, and their "n" in ``order`` (default 0..count-1)."""
        try:
            text = out.decode("utf-8")
        except UnicodeDecodeError as error:
            self.fail(f"output is not UTF-8 ({error.reason} at byte {error.start})")
            text = out.decode("utf-8", "replace")
        if text and not text.endswith("\n"):
            self.fail("the last output line is incomplete")
        records = []
        for number, line in enumerate(text.splitlines()):
            try:
                records.append(json.loads(line, parse_constant=_refuse))
            except ValueError as error:
                self.fail(f"line {number + 1} is not strict JSON: {str(error)[:80]}")
                records.append({})
        if len(records) != count:
            self.fail(f"{len(records)} output lines for {count} records")
        expected = list(range(count)) if order is None else order
        got = [record.get("n") if isinstance(record, dict) else None for record in records]
        if len(records) == count and got != expected:
            wrong = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
            self.fail(f"records out of order or lost: line {wrong + 1} has n={got[wrong]}, expected {expected[wrong]}")
        return records

    def json_output(self, out: bytes) -> dict:
        records = self.lines(out, 1, order=[None])
        return records[0] if records else {}


def _without_usage(err: bytes) -> bytes:
    """stderr without argparse's usage synopsis, which precedes its one-line error for bad options."""
    if not err.startswith(b"usage: "):
        return err
    lines = err.splitlines(keepends=True)
    return b"".join(line for line in lines[1:] if not line.startswith(b" "))


def _refuse(name: str):
    raise ValueError(f"non-standard JSON constant {name}")


# -- the cases -----------------------------------------------------------------------------
@dataclass
class Case:
    name: str
    feeds: str
    expected: str
    run: Callable[[Path, Checks], None]
    result: str = ""
    passed: bool = False
    seconds: float = 0.0
    stderr: bytes = field(default=b"", repr=False)


CASES: list[Case] = []


def case(name: str, feeds: str, expected: str):
    def register(function: Callable[[Path, Checks], None]):
        CASES.append(Case(name, feeds, expected, function))
        return function
    return register


def record(n: int, **fields) -> str:
    return json.dumps({"n": n, **fields})


def jsonl(lines: list[str], end: str = "\n") -> bytes:
    return (end.join(lines) + end).encode("utf-8")


def batch(checks: Checks, lines: list[str], *args: str, timeout: float = 120, end: str = "\n",
          order: list | None = None) -> list[dict]:
    done = cli("--jsonl", *args, data=jsonl(lines, end), timeout=timeout)
    checks.run(done, 0)
    return checks.lines(done.out, len(lines), order)


def padded(lines: list[str], total: int, at: int) -> list[str]:
    """``total`` ordinary records with ``lines`` placed from index ``at`` on (renumbered in place)."""
    out = [record(i, text=EN_TEXT if i % 2 else ZH_TEXT) for i in range(total)]
    for offset, line in enumerate(lines):
        out[at + offset] = line
    return out


# JSON Lines -------------------------------------------------------------------------------
for jobs in ("1", "2"):
    def _surrogate_text(tmp: Path, checks: Checks, jobs=jobs) -> None:
        bad = [record(100 + i, text=EN_TEXT + text) for i, text in enumerate(["\ud800", "\udc00\ud800", "x\udfff"])]
        out = batch(checks, padded(bad, 300, 100), "--jobs", jobs)
        if len(out) == 300 and not all("main" in r or "error" in r for r in out):
            checks.fail("a record has neither main nor error")
    case(f"jsonl-surrogate-text-jobs{jobs}", f"300 records, 3 with lone/reversed surrogate escapes in text, --jobs {jobs}",
         "exit 0, 300 strict UTF-8 lines in order")(_surrogate_text)

    def _surrogate_field(tmp: Path, checks: Checks, jobs=jobs) -> None:
        bad = [record(50, text=EN_TEXT, odd="\ud800", rev="\udc00\ud800", nested={"k": ["\udbff"]})]
        out = batch(checks, padded(bad, 300, 50), "--jobs", jobs)
        if len(out) == 300 and out[50].get("odd") != "\ufffd":
            checks.fail(f"pass-through lone surrogate came out as {out[50].get('odd')!r}")
    case(f"jsonl-surrogate-field-jobs{jobs}", f"300 records, one with lone surrogates in pass-through fields, --jobs {jobs}",
         "exit 0, 300 lines, field as U+FFFD, output strict UTF-8")(_surrogate_field)

    def _deep(tmp: Path, checks: Checks, jobs=jobs) -> None:
        deep = '{"n": 64, "deep": ' + "[" * 100_000 + "]" * 100_000 + ', "text": "x"}'
        out = batch(checks, padded([deep], 300, 64), "--jobs", jobs, order=[*range(64), None, *range(65, 300)])
        if len(out) == 300 and "error" not in out[64]:
            checks.fail("the deep record has no error")
    case(f"jsonl-deep-100000-jobs{jobs}", f"300 records, one with a field nested 100,000 arrays deep, --jobs {jobs}",
         "exit 0, 300 lines in order (that one with error)")(_deep)


@case("jsonl-nonfinite", "NaN, Infinity, -Infinity, 1e999, -1e999 in pass-through fields",
      "exit 0, strict JSON (null), 3 lines")
def _nonfinite(tmp: Path, checks: Checks) -> None:
    lines = ['{"n": 0, "text": "a", "x": NaN, "y": Infinity, "z": -Infinity}',
             '{"n": 1, "text": "b", "big": 1e999, "small": -1e999, "deep": [[NaN]]}',
             '{"n": 2, "text": "c", "ok": 1.5}']
    out = batch(checks, lines)
    if len(out) == 3 and out[2].get("ok") != 1.5:
        checks.fail("a finite number changed")


@case("jsonl-non-object-lines", "JSON lines that are an array, string, number, null, true",
      "exit 0, one error line each")
def _non_object(tmp: Path, checks: Checks) -> None:
    done = cli("--jsonl", data=b'[1, 2]\n"a string"\n42\nnull\ntrue\n' + jsonl([record(5, text=EN_TEXT)]))
    checks.run(done, 0)
    out = checks.lines(done.out, 6, order=[None] * 5 + [5])
    if len(out) == 6 and not all("error" in r for r in out[:5]):
        checks.fail("a non-object line has no error")


@case("jsonl-empty-lines", "records with empty and whitespace-only lines between them",
      "exit 0, one line per input line")
def _empty_lines(tmp: Path, checks: Checks) -> None:
    data = jsonl([record(0, text=EN_TEXT)]) + b"\n   \n" + jsonl([record(3, text=EN_TEXT)])
    done = cli("--jsonl", data=data)
    checks.run(done, 0)
    checks.lines(done.out, 4, order=[0, None, None, 3])


@case("jsonl-invalid-utf8", "a record line holding raw bytes 0xff 0xfe 0x80 and a truncated UTF-8 sequence",
      "exit 0, 3 strict UTF-8 lines")
def _invalid_utf8(tmp: Path, checks: Checks) -> None:
    data = (jsonl([record(0, text=EN_TEXT)]) + b'{"n": 1, "text": "bad \xff\xfe\x80 bytes \xe6\xb2"}\n'
            + b'{"n": 2, "text": "ok", "f": "\xc3"}\n')
    done = cli("--jsonl", data=data)
    checks.run(done, 0)
    checks.lines(done.out, 3)


@case("jsonl-html-b64-garbage", "html_b64 of '%%%', a number, null, a list, base64 of PNG bytes, an empty string",
      "exit 0, 6 lines in order")
def _b64(tmp: Path, checks: Checks) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4).decode()
    lines = [record(0, html_b64="%%%"), record(1, html_b64=5), record(2, html_b64=None), record(3, html_b64=[1]),
             record(4, html_b64=png), record(5, html_b64="")]
    batch(checks, lines)


@case("jsonl-wrong-types", "encoding and content_type as number, list, object, bool; encoding 'base64'; "
      "content_type charset=rot13", "exit 0, 8 lines in order")
def _wrong_types(tmp: Path, checks: Checks) -> None:
    html = base64.b64encode(EN_HTML.encode()).decode()
    lines = [record(0, html_b64=html, encoding=5), record(1, html_b64=html, encoding=["utf-8"]),
             record(2, html_b64=html, content_type={"a": 1}), record(3, html_b64=html, content_type=True),
             record(4, html_b64=html, encoding="base64"), record(5, html_b64=html, encoding="rot13"),
             record(6, html_b64=html, content_type="text/html; charset=rot13"), record(7, text=EN_TEXT, encoding=7)]
    batch(checks, lines)


@case("jsonl-5mb-record", "a 5 MB text record between two small ones", "exit 0, 3 lines")
def _five_mb(tmp: Path, checks: Checks) -> None:
    big = EN_TEXT * (5 * 1024 * 1024 // len(EN_TEXT))
    batch(checks, [record(0, text=EN_TEXT), record(1, text=big), record(2, text=ZH_TEXT)], timeout=240)


@case("jsonl-crlf", "50 records with CRLF line ends", "exit 0, 50 lines")
def _crlf(tmp: Path, checks: Checks) -> None:
    batch(checks, [record(i, text=EN_TEXT) for i in range(50)], end="\r\n")


@case("jsonl-no-trailing-newline", "3 records, the last without a newline", "exit 0, 3 lines")
def _no_newline(tmp: Path, checks: Checks) -> None:
    done = cli("--jsonl", data=jsonl([record(i, text=EN_TEXT) for i in range(3)]).rstrip(b"\n"))
    checks.run(done, 0)
    checks.lines(done.out, 3)


# Workers ----------------------------------------------------------------------------------
class Running:
    """The command with its stdin fed and its stdout drained by threads."""

    def __init__(self, args: list[str], data: bytes, close_stdin: bool = True):
        self.process = subprocess.Popen([*COMMAND, *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, cwd=ROOT, env=env())
        self.out = bytearray()
        threading.Thread(target=self._feed, args=(data, close_stdin), daemon=True).start()
        self.reader = threading.Thread(target=self._drain, daemon=True)
        self.reader.start()

    def _feed(self, data: bytes, close: bool) -> None:
        try:
            self.process.stdin.write(data)
            self.process.stdin.flush()
            if close:
                self.process.stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass

    def _drain(self) -> None:
        while chunk := self.process.stdout.read1(65536):
            self.out += chunk

    def wait_lines(self, count: int, timeout: float = 120) -> int:
        deadline = time.monotonic() + timeout
        while self.out.count(b"\n") < count and time.monotonic() < deadline and self.process.poll() is None:
            time.sleep(0.05)
        return self.out.count(b"\n")

    def finish(self, timeout: float) -> Done:
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return Done(None, bytes(self.out), self.process.stderr.read() + b"[timed out]")
        finally:
            try:
                self.process.stdin.close()
            except OSError:
                pass
        self.reader.join(10)
        return Done(self.process.returncode, bytes(self.out), self.process.stderr.read())


def children(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            found.update(int(child) for child in (task / "children").read_text().split())
    except OSError:
        pass
    return found


def workers(pid: int, count: int, timeout: float = 60) -> list[int]:
    deadline = time.monotonic() + timeout
    found: list[int] = []
    while time.monotonic() < deadline:
        found = []
        for child in children(pid):
            try:
                cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
            except OSError:
                continue
            if b"resource_tracker" not in cmdline:
                found.append(child)
        if len(found) >= count:
            break
        time.sleep(0.1)
    return found


def many_records(count: int) -> bytes:
    return jsonl([record(i, text=EN_TEXT if i % 3 else ZH_TEXT) for i in range(count)])


@case("workers-sigkill-one-of-4", "--jobs 4 on 2,000 records, one worker SIGKILLed mid-run",
      "exit 0, 2,000 lines in order (the killed worker's record may carry error)")
def _kill_worker(tmp: Path, checks: Checks) -> None:
    running = Running(["--jsonl", "--jobs", "4", "--batch-size", "8"], many_records(2000))
    running.wait_lines(40)
    found = workers(running.process.pid, 4)
    if not found:
        checks.fail("no worker process found")
    elif running.process.poll() is None:
        os.kill(found[0], signal.SIGKILL)
        if running.out.count(b"\n") >= 2000:
            checks.fail("the run had finished before the kill")
    done = running.finish(240)
    checks.run(done, 0)
    checks.lines(done.out, 2000)


for signal_name, signal_number in (("sigterm", signal.SIGTERM), ("sigint", signal.SIGINT)):
    def _stop(tmp: Path, checks: Checks, signal_number=signal_number) -> None:
        running = Running(["--jsonl", "--jobs", "2", "--batch-size", "4"], many_records(2000), close_stdin=False)
        if running.wait_lines(20) < 1:
            checks.fail("no output before the signal")
        found = workers(running.process.pid, 2)
        running.process.send_signal(signal_number)
        done = running.finish(30)
        checks.run(done, 130)
        text = done.out.decode("utf-8", "replace")
        if text and not text.endswith("\n"):
            checks.fail("an incomplete last line")
        for number, line in enumerate(text.splitlines()):
            try:
                if json.loads(line, parse_constant=_refuse).get("n") != number:
                    checks.fail(f"line {number + 1} out of order")
                    break
            except ValueError:
                checks.fail(f"line {number + 1} is not complete JSON")
                break
        time.sleep(5)
        alive = [pid for pid in found if Path(f"/proc/{pid}").exists()]
        if alive:
            checks.fail(f"{len(alive)} worker(s) still alive 5 s later")
            for pid in alive:
                os.kill(pid, signal.SIGKILL)
    case(f"workers-{signal_name}-main", f"--jobs 2 streaming 2,000 records, {signal_name.upper()} to the main process",
         "exit 130, complete lines only in order, no worker alive 5 s later")(_stop)


# Charsets ---------------------------------------------------------------------------------
def page_json(checks: Checks, tmp: Path, data: bytes, *args: str, name: str = "page.html",
              status: int | set[int] = 0) -> dict:
    path = tmp / name
    path.write_bytes(data)
    done = cli("--json", *args, str(path))
    checks.run(done, status, one_line_error=True)
    return checks.json_output(done.out) if done.status == 0 else {}


def all_text(result: dict) -> str:
    return "\n".join(paragraph.get("text", "") for paragraph in result.get("paragraphs", []))


for label in ("base64", "rot13", "hex", "zlib", "bz2", "uu", "undefined", "unicode_escape", "quopri"):
    def _codec(tmp: Path, checks: Checks, label=label) -> None:
        result = page_json(checks, tmp, ZH_HTML.format(charset=label).encode("utf-8"))
        if result and ZH_SENTENCE not in all_text(result):
            checks.fail(f"page not read as UTF-8 (encoding {result.get('encoding')!r})")
    case(f"charset-meta-{label}", f"a UTF-8 Chinese page declaring <meta charset={label}> (a Python codec, not a web "
         "encoding)", "exit 0, the label ignored: read as UTF-8")(_codec)

for label, note in (("x-user-defined", "a WHATWG encoding"), ("iso-2022-kr", "a WHATWG 'replacement' label"),
                    ("hz-gb-2312", "a WHATWG 'replacement' label")):
    def _web(tmp: Path, checks: Checks, label=label) -> None:
        page_json(checks, tmp, ZH_HTML.format(charset=label).encode("utf-8"), status={0, 3})
    case(f"charset-meta-{label}", f"a UTF-8 Chinese page declaring <meta charset={label}> ({note})",
         "exit 0 (or 3 with one sentence), no traceback")(_web)

for label in ("base64", "rot13", "undefined", "unicode_escape"):
    def _option(tmp: Path, checks: Checks, label=label) -> None:
        done = cli("--encoding", label, data=ZH_TEXT.encode())
        checks.run(done, 2, one_line_error=True)
    case(f"encoding-option-{label}", f"--encoding {label}", "exit 2, one error line (after argparse's usage synopsis)")(_option)

for name, html, encoding, sentence in (("big5", BIG5_HTML, "big5", BIG5_SENTENCE),
                                       ("shift_jis", SJIS_HTML, "shift_jis", SJIS_SENTENCE),
                                       ("euc-kr", KR_HTML, "euc-kr", KR_SENTENCE),
                                       ("utf-16le-no-bom", ZH_HTML.replace('<meta charset="{charset}">', ""),
                                        "utf-16-le", ZH_SENTENCE)):
    def _undeclared(tmp: Path, checks: Checks, html=html, encoding=encoding, sentence=sentence) -> None:
        result = page_json(checks, tmp, html.encode(encoding))
        if result and sentence not in all_text(result):
            checks.fail(f"misread as {result.get('encoding')!r}")
    case(f"charset-undeclared-{name}", f"an HTML page in {encoding} with no declaration, no BOM",
         "exit 0, the page's sentence decoded right")(_undeclared)


@case("charset-mostly-utf8", "a UTF-8 Chinese page without declaration holding 3 bad bytes",
      "exit 0, read as UTF-8 with U+FFFD (not cp1250 mojibake)")
def _mostly_utf8(tmp: Path, checks: Checks) -> None:
    html = ZH_HTML.replace('<meta charset="{charset}">', "").encode("utf-8").replace(b"<h1>", b"<h1>\xff\xfe\x80")
    result = page_json(checks, tmp, html)
    text = all_text(result)
    if result and (ZH_SENTENCE not in text or "\ufffd" not in text):
        checks.fail(f"read as {result.get('encoding')!r}: {text[:40]!r}")


# Streams ----------------------------------------------------------------------------------
@case("stream-dev-full", "a page, stdout to /dev/full", "exit 5, one sentence")
def _dev_full(tmp: Path, checks: Checks) -> None:
    with open("/dev/full", "wb") as full:
        checks.run(cli(data=EN_TEXT.encode(), stdout=full), 5, one_line_error=True)


@case("stream-dev-full-jsonl", "200 records, --jsonl --jobs 2, stdout to /dev/full", "exit 5, one sentence")
def _dev_full_batch(tmp: Path, checks: Checks) -> None:
    with open("/dev/full", "wb") as full:
        checks.run(cli("--jsonl", "--jobs", "2", data=many_records(200), stdout=full), 5, one_line_error=True)


@case("stream-stdout-closed", "a page, stdout closed (>&-)", "exit 5, one sentence")
def _stdout_closed(tmp: Path, checks: Checks) -> None:
    page = tmp / "page.txt"
    page.write_text(EN_TEXT, encoding="utf-8")
    checks.run(shell(f"{' '.join(COMMAND)} {quote(page)} >&-"), 5, one_line_error=True)


@case("stream-stdin-closed", "no input, stdin closed (<&-)", "exit 0, nothing written")
def _stdin_closed(tmp: Path, checks: Checks) -> None:
    done = shell(f"{' '.join(COMMAND)} <&-")
    checks.run(done, 0)
    if done.out:
        checks.fail("output for no input")


@case("stream-jsonl-stdin-closed", "--jsonl, stdin closed (<&-)", "exit 0 (no input) or 3 (one sentence), no lines")
def _jsonl_stdin_closed(tmp: Path, checks: Checks) -> None:
    done = shell(f"{' '.join(COMMAND)} --jsonl <&-")
    checks.run(done, {0, 3}, one_line_error=True)
    checks.lines(done.out, 0)


@case("stream-lc-all-c", "a Chinese page with LC_ALL=C (ASCII locale), text and --jsonl",
      "exit 0, UTF-8 Chinese output")
def _ascii_locale(tmp: Path, checks: Checks) -> None:
    ascii_env = env(LC_ALL="C", LANG="C", PYTHONIOENCODING=None, PYTHONUTF8="0")
    done = cli(data=ZH_TEXT.encode(), environment=ascii_env)
    checks.run(done, 0)
    if ZH_SENTENCE not in done.out.decode("utf-8", "replace"):
        checks.fail("the Chinese sentence is not in the output")
    done = cli("--jsonl", data=jsonl([record(0, text=ZH_TEXT)]), environment=ascii_env)
    checks.run(done, 0)
    out = checks.lines(done.out, 1)
    if out and ZH_SENTENCE not in out[0].get("main", ""):
        checks.fail("the Chinese sentence is not in the JSON output")


@case("stream-head-c-10", "--jsonl of 2,000 records piped to head -c 10", "exit 141 or 0, no traceback")
def _head(tmp: Path, checks: Checks) -> None:
    head = subprocess.Popen(["head", "-c", "10"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        done = subprocess.run([*COMMAND, "--jsonl"], input=many_records(2000), stdout=head.stdin,
                              stderr=subprocess.PIPE, cwd=ROOT, env=env(), timeout=120)
        result = Done(done.returncode, b"", done.stderr)
    except subprocess.TimeoutExpired as expired:
        result = Done(None, b"", (expired.stderr or b"") + b"[timed out]")
    finally:
        head.stdin.close()
        head.wait(10)
    checks.run(result, {0, 141}, one_line_error=True)


# Models -----------------------------------------------------------------------------------
def shipped_meta() -> dict:
    return json.loads((SHIPPED_TEXT_MODEL / "meta.json").read_text(encoding="utf-8"))


def model_dir(tmp: Path, meta, weights: bytes | None = None, name: str = "model",
              weights_file: str = "model.joblib") -> Path:
    """A model directory: the shipped text model's arrays, or ``weights`` (by default as a filterkit 0.2 pickle)."""
    directory = tmp / name
    directory.mkdir(parents=True)
    if weights is None:
        shutil.copy(SHIPPED_TEXT_MODEL / "model.npz", directory / "model.npz")
    else:
        (directory / weights_file).write_bytes(weights)
    (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return directory


def _with(meta: dict, **changes) -> dict:
    changed = dict(meta)
    for key, value in changes.items():
        if value is None:
            changed.pop(key, None)
        else:
            changed[key] = value
    return changed


MODEL_METAS = {
    "list": lambda: [],
    "null": lambda: None,
    "string": lambda: "text",
    "number": lambda: 42,
    "versions-number": lambda: _with(shipped_meta(), versions=1.0),
    "versions-list": lambda: _with(shipped_meta(), versions=["1.5"]),
    "empty-object": lambda: {},
    "no-sha256": lambda: _with(shipped_meta(), sha256=None),
    "track-list": lambda: _with(shipped_meta(), track=["text"]),
    "sha256-number": lambda: _with(shipped_meta(), sha256=0),
    "not-json": lambda: "{this is not json",
}
for kind, make in MODEL_METAS.items():
    def _meta(tmp: Path, checks: Checks, make=make, kind=kind) -> None:
        meta = make()
        directory = model_dir(tmp, meta)
        if kind == "not-json":
            (directory / "meta.json").write_text(meta, encoding="utf-8")
        checks.run(cli("--model", str(directory), data=EN_TEXT.encode()), 4, one_line_error=True)
    case(f"model-meta-{kind}", f"--model DIR whose meta.json is {kind.replace('-', ' ')}",
         "exit 4, one sentence")(_meta)


@case("model-empty-name", "--model ''", "exit 2, one error line (after argparse's usage synopsis)")
def _model_empty(tmp: Path, checks: Checks) -> None:
    checks.run(cli("--model", "", data=EN_TEXT.encode()), 2, one_line_error=True)


class _Payload:
    """A pickle that runs a shell command when loaded."""

    def __init__(self, command: str):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def malicious_model(tmp: Path, layout: str = "single") -> Path:
    weights = pickle.dumps(_Payload(f"touch {quote(tmp.parent / 'pwned')}"))
    meta = _with(shipped_meta(), sha256=hashlib.sha256(weights).hexdigest())
    if layout == "single":
        return model_dir(tmp, meta, weights, "evil")
    model_dir(tmp, meta, weights, "evil-set/text")
    html_meta = dict(meta, track="html", feature_set_version=json.loads(
        (SHIPPED_TEXT_MODEL.parent / "html" / "meta.json").read_text())["feature_set_version"])
    model_dir(tmp, html_meta, weights, "evil-set/html")
    return tmp / "evil-set"


@case("model-pickle-payload-cli", "--model DIR: model.joblib a pickle running `touch pwned`, meta.json sha256 "
      "matching", "exit 4, one sentence, no pwned file")
def _evil_cli(tmp: Path, checks: Checks) -> None:
    checks.run(cli("--model", str(malicious_model(tmp)), data=EN_TEXT.encode()), 4, one_line_error=True)


@case("model-pickle-payload-set-jobs2", "--model SET (text/ and html/ payload pickles), --jsonl --jobs 2, 20 records",
      "exit 4, one sentence, no pwned file")
def _evil_jobs(tmp: Path, checks: Checks) -> None:
    checks.run(cli("--model", str(malicious_model(tmp, "set")), "--jsonl", "--jobs", "2", data=many_records(20)),
               4, one_line_error=True)


@case("model-pickle-payload-api", "ContentFilter(model=DIR).filter(page) with the payload model",
      "a ModelError (FilterkitError), no pwned file")
def _evil_api(tmp: Path, checks: Checks) -> None:
    directory = malicious_model(tmp)
    done = api("from filterkit import ContentFilter, ModelError\n"
               f"try:\n    ContentFilter(model={str(directory)!r}).filter({EN_TEXT!r})\n"
               "except ModelError as error:\n    print('refused:', error)\nelse:\n    print('LOADED')\n")
    checks.run(done, 0)
    if b"refused:" not in done.out:
        checks.fail(f"not refused with a ModelError: {done.out[:200]!r}")


@case("model-npz-object-array-trusted", "--model DIR --trust-model: model.npz whose idf array is a pickled object "
      "running `touch pwned`, meta.json sha256 matching", "exit 4, one sentence, no pwned file")
def _evil_arrays(tmp: Path, checks: Checks) -> None:
    import io

    import numpy as np

    with np.load(SHIPPED_TEXT_MODEL / "model.npz") as stored:
        arrays = dict(stored)
    arrays["idf"] = np.array([_Payload(f"touch {quote(tmp.parent / 'pwned')}")], dtype=object)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    weights = buffer.getvalue()
    directory = model_dir(tmp, _with(shipped_meta(), sha256=hashlib.sha256(weights).hexdigest()), weights,
                          "evil-arrays", "model.npz")
    checks.run(cli("--model", str(directory), "--trust-model", data=EN_TEXT.encode()), 4, one_line_error=True)


# Size and shape ---------------------------------------------------------------------------
def single(checks: Checks, tmp: Path, data: bytes, status: int | set[int] = 0, timeout: float = 90,
           name: str = "page", *args: str) -> Done:
    path = tmp / name
    path.write_bytes(data)
    done = cli(*args, str(path), timeout=timeout)
    checks.run(done, status, one_line_error=True)
    return done


@case("shape-empty", "an empty page on stdin, and an empty --jsonl stream", "exit 0, empty output, no lines")
def _empty(tmp: Path, checks: Checks) -> None:
    done = cli(data=b"")
    checks.run(done, 0)
    if done.out:
        checks.fail("output for an empty page")
    done = cli("--jsonl", data=b"")
    checks.run(done, 0)
    checks.lines(done.out, 0)


@case("shape-1mb-nul", "1 MB of NUL bytes as a page", "exit 0 or 3 (one sentence)")
def _nul(tmp: Path, checks: Checks) -> None:
    single(checks, tmp, b"\0" * (1024 * 1024), {0, 3})


@case("shape-10000-deep-divs", "10,000 nested <div>s around a paragraph", "exit 0")
def _deep_divs(tmp: Path, checks: Checks) -> None:
    single(checks, tmp, ("<html><body>" + "<div>" * 10000 + "<p>" + EN_TEXT + "</p>" + "</div>" * 10000
                         + "</body></html>").encode(), name="deep.html")


@case("shape-only-scripts", "an HTML page of 200 <script>s and nothing else", "exit 0, empty main")
def _scripts(tmp: Path, checks: Checks) -> None:
    single(checks, tmp, ("<html><head>" + "<script>var a = '<p>not text</p>'; if (a < 3) {}</script>" * 200
                         + "</head><body></body></html>").encode(), name="scripts.html")


@case("shape-truncated-html", "an HTML page cut mid-tag and mid-attribute", "exit 0")
def _truncated(tmp: Path, checks: Checks) -> None:
    single(checks, tmp, EN_HTML.encode()[:len(EN_HTML) // 2] + b'<p class="x', name="cut.html")


@case("shape-png", "a PNG header and binary bytes as a page", "exit 0 or 3 (one sentence)")
def _png(tmp: Path, checks: Checks) -> None:
    single(checks, tmp, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + bytes(range(256)) * 64, {0, 3}, name="image.png")


@case("shape-1m-nested-divs", "1,000,000 nested <div>s (11 MB)", "exit 0 in < 30 s")
def _million_divs(tmp: Path, checks: Checks) -> None:
    started = time.monotonic()
    single(checks, tmp, ("<html><body>" + "<div>" * 1_000_000 + "<p>" + EN_TEXT + "</p>" + "</div>" * 1_000_000
                         + "</body></html>").encode(), timeout=30, name="divs.html")
    if time.monotonic() - started > 30:
        checks.fail("slower than 30 s")


@case("shape-1m-attributes", "one element with 1,000,000 attributes", "exit 0 in < 30 s")
def _million_attributes(tmp: Path, checks: Checks) -> None:
    attributes = " ".join(f"a{i}=\"{i}\"" for i in range(1_000_000))
    single(checks, tmp, f"<html><body><div {attributes}><p>{EN_TEXT}</p></div></body></html>".encode(),
           timeout=30, name="attributes.html")


MODEL_MB = 400  # the models and the interpreter, issue 14's allowance


def peak_within(checks: Checks, peak: float, limit: float) -> None:
    checks.note(f"peak {peak:.0f} MB")
    if peak > limit:
        checks.fail(f"over the {limit:.0f} MB bound")


@case("shape-50mb-line", "one 50 MB JSON Lines record, --max-page-bytes default",
      "exit 0, one line, truncated: true; peak ≤ 50 MB read + 10 × 20 MiB cap + 400 MB")
def _fifty_mb(tmp: Path, checks: Checks) -> None:
    big = EN_TEXT * (50 * 1024 * 1024 // len(EN_TEXT))
    done, peak = measured("--jsonl", data=jsonl([record(0, text=big)]), timeout=300)
    checks.run(done, 0)
    out = checks.lines(done.out, 1)
    if out and out[0].get("truncated") is not True:
        checks.fail(f"not marked truncated: {sorted(out[0])}")
    peak_within(checks, peak, 50 + 10 * 20 + MODEL_MB)


@case("memory-64-records-1mb", "64 JSON Lines records of 1 MB each (one batch)",
      "exit 0, 64 lines; peak ≤ 10 × 64 MB + 400 MB")
def _batch_memory(tmp: Path, checks: Checks) -> None:
    page = EN_TEXT * (1024 * 1024 // len(EN_TEXT))
    done, peak = measured("--jsonl", data=jsonl([record(i, text=page) for i in range(64)]), timeout=300)
    checks.run(done, 0)
    checks.lines(done.out, 64)
    peak_within(checks, peak, 10 * 64 + MODEL_MB)


@case("memory-20mb-text-node", "an HTML page whose one <p> holds 20 MB of text",
      "exit 0; peak ≤ 10 × 20 MB + 400 MB")
def _text_node(tmp: Path, checks: Checks) -> None:
    words = EN_TEXT.replace("\n", " ")
    html = "<html><body><h1>Footbridge</h1><p>" + words * (20 * 1024 * 1024 // len(words)) + "</p></body></html>"
    path = tmp / "node.html"
    path.write_text(html, encoding="utf-8")
    done, peak = measured(str(path), timeout=300)
    checks.run(done, 0, one_line_error=True)
    peak_within(checks, peak, 10 * 20 + MODEL_MB)


@case("memory-256mb-nul", "256 MB of NUL bytes as one page (cut to the 20 MiB default)",
      "exit 0 or 3; peak ≤ 256 MB read + 10 × 20 MiB + 400 MB")
def _nul_memory(tmp: Path, checks: Checks) -> None:
    path = tmp / "zeros.bin"
    with open(path, "wb") as stream:
        stream.truncate(256 * 1024 * 1024)
    done, peak = measured(str(path), timeout=300)
    checks.run(done, {0, 3}, one_line_error=True)
    peak_within(checks, peak, 256 + 10 * 20 + MODEL_MB)


def truncated_warc(tmp: Path, sniffed: bool | None) -> tuple[Path, list[str]]:
    """A gzip crawl (warcio, as tests/archive_fixtures.py) cut in its last record, and the URLs of the pages
    before the cut. ``sniffed``: pick a build whose first 64 bytes filterkit's archive sniffer does (True) or
    does not (False) recognise; each build differs (record ids), and so does their compressed head."""
    sys.path.insert(0, str(ROOT / "tests"))
    from archive_fixtures import build, truncate_last

    from filterkit.archives import looks_like_warc

    for _ in range(50):
        data, expected = build(gzip=True)
        if sniffed is None or looks_like_warc(data[:64]) == sniffed:
            break
    path = tmp / "crawl.warc.gz"
    path.write_bytes(truncate_last(data, gzip=True))
    return path, [item.url for item in expected if item.skip is None][:-1]  # the last page is the one cut


def warc_lines(checks: Checks, done: Done, urls: list[str]) -> None:
    checks.run(done, 3)
    error_lines(checks, done, 1)  # the archive's skipped records are said on another line
    got = [record.get("url") for record in checks.lines(done.out, len(urls), order=[None] * len(urls))]
    if got != urls and len(got) == len(urls):
        checks.fail(f"records {got} instead of {urls}")


@case("shape-warc-truncated", "a gzip WARC crawl (warcio) cut in its last record, --format warc",
      "exit 3, the 7 pages before the cut written in order, one error line")
def _warc(tmp: Path, checks: Checks) -> None:
    path, urls = truncated_warc(tmp, None)
    warc_lines(checks, cli("--format", "warc", str(path)), urls)


@case("shape-warc-truncated-auto", "the same cut crawl as the only PATH, no --format (detected by content), a build "
      "whose first 64 bytes inflate to fewer than 8", "exit 3, the 7 pages before the cut written in order")
def _warc_auto(tmp: Path, checks: Checks) -> None:
    path, urls = truncated_warc(tmp, False)
    warc_lines(checks, cli(str(path)), urls)


# Batch input: stdin, pipes, FIFOs (issue 20, point 5) -----------------------------------------
def error_lines(checks: Checks, done: Done, count: int) -> None:
    """Exactly ``count`` error lines on stderr (notes about skipped input are other lines)."""
    found = sum(line.startswith(b"filterkit: error:") for line in done.err.splitlines())
    if found != count:
        checks.fail(f"{found} error lines on stderr, expected {count}")


def fixtures():
    sys.path.insert(0, str(ROOT / "tests"))
    import archive_fixtures

    return archive_fixtures


def crawl(gzip: bool = True, version: str = "1.1") -> tuple[bytes, list[str]]:
    """A crawl of pages among the odd records (tests/archive_fixtures.py), and the URLs of its page records."""
    data, expected = fixtures().build(gzip=gzip, version=version)
    return data, [item.url for item in expected if item.skip is None]


def urls_of(checks: Checks, done: Done, urls: list[str], what: str) -> list[dict]:
    out = checks.lines(done.out, len(urls), order=[None] * len(urls))
    got = [record.get("url") for record in out]
    if len(got) == len(urls) and got != urls:
        checks.fail(f"{what}: records {got[:3]}... instead of {urls[:3]}...")
    if not all("main" in record or "error" in record for record in out):
        checks.fail(f"{what}: a record has neither main nor error")
    return out


@case("stdin-archive", "WARC crawls (gzip and plain, WARC/1.0 and 1.1) on stdin: sniffed, --format warc, "
      "'-' as PATH, piped through cat", "exit 0, one line per page record each time, skips said on stderr")
def _stdin_archive(tmp: Path, checks: Checks) -> None:
    for gzip, version in ((True, "1.1"), (False, "1.0"), (True, "1.0"), (False, "1.1")):
        data, urls = crawl(gzip, version)
        for args in ([], ["--format", "warc"], ["-"]):
            done = cli(*args, data=data)
            checks.run(done, 0)
            urls_of(checks, done, urls, f"gzip={gzip} {version} {args}")
            if b"other records skipped" not in done.err:
                checks.fail(f"gzip={gzip} {version} {args}: skipped records not said on stderr")
    path = tmp / "crawl.warc.gz"
    path.write_bytes(crawl()[0])
    done = shell(f"cat {quote(path)} | {' '.join(COMMAND)} --jobs 2")
    checks.run(done, 0)
    urls_of(checks, done, crawl()[1], "cat |")


@case("stdin-archive-damaged", "a gzip crawl cut in its last record, and one garbled in a header, on stdin",
      "exit 3, every page before the damage, one error line")
def _stdin_damaged(tmp: Path, checks: Checks) -> None:
    make = fixtures()
    data, urls = crawl()
    done = cli(data=make.truncate_last(data, gzip=True))
    checks.run(done, 3)
    error_lines(checks, done, 1)
    urls_of(checks, done, urls[:-1], "cut")
    done = cli("--format", "warc", data=make.garble_header(data, True, 5))
    checks.run(done, 3)
    error_lines(checks, done, 1)


@case("stdin-output-dir", "--output-dir with a page on stdin (HTML, text, empty, 1 byte) and with a crawl on stdin",
      "exit 0, out/stdin.txt holding what stdout would; one file per page record")
def _stdin_output_dir(tmp: Path, checks: Checks) -> None:
    for number, data in enumerate((EN_HTML.encode(), ZH_TEXT.encode(), b"", b"x")):
        out = tmp / f"out{number}"
        done = cli("--output-dir", str(out), data=data)
        checks.run(done, 0)
        alone = cli(data=data)
        written = out / "stdin.txt"
        if not written.exists():
            checks.fail(f"page {number}: no {written.name} written")
        elif written.read_bytes() != alone.out:
            checks.fail(f"page {number}: stdin.txt differs from stdout's output")
    data, urls = crawl()
    done = cli("--output-dir", str(tmp / "records"), data=data)
    checks.run(done, 0)
    written = sorted((tmp / "records").glob("*.txt")) if (tmp / "records").exists() else []
    if len(written) != len(urls):
        checks.fail(f"{len(written)} files for {len(urls)} page records")


@case("stdin-pipe-path", "pages named by a pipe path <(cat page): HTML, text, Chinese, pages of 1, 1,023, 1,024, "
      "1,025 and 70,000 bytes (around the sniff's buffer and a pipe's)", "exit 0, the same output as from the file")
def _pipe_path(tmp: Path, checks: Checks) -> None:
    pages = {"html": EN_HTML.encode(), "text": EN_TEXT.encode(), "zh": ZH_TEXT.encode(), "one": b"x"}
    for size in (1023, 1024, 1025, 70_000):
        pages[str(size)] = (EN_TEXT * (size // len(EN_TEXT) + 1)).encode()[:size]
    for name, data in pages.items():
        path = tmp / f"{name}.page"
        path.write_bytes(data)
        expected = cli(str(path))
        done = shell(f"{' '.join(COMMAND)} <(cat {quote(path)})")
        checks.run(done, 0)
        if done.out != expected.out:
            checks.fail(f"{name}: the pipe's output differs from the file's ({len(done.out)} / {len(expected.out)} "
                        "bytes)")


@case("stdin-fifos", "named FIFOs among the inputs (fed by writers, --jobs 1 and 2), and FIFOs and a socket "
      "nobody writes inside --input-dir", "no hang (< 60 s), one line per page, the FIFOs in folders skipped "
      "with a line")
def _fifos(tmp: Path, checks: Checks) -> None:
    import socket

    (tmp / "site" / "deep").mkdir(parents=True)
    (tmp / "site" / "a.html").write_text(EN_HTML, encoding="utf-8")
    (tmp / "site" / "deep" / "b.txt").write_text(ZH_TEXT, encoding="utf-8")
    os.mkfifo(tmp / "site" / "pipe")
    os.mkfifo(tmp / "site" / "deep" / "pipe.html")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp / "site" / "deep" / "socket"))
    try:
        for jobs in ("1", "2"):
            fifos = [tmp / f"named{jobs}-{n}" for n in range(2)]
            writers = []
            for fifo, data in zip(fifos, (EN_HTML, crawl()[0])):
                os.mkfifo(fifo)
                content = data.encode() if isinstance(data, str) else data
                writers.append(subprocess.Popen(["bash", "-c", f"cat > {quote(fifo)}"], stdin=subprocess.PIPE))
                writers[-1].stdin.write(content)
                writers[-1].stdin.close()
            done = cli(str(fifos[0]), str(tmp / "site"), str(fifos[1]), "--jobs", jobs, timeout=60)
            for writer in writers:
                try:
                    writer.wait(5)
                except subprocess.TimeoutExpired:
                    writer.kill()
            checks.run(done, 0)
            out = checks.lines(done.out, 3 + len(crawl()[1]), order=[None] * (3 + len(crawl()[1])))
            if out and out[0].get("path") != str(fifos[0]):
                checks.fail(f"jobs {jobs}: the FIFO's record is {out[0]}")
            for name in (b"site/pipe", b"deep/pipe.html", b"deep/socket"):
                if name + b": not a regular file" not in done.err:
                    checks.fail(f"jobs {jobs}: {name.decode()} skipped without a word")
    finally:
        server.close()


# Archive payloads (issue 20, point 6) ------------------------------------------------------
def response_archive(bodies: list[tuple[bytes, str | None]], url: str = "https://odd.example/{n}") -> bytes:
    """A plain WARC of HTML responses, one per (body, Content-Encoding header or None)."""
    make = fixtures()
    parts = []
    for n, (body, coding) in enumerate(bodies):
        headers = [("Content-Type", "text/html; charset=utf-8")] + ([("Content-Encoding", coding)] if coding else [])
        parts.append(make.single_response(body, headers, url=url.format(n=n)))
    return b"".join(parts)


def encoded(data: bytes, *codings: str) -> bytes:
    import gzip as gzip_module
    import zlib

    import brotli
    import zstandard

    for coding in codings:
        data = {"gzip": gzip_module.compress, "deflate": zlib.compress, "br": brotli.compress,
                "zstd": zstandard.ZstdCompressor().compress}[coding](data)
    return data


def _raw_deflate(data: bytes) -> bytes:
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


@case("warc-content-encodings", "24 HTML responses: gzip, deflate (zlib, raw, gzip), br, zstd, x-gzip, lists "
      "('gzip, gzip', 'identity, gzip', 'gzip, br', 'br, zstd'), case and spaces, 2 gzip members, and bogus "
      "codings (utf-8, text/html, chunked, compress) over plain pages and over binary",
      "exit 0, 24 lines in order: the page's text, or an error for the binary bodies")
def _encodings(tmp: Path, checks: Checks) -> None:
    page = EN_HTML.encode()
    half = len(page) // 2
    good = [(encoded(page, "gzip"), "gzip"), (encoded(page, "deflate"), "deflate"), (_raw_deflate(page), "deflate"),
            (encoded(page, "gzip"), "deflate"), (encoded(page, "br"), "br"), (encoded(page, "zstd"), "zstd"),
            (encoded(page, "gzip"), "x-gzip"), (encoded(page, "gzip", "gzip"), "gzip, gzip"),
            (encoded(page, "gzip"), "identity, gzip"), (encoded(page, "gzip", "br"), "gzip, br"),
            (encoded(page, "br", "zstd"), "br,zstd"), (encoded(page, "gzip"), "  GZip "),
            (encoded(page, "br"), "BR"), (encoded(page[:half], "gzip") + encoded(page[half:], "gzip"), "gzip"),
            (page, "utf-8"), (page, "text/html"), (page, "chunked"), (page, "compress"), (page, "identity"),
            (page, "gzip")]
    bad = [(b"\x00\x01binary\xff" * 30, "utf-8"), (b"\xff" * 64, "br"), (b"not zstd", "zstd"), (b"\x1f\x9d\x90", "x-z")]
    path = tmp / "codings.warc"
    path.write_bytes(response_archive(good + bad))
    done = cli(str(path))
    checks.run(done, 0)
    out = checks.lines(done.out, len(good) + len(bad), order=[None] * (len(good) + len(bad)))
    for n, record in enumerate(out):
        if n < len(good) and "footbridge" not in record.get("main", ""):
            checks.fail(f"coding {good[n][1]!r}: {str(record.get('error') or record.get('main'))[:60]!r}")
        elif n >= len(good) and "error" not in record:
            checks.fail(f"binary under {bad[n - len(good)][1]!r} has no error")


def bomb(coding: str, size: int) -> bytes:
    """``size`` zero bytes, packed by streaming (never held whole)."""
    import zlib

    import brotli
    import zstandard

    chunk = b"\0" * 2**20
    packer = {"gzip": lambda: zlib.compressobj(1, zlib.DEFLATED, 31), "deflate": lambda: zlib.compressobj(1),
              "br": lambda: brotli.Compressor(quality=1),
              "zstd": lambda: zstandard.ZstdCompressor(level=1).compressobj()}[coding]()
    step, end = (packer.process, packer.finish) if coding == "br" else (packer.compress, packer.flush)
    return b"".join(step(chunk) for _ in range(size // len(chunk))) + end()


@case("warc-bombs", "HTML responses whose bodies inflate to 2 GB (br, 400 KB packed), 1 GB (gzip, deflate, zstd) "
      "and a gzip of a gzip bomb ('gzip, gzip'), --jobs 1", f"exit 0, 5 lines, peak < 10 x 40 MB + {400} MB")
def _bombs(tmp: Path, checks: Checks) -> None:
    bodies = [(bomb("br", 2 << 30), "br"), (bomb("gzip", 1 << 30), "gzip"), (bomb("deflate", 1 << 30), "deflate"),
              (bomb("zstd", 1 << 30), "zstd"), (encoded(bomb("gzip", 1 << 30), "gzip"), "gzip, gzip")]
    checks.note(f"packed {max(len(body) for body, _ in bodies) // 1024} KB at most")
    path = tmp / "bombs.warc"
    path.write_bytes(response_archive(bodies))
    done, peak = measured(str(path), timeout=240)
    checks.run(done, 0)
    checks.lines(done.out, len(bodies), order=[None] * len(bodies))
    peak_within(checks, peak, 10 * 40 + MODEL_MB)


@case("warc-uri-schemes", "HTML responses under HTTP://, HTTPS://, Http://, hTTps:// and http:// target URIs",
      "exit 0, 5 lines with the page's text")
def _schemes(tmp: Path, checks: Checks) -> None:
    make = fixtures()
    schemes = ["HTTP", "HTTPS", "Http", "hTTps", "http"]
    headers = [("Content-Type", "text/html")]
    data = b"".join(make.single_response(EN_HTML.encode(), headers, url=f"{scheme}://odd.example/{scheme}")
                    for scheme in schemes)
    done = cli("--format", "warc", data=data)
    checks.run(done, 0)
    for scheme, record in zip(schemes, checks.lines(done.out, len(schemes), order=[None] * len(schemes))):
        if "footbridge" not in record.get("main", ""):
            checks.fail(f"{scheme}:// gave {record}")


@case("warc-several-damaged", "4 archives: cut in the last record, a garbled header, a corrupt gzip member, "
      "not an archive under --format warc; then a sound one", "exit 3, the pages before each damage and the sound "
      "one's, 4 error lines naming each archive")
def _several_damaged(tmp: Path, checks: Checks) -> None:
    make = fixtures()
    data, urls = crawl()
    damaged = {"cut.warc.gz": make.truncate_last(data, gzip=True), "garbled.warc.gz": make.garble_header(data, True, 5),
               "corrupt.warc.gz": make.corrupt_member(data, 9), "page.html": EN_HTML.encode(), "sound.warc.gz": data}
    for name, content in damaged.items():
        (tmp / name).write_bytes(content)
    done = cli("--format", "warc", *(str(tmp / name) for name in damaged))
    checks.run(done, 3)
    error_lines(checks, done, 4)
    for name in list(damaged)[:4]:
        if f"{tmp / name}: ".encode() not in done.err:
            checks.fail(f"{name} not reported")
    out = checks.lines(done.out, len(done.out.splitlines()), order=[None] * len(done.out.splitlines()))
    if [record.get("url") for record in out[-len(urls):]] != urls:
        checks.fail("the sound archive's records are not all there")


# Folders and --output-dir (issue 20, point 7) ----------------------------------------------
@case("folders-same-names", "two --input-dir folders holding the same relative names, --output-dir; the same two "
      "files named explicitly; two inputs of one name with --output-dir",
      "both outputs kept under their folders' names, distinct \"path\" values, the clash refused (exit 2) "
      "before anything is written")
def _same_names(tmp: Path, checks: Checks) -> None:
    for site, page in (("a", EN_HTML), ("b", ZH_HTML.format(charset="utf-8"))):
        (tmp / site / "pages" / "deep").mkdir(parents=True)
        for name in ("index.html", "deep/index.html"):
            (tmp / site / "pages" / name).write_text(page, encoding="utf-8")
    done = cli("--input-dir", str(tmp / "a"), "--input-dir", str(tmp / "b"), "--output-dir", str(tmp / "out"))
    checks.run(done, 0)
    for site, sentence in (("a", "footbridge"), ("b", ZH_SENTENCE)):
        for name in ("index.html", "deep/index.html"):
            target = tmp / "out" / site / "pages" / f"{name}.txt"
            if not target.exists() or sentence not in target.read_text(encoding="utf-8"):
                checks.fail(f"{site}/pages/{name}: output missing or overwritten")
    done = cli(str(tmp / "a" / "pages" / "index.html"), str(tmp / "b" / "pages" / "index.html"))
    checks.run(done, 0)
    paths = [record.get("path") for record in checks.lines(done.out, 2, order=[None, None])]
    if len(set(paths)) != 2:
        checks.fail(f"path values {paths}")
    for args in ([str(tmp / "a" / "pages"), str(tmp / "b" / "pages")],
                 [str(tmp / "a" / "pages" / "index.html"), str(tmp / "b" / "pages" / "index.html")]):
        done = cli(*args, "--output-dir", str(tmp / "clash"))
        checks.run(done, 2, one_line_error=True)
        if (tmp / "clash").exists():
            checks.fail("the clash wrote files")


@case("folders-output-inside-input", "--output-dir inside --input-dir, run twice; --output-dir = --input-dir",
      "the outputs are not read again (no .txt.txt); the second refused (exit 2)")
def _output_inside(tmp: Path, checks: Checks) -> None:
    (tmp / "site" / "deep").mkdir(parents=True)
    (tmp / "site" / "a.html").write_text(EN_HTML, encoding="utf-8")
    (tmp / "site" / "deep" / "b.txt").write_text(EN_TEXT, encoding="utf-8")
    for _ in range(2):
        checks.run(cli("--input-dir", str(tmp / "site"), "--output-dir", str(tmp / "site" / "main")), 0)
    written = sorted(str(path.relative_to(tmp / "site" / "main")) for path in (tmp / "site" / "main").rglob("*.txt"))
    if written != ["a.html.txt", "deep/b.txt.txt"]:
        checks.fail(f"outputs {written}")
    checks.run(cli(str(tmp / "site"), "--output-dir", str(tmp / "site")), 2, one_line_error=True)


NO_DAC = ["setpriv", "--inh-caps=-dac_override,-dac_read_search", "--bounding-set=-dac_override,-dac_read_search"]


@case("folders-unreadable", "a folder holding an unreadable sub-folder, an unreadable file, a broken symlink and "
      "a page (root runs without its read-anything capabilities)", "exit 3, one error line for the sub-folder, "
      "error records for the two files, the page's text")
def _unreadable(tmp: Path, checks: Checks) -> None:
    (tmp / "site" / "locked").mkdir(parents=True)
    (tmp / "site" / "locked" / "x.html").write_text(EN_HTML, encoding="utf-8")
    (tmp / "site" / "page.html").write_text(EN_HTML, encoding="utf-8")
    (tmp / "site" / "secret.html").write_text(EN_HTML, encoding="utf-8")
    os.symlink("gone.html", tmp / "site" / "broken.html")
    (tmp / "site" / "locked").chmod(0)
    (tmp / "site" / "secret.html").chmod(0)
    prefix = " ".join(NO_DAC) + " -- " if os.geteuid() == 0 else ""
    try:
        done = shell(f"{prefix}{' '.join(COMMAND)} {quote(tmp / 'site')}")
    finally:
        (tmp / "site" / "locked").chmod(0o755)
    checks.run(done, 3)
    error_lines(checks, done, 1)
    out = checks.lines(done.out, 3, order=[None] * 3)
    if out and ["error" in record for record in out] != [True, False, True]:
        checks.fail(f"records {[sorted(record) for record in out]}")


@case("folders-endless-and-huge", "a symlink to /dev/zero named explicitly (one page, and among others), one in "
      "a folder, and a sparse 8 GB file (text, then a hole) in the folder, --max-page-bytes 2000000",
      "exit 0, truncated records, the folder's link skipped with a word, peak < 10 x 2 MB + 400 MB")
def _endless(tmp: Path, checks: Checks) -> None:
    (tmp / "site").mkdir()
    os.symlink("/dev/zero", tmp / "zero")
    os.symlink("/dev/zero", tmp / "site" / "zero.html")
    with open(tmp / "site" / "huge.txt", "wb") as huge:
        huge.write((EN_TEXT * 4).encode())  # text first, so that the sniff takes it for a page
        huge.truncate(8 << 30)
    limit = ("--max-page-bytes", "2000000")
    done, peak = measured(*limit, "--json", str(tmp / "zero"))
    checks.run(done, {0, 3}, one_line_error=True)
    if done.status == 0 and not checks.json_output(done.out).get("truncated"):
        checks.fail("the /dev/zero page is not marked truncated")
    peak_within(checks, peak, 10 * 2 + MODEL_MB)
    done, peak = measured(*limit, str(tmp / "site"), str(tmp / "zero"))
    checks.run(done, 0)
    out = checks.lines(done.out, 2, order=[None, None])
    if out and not all(record.get("truncated") or "error" in record for record in out):
        checks.fail(f"records not truncated: {[sorted(record) for record in out]}")
    if b"zero.html: not a regular file" not in done.err:
        checks.fail("the /dev/zero link in the folder was not skipped with a word")
    peak_within(checks, peak, 10 * 2 + MODEL_MB)


NOT_PAGES = {
    "app.js": b"(function(){var a=document.querySelectorAll('.nav');for(var i=0;i<a.length;i++){a[i].hidden=1;}})();",
    "menu.html": b"var menu = document.getElementById('menu');\nmenu.addEventListener('click', function (e) {\n"
                 b"  e.preventDefault();\n});\n",
    "site.css": b"body {\n  margin: 0;\n  font-family: Georgia, serif;\n}\n.nav a {\n  color: #333;\n}\n",
    "robots.txt": b"User-agent: *\nDisallow: /search\nSitemap: https://gazette.example/sitemap.xml\n",
    "logo.png": b"\x89PNG\r\n\x1a\n" + bytes(300), "photo.html": b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(300),
    "report.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
    "data.json": b'{"title": "Footbridge", "tags": ["local"], "views": 12}\n',
    "feed.xml": b'<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title></channel></rss>',
    "font.txt": b"wOF2\x00\x01\x00\x00" + bytes(100), "blob.bin": bytes(range(256)) * 4,
    "page.gz": __import__("gzip").compress(EN_HTML.encode()),
}


@case("folders-non-pages", "a folder of 4 pages (one without a suffix, one UTF-16) among JS, CSS, robots.txt, "
      "PNG, JPEG, PDF, JSON, RSS, a font, binary and gzip data, several under page names (.html, .txt); "
      "then --glob '*.html'", "exit 0, the 4 pages only, each other file skipped with its reason on stderr; "
      "--glob keeps the matching pages and says how many files it passed over")
def _non_pages(tmp: Path, checks: Checks) -> None:
    site = tmp / "site"
    (site / "static").mkdir(parents=True)
    pages = {"article": EN_HTML.encode(), "zh.html": ZH_HTML.format(charset="utf-8").encode(),
             "notes.txt": EN_TEXT.encode(), "wide.html": EN_HTML.encode("utf-16")}
    for name, data in {**pages, **{f"static/{name}": data for name, data in NOT_PAGES.items()}}.items():
        (site / name).write_bytes(data)
    done = cli(str(site))
    checks.run(done, 0)
    out = checks.lines(done.out, len(pages), order=[None] * len(pages))
    got = sorted(Path(record.get("path", "")).name for record in out)
    if got != sorted(pages):
        checks.fail(f"pages out: {got}")
    for name in NOT_PAGES:
        if f"static/{name}: not a page (".encode() not in done.err:
            checks.fail(f"{name} not skipped with a reason")
    done = cli(str(site), "--glob", "*.html")
    checks.run(done, 0)
    checks.lines(done.out, 2, order=[None, None])
    if b"not matching --glob skipped" not in done.err:
        checks.fail("--glob passed files over without a word")


@case("folders-deep-and-odd-names", "a folder 1,500 levels deep (os.walk and os.makedirs recurse once per level), "
      "file names that are not UTF-8, hold a newline, a space, a quote; --output-dir and JSON Lines",
      "exit 0, 5 lines (names as U+FFFD where not UTF-8), 5 files written")
def _deep_tree(tmp: Path, checks: Checks) -> None:
    site = os.fsencode(tmp / "site")
    os.mkdir(site)
    names = [b"latin-\xff.txt", b"line\nbreak.txt", b"a space.txt", b"quote'\".txt"]
    for name in names:
        with open(os.path.join(site, name), "wb") as page:
            page.write(EN_TEXT.encode())
    deep = site
    for _ in range(1500):
        deep = os.path.join(deep, b"d")
        os.mkdir(deep)
    with open(os.path.join(deep, b"page.html"), "wb") as page:
        page.write(EN_HTML.encode())
    try:
        done = cli(os.fsdecode(site), timeout=120)
        checks.run(done, 0)
        checks.lines(done.out, 5, order=[None] * 5)
        done = cli(os.fsdecode(site), "--output-dir", str(tmp / "out"), timeout=120)
        checks.run(done, 0)
        written = [path for path in tree(os.fsencode(tmp / "out")) if not os.path.isdir(path)]
        if len(written) != 5:
            checks.fail(f"{len(written)} files written for 5 pages")
    finally:  # shutil.rmtree recurses once per level too
        for path in reversed([site, *tree(site), *tree(os.fsencode(tmp / "out"))]):
            (os.rmdir if os.path.isdir(path) else os.unlink)(path)


def tree(folder: bytes) -> list[bytes]:
    """Every path under ``folder``, parents before children, by a loop."""
    paths: list[bytes] = []
    folders = [folder] if os.path.isdir(folder) else []
    while folders:
        for entry in os.scandir(folders.pop()):
            paths.append(entry.path)
            if entry.is_dir(follow_symlinks=False):
                folders.append(entry.path)
    return paths


@case("folders-archives-output-dir", "--output-dir with a crawl named explicitly, one inside a folder (a "
      "Common Crawl name: .warc.wet.gz) and a record id holding '../' and '/'", "one file per page record, "
      "named safely inside the output folder; the Spark job finds the same archives in the folder")
def _archives_output(tmp: Path, checks: Checks) -> None:
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    data, urls = crawl()
    (tmp / "in" / "seg").mkdir(parents=True)
    (tmp / "in" / "seg" / "CC-MAIN-0001.warc.wet.gz").write_bytes(data)
    (tmp / "in" / "page.html").write_text(EN_HTML, encoding="utf-8")
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=False)
    record = writer.create_warc_record("https://odd.example/x", "response", payload=io.BytesIO(EN_HTML.encode()),
                                       http_headers=StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                                                     protocol="HTTP/1.1"))
    record.rec_headers.replace_header("WARC-Record-ID", "<../../../escape/id>")
    writer.write_record(record)
    (tmp / "odd.warc").write_bytes(out.getvalue())
    done = cli(str(tmp / "in"), str(tmp / "odd.warc"), "--output-dir", str(tmp / "out"))
    checks.run(done, 0)
    inside = sorted((tmp / "out" / "in" / "seg" / "CC-MAIN-0001.warc.wet.gz").glob("*.txt")) \
        if (tmp / "out" / "in" / "seg" / "CC-MAIN-0001.warc.wet.gz").exists() else []
    if len(inside) != len(urls):
        checks.fail(f"{len(inside)} files for the folder's archive's {len(urls)} page records")
    odd = list((tmp / "out" / "odd.warc").glob("*.txt")) if (tmp / "out" / "odd.warc").exists() else []
    if len(odd) != 1 or any(tmp.parent.rglob("escape")):
        checks.fail(f"the odd record id wrote {odd} (or escaped the output folder)")
    spark = api(f"""
from filterkit.integrations.spark import _archive_paths
print([p.rsplit('/', 1)[1] for p in _archive_paths([{str(tmp / 'in')!r}])])
""")
    checks.run(spark, 0)
    if b"['CC-MAIN-0001.warc.wet.gz']" not in spark.out:
        checks.fail(f"the Spark job found {spark.out.decode().strip()}")


# jieba's cache ----------------------------------------------------------------------------
def chinese_run(checks: Checks, environment: dict) -> None:
    done = cli(data=ZH_TEXT.encode(), environment=environment)
    checks.run(done, 0)
    reference = cli(data=ZH_TEXT.encode())
    if done.out != reference.out:
        checks.fail("output differs from a run with the default cache")
    if done.err:
        checks.fail("stderr not empty")


@case("jieba-cache-world-writable", "FILTERKIT_CACHE_DIR a chmod 777 folder holding a planted garbage cache",
      "exit 0, output as with the default cache, nothing on stderr")
def _world_writable(tmp: Path, checks: Checks) -> None:
    folder = tmp / "shared-cache"
    (folder / "jieba").mkdir(parents=True)
    for version in ("0.42.1", "0.42", "0.39"):
        (folder / "jieba" / f"dictionary-{version}.bin").write_bytes(b"planted by someone else" * 100)
    folder.chmod(0o777)
    (folder / "jieba").chmod(0o777)
    chinese_run(checks, env(FILTERKIT_CACHE_DIR=str(folder)))


@case("jieba-cache-unwritable", "FILTERKIT_CACHE_DIR under a regular file (unwritable even for root)",
      "exit 0, same output, nothing on stderr")
def _unwritable(tmp: Path, checks: Checks) -> None:
    (tmp / "file").write_text("x")
    chinese_run(checks, env(FILTERKIT_CACHE_DIR=str(tmp / "file" / "cache")))


@case("jieba-tmpdir-unwritable", "TMPDIR (and TEMP, TMP) under a regular file, empty cache folder",
      "exit 0, same output, nothing on stderr")
def _tmpdir(tmp: Path, checks: Checks) -> None:
    (tmp / "file").write_text("x")
    bad = str(tmp / "file" / "tmp")
    chinese_run(checks, env(TMPDIR=bad, TEMP=bad, TMP=bad, FILTERKIT_CACHE_DIR=str(tmp / "fresh-cache")))


@case("jieba-tmp-cache-planted", "TMPDIR holding a jieba.cache owned by another user (nobody) with doctored "
      "frequencies", "exit 0, same output as the default cache, nothing on stderr")
def _planted(tmp: Path, checks: Checks) -> None:
    import marshal

    folder = tmp / "shared-tmp"
    folder.mkdir()
    folder.chmod(0o1777)
    planted = folder / "jieba.cache"
    planted.write_bytes(marshal.dumps(({"河": 1, "边": 1, "河边的老木桥上": 10 ** 9}, 10 ** 9 + 2)))
    try:
        os.chown(planted, 65534, 65534)
    except OSError:
        checks.note("could not chown to nobody")
    chinese_run(checks, env(TMPDIR=str(folder), FILTERKIT_CACHE_DIR=str(tmp / "fresh-cache")))


# Charsets as the WHATWG Encoding Standard has them (issue 20, item 11) --------------------
def no_nul(checks: Checks, out: bytes) -> None:
    """NUL breaks databases downstream: neither a raw NUL nor a JSON escape of one may be written."""
    if b"\x00" in out or b"\\u0000" in out:
        checks.fail("NUL in the output")


BAD_BYTES = b"\x81\x7f" * 6  # twelve bytes no legacy CJK encoding (nor UTF-8) can read

for label, html, sentence, encoding in (("gb2312", ZH_HTML.format(charset="gb2312"), ZH_SENTENCE, "gb18030"),
                                        ("big5", BIG5_HTML.replace("<head>", '<head><meta charset="big5">'),
                                         BIG5_SENTENCE, "big5"),
                                        ("shift_jis", SJIS_HTML.replace("<head>", '<head><meta charset="shift_jis">'),
                                         SJIS_SENTENCE, "shift_jis"),
                                        ("euc-kr", KR_HTML.replace("<head>", '<head><meta charset="euc-kr">'),
                                         KR_SENTENCE, "euc-kr"),
                                        ("utf-8", ZH_HTML.format(charset="utf-8"), ZH_SENTENCE, "utf-8")):
    def _declared_bad(tmp: Path, checks: Checks, html=html, sentence=sentence, encoding=encoding) -> None:
        data = html.encode(encoding).replace(b"<h1>", b"<h1>" + BAD_BYTES, 1)
        result = page_json(checks, tmp, data)
        if result and (sentence not in all_text(result) or not result.get("replaced_bytes")):
            checks.fail(f"read as {result.get('encoding')!r}, replaced_bytes {result.get('replaced_bytes')!r}")
    case(f"charset-declared-{label}-bad-bytes", f"a {label} page declaring <meta charset={label}> with 12 bytes "
         "it cannot read", "exit 0, the declaration wins: the sentence decoded, replaced_bytes > 0")(_declared_bad)


@case("charset-header-wins-bad-bytes", "JSON Lines: GBK and Big5 pages (html_b64) with 12 bad bytes, charset only "
      "in content_type, and one whose header names a 'replacement' encoding (iso-2022-kr)",
      "exit 0, 3 lines: two decoded with replaced_bytes, one error")
def _header_bad(tmp: Path, checks: Checks) -> None:
    gbk = ZH_HTML.replace('<meta charset="{charset}">', "").encode("gb18030").replace(b"<h1>", b"<h1>" + BAD_BYTES)
    big5 = BIG5_HTML.encode("big5").replace(b"<h1>", b"<h1>" + BAD_BYTES)
    lines = [record(0, html_b64=base64.b64encode(gbk).decode(), content_type="text/html; charset=GBK"),
             record(1, html_b64=base64.b64encode(big5).decode(), content_type="text/html; charset=Big5"),
             record(2, html_b64=base64.b64encode(EN_HTML.encode()).decode(),
                    content_type="text/html; charset=iso-2022-kr")]
    out = batch(checks, lines)
    if len(out) == 3:
        if ZH_SENTENCE[:8] not in out[0].get("main", "") or not out[0].get("replaced_bytes"):
            checks.fail(f"GBK record: {str(out[0])[:120]}")
        if BIG5_SENTENCE[:8] not in out[1].get("main", "") or not out[1].get("replaced_bytes"):
            checks.fail(f"Big5 record: {str(out[1])[:120]}")
        if "error" not in out[2]:
            checks.fail("the iso-2022-kr record has no error")


for label in ("utf-16", "utf-16le", "UTF-16BE"):
    def _meta_utf16(tmp: Path, checks: Checks, label=label) -> None:
        page = EN_HTML.replace("<head>", f'<head><meta charset="{label}">').encode()
        for data in (page, page + b" "):  # an even length decodes as UTF-16 without an error
            result = page_json(checks, tmp, data)
            if result and ("twenty volunteers" not in all_text(result) or result.get("encoding") != "utf-8"):
                checks.fail(f"read as {result.get('encoding')!r}: {all_text(result)[:40]!r}")
    case(f"charset-meta-{label.lower()}-ascii", f"ASCII English pages (odd and even length) declaring <meta "
         f"charset={label}>", "exit 0, read as UTF-8 (a meta UTF-16 label means UTF-8)")(_meta_utf16)


@case("charset-meta-x-user-defined-1252", "a windows-1252 page (é, ï, —) declaring <meta charset=x-user-defined>",
      "exit 0, read as windows-1252: no private-use characters")
def _x_user_defined(tmp: Path, checks: Checks) -> None:
    html = EN_HTML.replace("<head>", '<head><meta charset="x-user-defined">').replace(
        "twenty volunteers", "twenty naïve volunteers — café owners")
    result = page_json(checks, tmp, html.encode("cp1252"))
    text = all_text(result)
    if result and ("naïve volunteers — café" not in text or any("\ue000" <= c <= "\uf8ff" for c in text)):
        checks.fail(f"read as {result.get('encoding')!r}: {text[:60]!r}")


for name, data in (("utf-32le-bom", codecs.BOM_UTF32_LE + ZH_HTML.format(charset="utf-8").encode("utf-32-le")),
                   ("utf-32be-bom", codecs.BOM_UTF32_BE + ZH_HTML.format(charset="utf-8").encode("utf-32-be")),
                   ("utf-32le-no-bom", EN_HTML.encode("utf-32-le")),
                   ("utf-16be-bom-text", codecs.BOM_UTF16_BE + ZH_TEXT.encode("utf-16-be"))):
    def _wide(tmp: Path, checks: Checks, data=data, name=name) -> None:
        path = tmp / "page"
        path.write_bytes(data)
        for args in ((), ("--json",)):
            done = cli(*args, str(path))
            checks.run(done, 0, one_line_error=True)
            no_nul(checks, done.out)
            text = done.out.decode("utf-8", "replace")
            if "twenty volunteers" not in text and ZH_SENTENCE not in text and "二十多名志愿者" not in text:
                checks.fail(f"page not decoded ({' '.join(args) or 'text'}): {text[:40]!r}")
    case(f"charset-{name}", f"a page in {name.replace('-', ' ')}, text and --json output",
         "exit 0, decoded right, no NUL in the output")(_wide)


@case("charset-nul-and-controls-everywhere", "NUL and C0 controls inside a text page, an HTML page, a JSON Lines "
      "text (\\u0000 escapes), and 1 MB of NULs between two paragraphs", "exit 0, no NUL in any output (text, --json, "
      "--jsonl)")
def _nul_everywhere(tmp: Path, checks: Checks) -> None:
    dirty_text = EN_TEXT.replace(" ", " \x00\x01", 5).replace("\n", "\x0c\n", 2)
    dirty_html = EN_HTML.replace("<p>", "<p>\x00\x07", 2).replace("mill", "m\x00ill")
    (tmp / "page.txt").write_bytes(dirty_text.encode())
    (tmp / "page.html").write_bytes(dirty_html.encode())
    (tmp / "zeros.txt").write_bytes(EN_TEXT.encode() + b"\x00" * (1024 * 1024) + EN_TEXT.encode())
    text, html, zeros = (str(tmp / name) for name in ("page.txt", "page.html", "zeros.txt"))
    for args in ((text,), ("--json", text), (html,), ("--json", html), (zeros,), (text, html, zeros)):
        done = cli(*args)
        checks.run(done, 0, one_line_error=True)
        no_nul(checks, done.out)
    out = batch(checks, [record(0, text=dirty_text), record(1, html=dirty_html), record(2, text="\x00" * 1000)])
    if out and any("\x00" in str(line) for line in out):
        checks.fail("NUL in a JSON Lines record")


# Bounds (issue 20, item 12) ---------------------------------------------------------------
for name, unit, count, what in (("br", "short line<br>\n", 1_000_000, "15 MB of `short line<br>`"),
                                ("li", "<li>item 42</li>", 1_000_000, "a list of 1,000,000 `<li>item 42</li>` (16 MB)"),
                                ("p-unclosed", "<p>para ", 2_000_000, "2,000,000 unclosed `<p>para ` (16 MB)")):
    def _many_blocks(tmp: Path, checks: Checks, unit=unit, count=count) -> None:
        path = tmp / "blocks.html"
        path.write_text("<html><head><title>Blocks</title></head><body><ul>" + unit * count + "</ul></body></html>")
        size = path.stat().st_size / 2 ** 20
        done, peak = measured(str(path), timeout=600)
        checks.run(done, 0, one_line_error=True)
        lines = done.out.count(b"\n")
        if done.status == 0 and lines < count // 2:
            checks.fail(f"{lines} output lines for {count} blocks")
        peak_within(checks, peak, 10 * size + MODEL_MB)
    case(f"bounds-million-blocks-{name}", what, "exit 0, the blocks written; peak ≤ 10 × page + 400 MB")(_many_blocks)


for name, opening, closing, levels in (("ul-li", "<ul><li>item text ", "</li></ul>", 100_000),
                                       ("ol-li-unclosed", "<ol><li>step ", "", 100_000),
                                       ("dl-dd", "<dl><dt>term<dd>meaning ", "</dd></dl>", 100_000),
                                       ("table-td", "<table><tr><td>cell ", "</td></tr></table>", 50_000),
                                       ("span-div-misnested", "<span><div>x ", "</span>", 100_000)):
    def _deep_lists(tmp: Path, checks: Checks, opening=opening, closing=closing, levels=levels) -> None:
        started = time.monotonic()
        done = single(checks, tmp, ("<html><body>" + opening * levels + closing * levels + "</body></html>").encode(),
                      0, 120, "deep.html")
        lines = done.out.count(b"\n")
        if done.status == 0 and lines < levels:
            checks.fail(f"{lines} output lines for {levels} levels of text")
        checks.note(f"{time.monotonic() - started:.0f} s")
    case(f"bounds-nested-{name}-{levels // 1000}k", f"`{opening}` nested {levels:,} deep, text at every level",
         "exit 0 in < 120 s, every level's text out")(_deep_lists)


# jieba's cache damaged (issue 20, item 12) ------------------------------------------------
def jieba_cache(folder: Path) -> Path:
    import jieba

    path = folder / "jieba" / f"dictionary-{jieba.__version__}.bin"
    path.parent.mkdir(parents=True, mode=0o700)
    folder.chmod(0o700)
    return path


def _fifo(path: Path) -> None:
    os.mkfifo(path, 0o600)


def _folder(path: Path) -> None:
    path.mkdir(mode=0o700)


def _deep_header(path: Path) -> None:
    path.write_bytes(b"filterkit-jieba-dictionary\n" + b"[" * 200_000 + b"\n")


def _garbage(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 64)


def _dev_zero(path: Path) -> None:
    path.symlink_to("/dev/zero")


for name, damage in (("fifo", _fifo), ("folder", _folder), ("deep-header", _deep_header), ("garbage", _garbage),
                     ("symlink-dev-zero", _dev_zero)):
    def _damaged(tmp: Path, checks: Checks, damage=damage) -> None:
        folder = tmp / "cache"
        damage(jieba_cache(folder))
        environment = env(FILTERKIT_CACHE_DIR=str(folder))
        reference = cli(data=ZH_TEXT.encode())
        for run in ("first", "second"):
            done = cli(data=ZH_TEXT.encode(), environment=environment, timeout=60)
            checks.run(done, 0)
            if done.out != reference.out:
                checks.fail(f"{run} run: output differs from a run with the default cache")
            warnings = done.err.count(b"warning")
            if warnings != (1 if run == "first" else 0):
                checks.fail(f"{run} run: {warnings} warnings on stderr")
    case(f"jieba-cache-{name}", f"the jieba cache file replaced by a {name.replace('-', ' ')}; two Chinese runs",
         "exit 0 both, output as with a good cache; one warning, then the rebuilt cache read silently")(_damaged)


# The API ----------------------------------------------------------------------------------
API_PRELUDE = "import json, sys\nfrom filterkit import ContentFilter, Page, FilterkitError\ncf = ContentFilter()\n"


def api_case(name: str, feeds: str, expected: str, body: str, timeout: float = 90) -> None:
    def _run(tmp: Path, checks: Checks) -> None:
        done = api(API_PRELUDE + body, timeout)
        checks.run(done, 0)
        for line in done.out.decode("utf-8", "replace").splitlines():
            if line.startswith("FAIL"):
                checks.fail(line[5:])
            elif line.startswith("NOTE"):
                checks.note(line[5:])
        if b"DONE" not in done.out:
            checks.fail("the API script did not finish")
    case(name, feeds, expected)(_run)


api_case("api-filter-many-undecodable", "filter_many over [page, undecodable bytes, page, page] with batch_size 2",
         "4 results in order, only the second with .error", f"""
pages = [{EN_TEXT!r}, bytes(range(128, 256)) * 8, {ZH_TEXT!r}, {EN_HTML!r}.encode()]
results = list(cf.filter_many(pages, batch_size=2))
if len(results) != 4: print('FAIL', len(results), 'results for 4 pages')
elif [r.error is not None for r in results] != [False, True, False, False]:
    print('FAIL errors', [r.error for r in results])
print('DONE')
""")
api_case("api-filter-many-surrogates", "filter_many over str pages holding lone surrogates",
         "3 results, text encodable as UTF-8", f"""
results = list(cf.filter_many([{EN_TEXT!r} + '\\ud800', '\\udc00\\ud800' + {ZH_TEXT!r}, 'x\\udfff']))
if len(results) != 3: print('FAIL', len(results), 'results for 3 pages')
for r in results:
    try: (r.text or '').encode('utf-8'); json.dumps(r.to_dict(), allow_nan=False).encode('utf-8')
    except (UnicodeEncodeError, ValueError) as error: print('FAIL', type(error).__name__, error)
print('DONE')
""")
api_case("api-filter-meta-charset-base64", "filter(bytes) of a page declaring <meta charset=base64>, rot13, zlib",
         "results (or FilterkitError), never another exception", f"""
for label in ('base64', 'rot13', 'zlib', 'unicode_escape'):
    try: result = cf.filter({ZH_HTML!r}.format(charset=label).encode())
    except FilterkitError: continue
    if {ZH_SENTENCE!r} not in result.text: print('FAIL', label, 'page misread')
print('DONE')
""")
api_case("api-filter-many-mixed", "filter_many over Pages with bad encodings, content types, NUL bytes, tuples",
         "6 results in order, no exception", f"""
pages = [Page({EN_HTML!r}.encode(), encoding='base64'), Page(b'\\0' * 100000),
         ({ZH_HTML!r}.format(charset='x').encode(), 'text/html; charset=rot13'), Page('', format='html'),
         Page({BIG5_HTML!r}.encode('big5'), content_type='text/html; charset=big5'), {EN_TEXT!r}]
results = list(cf.filter_many(pages, batch_size=4))
if len(results) != 6: print('FAIL', len(results), 'results for 6 pages')
elif {BIG5_SENTENCE!r} not in results[4].text and not results[4].error: print('FAIL big5 page misread')
print('DONE')
""")
api_case("api-filter-deep-html", "filter() of 1,000,000 nested divs and filter_many of 10,000-deep divs",
         "results, no RecursionError", f"""
deep = '<html><body>' + '<div>' * 1000000 + '<p>' + {EN_TEXT!r} + '</p>' + '</div>' * 1000000 + '</body></html>'
cf.filter(deep)
list(cf.filter_many(['<div>' * 10000 + 'x' + '</div>' * 10000] * 3))
print('DONE')
""")


api_case("api-memo-cache-bounded", "filter() of 120 pages, each with a new 20,000-character run of Han characters "
         "(generated from a fixed seed)", "peak RSS grows < 100 MB from page 20 to page 120 (LRU memo caches)", f"""
import random, resource
rng = random.Random(14)
def page():
    return {ZH_TEXT!r} + ''.join(chr(rng.randrange(0x4e00, 0x9fa5)) for _ in range(20000)) + '\\n'
for i in range(120):
    cf.filter(page())
    if i == 19: early = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
late = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print('NOTE', f'peak {{early:.0f}} MB at page 20, {{late:.0f}} MB at page 120')
if late - early > 100: print('FAIL', f'memory grew {{late - early:.0f}} MB over 100 pages')
print('DONE')
""", timeout=180)
api_case("api-fork-after-use", "a fork-start multiprocessing pool of 2 filtering pages after the parent filtered one",
         "the children answer within 60 s (no OpenMP hang after fork)", f"""
import multiprocessing
cf.filter({ZH_TEXT!r})
def work(text):
    return cf.filter(text).lang
with multiprocessing.get_context('fork').Pool(2) as pool:
    try: langs = pool.map_async(work, [{EN_TEXT!r}, {ZH_TEXT!r}] * 4).get(60)
    except multiprocessing.TimeoutError: print('FAIL the forked workers hung'); pool.terminate(); langs = []
if langs and langs[:2] != ['en', 'zh']: print('FAIL', langs)
print('DONE')
""")


# Workers, signals and options (issue 20, item 8) -------------------------------------------
def _idle_kill(tmp: Path, checks: Checks, jobs: int, victims: int, signum: int) -> None:
    """Feed 10 records, wait until the workers are idle, kill ``victims`` of them, feed 20 more."""
    running = Running(["--jsonl", "--jobs", str(jobs), "--batch-size", "1"],
                      jsonl([record(i, text=EN_TEXT) for i in range(10)]), close_stdin=False)
    found = workers(running.process.pid, jobs)
    running.wait_lines(6, 90)
    time.sleep(2)  # the records read so far are done: every worker waits for work
    if len(found) < jobs:
        checks.fail(f"{len(found)} workers found, expected {jobs}")
    for pid in found[:victims]:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            checks.fail("a worker was gone before the kill")
    time.sleep(1)
    try:
        running.process.stdin.write(jsonl([record(i, text=ZH_TEXT if i % 2 else EN_TEXT) for i in range(10, 30)]))
        running.process.stdin.close()
    except OSError:
        checks.fail("the command stopped reading its input")
    done = running.finish(180)
    checks.run(done, 0)
    out = checks.lines(done.out, 30)
    errors = [r.get("n") for r in out if "error" in r]
    if errors:
        checks.fail(f"records {errors} carry an error (no record was being filtered when the workers died)")


for name, jobs, victims, signum in (("sigkill-both-of-2", 2, 2, signal.SIGKILL), ("sigterm-one-of-3", 3, 1, signal.SIGTERM),
                                    ("sigsegv-one-of-2", 2, 1, signal.SIGSEGV)):
    case(f"workers-idle-{name}", f"--jobs {jobs} --batch-size 1, stdin held open: 10 records, then {victims} idle "
         f"worker(s) sent {signal.Signals(signum).name}, then 20 more records",
         "exit 0, 30 lines in order, none with an error")(
        lambda tmp, checks, jobs=jobs, victims=victims, signum=signum: _idle_kill(tmp, checks, jobs, victims, signum))


@case("workers-killed-while-loading", "--jobs 2 on 300 records, a worker SIGKILLed as soon as it exists (loading its "
      "model)", "exit 0, 300 lines in order")
def _killed_loading(tmp: Path, checks: Checks) -> None:
    running = Running(["--jsonl", "--jobs", "2", "--batch-size", "4"], many_records(300))
    found = workers(running.process.pid, 1)
    if found:
        os.kill(found[0], signal.SIGKILL)
    else:
        checks.fail("no worker found")
    done = running.finish(240)
    checks.run(done, 0)
    checks.lines(done.out, 300)


def catches_sigterm(pid: int, timeout: float = 60) -> bool:
    """Wait until the process has its own SIGTERM handler (SigCgt in /proc), i.e. filterkit's main has begun."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return False
        caught = next((int(line.split()[1], 16) for line in status.splitlines() if line.startswith("SigCgt:")), 0)
        if caught & (1 << (signal.SIGTERM - 1)):
            return True
        time.sleep(0.05)
    return False


def _big_text_page(tmp: Path) -> Path:
    path = tmp / "big.txt"
    path.write_text(EN_TEXT * (8 * 1024 * 1024 // len(EN_TEXT)), encoding="utf-8")
    return path


for signal_name, signal_number in (("sigterm", signal.SIGTERM), ("sigint", signal.SIGINT)):
    for mode in ("text", "html", "jsonl"):
        def _single_stop(tmp: Path, checks: Checks, signal_number=signal_number, mode=mode) -> None:
            if mode == "text":
                args, data = [str(_big_text_page(tmp))], b""
            elif mode == "html":
                paragraph = "<p>" + EN_TEXT.replace("\n", " ") + "</p>"
                path = tmp / "big.html"
                path.write_text("<html><body>" + paragraph * (8 * 1024 * 1024 // len(paragraph)) + "</body></html>",
                                encoding="utf-8")
                args, data = [str(path)], b""
            else:
                args, data = ["--jsonl"], jsonl([record(0, text=EN_TEXT * (8 * 1024 * 1024 // len(EN_TEXT)))])
            running = Running(args, data)
            if not catches_sigterm(running.process.pid):
                checks.fail("the command never installed its SIGTERM handler")
            time.sleep(2)  # the model loaded (under a second), inside the page (which takes 5 s or more)
            if running.process.poll() is not None:
                checks.fail("the page was done before the signal: make it longer")
            running.process.send_signal(signal_number)
            done = running.finish(60)
            checks.run(done, 130)
            if done.status == 0:
                checks.fail(f"exit 0 with {len(done.out)} bytes of output: the stop was taken for a page failure")
            if mode == "jsonl" and done.out:
                checks.fail("a line was written for the interrupted record")
        case(f"signal-{signal_name}-single-{mode}", f"{signal_name.upper()} 2 s into one 8 MB {mode} page "
             f"({'--jsonl, one record' if mode == 'jsonl' else 'a file'})",
             "exit 130, no partial output, no traceback")(_single_stop)


OPTION_VALUES = {
    "--page-timeout": ["nan", "inf", "-inf", "-1", "0", "1e309", "1e300", "abc", ""],
    "--threshold": ["nan", "inf", "-0.1", "1.5", "1e400", "x"],
    "--max-page-bytes": ["1.5", "0", "-5", "nan", "1e3", "99999999999999999999999"],
    "--jobs": ["0", "-1", "1.5", "100000", "two"],
    "--batch-size": ["0", "-1", "nan", "1000000000"],
}
for option, values in OPTION_VALUES.items():
    def _option_values(tmp: Path, checks: Checks, option=option, values=values) -> None:
        for value in values:
            done = cli("--jsonl", f"{option}={value}", data=jsonl([record(0, text=EN_TEXT)]))
            checks.run(done, 2, one_line_error=True)
            if done.status != 2:
                checks.note(f"{option}={value!r}: exit {done.status}")
    case(f"option{option[1:]}-values", f"{option} = {', '.join(repr(v) for v in values)}",
         "exit 2 for each, one sentence after the usage synopsis")(_option_values)


for jobs in ("1", "2"):
    def _stderr_closed(tmp: Path, checks: Checks, jobs=jobs) -> None:
        records_file = tmp / "in.jsonl"
        records_file.write_bytes(many_records(200))
        done = shell(f"{' '.join(COMMAND)} --jsonl --jobs {jobs} < {quote(records_file)} 2>&-", timeout=180)
        checks.run(done, 0)
        checks.lines(done.out, 200)
    case(f"stderr-closed-jobs{jobs}", f"--jsonl --jobs {jobs}, 200 records, stderr closed (2>&-)",
         "exit 0, 200 lines")(_stderr_closed)


@case("stderr-full-and-broken", "stderr to /dev/full: a batch, and a run that fails (bad --model); stderr a pipe "
      "whose reader is gone: a batch with a damaged archive to report", "exit 0 / 4 / 3 as without stderr, no hang")
def _stderr_broken(tmp: Path, checks: Checks) -> None:
    records_file = tmp / "in.jsonl"
    records_file.write_bytes(many_records(50))
    done = shell(f"{' '.join(COMMAND)} --jsonl --jobs 2 < {quote(records_file)} 2>/dev/full")
    checks.run(done, 0)
    checks.lines(done.out, 50)
    checks.run(shell(f"{' '.join(COMMAND)} --model {quote(tmp)} < {quote(records_file)} 2>/dev/full"), 4)
    path, urls = truncated_warc(tmp, None)
    process = subprocess.Popen([*COMMAND, "--format", "warc", str(path)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=ROOT, env=env())
    process.stderr.close()  # the reader of stderr goes away before anything is said
    try:
        out, _ = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    checks.run(Done(process.returncode, out, b""), 3)
    checks.lines(out, len(urls), order=[None] * len(urls))


@case("read-errors-are-input-errors", "an input that fails with EIO when read (/proc/self/mem): one page, --jsonl "
      "--jobs 1 and 2, and among files", "exit 3 (not 5: nothing failed to write), one sentence; among files "
      "its own error line and exit 0")
def _read_errors(tmp: Path, checks: Checks) -> None:
    checks.run(cli("/proc/self/mem"), 3, one_line_error=True)
    for jobs in ("1", "2"):
        checks.run(cli("--jsonl", "--jobs", jobs, "/proc/self/mem"), 3, one_line_error=True)
    page = tmp / "page.txt"
    page.write_text(EN_TEXT, encoding="utf-8")
    done = cli("/proc/self/mem", str(page))
    checks.run(done, 0)
    out = checks.lines(done.out, 2, order=[None, None])
    if len(out) == 2 and ("error" not in out[0] or "main" not in out[1]):
        checks.fail(f"lines {out}")


# Model directories (issue 20, item 9) ------------------------------------------------------
def shipped_copy(tmp: Path, name: str = "model", track: str = "text") -> Path:
    directory = tmp / name
    shutil.copytree(SHIPPED_TEXT_MODEL.parent / track, directory)
    return directory


def model_run(checks: Checks, directory: Path, *args: str, status: int = 4, timeout: float = 60) -> Done:
    """One page with --model DIR, and its peak memory: refused with one sentence, in bounded time and memory."""
    done, peak = measured("--model", str(directory), *args, data=EN_TEXT.encode(), timeout=timeout)
    checks.run(done, status, one_line_error=True)
    peak_within(checks, peak, MODEL_MB)
    return done


MODEL_FILE_KINDS = {
    "fifo": lambda path: os.mkfifo(path),
    "dev-zero": lambda path: path.symlink_to("/dev/zero"),
    "sparse-8gb": lambda path: os.truncate(path.open("wb").name, 8 * 1024 ** 3),
    "directory": lambda path: path.mkdir(),
    "dangling-symlink": lambda path: path.symlink_to(path.parent / "nowhere"),
}
for file_name in ("meta.json", "model.npz"):
    for kind, make in MODEL_FILE_KINDS.items():
        def _model_file(tmp: Path, checks: Checks, file_name=file_name, make=make) -> None:
            directory = shipped_copy(tmp)
            (directory / file_name).unlink()
            make(directory / file_name)
            model_run(checks, directory, timeout=30)
            model_run(checks, directory, "--jsonl", "--jobs", "2", timeout=60)
        case(f"model-{file_name.split('.')[0]}-{kind}", f"--model DIR whose {file_name} is {kind.replace('-', ' ')}"
             " (one page, and --jsonl --jobs 2)", "exit 4, one sentence, within 30 s and 400 MB")(_model_file)


def npz_model(tmp: Path, arrays: dict | None = None, raw: bytes | None = None, track: str = "text") -> Path:
    """A copy of the shipped ``track`` model whose model.npz holds ``arrays`` (or the bytes ``raw``), with a
    matching SHA-256: only the checks of the arrays themselves stand between it and use."""
    import io

    import numpy as np

    directory = shipped_copy(tmp, "npz-model", track)
    if raw is None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        raw = buffer.getvalue()
    (directory / "model.npz").write_bytes(raw)
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    meta["sha256"] = hashlib.sha256(raw).hexdigest()
    (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return directory


def shipped_arrays(track: str = "text") -> dict:
    import numpy as np

    with np.load(SHIPPED_TEXT_MODEL.parent / track / "model.npz") as stored:
        return dict(stored)


def _damaged(change: Callable[[dict], None], track: str = "text") -> Callable[[], dict]:
    def make() -> dict:
        arrays = shipped_arrays(track)
        change(arrays)
        return arrays
    return make


def _nan_at(name: str, index: int = 0):
    def change(arrays: dict) -> None:
        arrays[name] = arrays[name].astype(float).copy()
        arrays[name].flat[index] = float("nan")
    return change


NPZ_DAMAGE = {
    "idf-short": lambda a: a.update(idf=a["idf"][:1000]),
    "idf-2d": lambda a: a.update(idf=a["idf"].reshape(-1, 2)),
    "idf-nan": _nan_at("idf", 7),
    "coef-short": lambda a: a.update({"lexical/coef": a["lexical/coef"][:, :10]}),
    "coef-int": lambda a: a.update({"lexical/coef": a["lexical/coef"].astype("int64")}),
    "intercept-inf": lambda a: a.update({"lexical/intercept": a["lexical/intercept"] * float("inf")}),
    "leaf-nan": _nan_at("first/leaf_value", 3),
    "baseline-nan": lambda a: a.update({"first/baseline": __import__("numpy").array(float("nan"))}),
    "feature-float": lambda a: a.update({"first/feature": a["first/feature"].astype(float)}),
    "children-short": lambda a: a.update({"first/children": a["first/children"][:-2]}),
    "n-features-zero": lambda a: a.update({"first/n_features": __import__("numpy").array(0)}),
    "n-features-wrong": lambda a: a.update({"first/n_features": a["first/n_features"] + 1,
                                            "revision0/n_features": a["revision0/n_features"] + 1}),
    "revisions-1000": lambda a: a.update(revisions=__import__("numpy").array(1000)),
    "revisions-0-extra-step": lambda a: a.update(revisions=__import__("numpy").array(0)),
    "unknown-array": lambda a: a.update(extra=__import__("numpy").zeros(3)),
    "no-roots": lambda a: a.update({"first/roots": a["first/roots"][:0]}),
    "strings-for-idf": lambda a: a.update(idf=a["idf"].astype(str)[:10]),
}
for kind, change in NPZ_DAMAGE.items():
    def _npz(tmp: Path, checks: Checks, change=change) -> None:
        directory = npz_model(tmp, _damaged(change)())
        model_run(checks, directory)
        done = cli("--model", str(directory), "--jsonl", "--jobs", "2", data=many_records(20))
        checks.run(done, 4, one_line_error=True)
    case(f"model-npz-{kind}", f"--model DIR: the shipped text model with {kind.replace('-', ' ')}, SHA-256 matching "
         "(one page, and --jsonl --jobs 2)", "exit 4, one sentence (never exit 0 with empty or NaN output)")(_npz)


@case("model-npz-html-page-types-damaged", "--model DIR: the shipped HTML model with an unknown page kind, then "
      "with page-type weights of the wrong width", "exit 4 on an HTML page, one sentence")
def _page_types_damaged(tmp: Path, checks: Checks) -> None:
    import numpy as np

    for change in (lambda a: a.update({"page_type/known": np.array(["article", "spaceship"])}),
                   lambda a: a.update({"page_type/coef": a["page_type/coef"][:, :100]})):
        directory = npz_model(tmp / str(len(list(tmp.iterdir()))), _damaged(change, "html")(), track="html")
        page = tmp / "page.html"
        page.write_text(EN_HTML, encoding="utf-8")
        checks.run(cli("--model", str(directory), str(page)), 4, one_line_error=True)


def _zip_member(name: str, header_shape: tuple, data_bytes: int, compress: bool) -> bytes:
    """An npz (zip) of one .npy member whose header declares ``header_shape`` float64 and whose data is
    ``data_bytes`` zero bytes, deflated when ``compress`` (a zip bomb of a model file)."""
    import io
    import zipfile

    import numpy as np

    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": header_shape})
    buffer = io.BytesIO()
    info = zipfile.ZipInfo(name + ".npy")
    info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(buffer, "w") as archive:
        with archive.open(info, "w", force_zip64=True) as member:
            member.write(header.getvalue())
            block = bytes(1 << 20)
            left = data_bytes
            while left > 0:
                member.write(block[:min(left, len(block))])
                left -= len(block)
    return buffer.getvalue()


for kind, shape, data, compress in (("1gb-deflated-idf", (2 ** 27,), 2 ** 30, True),
                                    ("8gb-declared-idf-little-data", (2 ** 30,), 4096, False),
                                    ("3gb-unknown-member", (3 * 2 ** 27,), 2 ** 20, True)):
    def _bomb(tmp: Path, checks: Checks, shape=shape, data=data, compress=compress, kind=kind) -> None:
        raw = _zip_member("extra" if "unknown" in kind else "idf", shape, data, compress)
        model_run(checks, npz_model(tmp, raw=raw), timeout=60)
    case(f"model-npz-{kind}", f"--model DIR whose model.npz member declares shape {shape} float64 "
         f"({data:,} bytes of data{', deflated' if compress else ''}), SHA-256 matching",
         "exit 4, one sentence, peak ≤ 400 MB, nothing inflated")(_bomb)


for value in ("NaN", "Infinity", "1e400", "-3", "1.5", "\"0.5\"", "true", "null"):
    def _threshold(tmp: Path, checks: Checks, value=value) -> None:
        directory = shipped_copy(tmp)
        text = (directory / "meta.json").read_text(encoding="utf-8")
        meta = json.loads(text)
        (directory / "meta.json").write_text(
            json.dumps(meta).replace(f'"threshold": {json.dumps(meta["threshold"])}', f'"threshold": {value}'),
            encoding="utf-8")
        model_run(checks, directory)
    case(f"model-threshold-{value.strip(chr(34)).lower()}", f"--model DIR whose meta.json threshold is {value}",
         "exit 4, one sentence")(_threshold)


def model_set(tmp: Path, tracks: tuple[str, ...]) -> Path:
    root = tmp / "set"
    for track in tracks:
        shutil.copytree(SHIPPED_TEXT_MODEL.parent / track, root / track)
    return root


for present, missing in ((("text",), "html"), (("html",), "text")):
    for jobs in ("1", "2"):
        def _partial_set(tmp: Path, checks: Checks, present=present, missing=missing, jobs=jobs) -> None:
            root = model_set(tmp, present)
            html = base64.b64encode(EN_HTML.encode()).decode()
            lines = [record(i, text=EN_TEXT) if i % 2 else record(i, html_b64=html) for i in range(40)]
            out = batch(checks, lines, "--model", str(root), "--jobs", jobs)
            missing_format = "html" if missing == "html" else "text"
            for number, line in enumerate(out):
                wanted_error = (number % 2 == 0) == (missing_format == "html")
                if wanted_error != ("error" in line):
                    checks.fail(f"record {number}: {'no error' if wanted_error else line.get('error')}")
                    break
            page = tmp / ("page.html" if missing == "html" else "page.txt")
            page.write_text(EN_HTML if missing == "html" else EN_TEXT, encoding="utf-8")
            checks.run(cli("--model", str(root), str(page)), 4, one_line_error=True)
        case(f"model-set-without-{missing}-jobs{jobs}", f"--model SET holding only {present[0]}/: 40 --jsonl records "
             f"half text, half HTML, --jobs {jobs}; then one {missing} page",
             f"batch exit 0, 40 lines, the {missing} records with an error; the one page exit 4, one sentence")(
            _partial_set)


@case("model-deleted-before-a-worker-starts", "--jobs 2 streaming records; the --model directory deleted, then a "
      "worker killed (its replacement finds no model), then more records", "exit 4 with one sentence (no traceback "
      "per worker started), complete lines before it, in order")
def _deleted(tmp: Path, checks: Checks) -> None:
    directory = shipped_copy(tmp)
    running = Running(["--jsonl", "--jobs", "2", "--batch-size", "1", "--model", str(directory)],
                      jsonl([record(i, text=EN_TEXT) for i in range(10)]), close_stdin=False)
    found = workers(running.process.pid, 2)
    running.wait_lines(6, 90)
    time.sleep(2)
    shutil.rmtree(directory)
    for pid in found[:1]:
        os.kill(pid, signal.SIGKILL)
    time.sleep(1)
    try:
        running.process.stdin.write(jsonl([record(i, text=EN_TEXT) for i in range(10, 30)]))
        running.process.stdin.close()
    except OSError:
        pass
    done = running.finish(120)
    checks.run(done, {0, 4}, one_line_error=True)
    count = done.out.count(b"\n")
    checks.lines(done.out, count)
    if done.status == 0 and count != 30:
        checks.fail(f"exit 0 with {count} lines for 30 records")
    checks.note(f"exit {done.status}, {count} lines")


@case("model-workers-fail-to-load", "--jobs 2 with a model whose headers pass but whose leaf values are NaN "
      "(refused when a worker loads it)", "exit 4, one sentence once (not one per worker)")
def _workers_fail(tmp: Path, checks: Checks) -> None:
    directory = npz_model(tmp, _damaged(_nan_at("revision0/leaf_value", 5))())
    done = cli("--model", str(directory), "--jsonl", "--jobs", "2", data=many_records(40))
    checks.run(done, 4, one_line_error=True)


# The API's bad inputs (issue 20, item 10) -------------------------------------------------
api_case("api-filter-many-odd-pages", "filter_many over bytes Content-Type, memoryview, bytearray, encoding=5, "
         "(bytes, bytes), 3-tuple, None, object(), 5, format=5, bytes encoding, content_type=5, a list",
         "13 results in order, the odd ones with .error, no exception", f"""
html = {EN_HTML!r}
zh = {ZH_HTML!r}.format(charset='gbk').encode('gb18030')
pages = [Page(zh, content_type=b'text/html; charset=gbk'), memoryview(html.encode()), bytearray(html.encode()),
         Page(html, encoding=5), (zh, b'text/html; charset=gbk'), (1, 2, 3), None, object(), 5,
         Page(html, format=5), Page(zh, encoding=b'gbk'), Page(html, content_type=5), [html]]
results = list(cf.filter_many(pages, batch_size=4))
want = [True, True, True, False, True, False, False, False, False, False, True, False, False]
if len(results) != len(pages): print('FAIL', len(results), 'results for', len(pages), 'pages')
else:
    got = [r.error is None for r in results]
    if got != want: print('FAIL ok pattern', got)
    for number in (0, 4, 10):
        if {ZH_SENTENCE!r} not in results[number].text: print('FAIL page', number, 'misread', results[number].encoding)
print('DONE')
""")
api_case("api-filter-many-source-raises", "a source generator raising after 70 pages (batch 64), after 3, and at once",
         "70 / 3 / 0 results yielded, then the source's own exception", f"""
class Broken(Exception): pass
for count in (70, 3, 0):
    def source():
        for i in range(count): yield {EN_TEXT!r}
        raise Broken('the crawl failed')
    results = []
    try:
        for result in cf.filter_many(source(), batch_size=64): results.append(result)
    except Broken: pass
    else: print('FAIL the exception was swallowed')
    if len(results) != count: print('FAIL', len(results), 'results for', count, 'pages consumed')
print('DONE')
""")
api_case("api-arguments-refused-at-the-call", "ContentFilter(max_page_bytes=1.5/0/True/'9'), threshold=nan/inf/-3/'0.5', "
         "model=5; filter_many(batch_size=0/1.5/True, encoding=5/'rot13', format='x'/5)",
         "TypeError or ValueError naming the argument at the call, before any page", f"""
cases = [('max_page_bytes', dict(max_page_bytes=1.5)), ('max_page_bytes', dict(max_page_bytes=0)),
         ('max_page_bytes', dict(max_page_bytes=True)), ('max_page_bytes', dict(max_page_bytes='9')),
         ('threshold', dict(threshold=float('nan'))), ('threshold', dict(threshold=float('inf'))),
         ('threshold', dict(threshold=-3)), ('threshold', dict(threshold='0.5')), ('model', dict(model=5))]
for name, arguments in cases:
    try: ContentFilter(**arguments)
    except (TypeError, ValueError) as error:
        if name not in str(error): print('FAIL', arguments, 'error does not name', name, ':', error)
    else: print('FAIL accepted', arguments)
calls = [('batch_size', dict(batch_size=0)), ('batch_size', dict(batch_size=1.5)), ('batch_size', dict(batch_size=True)),
         ('encoding', dict(encoding=5)), ('encoding', dict(encoding='rot13')), ('format', dict(format='x')),
         ('format', dict(format=5))]
for name, arguments in calls:
    try: cf.filter_many([{EN_TEXT!r}], **arguments)
    except (TypeError, ValueError) as error:
        if name not in str(error): print('FAIL', arguments, 'error does not name', name, ':', error)
    else: print('FAIL accepted at the call', arguments)
print('DONE')
""")
api_case("api-model-set-without-html", "ContentFilter(set with text/ only): filter_many([text, html, text]); "
         "filter(html page)", "3 results, the HTML one with .error; filter raises ModelError", f"""
import shutil, tempfile, pathlib
from filterkit import ModelError
root = pathlib.Path(tempfile.mkdtemp()) / 'set'
shutil.copytree({str(SHIPPED_TEXT_MODEL)!r}, root / 'text')
partial = ContentFilter(root)
results = list(partial.filter_many([{EN_TEXT!r}, {EN_HTML!r}, {ZH_TEXT!r}]))
if [r.error is None for r in results] != [True, False, True]: print('FAIL', [r.error for r in results])
try: partial.filter({EN_HTML!r})
except ModelError: pass
else: print('FAIL filter of an HTML page returned a result')
shutil.rmtree(root.parent)
print('DONE')
""")


# -- running and the table -----------------------------------------------------------------
def run_case(item: Case, base: Path) -> None:
    pwned = base / "pwned"
    tmp = base / item.name
    tmp.mkdir()
    checks = Checks()
    started = time.monotonic()
    try:
        item.run(tmp, checks)
    except Exception as error:  # the script's own failure is reported as the case's
        checks.fail(f"the case itself failed: {type(error).__name__}: {error}")
    item.seconds = time.monotonic() - started
    if pwned.exists():
        checks.fail("the model's payload ran: pwned file created")
        pwned.unlink()
    item.stderr = checks.stderr
    item.passed = not checks.problems
    item.result = "PASS" if item.passed else "FAIL: " + "; ".join(dict.fromkeys(checks.problems))
    if checks.notes:
        item.result += " (" + "; ".join(checks.notes) + ")"
    shutil.rmtree(tmp, ignore_errors=True)


def table(cases: list[Case], command: str, total: float) -> str:
    passed = sum(item.passed for item in cases)
    rows = ["# Hostile input: the table of one full run", "",
            f"`{command}` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {total:.0f} s): "
            f"**{passed} passed, {len(cases) - passed} failed** of {len(cases)} cases.", "",
            "Every case runs the real command (`python3 -m filterkit ...`, cwd = the checkout) or the API in a "
            "subprocess, on inputs built in a temp folder from original text, and checks: no `Traceback` on "
            "stderr, the exit status documented in the README, for batches one output line per input record in "
            "order, strict UTF-8 JSON (NaN/Infinity refused), one sentence on stderr for an error status, and no "
            "file created by a malicious model's payload. FAIL rows are real failures of filterkit, not fixed "
            "here.", "",
            "| case | what it feeds | expected | result | time |", "|---|---|---|---|---|"]
    for item in cases:
        result = item.result.replace("|", "\\|")
        rows.append(f"| {item.name} | {item.feeds.replace('|', '/')} | {item.expected} | {result} | "
                    f"{item.seconds:.1f} s |")
    failing = [item for item in cases if not item.passed]
    if failing:
        rows += ["", "## stderr of the failing cases", ""]
        for item in failing:
            err = item.stderr.decode("utf-8", "replace").strip()
            rows += [f"**{item.name}**", "", "```", (err[-1500:] if err else "(empty)"), "```", ""]
    return "\n".join(rows).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m benchmarks.hostile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", metavar="NAME", help="run the cases whose name contains NAME")
    parser.add_argument("--table", metavar="FILE", type=Path, help="write the Markdown table here")
    args = parser.parse_args(argv)
    cases = [item for item in CASES if not args.only or args.only in item.name]
    if not cases:
        parser.error(f"no case is named like {args.only!r}")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="filterkit-hostile-") as base:
        for item in cases:
            run_case(item, Path(base))
            print(f"{item.seconds:6.1f} s  {item.name}  {item.result}", flush=True)
    total = time.monotonic() - started
    passed = sum(item.passed for item in cases)
    print(f"{passed} passed, {len(cases) - passed} failed of {len(cases)} cases in {total:.0f} s")
    if args.table:
        command = "python3 -m benchmarks.hostile" + (f" --only {args.only}" if args.only else "") + \
            f" --table {args.table}"
        args.table.write_text(table(cases, command, total), encoding="utf-8")
    return 0 if passed == len(cases) else 1


if __name__ == "__main__":
    sys.exit(main())
