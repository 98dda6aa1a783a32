"""Models are versioned artifacts: checked before they are unpickled, refused with a clear message."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from filterkit.model_io import DEFAULT_MODEL_DIR, META_FILE, WEIGHTS_FILE, ModelError, load_model


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


def test_damaged_weights_are_refused_before_unpickling(model_copy):
    with open(model_copy / WEIGHTS_FILE, "ab") as stream:
        stream.write(b"tampered")
    with pytest.raises(ModelError, match="SHA-256"):
        load_model(model_copy)


def test_other_scikit_learn_version_names_the_retraining_command(model_copy):
    meta = json.loads((model_copy / META_FILE).read_text())
    meta["versions"]["scikit-learn"] = "0.24.2"
    (model_copy / META_FILE).write_text(json.dumps(meta))
    with pytest.raises(ModelError, match=r"scikit-learn 0\.24\.2.*python -m training\.train"):
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
    (model_copy / WEIGHTS_FILE).write_bytes(pickle.dumps(Payload()))
    meta = json.loads((model_copy / META_FILE).read_text())
    meta["sha256"] = hashlib.sha256((model_copy / WEIGHTS_FILE).read_bytes()).hexdigest()
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
