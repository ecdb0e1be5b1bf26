"""Fingerprints the store dedups on: a hash of the normalized text, and a MinHash signature.

Pure functions; the store turns the signature into LSH bands it can look up in its database.
"""

from __future__ import annotations

import hashlib

from services.bus.messages import MINHASH_PERMUTATIONS
from services.bus.text import fold

SHINGLE = 3
_SEED = 7


def normalize_text(text: str) -> str:
    """Case, accents, Arabic diacritics, punctuation and spacing folded away."""
    return fold(text)


def text_hash(text: str) -> str:
    return hashlib.sha256(normalize_text(text).encode("utf-8")).hexdigest()


def minhash_signature(text: str) -> tuple[int, ...]:
    """MinHash of word 3-shingles: close texts get close signatures."""
    words = normalize_text(text).split()
    if not words:
        return ()
    if len(words) < SHINGLE:
        shingles = {" ".join(words)}
    else:
        shingles = {" ".join(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1)}
    from datasketch import MinHash  # imported on first use: it pulls in SciPy, seconds of start-up

    mh = MinHash(num_perm=MINHASH_PERMUTATIONS, seed=_SEED)
    mh.update_batch([s.encode("utf-8") for s in sorted(shingles)])
    return tuple(int(v) for v in mh.hashvalues)
