"""Model directories of every bad shape cost a bounded time and memory and give one ModelError (issue 20, item 9)."""
import hashlib
import io
import json
import os
import shutil
import zipfile

import numpy as np
import pytest

from filterkit import ContentFilter
from filterkit.errors import ModelError
from filterkit.model_io import DEFAULT_MODEL_DIR, META_FILE, WEIGHTS_FILE, load_model


@pytest.fixture
def model_copy(tmp_path):
    target = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR / "text", target)
    return target


def _store(directory, arrays=None, raw=None):
    """Write model.npz (``arrays`` or the bytes ``raw``) with a matching SHA-256, as an attacker could."""
    if raw is None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        raw = buffer.getvalue()
    (directory / WEIGHTS_FILE).write_bytes(raw)
    meta = json.loads((directory / META_FILE).read_text())
    meta["sha256"] = hashlib.sha256(raw).hexdigest()
    (directory / META_FILE).write_text(json.dumps(meta))


def _arrays(directory):
    with np.load(directory / WEIGHTS_FILE) as stored:
        return dict(stored)


@pytest.mark.parametrize("file_name", [META_FILE, WEIGHTS_FILE])
@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "sparse-8gb", "directory", "dangling-symlink"])
def test_model_files_that_are_not_small_regular_files_are_refused_before_opening(model_copy, file_name, kind):
    path = model_copy / file_name
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)  # opening it would block until a writer came
    elif kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "sparse-8gb":
        with open(path, "wb") as stream:
            stream.truncate(8 * 1024 ** 3)
    elif kind == "directory":
        path.mkdir()
    else:
        path.symlink_to(model_copy / "nowhere")
    with pytest.raises(ModelError, match=file_name.replace(".", r"\.")):
        ContentFilter(model_copy)


DAMAGE = {
    "idf of the wrong length": lambda a: a.update(idf=a["idf"][:100]),
    "idf holding NaN": lambda a: a["idf"].__setitem__(5, np.nan),
    "lexical weights of the wrong width": lambda a: a.update({"lexical/coef": a["lexical/coef"][:, :-1]}),
    "integer lexical weights": lambda a: a.update({"lexical/coef": a["lexical/coef"].astype(np.int32)}),
    "an infinite intercept": lambda a: a.update({"lexical/intercept": np.array([np.inf])}),
    "a NaN leaf": lambda a: a["first/leaf_value"].__setitem__(0, np.nan),
    "float node features": lambda a: a.update({"first/feature": a["first/feature"].astype(float)}),
    "no trees": lambda a: a.update({"revision0/roots": a["revision0/roots"][:0]}),
    "a thousand revisions": lambda a: a.update(revisions=np.array(1000)),
    "a revision reading fewer features": lambda a: a.update({"revision0/n_features": np.array(3)}),
    "an array no model has": lambda a: a.update(payload=np.zeros(4)),
    "a page-type step on the text track": lambda a: a.update({"page_type/known": np.array(["article"])}),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_arrays_of_the_wrong_shape_type_or_value_are_refused_at_loading(model_copy, damage):
    arrays = _arrays(model_copy)
    DAMAGE[damage](arrays)
    _store(model_copy, arrays)
    with pytest.raises(ModelError, match="cannot load .*retrain"):
        load_model(model_copy)


def _bomb(shape, data_bytes, name="idf"):
    """An npz of one member whose header declares ``shape`` float64 over ``data_bytes`` of deflated zeros."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": shape})
    buffer = io.BytesIO()
    info = zipfile.ZipInfo(f"{name}.npy")
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w") as archive, archive.open(info, "w", force_zip64=True) as member:
        member.write(header.getvalue())
        for _ in range(data_bytes // (1 << 20)):
            member.write(bytes(1 << 20))
    return buffer.getvalue()


@pytest.mark.parametrize("shape, data_bytes, name", [((2 ** 30,), 0, "idf"), ((2 ** 19,), 2 ** 20, "idf"),
                                                     ((2 ** 26,), 2 ** 29, "idf"), ((2 ** 27,), 0, "first/leaf_value")])
def test_npz_members_are_checked_from_their_headers_before_anything_is_inflated(model_copy, shape, data_bytes, name):
    import resource

    _store(model_copy, raw=_bomb(shape, data_bytes, name))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(ModelError, match="cannot load"):
        ContentFilter(model_copy)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100


@pytest.mark.parametrize("threshold", ["NaN", "Infinity", "-Infinity", "1e400", "-3", "1.0001", "\"0.5\"", "true"])
def test_a_threshold_that_is_no_probability_is_refused(model_copy, threshold):
    meta = json.loads((model_copy / META_FILE).read_text())
    text = json.dumps(meta).replace(f'"threshold": {json.dumps(meta["threshold"])}', f'"threshold": {threshold}')
    (model_copy / META_FILE).write_text(text)
    with pytest.raises(ModelError, match="threshold"):
        ContentFilter(model_copy)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their permissions")
def test_an_unreadable_model_file_is_a_model_error(model_copy):
    (model_copy / WEIGHTS_FILE).chmod(0)
    with pytest.raises(ModelError, match="cannot read"):
        ContentFilter(model_copy)


@pytest.mark.parametrize("present", ["text", "html"])
def test_a_model_set_without_a_track_gives_its_pages_an_error_and_goes_on(tmp_path, present):
    shutil.copytree(DEFAULT_MODEL_DIR / present, tmp_path / "set" / present)
    partial = ContentFilter(tmp_path / "set")
    html = "<html><body><h1>A title</h1><p>" + "Words of a paragraph about a bridge. " * 10 + "</p></body></html>"
    text = "A title\n" + "Words of a paragraph about a bridge. " * 10 + "\n"
    results = list(partial.filter_many([text, html, text], batch_size=2))
    missing = "html" if present == "text" else "text"
    assert [r.error is None for r in results] == ([True, False, True] if missing == "html" else [False, True, False])
    assert all(missing + "/" in r.error for r in results if r.error)
    with pytest.raises(ModelError):
        partial.filter(html if missing == "html" else text)
