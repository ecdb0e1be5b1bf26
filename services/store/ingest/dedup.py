"""Near-duplicate rules: MinHash signatures cut into LSH bands, and the similarity that confirms a match.

Pure functions; the articles repository stores the bands so a lookup is an index probe, not a scan.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence

from services.bus.messages import MINHASH_PERMUTATIONS

BANDS = 16
ROWS = 4  # 16 bands x 4 rows: pairs above ~0.5 Jaccard share a band with high probability
NEAR_DUPLICATE_JACCARD = 0.6
assert BANDS * ROWS == MINHASH_PERMUTATIONS, "the bands must cover the whole signature"


class SignatureLengthError(ValueError):
    """A signature of another length than the parser's: its bands would match nothing stored."""


def bands(signature: Sequence[int]) -> list[tuple[int, int]]:
    """(band number, band value) pairs; the value is a signed 64-bit hash of the band's rows. An empty
    signature (a text without words) has no bands; one of any other length than MINHASH_PERMUTATIONS is
    refused, since its bands could never meet those of the stored articles."""
    if not signature:
        return []
    if len(signature) != MINHASH_PERMUTATIONS:
        raise SignatureLengthError(
            f"a MinHash signature of {len(signature)} values, where the store bands "
            f"{MINHASH_PERMUTATIONS} ({BANDS} bands of {ROWS})"
        )
    out = []
    for b in range(BANDS):
        rows = signature[b * ROWS : (b + 1) * ROWS]
        digest = hashlib.blake2b(struct.pack(f"<{ROWS}Q", *rows), digest_size=8).digest()
        out.append((b, struct.unpack("<q", digest)[0]))
    return out


def pack(signature: Sequence[int]) -> bytes:
    return struct.pack(f"<{len(signature)}Q", *signature)


def unpack(blob: bytes | None) -> tuple[int, ...]:
    if not blob:
        return ()
    return struct.unpack(f"<{len(blob) // 8}Q", blob)


def jaccard_estimate(a: Sequence[int], b: Sequence[int]) -> float:
    if not a or len(a) != len(b):
        return 0.0
    return sum(1 for x, y in zip(a, b, strict=True) if x == y) / len(a)
