"""The command's signals, numeric options, stderr and read/write error paths (issue 20, item 8)."""
import json
import signal
import subprocess
import sys
import time

import pytest

COMMAND = [sys.executable, "-m", "filterkit"]
TEXT = "A title\n" + "Volunteers repainted the old footbridge over the mill stream on Sunday. " * 4 + "\n"


def run(*args, data=b"", **options):
    return subprocess.run([*COMMAND, *args], input=data, capture_output=True, timeout=180, **options)


@pytest.mark.parametrize("option, value", [
    ("--page-timeout", "nan"), ("--page-timeout", "inf"), ("--page-timeout", "-1"), ("--page-timeout", "0"),
    ("--page-timeout", "soon"), ("--page-timeout", "1e309"), ("--threshold", "nan"), ("--threshold", "-inf"),
    ("--threshold", "1.01"), ("--max-page-bytes", "1.5"), ("--max-page-bytes", "0"), ("--jobs", "0"),
    ("--jobs", "1000000"), ("--batch-size", "-2")])
def test_every_numeric_option_is_finite_and_in_range_or_refused_at_parsing(option, value):
    done = run("--jsonl", f"{option}={value}", data=json.dumps({"text": TEXT}).encode() + b"\n")
    assert done.returncode == 2 and b"Traceback" not in done.stderr
    assert option.encode() in done.stderr.splitlines()[-1]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_batch_completes_with_stderr_closed(tmp_path, jobs):
    records = tmp_path / "in.jsonl"
    records.write_text("".join(json.dumps({"n": n, "text": TEXT}) + "\n" for n in range(30)))
    done = subprocess.run(f"{' '.join(COMMAND)} --jsonl --jobs {jobs} < '{records}' 2>&-", shell=True,
                          capture_output=True, timeout=180)
    assert done.returncode == 0
    assert [json.loads(line)["n"] for line in done.stdout.splitlines()] == list(range(30))


@pytest.mark.parametrize("args", [["/proc/self/mem"], ["--jsonl", "/proc/self/mem"],
                                  ["--jsonl", "--jobs", "2", "/proc/self/mem"]])
def test_an_input_that_fails_to_read_is_an_input_error_not_an_output_error(args):
    done = run(*args)
    assert done.returncode == 3, done.stderr
    assert done.stderr.count(b"\n") == 1 and b"write" not in done.stderr


def _catches_sigterm(pid, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/status") as status:
            caught = next(int(line.split()[1], 16) for line in status if line.startswith("SigCgt:"))
        if caught & (1 << (signal.SIGTERM - 1)):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_during_one_page_exits_130_not_0(tmp_path, signum):
    page = tmp_path / "long.txt"
    page.write_text(TEXT * 40000)  # takes several seconds
    process = subprocess.Popen([*COMMAND, str(page)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert _catches_sigterm(process.pid)  # filterkit's main has begun: a signal before it is Python's default's
    time.sleep(2)
    assert process.poll() is None, "the page was done before the signal"
    process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130 and out == b"" and b"Traceback" not in err
