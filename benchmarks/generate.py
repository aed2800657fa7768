"""A synthetic corpus for the benchmarks: N plain-text policy documents from a seed.

Why synthetic: the real corpus is five files, far too few to measure how the build scales.
The generator writes the three genres the text loaders read most (regulations in chapters
and articles, numbered measures lists with responsibility notes, dated roundups) with the
registries' own agency, region and therapy names, so that the loaders recognise the genres
and link what they find; the wording is made up here, sentence by sentence, from small
phrase tables.  The same seed and N give byte-identical files.

    python -m benchmarks.generate OUT_DIR --n 1000 --seed 7
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import ORG, RDF, SKOS

REPO_ROOT = Path(__file__).resolve().parents[1]
REGISTRY_DIR = REPO_ROOT / "ontology" / "registries"
CGT = Namespace("https://w3id.org/cgt-kg/ontology#")
GENRES = ("regulation", "measures", "roundup")
#: share of each genre in a generated corpus
GENRE_WEIGHTS = (0.3, 0.35, 0.35)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


# ------------------------------------------------------------------ registry vocabulary


@dataclass
class City:
    """A city whose departments the registry knows by their generic "municipal ..." names."""

    name: str  # "Shenzhen"
    departments: list[str]  # hidden labels: "municipal health department", ...
    agencies: list[str]  # full English names of the same departments


@dataclass
class Vocabulary:
    national: list[str] = field(default_factory=list)  # national agencies, English names
    cities: list[City] = field(default_factory=list)
    province_city: list[tuple[str, str]] = field(default_factory=list)  # ("Guangdong", "Guangzhou")
    regions: list[str] = field(default_factory=list)  # English region names for titles
    therapies: list[str] = field(default_factory=list)  # English therapy names


def _en(g: Graph, s: URIRef, p: URIRef) -> list[str]:
    return sorted(str(o) for o in g.objects(s, p) if isinstance(o, Literal) and o.language == "en")


def load_vocabulary(registry_dir: Path = REGISTRY_DIR) -> Vocabulary:
    """Names from ontology/registries/*.ttl: the words the loaders can link back to keys."""
    g = Graph()
    for f in sorted(Path(registry_dir).glob("*.ttl")):
        g.parse(f, format="turtle")
    v = Vocabulary()
    level = {s: str(o).rsplit("/", 1)[-1] for s, o in g.subject_objects(CGT.administrativeLevel)}
    jurisdiction = {s: o for s, o in g.subject_objects(CGT.jurisdiction)}
    generic = set(g.subjects(RDF.type, CGT.GenericAuthority))
    historical = set(g.subjects(ORG.changedBy, None))
    agencies = sorted(set(g.subjects(RDF.type, ORG.Organization)))
    for a in agencies:
        name = _en(g, a, SKOS.prefLabel)
        if (name and level.get(a) == "level-national" and a not in generic
                and a not in historical and "Party" not in name[0] and "," not in name[0]):
            v.national.append(name[0])

    region_name = {r: _en(g, r, SKOS.prefLabel)[0] for r in g.subjects(SKOS.inScheme, None)
                   if str(r).rsplit("/", 2)[-2] == "region" and _en(g, r, SKOS.prefLabel)}
    rlevel = {s: str(o).rsplit("/", 1)[-1] for s, o in g.subject_objects(CGT.regionLevel)}
    # governments named as places ("Guangdong Province", "Guangzhou City")
    place_gov: dict[URIRef, str] = {}
    for a in agencies:
        r = jurisdiction.get(a)
        for h in _en(g, a, SKOS.hiddenLabel):
            if r in region_name and h in (f"{region_name[r]} Province", f"{region_name[r]} City"):
                place_gov[r] = h
    for r, name in sorted(region_name.items(), key=lambda kv: kv[1]):
        if rlevel.get(r) in ("rl-province", "rl-city", "rl-municipality", "rl-new-area"):
            v.regions.append(name)
        depts = sorted({(h, _en(g, a, SKOS.prefLabel)[0]) for a in agencies
                        if jurisdiction.get(a) == r and a not in historical
                        for h in _generic_name(_en(g, a, SKOS.hiddenLabel))})
        if len(depts) >= 2:
            v.cities.append(City(name, [d for d, _ in depts], [n for _, n in depts]))
    for city, label in sorted(place_gov.items(), key=lambda kv: str(kv[0])):
        if not label.endswith(" City"):
            continue
        for prov in g.objects(city, SKOS.broader):
            if place_gov.get(prov, "").endswith(" Province"):
                v.province_city.append((region_name[prov], region_name[city]))
    therapy_scheme = [r for r in g.subjects(SKOS.inScheme, None) if "/therapy/" in str(r)]
    v.therapies = sorted({_en(g, t, SKOS.prefLabel)[0] for t in therapy_scheme
                          if _en(g, t, SKOS.prefLabel)})
    if not (v.national and v.cities and v.therapies):
        raise ValueError(f"{registry_dir}: the registries give too few names to generate texts")
    return v


def _generic_name(hidden: list[str]) -> list[str]:
    """The "municipal ... department" name of a city department, if it has one."""
    names = [h for h in hidden if h.startswith("municipal ") and "government" not in h
             and "congress" not in h]
    names.sort(key=lambda h: (not h.endswith(" department"), len(h)))
    return names[:1]


def title_case(text: str) -> str:
    """Capitalise lower-case words for a title; "CAR-T" and "mRNA" keep their spelling."""
    small = {"and", "of", "in", "for", "on", "the"}
    words = text.split()
    return " ".join(w if (w in small and i) or w != w.lower() else w[:1].upper() + w[1:]
                    for i, w in enumerate(words))


# ------------------------------------------------------------------ phrase tables (our wording)

_AIMS = (
    "build a safe and orderly market for {t} products",
    "shorten the path from laboratory results to clinical use of {t}",
    "support local enterprises that develop {t} products",
    "protect patients who take part in {t} studies",
    "improve the quality of {t} manufacturing and testing",
    "attract research teams working on {t}",
)
_DUTIES = (
    "draw up an annual plan for {t} pilot projects and publish its results",
    "set up a register of institutions that prepare {t} products",
    "check the storage and transport conditions of {t} materials at least once a year",
    "organise expert reviews of new {t} techniques before they are used in hospitals",
    "publish a list of qualified laboratories for {t} quality testing",
    "coordinate funding for shared {t} production platforms",
    "keep records of adverse events reported by {t} trial sites",
    "provide guidance to enterprises applying for {t} clinical trials",
    "arrange training on good practice for staff who handle {t} samples",
    "evaluate the pilot programme for {t} every two years and report the findings",
)
_ITEMS = (
    "written consent of the patient or the patient's guardian",
    "a complete record of where each cell batch came from",
    "an ethics review approved by the institution's committee",
    "a quality agreement with every outside testing laboratory",
    "insurance that covers harm to trial participants",
    "a plan for following up patients after treatment",
)
_CHAPTERS = ("General Provisions", "Research and Development", "Clinical Application",
             "Production and Quality", "Industry Support", "Supervision and Management",
             "Legal Liability", "Supplementary Provisions")
_HEADINGS = (
    "Widen access for {t} research",
    "Speed up approval of {t} products",
    "Support shared platforms for {t}",
    "Strengthen quality control of {t}",
    "Encourage investment in {t} enterprises",
    "Train professionals in {t}",
    "Improve data sharing on {t} trials",
    "Tighten oversight of {t} clinics",
)
_MEASURE_BODIES = (
    "Qualified hospitals may register {t} studies online and start them once the filing "
    "is accepted.",
    "Enterprises that build {t} pilot lines in the zone receive priority in land and "
    "equipment plans.",
    "Testing centres will offer {t} product checks within thirty working days of a request.",
    "A joint office will answer questions from {t} developers about approval steps and documents.",
    "Foreign-invested firms may set up {t} research centres on the same terms as domestic ones.",
    "Universities are encouraged to open courses and internships in {t} manufacturing.",
)
_GISTS = (
    "It sets out how {t} studies are filed, reviewed and followed up.",
    "The text lists support for {t} firms, from funding to faster reviews.",
    "It asks hospitals to report {t} treatments to a shared register.",
    "Quality rules for {t} materials are explained step by step.",
    "It names pilot sites and a timetable for {t} services.",
)
# National laws a local regulation names in its liability article (titles are facts; the
# project's records describe each, so the build links the texts' copies to them).
_LAWS = ("Biosecurity Law of the People's Republic of China",
         "Drug Administration Law of the People's Republic of China",
         "Basic Medical and Health Law of the People's Republic of China",
         "Regulations on the Administration of Human Genetic Resources of the People's Republic of China",
         "Advertising Law of the People's Republic of China")
_ROUNDUP_TITLES = ("Guidelines for Clinical Studies of {t}",
                   "Measures on Supporting the {r} {t} Industry",
                   "Notice on Pilot Work for {t} in {r}",
                   "Work Plan for {t} Innovation in {r}",
                   "Technical Guidelines for Quality Testing of {t} Products")


def _date(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(2018, 2024), rng.randint(1, 12), rng.randint(1, 28)


def _long(d: tuple[int, int, int]) -> str:
    return f"{MONTHS[d[1] - 1]} {d[2]}, {d[0]}"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _roman(n: int) -> str:
    out = ""
    for value, sym in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + sym, n - value
    return out


# ------------------------------------------------------------------ the genres


def regulation(rng: random.Random, v: Vocabulary, serial: int) -> str:
    """A municipal regulation: title, adoption line, chapters of articles, subject clauses."""
    city = rng.choice(v.cities)
    t = rng.choice(v.therapies)
    adopted = _date(rng)
    lines = [f"{city.name} Regulations on Promoting {title_case(t)} Research and Application "
             f"(Series {serial})", "",
             f"(Adopted at the {_ordinal(rng.randint(2, 30))} Meeting of the Standing Committee "
             f"of the {_ordinal(rng.randint(5, 8))} {city.name} Municipal People's Congress on "
             f"{_long(adopted)})", ""]
    chapters = rng.sample(_CHAPTERS[1:-1], 1)
    chapters = [_CHAPTERS[0], *chapters, _CHAPTERS[-1]]
    art = 0
    for c, heading in enumerate(chapters, start=1):
        lines += [f"Chapter {c} {heading}", ""]
        for _ in range(rng.randint(2, 3)):
            art += 1
            lines += [f"Article {art}: {_article_body(rng, city, t, art)}", ""]
            if rng.random() < 0.2:
                for i, item in enumerate(rng.sample(_ITEMS, 3), start=1):
                    num = _roman(i) if i % 2 == 0 else str(i)
                    lines += [f"({num}) {item.capitalize()};", ""]
    # Half the regulations name one or two national laws (eli:cites), drawn from a generator
    # of their own seeded by what the corpus seed already chose (title, adoption date): the
    # rest of the corpus is what it was before these articles were added.
    cite = random.Random(f"cites {lines[0]} {adopted}")
    if cite.random() < 0.5:
        art += 1
        laws = cite.sample(_LAWS, cite.randint(1, 2))
        named = " and the ".join(f'"{law}"' for law in laws)
        lines += [f"Article {art}: Whoever breaks these Regulations in {t} work is punished "
                  f"under the {named}.", ""]
    lines += [f"Article {art + 1}: These Regulations take effect on "
              f"{_long((adopted[0] + 1, rng.randint(1, 12), 1))}.", ""]
    return "\n".join(lines)


def _article_body(rng: random.Random, city: City, t: str, art: int) -> str:
    duty = rng.choice(_DUTIES).format(t=t)
    if art == 1:
        return f"These Regulations are made to {rng.choice(_AIMS).format(t=t)} in {city.name}."
    kind = rng.random()
    a, b = rng.sample(city.departments, 2)
    if kind < 0.45:
        return f"The {a} shall, together with the {b}, {duty}."
    if kind < 0.7:
        return f"The {a} shall {duty}; the {b} shall give the support this needs."
    if kind < 0.85:
        return (f"The municipal people's government shall {duty}, and shall report on this "
                f"work once a year.")
    return f"Institutions that work on {t} shall {rng.choice(_AIMS).format(t=t)}."


def measures(rng: random.Random, v: Vocabulary, serial: int) -> str:
    """A numbered measures list with responsibility notes and mixed numbering (1., II., 3.)."""
    t = rng.choice(v.therapies)
    prov, city = rng.choice(v.province_city) if v.province_city else (None, rng.choice(v.regions))
    issuers = rng.sample(v.national, 2)
    issued = _date(rng)
    title = f"Several Measures on Supporting {city} in Developing {title_case(t)} (Batch {serial})"
    lines = [f"{city} gets new support for {t}",
             f"{issued[0]}-{issued[1]:02d}-{issued[2]:02d}",
             f"On {MONTHS[issued[1] - 1]} {issued[2]}, the {issuers[0]} and the {issuers[1]} "
             f"jointly issued the \"{title}\" (hereinafter referred to as the \"Measures\").",
             "The full text is as follows:",
             title,
             f"Guo Ban Fa [{issued[0]}] No. {serial}",
             "To the relevant departments and local governments:",
             f"The following measures are adopted to {rng.choice(_AIMS).format(t=t)}."]
    for i in range(1, rng.randint(3, 5) + 1):
        num = _roman(i) if i % 3 == 2 else str(i)
        resp = rng.sample(v.national, 3)
        tail = (f"; {prov} Province and {city} City are responsible according to their "
                f"respective duties" if prov else "")
        lines += [f"{num}. {rng.choice(_HEADINGS).format(t=t)}",
                  f"{rng.choice(_MEASURE_BODIES).format(t=t)} "
                  f"(Responsible departments: {', '.join(resp)}{tail}.)"]
    lines.append("Every department shall carry out these measures in good faith.")
    return "\n".join(lines) + "\n"


def roundup(rng: random.Random, v: Vocabulary, serial: int) -> str:
    """Dated entries (Month D, YYYY / issuer and title / gist) under national and local heads."""
    t = rng.choice(v.therapies)
    year = rng.randint(2018, 2024)
    lines = [f"A year of {t} policy: review number {serial}", "National level"]
    entries = rng.randint(3, 5)  # the roundup genre needs three dated lines
    local_from = entries // 2
    for i in range(entries):
        if i == local_from:
            lines += ["Local level", rng.choice(v.regions)]
        region = rng.choice(v.regions)
        title = rng.choice(_ROUNDUP_TITLES).format(t=title_case(t), r=region)
        issuer = rng.choice(v.national) if i < local_from else rng.choice(
            [n for c in v.cities for n in c.agencies if " and " not in n] or v.national)
        lines += [_long((year, rng.randint(1, 12), rng.randint(1, 28))),
                  f"The {issuer} issued the \"{title} (No. {serial}-{i + 1})\".",
                  rng.choice(_GISTS).format(t=t)]
    return "\n".join(lines) + "\n"


_MAKERS = {"regulation": regulation, "measures": measures, "roundup": roundup}


def generate(out_dir: Path, n: int, seed: int = 7, vocabulary: Vocabulary | None = None,
             genres: tuple[str, ...] = GENRES) -> list[Path]:
    """Write ``n`` documents into ``out_dir`` (created); returns their paths, sorted."""
    v = vocabulary or load_vocabulary()
    rng = random.Random(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    weights = [GENRE_WEIGHTS[GENRES.index(g)] for g in genres]
    paths = []
    for i in range(n):
        genre = rng.choices(genres, weights)[0]
        path = out_dir / f"{i:06d}_{genre}.txt"
        path.write_text(_MAKERS[genre](rng, v, i + 1), encoding="utf-8")
        paths.append(path)
    return paths


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--n", type=int, default=100, help="number of documents")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    paths = generate(a.out_dir, a.n, a.seed)
    size = sum(p.stat().st_size for p in paths)
    print(f"{len(paths)} documents, {size / 1e6:.2f} MB in {a.out_dir}")


if __name__ == "__main__":
    main()
