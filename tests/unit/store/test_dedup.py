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
