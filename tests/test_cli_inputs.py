"""Where the command's input comes from: stdin and pipes as batches, FIFOs, folders and --output-dir."""
import json
import os
import subprocess
import sys
import threading

import pytest

import archive_fixtures as fixtures
from benchmarks.hostile import tree
from conftest import PAGES

COMMAND = [sys.executable, "-m", "filterkit"]
HTML = (PAGES / "night-market.html").read_bytes()
TEXT = (PAGES / "harbour-ferry.txt").read_bytes()
# Root reads any folder: without these capabilities, as any other user, it meets the permission bits.
NO_ROOT_READS = ["setpriv", "--inh-caps=-dac_override,-dac_read_search",
                 "--bounding-set=-dac_override,-dac_read_search", "--"] if os.geteuid() == 0 else []


def run(*args, data=b"", prefix=(), **kwargs):
    return subprocess.run([*prefix, *COMMAND, *args], input=data, capture_output=True, timeout=180, **kwargs)


def lines(done):
    return [json.loads(line) for line in done.stdout.decode().splitlines()]


def _page_urls():
    data, expected = fixtures.build(gzip=True)
    return data, [item.url for item in expected if item.skip is None]


@pytest.mark.parametrize("gzip", [True, False])
def test_an_archive_on_stdin_is_a_batch_with_or_without_format_warc_and_as_dash(gzip):
    data, expected = fixtures.build(gzip=gzip)
    urls = [item.url for item in expected if item.skip is None]
    for args in ([], ["--format", "warc"], ["-"]):
        done = run(*args, data=data)
        assert done.returncode == 0, done.stderr
        assert [record["url"] for record in lines(done)] == urls
        assert b"other records skipped" in done.stderr  # said although stderr is not a terminal


def test_a_page_on_stdin_with_output_dir_is_written_to_stdin_txt(tmp_path):
    done = run("--output-dir", str(tmp_path / "out"), data=HTML)
    assert done.returncode == 0 and done.stdout == b"", done.stderr
    alone = run(data=HTML)
    assert (tmp_path / "out" / "stdin.txt").read_bytes() == alone.stdout and alone.stdout.strip()


def test_a_pipe_path_loses_none_of_its_first_bytes(tmp_path):
    expected = run(str(PAGES / "night-market.html")).stdout
    for data in (HTML, TEXT, *_page_urls()[:1]):
        read, write = os.pipe()
        writer = threading.Thread(target=lambda: (os.write(write, data), os.close(write)))
        writer.start()
        done = run(f"/dev/fd/{read}", pass_fds=(read,))
        os.close(read)
        writer.join()
        assert done.returncode == 0, done.stderr
        if data is HTML:
            assert done.stdout == expected and expected.strip()
        elif data is TEXT:
            assert done.stdout == run(data=TEXT).stdout
        else:
            assert len(lines(done)) == len(_page_urls()[1])


def test_a_fifo_among_inputs_is_read_once_and_one_in_a_folder_is_skipped_without_hanging(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "page.html").write_bytes(HTML)
    os.mkfifo(tmp_path / "site" / "pipe")  # nobody writes it: reading it would wait forever
    os.mkfifo(tmp_path / "named")

    def feed():
        with open(tmp_path / "named", "wb") as fifo:
            fifo.write(HTML)

    writer = threading.Thread(target=feed)
    writer.start()
    done = run("named", "site", cwd=tmp_path)
    writer.join()
    assert done.returncode == 0, done.stderr
    out = lines(done)
    assert [record["path"] for record in out] == ["named", "site/page.html"] and out[0]["main"] == out[1]["main"]
    assert b"skipped site/pipe: not a regular file (a FIFO)" in done.stderr


def test_two_folders_with_the_same_relative_names_write_under_their_own_names(tmp_path):
    for site, data in (("a", HTML), ("b", TEXT)):
        (tmp_path / site / "pages").mkdir(parents=True)
        (tmp_path / site / "pages" / "index.html").write_bytes(data)
    done = run("a/pages/index.html", "b/pages/index.html", cwd=tmp_path)
    assert [record["path"] for record in lines(done)] == ["a/pages/index.html", "b/pages/index.html"]
    done = run("--input-dir", "a", "--input-dir", "b", "--output-dir", "out", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == b"", done.stderr
    first, second = (tmp_path / "out" / site / "pages" / "index.html.txt" for site in ("a", "b"))
    assert first.read_text() != second.read_text() and first.read_text().strip() and second.read_text().strip()
    # Two inputs of the same name would share a folder: refused before anything is read or written.
    clash = run("a/pages", "b/pages", "--output-dir", "out2", cwd=tmp_path)
    assert clash.returncode == 2 and b"would both write to" in clash.stderr and not (tmp_path / "out2").exists()


def test_the_output_folder_inside_the_input_folder_is_not_read_again(tmp_path):
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "page.html").write_bytes(HTML)
    for _ in range(2):
        done = run("--input-dir", "site", "--output-dir", "site/main", cwd=tmp_path)
        assert done.returncode == 0 and done.stdout == b"", done.stderr
    assert sorted(os.listdir(tmp_path / "site" / "main")) == ["page.html.txt"]
    same = run("--input-dir", "site", "--output-dir", "site", cwd=tmp_path)
    assert same.returncode == 2 and b"is an input folder" in same.stderr


def test_an_archive_with_output_dir_writes_one_file_per_page_record(tmp_path):
    data, urls = _page_urls()
    (tmp_path / "crawl.warc.gz").write_bytes(data)
    done = run("crawl.warc.gz", "--output-dir", "out", cwd=tmp_path)
    assert done.returncode == 0 and done.stdout == b"", done.stderr
    names = sorted(os.listdir(tmp_path / "out"))
    assert len(names) == len(urls) and all(name.endswith(".txt") and "/" not in name for name in names)
    assert names == sorted(names, key=lambda name: int(name.split("-")[0]))  # numbered in archive order


def test_reads_are_bounded_before_the_whole_file_is_read(tmp_path):
    (tmp_path / "site").mkdir()
    os.symlink("/dev/zero", tmp_path / "zero")
    os.symlink("/dev/zero", tmp_path / "site" / "zero.html")
    with open(tmp_path / "site" / "huge.txt", "wb") as huge:  # sparse: 4 GB that take no disk
        huge.write(TEXT)
        huge.truncate(4 << 30)
    single = run("--json", "--max-page-bytes", "100000", "zero", cwd=tmp_path)
    assert single.returncode in (0, 3) and b"Traceback" not in single.stderr
    if single.returncode == 0:
        assert json.loads(single.stdout)["truncated"] is True
    done = run("--max-page-bytes", "100000", "site", "zero", cwd=tmp_path)
    assert b"Traceback" not in done.stderr and b"skipped site/zero.html: not a regular file" in done.stderr
    out = lines(done)
    assert [record["path"] for record in out] == ["site/huge.txt", "zero"]
    assert out[0]["truncated"] is True and out[0]["main"]


def test_non_pages_in_a_folder_are_skipped_by_content_with_a_reason_and_glob_chooses_files(tmp_path):
    (tmp_path / "site" / "static").mkdir(parents=True)
    (tmp_path / "site" / "article").write_bytes(HTML)  # no suffix: a page by its content
    (tmp_path / "site" / "notes.txt").write_bytes(TEXT)
    (tmp_path / "site" / "static" / "app.html").write_bytes(b"(function(){var a=1;window.x=a;})();\n")
    (tmp_path / "site" / "static" / "style.css").write_bytes(b"body {\n  margin: 0;\n}\np {\n  color: red;\n}\n")
    (tmp_path / "site" / "robots.txt").write_bytes(b"User-agent: *\nDisallow: /private/\n")
    (tmp_path / "site" / "logo.html").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    done = run("site", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [record["path"] for record in lines(done)] == ["site/article", "site/notes.txt"]
    for name, reason in (("static/app.html", b"JavaScript"), ("static/style.css", b"CSS"),
                         ("robots.txt", b"robots.txt"), ("logo.html", b"PNG")):
        assert b"skipped site/" + name.encode() + b": not a page (" in done.stderr and reason in done.stderr
    chosen = run("site", "--glob", "*.txt", cwd=tmp_path)
    assert [record["path"] for record in lines(chosen)] == ["site/notes.txt"]
    assert b"4 files not matching --glob skipped" in chosen.stderr
    assert b"robots.txt" in chosen.stderr  # matched, then skipped by its content
    quiet = run("site", "--quiet", cwd=tmp_path)
    assert quiet.stderr == b"" and len(lines(quiet)) == 2


def test_unreadable_folders_and_files_are_said_and_the_run_goes_on(tmp_path):
    (tmp_path / "site" / "locked").mkdir(parents=True)
    (tmp_path / "site" / "locked" / "a.html").write_bytes(HTML)
    (tmp_path / "site" / "page.html").write_bytes(HTML)
    (tmp_path / "site" / "secret.html").write_bytes(HTML)
    os.symlink("missing.html", tmp_path / "site" / "broken.html")
    (tmp_path / "site" / "locked").chmod(0)
    (tmp_path / "site" / "secret.html").chmod(0)
    try:
        done = run("site", cwd=tmp_path, prefix=NO_ROOT_READS)
    finally:
        (tmp_path / "site" / "locked").chmod(0o755)
    assert done.returncode == 3, done.stderr
    out = lines(done)
    assert [record["path"] for record in out] == ["site/broken.html", "site/page.html", "site/secret.html"]
    assert "error" in out[0] and "main" in out[1] and "Permission denied" in out[2]["error"]
    assert b"cannot read the folder site/locked: Permission denied" in done.stderr


def test_each_damaged_archive_is_said_and_the_run_ends_with_exit_3(tmp_path):
    data, urls = _page_urls()
    (tmp_path / "cut.warc.gz").write_bytes(fixtures.truncate_last(data, gzip=True))
    (tmp_path / "garbled.warc.gz").write_bytes(fixtures.garble_header(data, True, 5))
    (tmp_path / "sound.warc.gz").write_bytes(data)
    done = run("cut.warc.gz", "garbled.warc.gz", "sound.warc.gz", cwd=tmp_path)
    assert done.returncode == 3
    errors = [line for line in done.stderr.splitlines() if line.startswith(b"filterkit: error:")]
    assert [line.split(b": ")[2] for line in errors] == [b"cut.warc.gz", b"garbled.warc.gz"]
    out = lines(done)
    assert [record["url"] for record in out[:len(urls) - 1]] == urls[:-1]
    assert [record["url"] for record in out[-len(urls):]] == urls and {record["archive"] for record in out[-len(urls):]} \
        == {"sound.warc.gz"}


def test_a_tree_thousands_of_folders_deep_and_odd_file_names_are_read_and_written(tmp_path):
    folder = tmp_path / "site"
    folder.mkdir()
    (folder / "top.txt").write_bytes(TEXT)
    with open(os.path.join(os.fsencode(folder), b"latin-\xff name\n.txt"), "wb") as odd:  # not UTF-8, a newline
        odd.write(TEXT)
    deep = os.fsencode(folder)
    for _ in range(1200):  # os.walk and os.makedirs recurse once per level: Python's limit is 1,000
        deep = os.path.join(deep, b"d")
        os.mkdir(deep)
    with open(os.path.join(deep, b"page.html"), "wb") as page:
        page.write(HTML)
    try:
        done = run("site", "--output-dir", "out", cwd=tmp_path)
        assert done.returncode == 0 and done.stdout == b"" and b"Traceback" not in done.stderr, done.stderr[-2000:]
        written = [path for path in tree(os.fsencode(tmp_path / "out")) if not os.path.isdir(path)]
        assert len(written) == 3 and any(name.endswith(b"page.html.txt") and name.count(b"/d") == 1200
                                         for name in written)
    finally:  # shutil.rmtree, as pytest cleans its old temp folders, recurses once per level too
        for path in reversed([*tree(os.fsencode(folder)), *tree(os.fsencode(tmp_path / "out"))]):
            (os.rmdir if os.path.isdir(path) and not os.path.islink(path) else os.unlink)(path)


@pytest.mark.parametrize("args", [["--jsonl", "--output-dir", "out"], ["--glob", "*.html", "page.html"]])
def test_options_that_would_do_nothing_are_refused(tmp_path, args):
    (tmp_path / "page.html").write_bytes(HTML)
    done = run(*args, data=b'{"text": "x"}\n', cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == b"" and not (tmp_path / "out").exists()


def test_a_socket_named_among_inputs_is_an_error_record_and_alone_an_error(tmp_path):
    import socket

    (tmp_path / "page.html").write_bytes(HTML)
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(tmp_path / "sock"))
        done = run("sock", "page.html", cwd=tmp_path)
        alone = run("sock", cwd=tmp_path)
    out = lines(done)
    assert done.returncode == 0 and [record["path"] for record in out] == ["sock", "page.html"]
    assert "cannot read sock" in out[0]["error"] and out[1]["main"]
    assert alone.returncode == 3 and alone.stderr.startswith(b"filterkit: error: cannot read sock")
