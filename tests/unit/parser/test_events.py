from services.parser.events import find_event


def value(sentence: str) -> str | None:
    found = find_event([sentence])
    return found.value if found else None


def test_an_acronym_in_parentheses_after_the_event_names_it():
    assert (
        value("La convention a été signée en marge du Salon international de la santé (SIS 2024) à Fès.")
        == "SIS 2024"
    )


def test_a_parenthesis_after_a_comma_belongs_to_what_the_clause_describes():
    sentence = (
        "La fondation a signé, en marge du Gitex Africa, un accord avec Nour Tech, filiale du groupe "
        "Atlas Horizon Holding (AHH)."
    )
    assert value(sentence) == "Gitex Africa"
    english = "The agreement was signed on the sidelines of the Health Forum, with Helix Labs Group (HLG)."
    assert value(english) == "Health Forum"
