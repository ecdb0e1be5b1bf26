from services.store.ingest.identity import event_keys, kind_relation, kinds_relation, same_event


def test_one_instrument_under_two_names():
    assert kind_relation("protocole", "memorandum") == 1
    assert kind_relation("convention", "convention") == 1


def test_a_framework_convention_is_neither_confirmed_nor_contradicted_by_convention():
    # The later convention d'application is another signing: dates and themes, not kinds, tell.
    assert kind_relation("convention-cadre", "convention") == 0
    assert kind_relation("convention", "convention-cadre") == 0


def test_generic_names_say_nothing():
    assert kind_relation("accord", "protocole") == 0
    assert kind_relation("partenariat", "convention-cadre") == 0


def test_a_memorandum_is_not_a_framework_convention():
    assert kind_relation("memorandum", "convention-cadre") == -1
    assert kind_relation("protocole", "convention") == -1


def test_a_record_with_several_kinds_keeps_the_closest_relation():
    assert kinds_relation({"convention", "memorandum"}, {"protocole"}) == 1
    assert kinds_relation(set(), {"protocole"}) is None


def test_edition_and_year_are_not_part_of_an_event():
    assert same_event("la 3e édition du Forum Santé Digitale 2024", "Forum Santé Digitale")
    assert same_event("GITEX Africa 2025", "GITEX")
    assert same_event("جيتكس إفريقيا 2025", "GITEX Africa")
    assert same_event("الدورة الثانية لمنتدى الصحة الرقمية", "منتدى الصحة الرقمية")


def test_an_acronym_names_the_event_its_initials_spell():
    assert "siam" in event_keys("Salon International de l'Agriculture au Maroc")
    assert same_event("SIAM 2025", "Salon International de l'Agriculture au Maroc")


def test_two_salons_are_not_one_event():
    assert not same_event("Salon international", "Salon de l'étudiant")
    assert not same_event("Forum Africa", "Forum Santé Digitale")
    assert not same_event("GITEX Africa", "SIAM")
