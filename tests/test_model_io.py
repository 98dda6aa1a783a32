"""Models are versioned artifacts of plain arrays: checked before use, refused with a clear message, never run."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from filterkit.model_io import DEFAULT_MODEL_DIR, META_FILE, PICKLE_FILE, WEIGHTS_FILE, ModelError, load_model


@pytest.fixture
def model_copy(tmp_path):
    target = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR / "text", target)
    return target


def edit_meta(directory, **changes):
    meta = json.loads((directory / META_FILE).read_text())
    meta.update(changes)
    (directory / META_FILE).write_text(json.dumps(meta))


def test_default_model_carries_its_metadata():
    _, meta = load_model()
    for key in ("versions", "feature_set_version", "sha256", "threshold", "training_data", "figures", "command"):
        assert key in meta
    assert set(meta["versions"]) >= {"filterkit", "scikit-learn", "numpy", "python"}
    assert len(meta["training_data"]["fingerprint"]) == 64


def test_damaged_weights_are_refused_before_reading(model_copy):
    with open(model_copy / WEIGHTS_FILE, "ab") as stream:
        stream.write(b"tampered")
    with pytest.raises(ModelError, match="SHA-256"):
        load_model(model_copy)


def _as_pickle(directory):
    """The model re-saved as filterkit 0.2 saved models: a joblib pickle, with its hash in meta.json."""
    import hashlib

    import joblib

    model, _ = load_model(directory)
    (directory / WEIGHTS_FILE).unlink()
    joblib.dump(model, directory / PICKLE_FILE)
    edit_meta(directory, sha256=hashlib.sha256((directory / PICKLE_FILE).read_bytes()).hexdigest())
    return model


def test_arrays_load_whatever_scikit_learn_made_them(model_copy):
    meta = json.loads((model_copy / META_FILE).read_text())
    meta["versions"]["scikit-learn"] = "0.24.2"
    (model_copy / META_FILE).write_text(json.dumps(meta))
    model, _ = load_model(model_copy)
    assert model.track == "text"


def test_an_old_pickle_loads_only_when_trusted_and_of_this_scikit_learn(model_copy):
    model = _as_pickle(model_copy)
    with pytest.raises(ModelError, match="--trust-model"):
        load_model(model_copy)
    loaded, _ = load_model(model_copy, trust=True)
    from filterkit.analysis import analyse

    batch = analyse(["A title", "A first paragraph of the page, long enough to be read as prose by the model."])
    assert (loaded.predict_proba(batch) == model.predict_proba(batch)).all()
    meta = json.loads((model_copy / META_FILE).read_text())
    meta["versions"]["scikit-learn"] = "0.24.2"
    (model_copy / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=r"scikit-learn 0\.24\.2.*python -m training\.train"):
        load_model(model_copy, trust=True)


def test_arrays_holding_a_pickle_run_no_code(tmp_path, model_copy):
    """np.load refuses object arrays (pickles inside the .npz): a model file cannot run code, trusted or not."""
    import hashlib

    import numpy as np

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    with np.load(model_copy / WEIGHTS_FILE) as stored:
        arrays = dict(stored)
    arrays["idf"] = np.array([Payload()], dtype=object)
    np.savez(model_copy / WEIGHTS_FILE, **arrays)
    edit_meta(model_copy, sha256=hashlib.sha256((model_copy / WEIGHTS_FILE).read_bytes()).hexdigest())
    for trust in (False, True):
        with pytest.raises(ModelError, match="cannot load"):
            load_model(model_copy, trust=trust)
    done = subprocess.run([sys.executable, "-m", "filterkit", "--model", str(model_copy), "--trust-model"],
                          input=b"a page", capture_output=True, timeout=120)
    assert done.returncode == 4 and done.stderr.count(b"\n") == 1 and b"Traceback" not in done.stderr
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("damage", ["truncated", "missing array", "tree pointing back"])
def test_damaged_arrays_are_one_sentence(model_copy, damage):
    import hashlib

    import numpy as np

    path = model_copy / WEIGHTS_FILE
    if damage == "truncated":
        path.write_bytes(path.read_bytes()[:1000])
    else:
        with np.load(path) as stored:
            arrays = dict(stored)
        if damage == "missing array":
            del arrays["first/threshold"]
        else:
            arrays["first/children"] = np.zeros_like(arrays["first/children"])
        np.savez(path, **arrays)
    edit_meta(model_copy, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    with pytest.raises(ModelError, match="cannot load .*retrain"):
        load_model(model_copy)


def test_other_feature_set_is_refused(model_copy):
    edit_meta(model_copy, feature_set_version=-1)
    with pytest.raises(ModelError, match="feature set"):
        load_model(model_copy)


def test_a_directory_without_metadata_is_not_a_model(tmp_path):
    with pytest.raises(ModelError, match="not a filterkit model"):
        load_model(tmp_path)


def test_a_pickle_from_outside_the_package_runs_no_code_unless_trusted(tmp_path):
    import hashlib
    import json
    import pickle

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    model_copy = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR / "text", model_copy)
    (model_copy / WEIGHTS_FILE).unlink()  # a model as filterkit 0.2 saved them: a pickle
    (model_copy / PICKLE_FILE).write_bytes(pickle.dumps(Payload()))
    meta = json.loads((model_copy / META_FILE).read_text())
    meta["sha256"] = hashlib.sha256((model_copy / PICKLE_FILE).read_bytes()).hexdigest()
    (model_copy / META_FILE).write_text(json.dumps(meta))
    done = subprocess.run([sys.executable, "-m", "filterkit", "--model", str(model_copy)], input=b"a page",
                          capture_output=True, timeout=120)
    assert done.returncode == 4 and b"--trust-model" in done.stderr and done.stderr.count(b"\n") == 1
    assert not (tmp_path / "pwned").exists()
    with pytest.raises(ModelError, match="trust"):
        load_model(model_copy)
    assert not (tmp_path / "pwned").exists()


@pytest.mark.parametrize("meta", ["[]", "null", '"text"', '{"track": 5}', '{"versions": {"scikit-learn": 1.9}}',
                                  '{"versions": []}', "{" * 5000])
def test_metadata_of_the_wrong_shape_is_a_clear_error(tmp_path, meta):
    (tmp_path / META_FILE).write_text(meta)
    with pytest.raises(ModelError):
        load_model(tmp_path)
    done = subprocess.run([sys.executable, "-m", "filterkit", "--model", str(tmp_path)], input=b"a page",
                          capture_output=True, timeout=120)
    assert done.returncode == 4 and done.stderr.count(b"\n") == 1 and b"Traceback" not in done.stderr


def test_serving_imports_neither_scikit_learn_nor_scipy_special():
    """Both tracks' pages filtered in a fresh process: the trainer's library and scipy.special (a cold start's
    70 ms) stay unimported."""
    code = ("import sys; from filterkit import ContentFilter; f = ContentFilter(); "
            "f.filter('<html><body><h1>A title</h1><p>' + 'Some words of a paragraph. ' * 20 + '</p></body></html>'); "
            "f.filter('A title\\n\\n' + 'Some words of a paragraph. ' * 20); "
            "print(sorted({m.split('.')[0] for m in sys.modules if m.startswith(('sklearn', 'scipy.special'))}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
