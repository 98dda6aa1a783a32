"""The arrays a model file may hold, and their shapes, checked before any of them is used.

A model's ``model.npz`` (``filterkit.predictors.Steps``) is checked twice. Before reading:
every member's ``.npy`` header (read from the zip, a few hundred bytes each) must name an
array this track's model has, with a plain dtype of the right kind and, where the feature
set fixes it, the right shape, and the zip's declared sizes must agree with those headers;
so a member declaring gigabytes costs nothing. After reading: the tables of each step must
agree with each other, and every weight must be a finite number. An array that loaded and
then made every page score NaN (print nothing) is refused here, with one sentence, instead.

Both checks raise ValueError; ``filterkit.model_io`` turns it into a ModelError.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from filterkit.dom_features import DOM_HASH_FEATURES
from filterkit.features import HASH_FEATURES
from filterkit.page_types import PAGE_HASH_FEATURES, PAGE_TYPES

MAX_REVISIONS = 8  # context-sensitive passes a model may have (the shipped ones have one)
MAX_TREE_SLOTS = 1 << 24  # internal nodes or leaves of one step's trees (the shipped HTML model: 12,800)
HEADER_BYTES = 4096  # an .npy header is a few hundred bytes; numpy refuses longer ones too
ANY = None  # a dimension only the model's own tables fix

_TREE = {"baseline": ("f", ()), "feature": ("i", (ANY,)), "threshold": ("f", (ANY,)), "missing_left": ("b", (ANY,)),
         "children": ("i", (ANY,)), "leaf_value": ("f", (ANY,)), "roots": ("i", (ANY,)), "n_features": ("i", ())}
_LINEAR = {"coef": ("f", (ANY, ANY)), "intercept": ("f", (ANY,)), "classes": ("biuU", (ANY,))}
_STEP = re.compile(r"(first|revision\d+|lexical|page_type)/(\w+)")


def lexical_width(track: str) -> int:
    """Columns of the lexical model's rows: a paragraph's terms, its neighbours', and on HTML its markup terms."""
    return 3 * HASH_FEATURES + (DOM_HASH_FEATURES if track == "html" else 0)


def expected(name: str, track: str) -> tuple[str, tuple]:
    """(dtype kinds allowed, shape with ANY for free dimensions) of array ``name``; ValueError for a name
    that no model of ``track`` holds."""
    if name == "idf":
        return "f", (HASH_FEATURES,)
    if name == "revisions":
        return "iu", ()
    match = _STEP.fullmatch(name)
    if match:
        step, array = match.groups()
        if step == "first" or step.startswith("revision"):
            if array in _TREE:
                return _TREE[array]
        elif step == "lexical" and array in _LINEAR:
            return {"coef": ("f", (1, lexical_width(track))), "intercept": ("f", (1,)),
                    "classes": ("biuU", (2,))}[array]
        elif step == "page_type" and track == "html":
            if array == "known":
                return "U", (ANY,)
            if array in _LINEAR:
                return ("f", (ANY, PAGE_HASH_FEATURES)) if array == "coef" else _LINEAR[array]
    raise ValueError(f"it holds an array {name!r} that no {track} model has")


def _fits(shape: tuple, wanted: tuple) -> bool:
    return len(shape) == len(wanted) and all(w is ANY or s == w for s, w in zip(shape, wanted))


def check_array_headers(path: Path, track: str, limit: int) -> None:
    """Check every member of the npz at ``path`` from its header alone (nothing of its data is read)."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise ValueError(f"not a model file ({error})") from None
    with archive:
        members = archive.infolist()
        if sum(member.file_size for member in members) > limit:
            raise ValueError(f"its arrays declare {sum(m.file_size for m in members):,} bytes, more than a "
                             f"model's {limit:,}")
        for member in members:
            name = member.filename.removesuffix(".npy")
            kinds, shape = expected(name, track)
            try:
                with archive.open(member) as stream:
                    version = np.lib.format.read_magic(stream)
                    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                                   else np.lib.format.read_array_header_2_0)
                    found, _, dtype = read_header(stream)
                    header = stream.tell()
            except (ValueError, OSError, zipfile.BadZipFile, EOFError) as error:
                raise ValueError(f"array {name!r} has no readable header ({error})") from None
            if dtype.hasobject or dtype.kind not in kinds:
                raise ValueError(f"array {name!r} is of type {dtype}, not a model's")
            if not _fits(found, shape):
                raise ValueError(f"array {name!r} has shape {found}, a {track} model's has "
                                 f"{tuple('n' if w is ANY else w for w in shape)}")
            if header + int(np.prod(found, dtype=np.int64)) * dtype.itemsize != member.file_size:
                raise ValueError(f"array {name!r} declares {found} but its member holds {member.file_size:,} bytes")


def check_arrays(arrays: dict[str, Any], track: str) -> None:
    """Check the loaded arrays of a model of ``track``: names, shapes, agreement between tables, finite weights."""
    for name, array in arrays.items():
        kinds, shape = expected(name, track)
        if array.dtype.hasobject or array.dtype.kind not in kinds or not _fits(array.shape, shape):
            raise ValueError(f"array {name!r} is {array.dtype} of shape {array.shape}, not what a {track} model holds")
        # A split may sit at infinity; a weight may not, and NaN anywhere makes every score NaN.
        bad = np.isnan(array) if name.endswith("/threshold") else ~np.isfinite(array) if array.dtype.kind == "f" \
            else np.zeros(1, bool)
        if bad.any():
            raise ValueError(f"array {name!r} holds NaN or infinite numbers")
    revisions = int(arrays.get("revisions", -1))
    if not 0 <= revisions <= MAX_REVISIONS:
        raise ValueError(f"it declares {revisions} revision passes (0 to {MAX_REVISIONS} expected)")
    steps = ["first", *(f"revision{number}" for number in range(revisions))]
    for step in steps:
        _check_trees(arrays, step)
    width = int(arrays["first/n_features"])
    for step in steps[1:]:
        if int(arrays[f"{step}/n_features"]) <= width:
            raise ValueError(f"the trees of {step} read {int(arrays[f'{step}/n_features'])} features, fewer than "
                             f"the first pass's {width} they extend")
    extra = {name.split("/")[0] for name in arrays if "/" in name} - {*steps, "lexical", "page_type"}
    if extra:
        raise ValueError(f"it holds steps the model does not run: {sorted(extra)}")
    if any(name.startswith("page_type/") for name in arrays):
        _check_page_types(arrays)


def _check_trees(arrays: dict[str, Any], step: str) -> None:
    missing = [name for name in _TREE if f"{step}/{name}" not in arrays]
    if missing:
        raise ValueError(f"it has no {step}/{missing[0]} array")
    nodes, leaves = len(arrays[f"{step}/feature"]), len(arrays[f"{step}/leaf_value"])
    if max(nodes, leaves) > MAX_TREE_SLOTS or int(arrays[f"{step}/n_features"]) < 1:
        raise ValueError(f"the trees of {step} are not of a size a model has")
    if len(arrays[f"{step}/roots"]) < 1:
        raise ValueError(f"the step {step} has no trees")


def _check_page_types(arrays: dict[str, Any]) -> None:
    known = arrays.get("page_type/known")
    if known is None or not 1 <= len(known) <= len(PAGE_TYPES) or set(known.tolist()) - set(PAGE_TYPES):
        raise ValueError(f"the page-type step's kinds are not among {', '.join(PAGE_TYPES)}")
    if "page_type/coef" in arrays:
        rows = arrays["page_type/coef"].shape[0]
        if rows != (1 if len(known) == 2 else len(known)) or arrays.get("page_type/intercept", np.zeros(0)).shape != \
                (rows,) or arrays.get("page_type/classes", np.zeros(0)).tolist() != known.tolist():
            raise ValueError("the page-type step's weights do not fit the kinds it names")
