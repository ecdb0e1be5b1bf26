import pytest

from services.parser.language import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("La Fondation a signé une convention de partenariat avec l'université pour la recherche.", "fr"),
        ("The foundation signed a partnership agreement with the university to support research.", "en"),
        ("وقعت المؤسسة اتفاقية شراكة مع الجامعة من أجل دعم البحث العلمي والتكوين الطبي.", "ar"),
        ("La Fundación firmó un acuerdo de colaboración con la universidad para la investigación.", "es"),
    ],
)
def test_detects_the_language(text, expected):
    assert detect_language(text) == expected


def test_arabic_with_some_latin_names_is_still_arabic():
    text = "وقعت مؤسسة محمد السادس للعلوم والصحة (FM6SS) اتفاقية مع جامعة UM6SS في الدار البيضاء."
    assert detect_language(text) == "ar"


def test_persian_is_left_to_the_model():
    assert (
        detect_language("این دانشگاه یک توافق‌نامه همکاری با بنیاد امضا کرد و پژوهش را گسترش می‌دهد.") == "fa"
    )


@pytest.mark.parametrize("text", ["", "   ", "12 345 — 678", "\n\t"])
def test_no_letters_no_language(text):
    assert detect_language(text) is None
