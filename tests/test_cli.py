"""The filterkit command, run as a user runs it: a real process, stdin and stdout."""
import json
import subprocess
import sys

from conftest import PAGES, SEED_EXPECTED, SEED_PAGE, needs_shared
from training.corpus import read_page

PAGE = read_page(PAGES / "harbour-ferry.txt")


def run(*args, data=b""):
    return subprocess.run([sys.executable, "-m", "filterkit.cli", *args], input=data, capture_output=True, timeout=120)


@needs_shared
def test_seed_page_on_stdin_prints_the_expected_text():
    done = run(data=SEED_PAGE.read_bytes())
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == SEED_EXPECTED.read_text(encoding="utf-8")


def test_file_argument_and_json_output(tmp_path):
    path = tmp_path / "page.txt"
    path.write_text(PAGE.text, encoding="utf-8")
    done = run("--json", str(path))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["main"] == PAGE.gold and result["encoding"] == "utf-8" and result["lang"] == "en"
    assert {"text", "score", "label", "lang"} <= set(result["paragraphs"][0])
    assert [p["label"] for p in result["paragraphs"]] == [main for _, main in PAGE.lines]


def test_empty_input_gives_empty_output():
    done = run()
    assert (done.returncode, done.stdout, done.stderr) == (0, b"", b"")


def test_gb18030_bytes_are_decoded_and_garbage_is_one_line_error():
    assert run(data=PAGE.text.encode("gb18030")).stdout.decode().strip() == PAGE.gold
    done = run(data=bytes(range(128, 256)) * 8)
    assert done.returncode == 3
    assert done.stderr.decode().count("\n") == 1 and "Traceback" not in done.stderr.decode()


def test_missing_file_and_bad_model_are_clear_errors(tmp_path):
    done = run(str(tmp_path / "nope.txt"))
    assert done.returncode == 3 and b"cannot read" in done.stderr and b"Traceback" not in done.stderr
    done = run("--model", str(tmp_path), data=b"x")
    assert done.returncode == 4 and b"not a filterkit model" in done.stderr and b"Traceback" not in done.stderr
    assert run("--threshold", "7").returncode == 2


def test_jsonl_one_line_out_per_line_in_with_errors_in_place():
    records = [json.dumps({"id": 1, "text": PAGE.text}), "{not json", json.dumps({"id": 3}), "", json.dumps([1, 2]),
               json.dumps({"id": 6, "text": "", "extra": "kept"})]
    done = run("--jsonl", "--batch-size", "2", data=("\n".join(records) + "\n").encode() + b"\xff\xfe\xfa\n")
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert len(out) == len(records) + 1
    assert out[0]["id"] == 1 and out[0]["main"] == PAGE.gold and out[0]["lang"] == "en"
    assert "error" in out[1] and out[2]["id"] == 3 and "error" in out[2]
    assert "error" in out[3] and "error" in out[4] and "error" in out[6]
    empty = {key: None for key in out[0]["metadata"]}  # an empty page states nothing and keeps nothing, surely
    assert out[5] == {"id": 6, "text": "", "extra": "kept", "main": "", "lang": "und", "metadata": empty,
                      "confidence": 1.0, "kept_share": 0.0}


def test_jsonl_parallel_keeps_order():
    records = [json.dumps({"n": i, "text": PAGE.text if i % 2 else "短"}) for i in range(9)]
    done = run("--jsonl", "--jobs", "2", "--batch-size", "2", data=("\n".join(records) + "\n").encode())
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.decode().splitlines()]
    assert [r["n"] for r in out] == list(range(9))
    assert all(r["main"] == PAGE.gold for r in out if r["n"] % 2)


def test_help_explains_exit_codes():
    done = run("--help")
    assert done.returncode == 0 and b"exit status" in done.stdout and b"--jsonl" in done.stdout
