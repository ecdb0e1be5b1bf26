"""Press releases written from one template: a near copy that reports another signing (other partner,
day, place) is an article of its own and gets its own record; a true reprint stays a source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.test_cli_seeds import run

FR = (
    "{place}, le {day} - La Fondation Mohammed VI des Sciences et de la Santé (FM6SS) et {partner} ont "
    "signé {weekday} à {place} une convention de partenariat visant à renforcer la formation des "
    "professionnels de santé, la recherche clinique et l'innovation médicale au Maroc. Cette convention "
    "prévoit la mise en place de programmes communs de formation continue, l'échange d'expertises entre "
    "les équipes médicales et scientifiques, ainsi que le lancement de projets de recherche conjoints "
    "dans les domaines prioritaires de la santé publique. La cérémonie de signature s'est déroulée en "
    "présence de responsables des deux institutions, qui ont salué un partenariat stratégique au "
    "service des patients et du système national de santé. Les deux parties se sont engagées à mettre "
    "en place un comité de suivi chargé d'évaluer régulièrement l'avancement des actions prévues."
)
AR = (
    "{place} - وقعت مؤسسة محمد السادس للعلوم والصحة و{partner} يوم {weekday} {day} ب{place} اتفاقية "
    "شراكة تهدف إلى تعزيز تكوين مهنيي الصحة والبحث السريري والابتكار الطبي بالمغرب. وتنص هذه "
    "الاتفاقية على وضع برامج مشتركة للتكوين المستمر وتبادل الخبرات بين الفرق الطبية والعلمية، "
    "وإطلاق مشاريع بحث مشتركة في المجالات ذات الأولوية للصحة العمومية. وجرى حفل التوقيع بحضور "
    "مسؤولي المؤسستين، اللذين أشادا بشراكة استراتيجية في خدمة المرضى والمنظومة الصحية الوطنية. "
    "والتزم الطرفان بإحداث لجنة للتتبع تتولى التقييم المنتظم لتقدم الأنشطة المبرمجة."
)
CASES = {
    "fr": (
        FR,
        dict(place="Casablanca", day="3 mars 2025", weekday="lundi", partner="la société Kappa Industries"),
        dict(place="Marrakech", day="12 juin 2025", weekday="jeudi", partner="le groupe Lambda Hôpitaux"),
        ("2025-03-03", "2025-06-12"),
    ),
    "ar": (
        AR,
        dict(place="الدار البيضاء", day="3 مارس 2025", weekday="الاثنين", partner="شركة كابا للصناعات"),
        dict(place="مراكش", day="12 يونيو 2025", weekday="الخميس", partner="مجموعة لامدا للمستشفيات"),
        ("2025-03-03", "2025-06-12"),
    ),
}


def _line(url: str, lang: str, text: str, published: str) -> str:
    record = {"url": url, "published": published, "outlet": "Exemple", "lang": lang, "title": text[:60]}
    return json.dumps({**record, "text": text}, ensure_ascii=False)


def _import(tmp_path: Path, lines: list[str]) -> list[dict]:
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run("import", str(path), "--no-progress")
    return [json.loads(x) for x in run("export", "agreements", "--format", "jsonl").splitlines() if x]


@pytest.mark.parametrize("lang", sorted(CASES))
def test_a_template_copy_about_another_signing_is_a_record_of_its_own(env, tmp_path, lang):
    template, first, second, days = CASES[lang]
    records = _import(
        tmp_path,
        [
            _line("https://one.example/kappa", lang, template.format(**first), days[0]),
            _line("https://two.example/lambda", lang, template.format(**second), days[1]),
        ],
    )
    by_day = {r["signed_on"]: r for r in records}
    assert sorted(by_day) == list(days), records
    kappa, lambda_ = by_day[days[0]], by_day[days[1]]
    assert [s["url"] for s in kappa["sources"]] == ["https://one.example/kappa"]
    assert [s["url"] for s in lambda_["sources"]] == ["https://two.example/lambda"]
    assert kappa["place"] != lambda_["place"]
    names = lambda p: {o["name"] for o in p["parties"]}  # noqa: E731
    assert names(kappa) != names(lambda_), (kappa["parties"], lambda_["parties"])


@pytest.mark.parametrize("lang", sorted(CASES))
def test_a_reprint_of_the_same_signing_stays_a_source(env, tmp_path, lang):
    template, first, _, days = CASES[lang]
    text = template.format(**first)
    records = _import(
        tmp_path,
        [
            _line("https://one.example/kappa", lang, text, days[0]),
            _line("https://two.example/kappa-reprint", lang, text + " " + text.split(".")[0] + ".", days[0]),
        ],
    )
    assert len(records) == 1, records
    assert sorted(s["url"] for s in records[0]["sources"]) == [
        "https://one.example/kappa",
        "https://two.example/kappa-reprint",
    ]
