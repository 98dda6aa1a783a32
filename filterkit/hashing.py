"""Tokens to murmurhash3 values, as scikit-learn's HashingVectorizer hashes them, remembered.

The values are scikit-learn's ``murmurhash3_32(token, seed=0, positive=True)``, the
32-bit MurmurHash3 of the token's UTF-8 bytes, computed by ``mmh3`` so that serving
need not import scikit-learn. Tokens are encoded here, with lone surrogates passed
through, because ``mmh3`` given such a str crashes the interpreter (mmh3 5.3.1).

Hashing is what lets a model store weights of buckets and never the text it learnt
from; remembering each token's hash is what makes it cheap, as a page's words were
mostly seen on earlier pages.
"""
from __future__ import annotations

import numpy as np
from mmh3 import mmh3_32_uintdigest

_hash_cache: dict[str, int] = {}
_HASH_CACHE_LIMIT = 250_000  # distinct tokens remembered before the cache starts over (about 30 MB)
# Longer tokens (a line without spaces, a run of code) are hashed but not remembered: they rarely
# come again, and 250,000 of them could hold gigabytes.
CACHED_TOKEN_CHARS = 64


def _hash(token: str) -> int:
    return mmh3_32_uintdigest(token.encode("utf-8", "surrogatepass"), 0)


def token_hashes(tokens: list[str]) -> np.ndarray:
    """murmurhash3 of each token, hashing only tokens not seen before."""
    new = set(tokens).difference(_hash_cache)
    if len(_hash_cache) + len(new) > _HASH_CACHE_LIMIT:
        _hash_cache.clear()
        new = set(tokens)
    long = {token: _hash(token) for token in new if len(token) > CACHED_TOKEN_CHARS}
    _hash_cache.update((token, _hash(token)) for token in new if token not in long)
    if long:
        return np.fromiter((long[token] if token in long else _hash_cache[token] for token in tokens),
                           dtype=np.int64, count=len(tokens))
    return np.fromiter(map(_hash_cache.__getitem__, tokens), dtype=np.int64, count=len(tokens))
