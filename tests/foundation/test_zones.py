"""The special zones users ask about (issue #19): pilot free trade zones and their areas,
national-level new areas, special economic zones, the Hainan Free Trade Port's key parks,
cooperation zones and the development zones of biotech policy.  Most live in
``ontology/registries/zones.ttl``; those ``regions.ttl`` had before keep their keys there.

Checked here: the registry holds exactly the zones of the lists below (written from the
State Council's published lists, not read back from the registry), each zone has an English
and a Chinese name, one level and lies inside a division of the gazetteer, the shapes accept
the zones and reject a broken one, and the linker finds zone names in invented English and
Chinese sentences and resolves them to the right key with the right containment.
"""

from __future__ import annotations

import pytest
from cgtkg.graph.namespaces import CGT, concept, region, scheme
from cgtkg.loaders.text.linking import Linker, Registry
from rdflib import Graph, Literal, URIRef
from rdflib import namespace as rdfns
from rdflib.namespace import RDF, SKOS

from cgtkg.pipeline.build import REPO_ROOT, load_registry, load_shapes, validate_graph

ONTOLOGY = REPO_ROOT / "ontology"
REGISTRIES = ONTOLOGY / "registries"

# ------------------------------------------------------------------ the lists

#: The 22 pilot free trade zones (province key -> year the State Council approved the plan).
FTZS = {
    "shanghai": "2013", "guangdong": "2015", "tianjin": "2015", "fujian": "2015",
    "liaoning": "2017", "zhejiang": "2017", "henan": "2017", "hubei": "2017", "chongqing": "2017",
    "sichuan": "2017", "shaanxi": "2017", "hainan": "2018", "shandong": "2019", "jiangsu": "2019",
    "guangxi": "2019", "hebei": "2019", "yunnan": "2019", "heilongjiang": "2019",
    "beijing": "2020", "hunan": "2020", "anhui": "2020", "xinjiang": "2023",
}
#: How many areas (片区) each zone has; Shanghai's count includes the Lingang New Area and
#: Zhejiang's the three areas added in 2020; Hainan's zone is the whole island.
FTZ_AREAS = {
    "shanghai": 5, "guangdong": 3, "tianjin": 3, "fujian": 3, "liaoning": 3, "zhejiang": 4,
    "henan": 3, "hubei": 3, "chongqing": 3, "sichuan": 3, "shaanxi": 3, "hainan": 0,
    "shandong": 3, "jiangsu": 3, "guangxi": 3, "hebei": 4, "yunnan": 3, "heilongjiang": 3,
    "beijing": 3, "hunan": 3, "anhui": 3, "xinjiang": 3,
}
#: The 19 national-level new areas and the year each was approved.
NEW_AREAS = {
    "pudong": "1992", "binhai-120116": "2006", "liangjiang-new-area": "2010",
    "zhoushan-islands-new-area": "2011", "lanzhou-new-area": "2012", "nansha": "2012",
    "xixian-new-area": "2014", "guian-new-area": "2014", "qingdao-west-coast-new-area": "2014",
    "jinpu-new-area": "2014", "tianfu-new-area": "2014", "xiangjiang-new-area": "2015",
    "jiangbei-new-area": "2015", "fuzhou-new-area": "2015", "dianzhong-new-area": "2015",
    "harbin-new-area": "2015", "changchun-new-area": "2016", "ganjiang-new-area": "2016",
    "xiongan": "2017",
}
#: The seven special economic zones (Kashgar and Horgos: economic development zones with
#: SEZ policies), with the city or region they lie in.
SEZS = {
    "shenzhen-sez": "shenzhen", "zhuhai-sez": "zhuhai", "shantou-sez": "shantou",
    "xiamen-sez": "xiamen", "hainan-sez": "hainan", "kashgar-edz": "xinjiang", "horgos-edz": "ili",
}
#: The Hainan Free Trade Port's eleven key parks.
HAINAN_PARKS = [
    "boao-lecheng", "yangpu-edz", "jiangdong-new-area", "haikou-bonded-zone", "haikou-hitech-zone",
    "yazhou-bay-sci-tech-city", "sanya-cbd", "wenchang-aerospace-city",
    "lingshui-lian-education-zone", "hainan-ecological-software-park", "fuxingcheng-internet-park",
]
#: Cooperation zones (Nansha is the new area rg:nansha) and the place each lies in.
COOPERATION = {"qianhai": "shenzhen", "hengqin-cooperation-zone": "zhuhai",
               "hetao-cooperation-zone": "shenzhen", "hetao-shenzhen-park": "futian-440304",
               "nansha": "guangzhou"}
#: Development zones and parks that cell and gene therapy policy names, and their place.
PARKS = {
    "zhongguancun": "beijing", "zhongguancun-life-science-park": "changping-110114",
    "beijing-etda": "beijing", "daxing-biomedicine-base": "daxing-110115",
    "zhangjiang": "pudong", "shanghai-international-medical-zone": "pudong",
    "suzhou-industrial-park": "suzhou-320500", "biobay": "suzhou-industrial-park",
    "teda": "binhai-120116", "tianjin-binhai-hitech-zone": "tianjin",
    "east-lake-hitech-zone": "wuhan", "biolake": "east-lake-hitech-zone",
    "tianfu-bio-town": "shuangliu-510116", "chengdu-hitech-zone": "chengdu",
    "guangzhou-bio-island": "guangzhou", "china-medical-city": "taizhou-321200",
    "hengqin-tcm-park": "hengqin-cooperation-zone", "xiamen-torch-hitech-zone": "xiamen",
    "xian-hitech-zone": "xian", "hefei-hitech-zone": "hefei", "hangzhou-hitech-zone": "hangzhou",
    "shenzhen-hitech-zone": "shenzhen", "nanjing-biopharma-valley": "jiangbei-new-area",
}

ZONE_LEVELS = {"rl-free-trade-zone", "rl-zone-area", "rl-new-area", "rl-special-economic-zone",
               "rl-development-zone"}
DIVISION_LEVELS = {"rl-province", "rl-municipality", "rl-sar", "rl-city", "rl-district"}


# ------------------------------------------------------------------ fixtures and helpers


@pytest.fixture(scope="module")
def reg() -> Graph:
    return load_registry(ONTOLOGY)


@pytest.fixture(scope="module")
def linker(reg) -> Linker:
    return Linker(Registry.from_graph(reg))


def level(g: Graph, r: URIRef) -> str:
    return str(g.value(r, CGT.regionLevel) or "").rsplit("/", 1)[-1]


def keyed(g: Graph, lvl: str) -> set[str]:
    return {str(r).rsplit("/", 1)[-1] for r in g.subjects(CGT.regionLevel, concept(lvl))}


def ancestors(g: Graph, r: URIRef) -> set[URIRef]:
    out, todo = set(), [r]
    while todo:
        for b in g.objects(todo.pop(), SKOS.broader):
            if b not in out:
                out.add(b)
                todo.append(b)
    return out


def year(g: Graph, key: str) -> str | None:
    v = g.value(region(key), CGT.approvalDate)
    return None if v is None else str(v)[:4]


def zones(g: Graph) -> list[URIRef]:
    return sorted(r for lv in ZONE_LEVELS for r in g.subjects(CGT.regionLevel, concept(lv)))


# ------------------------------------------------------------------ complete against the lists


def test_the_22_pilot_free_trade_zones_and_the_free_trade_port(reg):
    assert len(FTZS) == 22
    assert keyed(reg, "rl-free-trade-zone") == {f"ftz-{p}" for p in FTZS} | {"hainan-ftp"}
    got = {p: year(reg, f"ftz-{p}") for p in FTZS}
    assert got == FTZS
    for p in FTZS:  # each lies in its own province-level division
        assert region(p) in set(reg.objects(region(f"ftz-{p}"), SKOS.broader)), p


def test_every_free_trade_zone_area_is_in_its_zone_and_a_division(reg):
    counts = dict.fromkeys(FTZS, 0)
    for key in sorted(keyed(reg, "rl-zone-area")):
        broader = set(reg.objects(region(key), SKOS.broader))
        zones_of = [b for b in broader if level(reg, b) == "rl-free-trade-zone"]
        assert len(zones_of) == 1, f"{key}: in {zones_of}"
        counts[str(zones_of[0]).rsplit("/", 1)[-1].removeprefix("ftz-")] += 1
        places = [b for b in broader if level(reg, b) != "rl-free-trade-zone"]
        assert places, f"{key}: lies in no division or zone besides its free trade zone"
        assert year(reg, key) is not None, f"{key}: no approval year"
    assert counts == FTZ_AREAS
    assert sum(counts.values()) == 67


def test_the_19_national_level_new_areas(reg):
    assert len(NEW_AREAS) == 19
    assert keyed(reg, "rl-new-area") == set(NEW_AREAS)
    assert {k: year(reg, k) for k in NEW_AREAS} == NEW_AREAS


def test_the_seven_special_economic_zones(reg):
    assert keyed(reg, "rl-special-economic-zone") == set(SEZS)
    for key, place in SEZS.items():
        assert region(place) in set(reg.objects(region(key), SKOS.broader)), key
    assert {k: year(reg, k) for k in ("shenzhen-sez", "zhuhai-sez", "shantou-sez", "xiamen-sez",
                                      "hainan-sez")} == {
        "shenzhen-sez": "1980", "zhuhai-sez": "1980", "shantou-sez": "1980", "xiamen-sez": "1980",
        "hainan-sez": "1988"}


@pytest.mark.parametrize("group", ["hainan", "cooperation", "parks"])
def test_parks_and_cooperation_zones_lie_where_they_are(reg, group):
    table = {"hainan": dict.fromkeys(HAINAN_PARKS, "hainan-ftp"), "cooperation": COOPERATION,
             "parks": PARKS}[group]
    for key, place in table.items():
        assert level(reg, region(key)) in {"rl-development-zone", "rl-new-area"}, key
        assert region(place) in set(reg.objects(region(key), SKOS.broader)), f"{key} not in {place}"
    if group == "hainan":
        assert len(table) == 11
        assert year(reg, "boao-lecheng") == "2013"


# ------------------------------------------------------------------ well formed


def test_every_zone_has_both_names_one_level_and_a_division(reg):
    all_zones = zones(reg)
    listed = ({f"ftz-{p}" for p in FTZS} | {"hainan-ftp"} | set(NEW_AREAS) | set(SEZS)
              | set(HAINAN_PARKS) | set(COOPERATION) | set(PARKS))
    others = {str(z).rsplit("/", 1)[-1] for z in all_zones if level(reg, z) != "rl-zone-area"}
    assert others == listed  # no zone the lists above do not name, none missing
    problems = []
    for z in all_zones:
        for lang in ("en", "zh"):
            names = [o for o in reg.objects(z, SKOS.prefLabel) if o.language == lang]
            if len(names) != 1:
                problems.append(f"{z}: {len(names)} prefLabel@{lang}")
        if len(list(reg.objects(z, CGT.regionLevel))) != 1:
            problems.append(f"{z}: not exactly one level")
        for b in reg.objects(z, SKOS.broader):
            if (b, SKOS.inScheme, None) not in reg:
                problems.append(f"{z}: broader {b} does not exist")
        divisions = {a for a in ancestors(reg, z) if level(reg, a) in DIVISION_LEVELS}
        if not divisions:
            problems.append(f"{z}: inside no province, city or district")
        for d in reg.objects(z, CGT.approvalDate):
            if d.datatype not in (rdfns.XSD.gYear, rdfns.XSD.date):
                problems.append(f"{z}: approval date {d!r}")
    assert problems == []


def test_every_region_has_exactly_one_level(reg):
    """The shapes check levels only of dated zones (cost); here every region, divisions too."""
    regions = set(reg.subjects(SKOS.inScheme, scheme("regions")))
    assert len(regions) > 3000
    wrong = sorted(str(r) for r in regions if len(list(reg.objects(r, CGT.regionLevel))) != 1)
    assert wrong == []


def test_free_trade_zones_carry_their_short_forms(reg):
    for p in FTZS:
        alts = {str(o) for o in reg.objects(region(f"ftz-{p}"), SKOS.altLabel)}
        zh = str(next(o for o in reg.objects(region(p), SKOS.altLabel) if o.language == "zh"
                      and len(o) <= 3))
        en = next(str(o) for o in reg.objects(region(p), SKOS.prefLabel) if o.language == "en")
        assert {f"{zh}自贸试验区", f"{zh}自贸区", f"{en} FTZ", f"{en} Pilot Free Trade Zone"} <= alts, p


def test_a_zone_that_is_also_a_division_has_one_home(reg):
    """The gazetteer gives Binhai, Liangjiang and Suzhou Industrial Park their codes; labels,
    level and date come from zones.ttl alone."""
    divisions = Graph().parse(REGISTRIES / "divisions.ttl")
    hand = Graph().parse(REGISTRIES / "zones.ttl")
    for key, code in (("binhai-120116", "120116"), ("liangjiang-new-area", "500157"),
                      ("suzhou-industrial-park", "320576")):
        r = region(key)
        assert set(divisions.predicate_objects(r)) == {(SKOS.notation, Literal(code))}, key
        assert (r, RDF.type, SKOS.Concept) in hand and (r, CGT.regionLevel, None) in hand, key
        assert list(reg.subjects(SKOS.notation, Literal(code))) == [r]


def _zone_graph(reg: Graph) -> Graph:
    """The zones with the regions they point to, up to China, and the ontology and small
    vocabularies: all the shapes need, without the thousands of other divisions."""
    g = Graph()
    for f in (ONTOLOGY / "cgt.ttl", REGISTRIES / "vocab.ttl", REGISTRIES / "zones.ttl",
              REGISTRIES / "regions.ttl"):
        g.parse(f)
    todo = set(g.objects(None, SKOS.broader))
    seen: set = set()
    while todo:
        r = todo.pop()
        seen.add(r)
        if (r, SKOS.prefLabel, None) not in g:
            g += reg.triples((r, None, None))
        todo |= {b for b in reg.objects(r, SKOS.broader) if b not in seen}
    return g


def test_the_shapes_accept_the_zones_and_catch_a_broken_one(reg):
    shapes = load_shapes(ONTOLOGY)
    g = _zone_graph(reg)
    assert validate_graph(g, shapes) == []
    g.add((region("boao-lecheng"), CGT.regionLevel, concept("rl-new-area")))
    g.add((region("ftz-anhui"), CGT.approvalDate, Literal("autumn 2020")))
    found = {(v.focus.rsplit("/", 1)[-1], v.shape) for v in validate_graph(g, shapes)}
    assert found == {("boao-lecheng", "cgts:RegionShape"), ("ftz-anhui", "cgts:RegionShape")}


# ------------------------------------------------------------------ found in text

SENTENCES = [
    # (invented sentence, [(surface, key, places the key must lie within)])
    ("细胞治疗企业可以在临港新片区设立研发中心，也可以在博鳌乐城国际医疗旅游先行区开展特许医疗。",
     [("临港新片区", "ftz-shanghai-lingang", {"ftz-shanghai", "shanghai"}),
      ("博鳌乐城国际医疗旅游先行区", "boao-lecheng", {"hainan-ftp", "qionghai-469002", "hainan"})]),
    ("横琴粤澳深度合作区和前海深港现代服务业合作区将试行新的药械进口办法。",
     [("横琴粤澳深度合作区", "hengqin-cooperation-zone", {"zhuhai", "guangdong", "gba"}),
      ("前海深港现代服务业合作区", "qianhai", {"shenzhen", "guangdong"})]),
    ("对湖北自贸试验区武汉片区内的基因治疗项目，光谷生物城给予场地支持。",
     [("湖北自贸试验区武汉片区", "ftz-hubei-wuhan", {"ftz-hubei", "wuhan", "hubei"}),
      ("光谷生物城", "biolake", {"east-lake-hitech-zone", "wuhan"})]),
    ("A biotech start-up in Suzhou Industrial Park wants to run its trial in Boao Lecheng.",
     [("Suzhou Industrial Park", "suzhou-industrial-park", {"suzhou-320500", "jiangsu"}),
      ("Boao Lecheng", "boao-lecheng", {"hainan-ftp", "hainan"})]),
    ("Firms registered in the Lingang New Area or the Hengqin Guangdong-Macao In-depth "
     "Cooperation Zone may import research reagents more quickly.",
     [("Lingang New Area", "ftz-shanghai-lingang", {"ftz-shanghai", "shanghai"}),
      ("Hengqin Guangdong-Macao In-depth Cooperation Zone", "hengqin-cooperation-zone",
       {"zhuhai", "guangdong"})]),
    ("Both the Xiong'an New Area and the Sichuan Tianfu New Area host new hospitals, and the "
     "Anhui FTZ supports cell banks.",
     [("Xiong'an New Area", "xiongan", {"hebei"}),
      ("Sichuan Tianfu New Area", "tianfu-new-area", {"sichuan"}),
      ("Anhui FTZ", "ftz-anhui", {"anhui"})]),
    # half-width brackets, as some texts print the zone's name
    ("中国(河南)自由贸易试验区开封片区的医疗机构和中国(山东)自由贸易试验区的企业",
     [("中国(河南)自由贸易试验区", "ftz-henan", {"henan"}),
      ("开封片区", "ftz-henan-kaifeng", {"ftz-henan", "kaifeng"}),
      ("中国(山东)自由贸易试验区", "ftz-shandong", {"shandong"})]),
]


@pytest.mark.parametrize("text, expected", SENTENCES, ids=[s[:16] for s, _ in SENTENCES])
def test_the_linker_finds_zones_in_text(linker, text, expected):
    found = [m for m in linker.find(text, 0, len(text), ("region",)) if m.target is not None]
    assert [(m.surface, m.key) for m in found] == [(s, k) for s, k, _ in expected]
    for m, (_, _, places) in zip(found, expected):
        within = {linker.reg.key(a) for a in linker.reg.ancestors(m.target)}
        assert places <= within, f"{m.key}: lies within {sorted(within)}"
        assert "china" in within


def test_ordinary_phrases_are_not_zones(linker):
    """'the Dalian area' is ordinary English, not the Dalian Area of the Liaoning zone; the
    seafront of Qingdao is not Shenzhen's Qianhai."""
    text = "Hospitals in the Dalian area and the Hefei area report to the province."
    assert [m.key for m in linker.find(text, 0, len(text), ("region",))] == ["dalian", "hefei"]
    text = "青岛市前海沿岸的步行道"  # 前海 alone is a place name in more than one city
    assert [m.key for m in linker.find(text, 0, len(text), ("region",))] == ["qingdao"]

