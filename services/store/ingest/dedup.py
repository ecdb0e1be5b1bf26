"""Near-duplicate rules: MinHash signatures cut into LSH bands, and the similarity that confirms a match.

Pure functions; the articles repository stores the bands so a lookup is an index probe, not a scan.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence
from typing import NamedTuple

from services.bus.messages import FAMILY_PARTY, MINHASH_PERMUTATIONS
from services.bus.text import fold

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


class Reading(NamedTuple):
    """What one report says of one signing, as far as telling two signings apart goes: its party set,
    its day (when it gives one to the day) and its place, folded."""

    parties: str
    day: str | None
    place: str | None


def reading(parties: str, day: str | None, place: str | None) -> Reading:
    return Reading(parties, day, fold(place) if place else None)


def reports_another_signing(copy: Sequence[Reading], original: Sequence[Reading]) -> bool:
    """Whether a near copy of an article tells of a signing its original does not: the same press-release
    template filled in with another partner, day or place. A signing of the copy that agrees with one of
    the original's (its partners among that one's, no other day, no other place) is the original's; a
    copy that reads no signing at all is a reprint the parser read less well."""
    return any(not any(_agree(c, o) for o in original) for c in copy)


def _agree(copy: Reading, original: Reading) -> bool:
    partners = set(copy.parties.split("|")) - {FAMILY_PARTY}
    if not partners <= set(original.parties.split("|")) - {FAMILY_PARTY}:
        return False
    if copy.day and original.day and copy.day != original.day:
        return False
    return not (copy.place and original.place and copy.place != original.place)
