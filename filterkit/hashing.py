"""Tokens to murmurhash3 values, as scikit-learn's HashingVectorizer hashes them, remembered.

Hashing is what lets a model store weights of buckets and never the text it learnt
from; remembering each token's hash is what makes it cheap, as a page's words were
mostly seen on earlier pages.
"""
from __future__ import annotations

import numpy as np

_hash_cache: dict[str, int] = {}
_HASH_CACHE_LIMIT = 250_000  # distinct tokens remembered before the cache starts over (about 30 MB)


def token_hashes(tokens: list[str]) -> np.ndarray:
    """murmurhash3 of each token, hashing only tokens not seen before."""
    from sklearn.utils import murmurhash3_32

    new = set(tokens).difference(_hash_cache)
    if len(_hash_cache) + len(new) > _HASH_CACHE_LIMIT:
        _hash_cache.clear()
        new = set(tokens)
    _hash_cache.update((token, murmurhash3_32(token, seed=0, positive=True)) for token in new)
    return np.fromiter(map(_hash_cache.__getitem__, tokens), dtype=np.int64, count=len(tokens))
