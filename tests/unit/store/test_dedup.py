import pytest

from services.bus.messages import MINHASH_PERMUTATIONS
from services.parser.fingerprint import minhash_signature
from services.store.ingest import dedup

BASE = (
    "La Fondation a signé mardi à Rabat une convention de partenariat avec l'agence nationale pour "
    "développer la formation des infirmiers, la recherche clinique et la télémédecine dans les régions "
    "rurales du Royaume, selon un communiqué publié à l'issue de la cérémonie de signature. "
) * 3


def test_pack_roundtrip_and_bands():
    sig = minhash_signature(BASE)
    assert dedup.unpack(dedup.pack(sig)) == sig
    assert len(dedup.bands(sig)) == dedup.BANDS
    assert dedup.bands(()) == []


def test_a_copy_with_other_boilerplate_shares_bands_and_passes_the_threshold():
    copy = "Publié par la rédaction. " + BASE + " Lire aussi : la météo de demain. Partager sur Facebook."
    a, b = minhash_signature(BASE), minhash_signature(copy)
    assert set(dedup.bands(a)) & set(dedup.bands(b))
    assert dedup.jaccard_estimate(a, b) >= dedup.NEAR_DUPLICATE_JACCARD


def test_a_different_story_does_not_pass():
    other = (
        "Le conseil régional a inauguré jeudi un nouveau centre de santé à Agadir, équipé d'un service "
        "d'urgences et d'une maternité, en présence des élus et des professionnels de la région. "
    ) * 3
    assert dedup.jaccard_estimate(minhash_signature(BASE), minhash_signature(other)) < 0.2


@pytest.mark.parametrize("length", [MINHASH_PERMUTATIONS // 2, MINHASH_PERMUTATIONS + 8])
def test_a_signature_of_another_length_is_refused_not_banded_into_nothing(length):
    """A parser computing another number of permutations would store articles no probe ever meets."""
    with pytest.raises(dedup.SignatureLengthError, match=f"{length} values"):
        dedup.bands(tuple(range(length)))


def test_the_parser_signs_with_the_length_the_store_bands():
    assert len(minhash_signature(BASE)) == MINHASH_PERMUTATIONS == dedup.BANDS * dedup.ROWS
