"""Seeded generator of realistic INSP!R-style post and comment HTML.

The archive's extractors (figures, countries, themes) and the search page are tested
against this text, so it has to look like what a social-protection network really
publishes: union reports with counts, percentages and money written in the conventions
of each country (``100.000``, ``3 lakh``, ``Tk 5,000``, ``KHR 1.2 million (USD 300)``),
lists of demands, the odd table and pictures.  Everything is built from templates and
one ``random.Random`` so a seed always gives the same blog, and it is cheap (a few
hundred microseconds a post) because the bench builds blogs of 10,000-100,000 posts.
"""

from __future__ import annotations

import html
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import TypeVar

SEED_POST_TITLE = "Some 2024 results in Cambodia"
SEED_POST_FILE = Path(__file__).resolve().parents[1] / "tests" / "data" / "seed_post_cambodia.txt"

SEED_POST_BUILTIN = """\
In 2024, the Cambodian Labour Confederation (CLC) supported 790 workers—45% women and 43% \
under 35—in improving their access to national social security schemes.

Most of them work in the informal economy: tuk-tuk drivers, street vendors, construction \
workers and domestic workers in Phnom Penh and Siem Reap. Until last year none of them was \
registered with the National Social Security Fund (NSSF).

With the support of the INSP!R network, CLC organised 12 information sessions and helped \
members to register for health care coverage. Under the new rules for self-employed workers, \
contributions are calculated on a declared income, with contributions capped at KHR 1.2 million \
(USD 300) a year.

The next step is the pension scheme, which started in October 2022 for workers covered by the \
Labour Law but still excludes most informal workers."""

T = TypeVar("T")
UNSAFE_KINDS = ("script", "onerror", "javascript", "iframe")


@dataclass(frozen=True)
class Country:
    """What the generator needs to write convincingly about one country."""

    code: str
    name: str
    demonym: str
    cities: tuple[str, ...]
    orgs: tuple[tuple[str, str], ...]  # (full name, acronym)
    schemes: tuple[str, ...]
    money: tuple[str, ...]  # format strings, field {n} / {m} / {usd}


COUNTRIES: tuple[Country, ...] = (
    Country(
        "KH",
        "Cambodia",
        "Cambodian",
        ("Phnom Penh", "Siem Reap", "Battambang", "Kampong Cham"),
        (
            ("Cambodian Labour Confederation", "CLC"),
            ("Building and Wood Workers Trade Union Federation of Cambodia", "BWTUC"),
            ("Independent Democracy of Informal Economy Association", "IDEA"),
        ),
        ("National Social Security Fund (NSSF)", "Health Equity Fund", "IDPoor programme"),
        ("KHR {m} million (USD {usd})", "{n} riel", "USD {usd}"),
    ),
    Country(
        "NP",
        "Nepal",
        "Nepali",
        ("Kathmandu", "Pokhara", "Biratnagar", "Lalitpur"),
        (
            ("General Federation of Nepalese Trade Unions", "GEFONT"),
            ("Nepal Trade Union Congress", "NTUC"),
            ("Home Based Workers Concern Society Nepal", "HBWCSN"),
        ),
        (
            "Social Security Fund (SSF)",
            "Social Security Allowance",
            "National Health Insurance Programme",
        ),
        ("Rs {n}", "NPR {n}", "Rs. {n}"),
    ),
    Country(
        "BD",
        "Bangladesh",
        "Bangladeshi",
        ("Dhaka", "Chattogram", "Gazipur", "Narayanganj"),
        (
            ("Bangladesh Institute of Labour Studies", "BILS"),
            ("Bangladesh Free Trade Union Congress", "BFTUC"),
            ("Awaj Foundation", "Awaj"),
        ),
        (
            "Employment Injury Scheme pilot",
            "National Social Insurance Scheme",
            "Maternity Allowance Programme",
        ),
        ("Tk {n}", "{n} taka", "BDT {n}"),
    ),
    Country(
        "IN",
        "India",
        "Indian",
        ("New Delhi", "Mumbai", "Ahmedabad", "Chennai", "Patna"),
        (
            ("Self Employed Women's Association", "SEWA"),
            ("National Domestic Workers Movement", "NDWM"),
            ("Hind Mazdoor Sabha", "HMS"),
        ),
        (
            "e-Shram portal",
            "Employees' State Insurance (ESIC)",
            "Pradhan Mantri Shram Yogi Maan-dhan pension",
        ),
        ("Rs {n}", "Rs {lakh} lakh", "Rs {crore} crore", "₹{n}", "Rs {indian}"),
    ),
    Country(
        "ID",
        "Indonesia",
        "Indonesian",
        ("Jakarta", "Surabaya", "Medan", "Bandung"),
        (
            ("Konfederasi Serikat Buruh Sejahtera Indonesia", "KSBSI"),
            ("Trade Union Rights Centre", "TURC"),
            ("JALA PRT domestic workers network", "JALA PRT"),
        ),
        ("BPJS Ketenagakerjaan", "BPJS Kesehatan", "Program Keluarga Harapan"),
        ("Rp {dotted}", "IDR {m} billion", "Rp {m} million"),
    ),
    Country(
        "PH",
        "Philippines",
        "Filipino",
        ("Manila", "Quezon City", "Cebu", "Davao"),
        (
            ("Federation of Free Workers", "FFW"),
            ("Alliance of Workers in the Informal Economy", "ALLWIES"),
            ("Homenet Philippines", "Homenet"),
        ),
        ("Social Security System (SSS)", "PhilHealth", "Pantawid Pamilyang Pilipino Program (4Ps)"),
        ("PHP {n}", "{n} pesos", "₱{n}"),
    ),
    Country(
        "LK",
        "Sri Lanka",
        "Sri Lankan",
        ("Colombo", "Kandy", "Galle"),
        (
            ("National Trade Union Federation", "NTUF"),
            ("Protecting Environment and Children Everywhere", "PEACE"),
        ),
        ("Employees' Provident Fund (EPF)", "Aswesuma welfare benefit", "Farmers' Pension Scheme"),
        ("Rs {n}", "LKR {n}"),
    ),
    Country(
        "VN",
        "Vietnam",
        "Vietnamese",
        ("Hanoi", "Ho Chi Minh City", "Da Nang"),
        (("Centre for Development and Integration", "CDI"), ("Vietnam Social Security", "VSS")),
        ("voluntary social insurance scheme", "health insurance card programme"),
        ("VND {m} million", "{n} dong", "USD {usd}"),
    ),
    Country(
        "MM",
        "Myanmar",
        "Myanmar",
        ("Yangon", "Mandalay"),
        (("Confederation of Trade Unions of Myanmar", "CTUM"),),
        ("Social Security Board", "maternal and child cash transfer"),
        ("{n} kyat", "USD {usd}"),
    ),
    Country(
        "TH",
        "Thailand",
        "Thai",
        ("Bangkok", "Chiang Mai"),
        (
            ("HomeNet Thailand", "HomeNet TH"),
            ("State Enterprise Workers' Relations Confederation", "SERC"),
        ),
        ("Section 40 social security scheme", "Universal Coverage Scheme"),
        ("THB {n}", "{n} baht"),
    ),
)

REGIONAL = ("Asia", "South Asia", "Southeast Asia", "ASEAN", "the Asia-Pacific region")
PARTNERS = (
    "WSM",
    "the ILO",
    "the INSP!R network",
    "ITUC-AP",
    "the Belgian trade union ACV-CSC",
    "SP4ALL",
    "Global Coalition for Social Protection Floors",
)


@dataclass(frozen=True)
class Theme:
    """A theme id from the spec with the phrases that make a post genuinely about it."""

    id: str
    label: str
    subjects: tuple[str, ...]
    sentences: tuple[str, ...]
    items: tuple[str, ...]


THEMES: tuple[Theme, ...] = (
    Theme(
        "health-care",
        "Health care",
        ("patients", "workers", "families"),
        (
            "Access to health care remains the first demand of {subject} in {city}: {pct} of "
            "them paid for hospital visits out of their own pocket last year.",
            "Thanks to the campaign, {count} are now covered by the {scheme}.",
            "A visit to a private clinic costs {money}, more than a week of income for most "
            "members.",
            "The union negotiated free annual health check-ups for {count} in {year}.",
        ),
        (
            "free medicines at public health centres",
            "health insurance for all informal workers",
            "mobile clinics in industrial zones",
        ),
    ),
    Theme(
        "pensions",
        "Pensions",
        ("older workers", "pensioners", "retired garment workers"),
        (
            "Only {pct} of older people in {country} receive any pension at all.",
            "The universal old-age pension of {money} a month is far below the poverty line.",
            "Since the pension reform, {count} have started to contribute to the {scheme}.",
            "The network demands a pension for every person aged 60 and above, whether they "
            "worked in the formal or the informal economy.",
        ),
        (
            "a universal social pension",
            "indexation of pensions to prices",
            "pension credits for years of care work",
        ),
    ),
    Theme(
        "maternity",
        "Maternity protection",
        ("mothers", "pregnant workers", "women workers"),
        (
            "Maternity benefits cover {pct} of the wage for 14 weeks, but {pct2} of women "
            "workers in {country} do not qualify.",
            "{count} received a maternity cash benefit of {money} through the {scheme}.",
            "Devi, 27, was 8 months pregnant when she lost her job at the factory in {city}.",
        ),
        (
            "paid maternity leave of at least 14 weeks",
            "breastfeeding breaks at work",
            "protection against dismissal during pregnancy",
        ),
    ),
    Theme(
        "unemployment",
        "Unemployment protection",
        ("laid-off workers", "jobseekers"),
        (
            "When the factories in {city} closed, {count} lost their jobs overnight and had no "
            "unemployment benefit to fall back on.",
            "An unemployment insurance paying {pct} of the last wage for six months would cost "
            "less than {money} a year.",
        ),
        ("an unemployment insurance scheme", "severance pay guarantee funds"),
    ),
    Theme(
        "employment-injury",
        "Employment injury",
        ("construction workers", "injured workers"),
        (
            "Occupational safety is still neglected: {count} were injured on construction sites "
            "in {city} in {year}.",
            "The employment injury scheme now pays {money} to the families of workers killed "
            "at work.",
            "After the fire, the union trained {count} as occupational safety and health "
            "representatives.",
        ),
        (
            "compensation for work accidents and occupational diseases",
            "safety committees in every workplace",
        ),
    ),
    Theme(
        "disability",
        "Disability",
        ("persons with disabilities", "workers with disabilities"),
        (
            "The disability allowance of {money} a month reaches only {pct} of persons with "
            "disabilities in {country}.",
            "{count} took part in the training on inclusive social protection in {city}.",
        ),
        ("a disability allowance without means test", "accessible registration offices"),
    ),
    Theme(
        "child-family",
        "Child and family benefits",
        ("families", "children", "households"),
        (
            "The child grant of {money} a month now reaches {count}.",
            "One in three children in {country} lives in a household without any social "
            "protection.",
        ),
        ("a universal child benefit", "school meals for every child"),
    ),
    Theme(
        "cash-transfers",
        "Cash transfers",
        ("households", "beneficiaries", "families"),
        (
            "The cash transfer programme pays {money} every four months to {count}.",
            "During the floods the government topped up the {scheme} for {count}.",
            "Half of the eligible households never received the transfer because they lacked "
            "an ID card.",
        ),
        ("regular cash transfers indexed to prices", "simple registration without brokers"),
    ),
    Theme(
        "policy-and-law",
        "Policy and law",
        ("members", "union leaders"),
        (
            "The new Social Protection Law adopted in {year} extends coverage to {count}.",
            "Together with {partner}, the network submitted {word} proposals to the Ministry of "
            "Labour on the draft social security law.",
            "{country} has not yet ratified ILO Convention No. 102 on minimum standards of "
            "social security.",
        ),
        (
            "ratification of ILO Convention No. 102",
            "a national social protection strategy",
            "tripartite governance of social security funds",
        ),
    ),
    Theme(
        "gender",
        "Gender equality",
        ("women", "women workers", "women leaders"),
        (
            "Women make up {pct} of informal workers in {country} but only {pct2} of the "
            "contributors to the {scheme}.",
            "{count} took part in the women's leadership school in {city}.",
            "The gender pay gap of {pct} follows women into old age as a pension gap.",
        ),
        (
            "equal pay for work of equal value",
            "childcare services for working mothers",
            "women in the boards of social security institutions",
        ),
    ),
    Theme(
        "youth",
        "Youth",
        ("young workers", "young people", "students"),
        (
            "{count} aged 18 to 30 joined the youth camp in {city} to learn about their social "
            "security rights.",
            "Youth unemployment stands at {pct}, and most young people start their working "
            "life in the informal economy.",
            "The youth committee organised {word} campaigns on social media reaching {count}.",
        ),
        ("decent first jobs for young people", "social security registration at school"),
    ),
    Theme(
        "informal-workers",
        "Informal workers",
        ("street vendors", "informal workers", "home-based workers", "tuk-tuk drivers"),
        (
            "About {pct} of the workforce in {country} works in the informal economy, without "
            "a contract or social security.",
            "{org} helped {count} to register with the {scheme}.",
            "Informal workers such as street vendors and waste pickers earn around {money} a day.",
        ),
        (
            "registration of informal workers in social security",
            "contributions adapted to irregular incomes",
            "an end to evictions of street vendors",
        ),
    ),
    Theme(
        "migrant-workers",
        "Migrant workers",
        ("migrant workers", "returnees"),
        (
            "{count} from {country} work abroad, many of them in the Gulf states and Malaysia.",
            "Migrant workers pay recruitment fees of up to {money} and lose their social "
            "security when they return.",
        ),
        ("portability of social security rights", "bilateral agreements that cover migrants"),
    ),
    Theme(
        "domestic-workers",
        "Domestic workers",
        ("domestic workers", "housemaids"),
        (
            "Domestic workers in {city} earn {money} a month and have no weekly day off.",
            "{count} joined the domestic workers' union in {year}.",
            "ILO Convention No. 189 on domestic workers has still not been ratified by {country}.",
        ),
        ("ratification of ILO Convention No. 189", "a written contract for every domestic worker"),
    ),
    Theme(
        "covid-19",
        "COVID-19",
        ("workers", "families"),
        (
            "During the COVID-19 lockdowns, {count} lost their income from one day to the next.",
            "The COVID-19 relief package paid {money} to {count}, but most informal workers "
            "were left out.",
        ),
        ("emergency income support in crises", "paid sick leave for all"),
    ),
    Theme(
        "climate-just-transition",
        "Climate and just transition",
        ("farmers", "fishers", "workers"),
        (
            "Floods and heatwaves hit {count} in {city} this year, and few of them had any "
            "protection against the loss of income.",
            "A just transition needs social protection: {pct} of workers in coal and garment "
            "regions fear for their jobs.",
            "The disaster response fund released {money} for {count}.",
        ),
        ("shock-responsive social protection", "a just transition fund for affected workers"),
    ),
)

THEME_BY_ID = {theme.id: theme for theme in THEMES}

GENERIC_SENTENCES = (
    "The meeting in {city} brought together {count} from {word} provinces.",
    "{org} presented the results to the national tripartite committee.",
    "Participants shared their experiences and agreed on a common plan of action for {year}.",
    "The study was carried out with the support of {partner}.",
    "Representatives of the Ministry of Labour and the employers attended the closing session.",
    "In {month} {year}, the network held its annual planning workshop in {city}.",
    "Over 100.000 people signed the petition for universal social protection.",
    "The members of {org} will follow up with the local authorities in the coming months.",
    "The campaign materials were translated into {word} local languages.",
    "A survey of {count} showed that {pct} had never heard of the {scheme}.",
)

TITLE_TEMPLATES = (
    "{Demonym} {subject} win access to the {scheme_short}",
    "Workshop in {city} on {theme_label_l}",
    "{org_short} campaigns for {theme_label_l} in {country}",
    "{theme_label}: what changed for {subject} in {country} in {year}",
    "Youth leaders meet in {city}",
    "New study on {theme_label_l} in {country}",
    "Statement of the INSP!R network on {theme_label_l}",
    "{country}: {count_title} registered with the {scheme_short}",
    "International Women's Day {year}: {subject} in {city} speak out",
    "Lessons from {country} on {theme_label_l}",
    "{org_short} annual report {year}",
    "Regional exchange on {theme_label_l} in {city}",
)

COMMENT_TEMPLATES = (
    "Thank you for sharing this, very inspiring work by {org_short}!",
    "Congratulations to the team in {city}. How many of the {subject} are women?",
    "Is there a report in English about the {scheme_short}?",
    "We had the same problem in our district: {count} could not register.",
    "Great news. Solidarity from the union in {city}!",
    "Could you share the presentation from the workshop?",
    "Very useful figures, we will use them in our campaign.",
    "How can domestic workers in {city} join?",
)

QUALIFIERS = (
    "over",
    "nearly",
    "about",
    "at least",
    "more than",
    "almost",
    "around",
    "some",
    "an estimated",
    "close to",
    "up to",
)
NUMBER_WORDS = ("two", "three", "four", "five", "six", "eight", "ten", "twelve")
MONTHS = (
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
)
EXTERNAL_LINKS = (
    ("https://www.ilo.org/topics/social-protection", "ILO social protection"),
    ("https://www.social-protection.org/gimi/WSPDB.action", "World Social Protection Database"),
    ("https://www.wsm.be/en", "WSM"),
    ("https://www.socialprotectionfloorscoalition.org/", "the Global Coalition"),
)
IMAGE_ALTS = (
    "Participants of the workshop",
    "Members at the registration desk",
    "Street vendors in the market",
    "Youth camp group photo",
    "Domestic workers meeting",
    "Press conference",
    "Training session on social security",
)
_TOKEN_ALPHABET = string.ascii_letters + string.digits + "-_"
_FORMATTER = string.Formatter()


def escape_text(text: str) -> str:
    """Escape text for HTML content the way Blogger's composer does (no quote escaping)."""
    return html.escape(text, quote=False)


@dataclass
class Topic:
    """What one post is about; kept on the post as the generator's ground truth."""

    country: Country
    themes: list[Theme]
    org: tuple[str, str]
    second: Country | None = None


@dataclass
class GeneratedPost:
    """Title, body and bookkeeping produced for one post."""

    title: str
    content_html: str
    labels: list[str]
    images: list[tuple[str, str]]  # (src of the full-size variant, alt)
    countries: list[str]
    themes: list[str]
    flags: set[str] = field(default_factory=set)


def _indian_grouping(n: int) -> str:
    """12,34,567-style grouping used in India for numbers of a lakh and more."""
    s = str(n)
    if len(s) <= 3:
        return s
    head, tail = s[:-3], s[-3:]
    groups = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    groups.insert(0, head)
    return ",".join(groups) + "," + tail


def _decimal(rng: Random, low: float, high: float, comma: bool) -> str:
    value = f"{rng.uniform(low, high):.1f}".rstrip("0").rstrip(".")
    return value.replace(".", ",") if comma else value


class ContentGenerator:
    """Fills the templates above; one instance per blog so the output follows one seed."""

    def __init__(self, rng: Random, blog_url: str, media_url: str) -> None:
        self.rng = rng
        self.blog_url = blog_url
        self.media_url = media_url
        self._fields: dict[str, Callable[[Topic], str]] = {
            "country": lambda t: t.country.name,
            "Demonym": lambda t: t.country.demonym,
            "demonym": lambda t: t.country.demonym,
            "city": lambda t: self._pick(t.country.cities),
            "org": lambda t: f"the {t.org[0]} ({t.org[1]})",
            "org_short": lambda t: t.org[1],
            "scheme": lambda t: self._pick(t.country.schemes),
            "scheme_short": lambda t: self._pick(t.country.schemes).split(" (")[0],
            "count": self._count,
            "count_title": lambda t: f"{self._number()} {self._subject(t)}",
            "pct": self._pct,
            "pct2": self._pct,
            "money": self._money,
            "year": lambda t: str(self._int(2016, 2024)),
            "month": lambda t: self._pick(MONTHS),
            "word": lambda t: self._pick(NUMBER_WORDS),
            "partner": lambda t: self._pick(PARTNERS),
            "subject": self._subject,
            "theme_label": lambda t: self._pick(t.themes).label,
            "theme_label_l": lambda t: (
                self._pick(t.themes).label.lower().replace("covid-19", "COVID-19")
            ),
        }
        self._template_fields: dict[str, tuple[str, ...]] = {}
        self._random = rng.random

    def _pick(self, seq: Sequence[T]) -> T:
        """Random element; Random.choice is three times slower and this is the hot path."""
        return seq[int(self._random() * len(seq))]

    def _int(self, low: int, high: int) -> int:
        """Inclusive random integer, cheaper than Random.randint."""
        return low + int(self._random() * (high - low + 1))

    # -- figures ---------------------------------------------------------------------------

    def _number(self) -> str:
        """A count written in one of the conventions found in the network's posts."""
        rng = self.rng
        style = rng.random()
        if style < 0.45:
            return str(self._int(12, 990))
        if style < 0.75:
            return f"{self._int(1, 99) * 1000 + self._int(0, 999):,}"
        if style < 0.85:
            return f"{self._int(10, 900) * 1000:,}".replace(",", ".")
        if style < 0.95:
            return f"{_decimal(rng, 1.1, 9.9, comma=rng.random() < 0.2)} million"
        return self._pick(NUMBER_WORDS)

    def _subject(self, topic: Topic) -> str:
        return self._pick(self._pick(topic.themes).subjects)

    def _count(self, topic: Topic) -> str:
        rng = self.rng
        if topic.country.code == "IN" and rng.random() < 0.3:
            number = (
                f"{self._int(2, 40)} lakh" if rng.random() < 0.7 else f"{self._int(1, 9)} crore"
            )
        else:
            number = self._number()
        qualifier = self._pick(QUALIFIERS) + " " if rng.random() < 0.35 else ""
        return f"{qualifier}{number} {self._subject(topic)}"

    def _pct(self, topic: Topic) -> str:
        rng = self.rng
        style = rng.random()
        if style < 0.55:
            return f"{self._int(3, 92)}%"
        if style < 0.7:
            return f"{_decimal(rng, 2, 95, comma=True)}%"
        if style < 0.85:
            return f"{self._int(3, 92)} percent"
        low = self._int(5, 60)
        return f"{low}-{low + self._int(2, 8)} percent"

    def _money(self, topic: Topic) -> str:
        """An amount in one of the country's usual notations (fields drawn lazily)."""
        template = self._pick(topic.country.money)
        comma = topic.country.code == "ID"
        makers: dict[str, Callable[[], object]] = {
            "n": lambda: f"{self._int(5, 500) * 100:,}",
            "m": lambda: _decimal(self.rng, 1.1, 9.9, comma=comma),
            "usd": lambda: f"{self._int(2, 300) * 5:,}",
            "lakh": lambda: self._int(1, 20),
            "crore": lambda: self._int(1, 9),
            "indian": lambda: _indian_grouping(self._int(100_000, 9_999_999)),
            "dotted": lambda: f"{self._int(50, 900) * 1000:,}".replace(",", "."),
        }
        return template.format(**{name: makers[name]() for name in self._names(template)})

    # -- text ------------------------------------------------------------------------------

    def fill(self, template: str, topic: Topic) -> str:
        """Format one template, drawing only the fields it uses."""
        return template.format(
            **{name: self._fields[name](topic) for name in self._names(template)}
        )

    def _names(self, template: str) -> tuple[str, ...]:
        """Field names of a format string, parsed once."""
        names = self._template_fields.get(template)
        if names is None:
            names = tuple(name for _, name, _, _ in _FORMATTER.parse(template) if name)
            self._template_fields[template] = names
        return names

    def topic(self) -> Topic:
        rng = self.rng
        country = self._pick(COUNTRIES)
        themes = rng.sample(THEMES, self._int(1, 3))
        second = self._pick(COUNTRIES) if rng.random() < 0.2 else None
        return Topic(
            country, themes, self._pick(country.orgs), second if second is not country else None
        )

    def _sentence(self, topic: Topic) -> str:
        rng = self.rng
        if rng.random() < 0.7:
            template = self._pick(self._pick(topic.themes).sentences)
        else:
            template = self._pick(GENERIC_SENTENCES)
        sentence = self.fill(template, topic)
        return sentence[0].upper() + sentence[1:]

    def _paragraph(self, topic: Topic) -> str:
        sentences = [self._sentence(topic) for _ in range(self._int(2, 5))]
        return "<p>" + escape_text(" ".join(sentences)) + "</p>"

    def _list(self, topic: Topic) -> str:
        items = [item for theme in topic.themes for item in theme.items]
        chosen = self.rng.sample(items, min(len(items), self._int(3, 5)))
        lis = "".join(f"<li>{escape_text(item.capitalize())}</li>" for item in chosen)
        return f"<p>The participants adopted the following demands:</p><ul>{lis}</ul>"

    def _table(self, topic: Topic) -> str:
        rows = "".join(
            f"<tr><td>{escape_text(city)}</td><td>{self._int(40, 2500):,}</td>"
            f"<td>{self._int(20, 80)}%</td></tr>"
            for city in topic.country.cities
        )
        return (
            '<table border="1" cellpadding="4"><tbody><tr><th>Province</th>'
            f"<th>Members registered</th><th>Women</th></tr>{rows}</tbody></table>"
        )

    def image(self) -> tuple[str, str, str]:
        """(full-size src, displayed src, alt) of a new image on the media host."""
        rng = self.rng
        token = "AVvXsE" + "".join(rng.choices(_TOKEN_ALPHABET, k=40))
        alt = self._pick(IMAGE_ALTS)
        if rng.random() < 0.3:
            base = f"{self.media_url}img/a/{token}"
            return f"{base}=s1600", f"{base}=w640-h426", alt
        name = f"IMG_{self._int(1000, 9999)}.png"
        base = f"{self.media_url}img/b/R29vZ2xl/{token}"
        return f"{base}/s1600/{name}", f"{base}/s320/{name}", alt

    def _image_block(self, images: list[tuple[str, str]]) -> str:
        full, shown, alt = self.image()
        images.append((full, alt))
        return (
            '<div class="separator" style="clear: both; text-align: center;">'
            f'<a href="{full}" style="margin-left: 1em; margin-right: 1em;">'
            f'<img alt="{alt}" border="0" data-original-height="1200" '
            f'data-original-width="1600" height="240" src="{shown}" width="320" /></a></div>'
        )

    def _link_paragraph(self, topic: Topic, internal: str | None) -> str:
        href, text = self._pick(EXTERNAL_LINKS)
        more = f' Read also <a href="{internal}">our earlier report</a>.' if internal else ""
        return (
            f'<p>More information: <a href="{href}">{escape_text(text)}</a> and the '
            f'<a href="{self.blog_url}search/label/{topic.country.name.replace(" ", "%20")}">'
            f"posts about {escape_text(topic.country.name)}</a>.{more}</p>"
        )

    def _unsafe(self, kind: str) -> str:
        """Markup a sanitizer must neutralise; each kind is flagged on the post."""
        return {
            "script": "<script>document.write('tracking');</script>",
            "onerror": '<img src="x" onerror="alert(document.cookie)" alt="broken" />',
            "javascript": '<p><a href="javascript:alert(1)">Click to download the report</a></p>',
            "iframe": (
                '<iframe src="https://ads.example.net/frame.html" width="300" '
                'height="250"></iframe>'
            ),
        }[kind]

    def post(
        self,
        body_bytes: int,
        unsafe: tuple[str, ...] = (),
        internal: str | None = None,
        jump_break: bool = True,
    ) -> GeneratedPost:
        """A whole post of roughly ``body_bytes`` of HTML."""
        rng = self.rng
        topic = self.topic()
        images: list[tuple[str, str]] = []
        parts = [self._paragraph(topic)]
        if jump_break:
            parts.append("<a name='more'></a>")
        if rng.random() < 0.7:
            parts.append(self._image_block(images))
        extras = [self._list(topic)]
        if rng.random() < 0.25:
            extras.append(self._table(topic))
        extras.extend(self._unsafe(kind) for kind in unsafe)
        size = sum(map(len, parts)) + sum(map(len, extras)) + 400
        while size < body_bytes:
            block = self._paragraph(topic)
            parts.append(block)
            size += len(block)
            if extras and rng.random() < 0.4:
                parts.append(extras.pop())
        parts.extend(extras)
        if rng.random() < 0.2:
            parts.append(self._image_block(images))
        parts.append(self._link_paragraph(topic, internal))
        countries = [topic.country.name] + ([topic.second.name] if topic.second else [])
        labels = countries + [theme.label for theme in topic.themes]
        if rng.random() < 0.3:
            labels.append(self._pick(("INSP!R", "Training", "Statement", "News", "Research")))
        return GeneratedPost(
            title=self.fill(self._pick(TITLE_TEMPLATES), topic),
            content_html="".join(parts),
            labels=labels,
            images=images,
            countries=[topic.country.code],
            themes=[theme.id for theme in topic.themes],
            flags=set(unsafe),
        )

    def comment(self) -> str:
        return escape_text(self.fill(self._pick(COMMENT_TEMPLATES), self.topic()))


def seed_post_html() -> str:
    """Body of the blog's seed post: the shared fixture text if present, else the built-in."""
    text = (
        SEED_POST_FILE.read_text(encoding="utf-8")
        if SEED_POST_FILE.exists()
        else (SEED_POST_BUILTIN)
    )
    if text.lstrip().startswith("<"):
        return text
    paragraphs = [p.strip() for p in text.split("\n\n") if p.strip()]
    body = "".join(
        "<p>" + "<br />".join(escape_text(line) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )
    return body
