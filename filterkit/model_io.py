"""Saving and loading models as versioned artifacts: weights plus metadata, checked before use.

A model is a directory (spaCy's packaged models are the pattern) holding ``model.npz``,
the plain arrays prediction reads (``filterkit.predictors.Steps``: tree tables, linear
weights, term weights), and ``meta.json``: its track (text or HTML), the versions it was
made with, the feature-set version, a fingerprint of its training data, its measured
figures and the SHA-256 of ``model.npz``. A model set, such as the default one, is a
directory with one such model per track, in ``text/`` and ``html/``; wherever a model
directory is asked for, a set or a single model will do.

Loading a model reads arrays and JSON, never a pickle, so a model file cannot run code,
and needs no scikit-learn (the trainer's library, half a second or more of every cold
start). It refuses, with one clear sentence naming the retraining command, a model whose
hash or feature set does not fit (dragnet's pickles broke on every scikit-learn upgrade,
with nothing to tell the user why). Models pickled by filterkit 0.2 (``model.joblib``)
still load, but only with an explicit ``trust`` (a pickle runs whatever code its author
put in it), and are converted to arrays as they load.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import stat
from importlib import metadata
from pathlib import Path
from typing import Any

from filterkit.decision import ADAPTIVE_BAR
from filterkit.errors import ModelError
from filterkit.features import feature_set_version
from filterkit.model_arrays import check_array_headers, check_arrays

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "models" / "default"
WEIGHTS_FILE = "model.npz"
PICKLE_FILE = "model.joblib"  # filterkit 0.2's models: loaded only with trust
META_FILE = "meta.json"
# Bounds on what a model directory may make us read: a meta.json that is /dev/zero or a sparse
# 8 GB file, or an npz whose members declare gigabytes, costs no more than these. The shipped
# models are 1.3 KB of metadata and 10 MB of arrays.
MAX_META_BYTES = 1024 * 1024
MAX_WEIGHTS_BYTES = 512 * 1024 * 1024


def retrain_command(track: str) -> str:
    """The command that makes a model of ``track`` anew, for error messages."""
    return (f"python -m training.train --benchmarks --track {track} --out DIR (see the README, 'The default model "
            "and retraining')")


def regular_file(path: Path, limit: int) -> Path:
    """``path`` once it is known to be a regular file of at most ``limit`` bytes; a ModelError otherwise.

    Checked before opening: opening a FIFO blocks until a writer comes, and /dev/zero or a
    sparse file of gigabytes would be read whole."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise ModelError(f"cannot read {path}: {error.strerror or error}") from None
    if not stat.S_ISREG(status.st_mode):
        raise ModelError(f"{path} is not a regular file (a pipe, a device or a folder); a model holds files")
    if status.st_size > limit:
        raise ModelError(f"{path} is {status.st_size:,} bytes, more than a filterkit model's {limit:,}; "
                         "it is damaged or not a model file")
    return path


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    except OSError as error:  # unreadable (permissions, I/O error): the model's fault, not the output's
        raise ModelError(f"cannot read {path}: {error.strerror or error}") from None
    return digest.hexdigest()


def _minor(version: str) -> tuple[str, ...]:
    return tuple(version.split(".")[:2])


def runtime_versions() -> dict[str, str]:
    """Versions a model was made with (for the record: loading arrays depends on none of them but numpy's format)."""
    from filterkit import __version__

    return {"filterkit": __version__, "scikit-learn": metadata.version("scikit-learn"),
            "numpy": metadata.version("numpy"), "python": platform.python_version()}


def save_model(model: Any, directory: Path, meta: dict[str, Any]) -> dict[str, Any]:
    """Write a fitted model's arrays and its metadata to ``directory``; returns the metadata written."""
    import numpy as np

    directory.mkdir(parents=True, exist_ok=True)
    weights = directory / WEIGHTS_FILE
    np.savez(weights, **model.steps_.arrays)  # not compressed: inflating it cost 40 ms of every cold start
    (directory / PICKLE_FILE).unlink(missing_ok=True)  # a stale pickle beside the arrays would only mislead
    full = {**meta, "track": model.track, "versions": runtime_versions(),
            "feature_set_version": feature_set_version(model.track),
            "threshold": model.threshold, "adaptive_bar": ADAPTIVE_BAR[model.track], "sha256": _sha256(weights)}
    (directory / META_FILE).write_text(json.dumps(full, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return full


_META_FIELDS: dict[str, Any] = {"track": str, "versions": dict, "sha256": str, "threshold": (int, float)}  # what loading relies on, and its type


def read_meta(directory: Path) -> dict[str, Any]:
    """The model's metadata, checked for the shape loading relies on (any other shape is a ModelError)."""
    path = Path(directory) / META_FILE
    if not os.path.lexists(path):
        raise ModelError(f"{directory} is not a filterkit model: it has no {META_FILE}")
    regular_file(path, MAX_META_BYTES)
    try:
        with open(path, "rb") as stream:
            meta = json.loads(stream.read(MAX_META_BYTES + 1).decode("utf-8"))
    except OSError as error:
        raise ModelError(f"cannot read {path}: {error.strerror or error}") from None
    except (ValueError, RecursionError) as error:
        raise ModelError(f"cannot read {path}: {error}") from None
    if not isinstance(meta, dict):
        raise ModelError(f"{path} is not a filterkit model's metadata: expected a JSON object, "
                         f"got {type(meta).__name__}")
    for field, kind in _META_FIELDS.items():
        if field in meta and (not isinstance(meta[field], kind) or isinstance(meta[field], bool)):
            raise ModelError(f"{path} is damaged: \"{field}\" should be a "
                             f"{'number' if kind == (int, float) else kind.__name__}, got {type(meta[field]).__name__}")
    if not all(isinstance(value, str) for value in meta.get("versions", {}).values()):
        raise ModelError(f"{path} is damaged: every entry of \"versions\" should be a string")
    threshold = meta.get("threshold", 0.5)
    if not (math.isfinite(threshold) and 0.0 <= threshold <= 1.0):  # JSON may say NaN, 1e400 (inf) or -3
        raise ModelError(f"{path} is damaged: \"threshold\" should be a probability between 0 and 1, "
                         f"got {threshold}")
    return meta


def trusted_location(directory: Path) -> bool:
    """True for the models shipped inside the installed package, the only pickles loaded without being asked."""
    try:
        return Path(directory).resolve().is_relative_to(DEFAULT_MODEL_DIR)
    except OSError:
        return False


def model_directory(directory: Path, track: str) -> Path:
    """The directory of ``track``'s model: ``directory`` itself if it is one model, else its ``track`` sub-directory."""
    return directory if os.path.lexists(directory / META_FILE) else directory / track


def model_track(directory: Path | str | None) -> str | None:
    """The track of a single model directory; None for a model set."""
    directory = Path(directory) if directory else DEFAULT_MODEL_DIR
    return read_meta(directory).get("track", "text") if os.path.lexists(directory / META_FILE) else None


def check_model(directory: Path | str | None = None, track: str = "text", trust: bool = False) -> dict[str, Any]:
    """The metadata of ``track``'s model once everything but reading its weights has been checked (feature set,
    SHA-256, and for a pickle its scikit-learn version and trust); a ModelError naming what to do otherwise.
    Cheap: a process that only hands pages to workers checks its model with this and never loads it."""
    given = Path(directory) if directory else DEFAULT_MODEL_DIR
    directory = model_directory(given, track)
    if not directory.is_dir():
        raise ModelError(f"{given} is not a filterkit model: it has no {META_FILE} and no {track}/ model")
    meta = read_meta(directory)
    if meta.get("track", "text") != track:
        raise ModelError(f"model {directory} is a model of the {meta.get('track')} track; it cannot filter "
                         f"{track} pages (give a model set with a {track}/ model)")
    expected = feature_set_version(track)
    if meta.get("feature_set_version") != expected:
        raise ModelError(f"model {directory} was made for feature set {meta.get('feature_set_version')}, this "
                         f"filterkit computes feature set {expected}; retrain it: {retrain_command(track)}")
    weights = directory / WEIGHTS_FILE
    if not os.path.lexists(weights):
        if not os.path.lexists(directory / PICKLE_FILE):
            raise ModelError(f"model {directory} has no {WEIGHTS_FILE}")
        weights = directory / PICKLE_FILE
        _check_pickle(directory, track, meta, trust)
    regular_file(weights, MAX_WEIGHTS_BYTES)
    if _sha256(weights) != meta.get("sha256"):
        raise ModelError(f"{weights} does not match the SHA-256 in its {META_FILE}: the file is damaged or was "
                         f"replaced; reinstall filterkit or retrain: {retrain_command(track)}")
    if weights.name == WEIGHTS_FILE:
        try:
            check_array_headers(weights, track, MAX_WEIGHTS_BYTES)
        except ValueError as error:
            raise ModelError(f"cannot load {weights}: {error}; retrain it: {retrain_command(track)}") from None
    return meta


def _check_pickle(directory: Path, track: str, meta: dict[str, Any], trust: bool) -> None:
    if not (trust or trusted_location(directory)):
        raise ModelError(f"{directory / PICKLE_FILE} is a pickle (a model of filterkit 0.2), which can run code "
                         "when loaded: load it only if you trust who made it, with --trust-model "
                         f"(ContentFilter(model, trust=True)), or retrain it: {retrain_command(track)}")
    made_with = meta.get("versions", {}).get("scikit-learn", "?")
    installed = metadata.version("scikit-learn")
    if _minor(made_with) != _minor(installed):
        raise ModelError(f"model {directory} was made with scikit-learn {made_with} and cannot be loaded safely "
                         f"with the installed {installed}; install scikit-learn=={made_with} or retrain it: "
                         f"{retrain_command(track)}")


def load_model(directory: Path | str | None = None, track: str = "text",
               trust: bool = False) -> tuple[Any, dict[str, Any]]:
    """(classifier, metadata) of ``track``'s model in a model directory (default: the set shipped in the package).

    The weights are arrays (``numpy.load`` without pickles), so loading a model cannot run
    code whoever made it. A filterkit 0.2 pickle is loaded only with ``trust`` (the CLI's
    ``--trust-model``): unpickling runs whatever code its author put in it, and the SHA-256
    in ``meta.json`` proves the file is intact, not that its author can be trusted.
    """
    meta = check_model(directory, track, trust)
    folder = model_directory(Path(directory) if directory else DEFAULT_MODEL_DIR, track)
    from filterkit.model import ParagraphClassifier

    if not os.path.lexists(folder / WEIGHTS_FILE):
        return _load_pickle(folder / PICKLE_FILE, track), meta
    import numpy as np

    try:
        with np.load(folder / WEIGHTS_FILE, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        check_arrays(arrays, track)
        model = ParagraphClassifier.from_arrays(arrays, track, float(meta.get("threshold", 0.5)))
    except OSError as error:
        raise ModelError(f"cannot read {folder / WEIGHTS_FILE}: {error.strerror or error}") from None
    except Exception as error:  # numpy, zipfile, zlib or the tables' checks: to the user all mean a damaged file
        raise ModelError(f"cannot load {folder / WEIGHTS_FILE}: {error}; retrain it: "
                         f"{retrain_command(track)}") from None
    return model, meta


def _load_pickle(weights: Path, track: str) -> Any:
    try:
        import joblib
    except ImportError:
        raise ModelError(f"{weights} is a model of filterkit 0.2, a pickle: loading one needs scikit-learn "
                         "(pip install 'filterkit-content[train]'), or retrain it: " + retrain_command(track)) from None

    from filterkit.model import ParagraphClassifier
    from filterkit.predictors import Steps

    try:
        model = joblib.load(weights)
    except Exception as error:  # any unpickling failure means the same thing to the user
        raise ModelError(f"cannot load {weights} ({type(error).__name__}: {error}); retrain it: "
                         f"{retrain_command(track)}") from None
    if not isinstance(model, ParagraphClassifier):
        raise ModelError(f"{weights} holds a {type(model).__name__}, not a filterkit ParagraphClassifier")
    if getattr(model, "steps_", None) is None:  # pickled before models were arrays
        model.steps_ = Steps.from_classifier(model)
    return model
