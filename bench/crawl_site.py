"""A generated news site for the crawl benchmark: N article pages spread over H loopback hosts.

Each host (127.0.0.2, 127.0.0.3, … on one port each) serves robots.txt, a sitemap of its pages and the
pages themselves, with ETag and Last-Modified. Pages are rendered on request from their number, so the
same number always gives the same bytes. Two mixes:

- ``a``: a realistic crawl, about 95 % unrelated news (sport, economy, weather, culture, some of it naming
  the King or other institutions called Mohammed VI) and 5 % reports of FM6SS partnership agreements;
- ``b``: every page reports an FM6SS agreement.

Every text is generated here from short templates in French, Arabic and English.
"""

from __future__ import annotations

import random
import socket
import threading
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from hashlib import sha1
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

PARTNERS = {
    "fr": [
        "l'Université Ibn Tofail de Kénitra",
        "le Ministère de la Santé et de la Protection Sociale",
        "l'Agence Marocaine du Médicament et des Produits de Santé",
        "l'Institut Pasteur du Maroc",
        "la Caisse Nationale de Sécurité Sociale",
        "l'Université Cadi Ayyad",
        "le CHU Hassan II de Fès",
        "la Région Casablanca-Settat",
        "Sanofi",
        "AstraZeneca",
        "l'Organisation Mondiale de la Santé",
        "l'Agence de Développement du Digital",
    ],
    "en": [
        "Ibn Tofail University",
        "the Ministry of Health and Social Protection",
        "Institut Pasteur du Maroc",
        "Cadi Ayyad University",
        "AstraZeneca",
        "the World Health Organization",
        "Johns Hopkins University",
        "Siemens Healthineers",
    ],
    "ar": [
        "جامعة ابن طفيل",
        "وزارة الصحة والحماية الاجتماعية",
        "معهد باستور المغرب",
        "جامعة القاضي عياض",
        "الصندوق الوطني للضمان الاجتماعي",
        "منظمة الصحة العالمية",
    ],
}
PLACES = {
    "fr": ["Rabat", "Casablanca", "Marrakech", "Dakhla", "Tanger", "Fès"],
    "en": ["Rabat", "Casablanca", "Marrakech", "Tangier"],
    "ar": ["الرباط", "الدار البيضاء", "مراكش", "طنجة"],
}
GOALS = {
    "fr": [
        "renforcer la formation des professionnels de santé",
        "développer la recherche clinique et l'innovation médicale",
        "améliorer l'accès aux soins dans les zones rurales",
        "promouvoir la santé numérique et la télémédecine",
    ],
    "en": [
        "train health professionals",
        "develop clinical research and medical innovation",
        "widen access to care in rural areas",
    ],
    "ar": ["تعزيز تكوين مهنيي الصحة", "تطوير البحث العلمي والابتكار الطبي", "تحسين الولوج إلى العلاج"],
}
FR_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
AR_MONTHS = [
    "يناير",
    "فبراير",
    "مارس",
    "أبريل",
    "ماي",
    "يونيو",
    "يوليوز",
    "غشت",
    "شتنبر",
    "أكتوبر",
    "نونبر",
    "دجنبر",
]
EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]

NEWS = {
    "fr": [
        "Le Raja de Casablanca s'est imposé {n} buts à un face au Wydad lors du derby disputé {day}.",
        "Les prix des fruits et légumes ont reculé de {n} % sur les marchés de gros de la région.",
        "La météo annonce des averses orageuses et des rafales de vent sur le nord du pays {day}.",
        "Le festival des musiques du monde accueillera {n} artistes venus de quatre continents.",
        "La Bourse de Casablanca a clôturé la séance en hausse de {n} points, portée par les banques.",
        "Sa Majesté le Roi Mohammed VI a adressé un message de félicitations au président élu.",
        "Le Stade Mohammed V rouvrira ses portes après {n} mois de travaux de rénovation.",
        "Le conseil communal a adopté le budget de l'année prochaine après un long débat.",
        "Les exportations de phosphates ont progressé de {n} % au cours du premier semestre.",
        "Un nouveau tronçon d'autoroute de {n} kilomètres a été ouvert à la circulation.",
    ],
    "en": [
        "The national team won {n} to one in a friendly played {day} in front of a full stadium.",
        "Tourist arrivals rose by {n} percent over the summer, the tourism observatory said.",
        "Heavy rain is expected across the north of the country {day}, forecasters warned.",
        "King Mohammed VI sent a message of congratulations to the newly elected president.",
        "The central bank kept its key rate unchanged at {n} percent at its quarterly meeting.",
        "A new high-speed rail link will cut the journey between the two cities by {n} minutes.",
    ],
    "ar": [
        "فاز المنتخب الوطني بنتيجة {n} مقابل هدف واحد في مباراة ودية جرت {day}.",
        "ارتفعت أسعار الخضر والفواكه بنسبة {n} في المائة في أسواق الجملة.",
        "تتوقع الأرصاد الجوية أمطارا رعدية ورياحا قوية في شمال المملكة {day}.",
        "بعث جلالة الملك محمد السادس برقية تهنئة إلى الرئيس المنتخب.",
        "افتتح مهرجان الموسيقى الروحية دورته الجديدة بمشاركة {n} فنانا.",
        "سجلت بورصة الدار البيضاء ارتفاعا بـ {n} نقطة في ختام تداولات اليوم.",
    ],
}
FILLER = {
    "fr": [
        "Cette initiative s'inscrit dans une démarche de long terme engagée depuis plusieurs années.",
        "Les responsables ont souligné l'importance de la coordination entre les différents acteurs.",
        "Un comité de suivi se réunira chaque trimestre pour évaluer l'avancement des actions prévues.",
        "Les participants ont salué la qualité des échanges et la richesse des propositions présentées.",
    ],
    "en": [
        "The initiative is part of a long-term effort launched several years ago.",
        "Officials stressed the importance of coordination between all the parties involved.",
        "A monitoring committee will meet every quarter to review progress.",
    ],
    "ar": [
        "وتندرج هذه المبادرة في إطار مقاربة طويلة الأمد انطلقت منذ عدة سنوات.",
        "وأكد المسؤولون على أهمية التنسيق بين مختلف المتدخلين.",
        "وستجتمع لجنة للتتبع كل ثلاثة أشهر لتقييم تقدم الأعمال المبرمجة.",
    ],
}
# What a real page carries besides its article: inline configuration, styles and a long menu (~40 KB).
_SCRIPT = "window.__config = {" + ",".join(f'"k{i}": "{"x" * 40}"' for i in range(300)) + "};"
_STYLE = "".join(f".c{i}{{margin:{i % 7}px;color:#{i:06x}}}" for i in range(400))
# Sentence parts combined at random, so that no two generated articles are near-duplicates.
PARTS = {
    "fr": (
        [
            "Le comité de pilotage",
            "Chaque partie",
            "Le programme",
            "Une équipe mixte",
            "Le dispositif",
            "La première phase",
            "Un fonds dédié",
            "Le centre de simulation",
            "Le réseau régional",
        ],
        ["prévoit", "financera", "accompagnera", "mettra en place", "évaluera", "soutiendra", "coordonnera"],
        [
            "des stages cliniques",
            "des bourses doctorales",
            "un registre des cancers",
            "des campagnes de dépistage",
            "des unités mobiles",
            "une plateforme de télé-expertise",
            "des essais cliniques",
            "un master en santé publique",
            "des formations continues",
            "un observatoire des maladies rares",
        ],
        [
            "dans {n} provinces",
            "pour {n} étudiants",
            "sur {n} mois",
            "avec {n} médecins",
            "dès la rentrée",
            "au profit de {n} familles",
            "en lien avec {n} hôpitaux",
            "avant la fin de l'année",
        ],
    ),
    "en": (
        [
            "The steering committee",
            "Each party",
            "The programme",
            "A joint team",
            "The first phase",
            "A dedicated fund",
            "The simulation centre",
            "The regional network",
        ],
        ["will fund", "will support", "will set up", "will assess", "provides for", "will coordinate"],
        [
            "clinical internships",
            "doctoral grants",
            "a cancer registry",
            "screening campaigns",
            "mobile units",
            "a tele-expertise platform",
            "clinical trials",
            "a public health master",
            "continuing education",
        ],
        [
            "in {n} provinces",
            "for {n} students",
            "over {n} months",
            "with {n} doctors",
            "from next term",
            "for {n} families",
            "with {n} hospitals",
            "before the end of the year",
        ],
    ),
    "ar": (
        ["لجنة القيادة", "كل طرف", "البرنامج", "فريق مشترك", "المرحلة الأولى", "صندوق خاص", "مركز المحاكاة"],
        ["ستمول", "ستدعم", "ستحدث", "ستقيم", "تنص على", "ستنسق"],
        [
            "تداريب سريرية",
            "منحا للدكتوراه",
            "سجلا للسرطان",
            "حملات للكشف المبكر",
            "وحدات متنقلة",
            "منصة للخبرة عن بعد",
            "تجارب سريرية",
            "ماستر في الصحة العامة",
            "تكوينا مستمرا",
        ],
        ["في {n} أقاليم", "لفائدة {n} طالبا", "على مدى {n} شهرا", "بمشاركة {n} طبيبا", "مع {n} مستشفيات"],
    ),
}
SECTIONS = ["Politique", "Économie", "Société", "Sport", "Culture", "Santé", "Régions", "Monde", "Tech"]


@dataclass(frozen=True)
class Page:
    host: int
    number: int
    lang: str
    about_agreement: bool
    published: date

    @property
    def path(self) -> str:
        return f"/{self.published:%Y/%m}/article-{self.number}.html"


class Corpus:
    """Which page is which: page `i` lives on host `i % hosts`."""

    def __init__(self, pages: int, hosts: int, mix: str) -> None:
        if mix not in ("a", "b"):
            raise ValueError(f"mix is 'a' or 'b', not {mix!r}")
        self.pages, self.hosts, self.mix = pages, hosts, mix
        self.by_host: dict[int, list[Page]] = {h: [] for h in range(hosts)}
        for i in range(pages):
            rng = random.Random(i)
            lang = rng.choices(["fr", "ar", "en"], weights=[5, 3, 2])[0]
            about = mix == "b" or i % 20 == 7  # mix a: 1 page in 20
            published = date(2025, 1, 1) + timedelta(days=rng.randrange(600))
            self.by_host[i % hosts].append(Page(i % hosts, i, lang, about, published))
        self.by_path = {(p.host, p.path): p for pages_ in self.by_host.values() for p in pages_}

    def agreements(self) -> int:
        return sum(p.about_agreement for p in self.by_path.values())


def render(page: Page) -> bytes:
    rng = random.Random(page.number * 7919)
    lang = page.lang
    title, paragraphs = _agreement(page, rng) if page.about_agreement else _news(page, rng)
    nav = "".join(f'<li><a href="/rubrique/{s.lower()}">{s}</a></li>' for s in SECTIONS)
    related = "".join(
        f'<li><a href="/{page.published:%Y/%m}/article-{rng.randrange(10**6)}.html">'
        f"{_sentence(NEWS[lang], rng, page)[:70]}</a></li>"
        for _ in range(8)
    )
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    direction = ' dir="rtl"' if lang == "ar" else ""
    return (
        f'<!doctype html><html lang="{lang}"{direction}><head><meta charset="utf-8">'
        f"<title>{title} | Bench Press {page.host}</title>"
        f'<meta property="og:title" content="{title}">'
        f'<meta property="article:published_time" content="{page.published.isoformat()}T09:00:00+01:00">'
        f'<meta property="og:site_name" content="Bench Press {page.host}">'
        f"<style>{_STYLE}</style><script>{_SCRIPT}</script></head><body>"
        f'<header><a href="/">Bench Press {page.host}</a><nav><ul>{nav * 6}</ul></nav></header>'
        f'<main><article><h1>{title}</h1><time datetime="{page.published.isoformat()}">'
        f"{page.published.isoformat()}</time>{body}</article>"
        f"<aside><h2>À lire aussi</h2><ul>{related}</ul></aside></main>"
        f"<footer><p>© Bench Press {page.host}. Tous droits réservés.</p>"
        f'<ul><li><a href="/contact">Contact</a></li><li><a href="/mentions">Mentions</a></li></ul></footer>'
        f"</body></html>"
    ).encode()


def _news(page: Page, rng: random.Random) -> tuple[str, list[str]]:
    lines = [_sentence(NEWS[page.lang], rng, page) for _ in range(rng.randint(6, 12))]
    paragraphs = [" ".join(lines[i : i + 3]) for i in range(0, len(lines), 3)]
    paragraphs += [" ".join(rng.sample(FILLER[page.lang], 2)) for _ in range(2)]
    paragraphs += [" ".join(_details(page.lang, rng) for _ in range(3))]
    return lines[0][:90], paragraphs


def _agreement(page: Page, rng: random.Random) -> tuple[str, list[str]]:
    lang, day = page.lang, page.published - timedelta(days=rng.randrange(3))
    partner, place, goal = (rng.choice(PARTNERS[lang]), rng.choice(PLACES[lang]), rng.choice(GOALS[lang]))
    if lang == "fr":
        when = f"le {day.day} {FR_MONTHS[day.month - 1]} {day.year}"
        title = f"La FM6SS et {partner} signent une convention de partenariat"
        lead = (
            f"La Fondation Mohammed VI des Sciences et de la Santé (FM6SS) et {partner} ont signé, {when} "
            f"à {place}, une convention de partenariat visant à {goal}."
        )
        more = "La convention prévoit des programmes communs de formation et de recherche sur trois ans."
    elif lang == "en":
        when = f"on {EN_MONTHS[day.month - 1]} {day.day}, {day.year}"
        title = f"FM6SS and {partner} sign a partnership agreement"
        lead = (
            f"The Mohammed VI Foundation for Science and Health (FM6SS) and {partner} signed a partnership "
            f"agreement in {place} {when} to {goal}."
        )
        more = "The agreement provides for joint training and research programmes over three years."
    else:
        when = f"يوم {day.day} {AR_MONTHS[day.month - 1]} {day.year}"
        title = f"توقيع اتفاقية شراكة بين مؤسسة محمد السادس للعلوم والصحة و{partner}"
        lead = (
            f"وقعت مؤسسة محمد السادس للعلوم والصحة و{partner}، {when} ب{place}، "
            f"اتفاقية شراكة تهدف إلى {goal}."
        )
        more = "وتنص الاتفاقية على برامج مشتركة للتكوين والبحث على مدى ثلاث سنوات."
    details = [" ".join(_details(lang, rng) for _ in range(4)) for _ in range(3)]
    return title, [lead, more, *details, " ".join(rng.sample(FILLER[lang], 2))]


def _details(lang: str, rng: random.Random) -> str:
    subject, verb, what, where = (rng.choice(part) for part in PARTS[lang])
    return f"{subject} {verb} {what} {where.format(n=rng.randint(3, 400))}."


def _sentence(templates: list[str], rng: random.Random, page: Page) -> str:
    day = {"fr": "ce week-end", "en": "this weekend", "ar": "نهاية هذا الأسبوع"}[page.lang]
    return rng.choice(templates).format(n=rng.randint(2, 60), day=day)


def sitemap(pages: list[Page], base: str) -> bytes:
    urls = "".join(
        f"<url><loc>{base}{p.path}</loc><lastmod>{p.published.isoformat()}</lastmod></url>" for p in pages
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _HostServer
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # As real servers do: without it, the body waits for the client's delayed ACK of the headers (40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        site = self.server
        if self.path == "/robots.txt":
            self._send(200, "text/plain", b"User-agent: *\nAllow: /\n")
        elif self.path == "/sitemap.xml":
            self._send(200, "application/xml", sitemap(site.corpus.by_host[site.index], site.base_url))
        elif (body := site.bodies.get(self.path)) is not None:
            self._send(200, "text/html; charset=utf-8", body)
        else:
            self._send(404, "text/html", b"<html><body>not found</body></html>")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        etag = _etag(body)
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", "Wed, 01 Jan 2025 00:00:00 GMT")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@cache
def _etag(body: bytes) -> str:
    return '"' + sha1(body).hexdigest()[:16] + '"'


class _HostServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, index: int, corpus: Corpus) -> None:
        super().__init__((f"127.0.0.{index + 2}", 0), _Handler)
        self.index, self.corpus = index, corpus
        # Rendered once: the site's own CPU (it shares the machine with the workers) stays small.
        self.bodies = {p.path: render(p) for p in corpus.by_host[index]}
        self.base_url = f"http://127.0.0.{index + 2}:{self.server_address[1]}"


class Site:
    """Every host of a corpus served in background threads; a context manager."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.servers = [_HostServer(h, corpus) for h in range(corpus.hosts)]
        self.threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in self.servers]

    def __enter__(self) -> Site:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def sources(self) -> list[dict[str, Any]]:
        return [
            {
                "name": f"bench-{s.index}",
                "kind": "sitemap",
                "url": f"{s.base_url}/sitemap.xml",
                "outlet": f"Bench Press {s.index}",
                "delay_s": 0,
                "max_concurrency": 64,
            }
            for s in self.servers
        ]

    def pages(self) -> list[tuple[str, bytes]]:
        """(url, body) of every article page, as served: the extraction ceiling's input."""
        return [
            (self.servers[p.host].base_url + p.path, self.servers[p.host].bodies[p.path])
            for pages in self.corpus.by_host.values()
            for p in pages
        ]
