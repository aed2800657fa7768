"""Who is responsible: parenthesised responsibility lists, subject clauses, passive agents.

Three generic textual forms make a body responsible for a provision:

* a parenthesised list, ``(Responsible departments: A, B, C; Province P and City Q take
  charge within their duties.)`` or ``(The Municipal Science
  and Technology Bureau, ... will be responsible ...)`` or ``（责任单位：A、B）``;
* the subject of a duty, ``The municipal health department shall ...``, ``市人民政府应当``,
  including elliptical lists (``The Municipal Development and Reform, Health, and other
  departments shall``) and a leading adverbial (``In any of the following cases, X shall``);
* the agent of a passive duty, ``... will be formulated by the municipal health commission``.

A body named with "together with / in collaboration with / 会同" cooperates; whether that
makes it responsible is one switch (:data:`COOPERATING_IS_RESPONSIBLE`).  A place named as
responsible ("Guangdong Province") means that place's people's government.  A name that
matches nothing is returned as an unresolved mention, never dropped and never guessed.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass, field

from .linking import (
    BodyResolver,
    Context,
    Linker,
    LocalNames,
    Registry,
    ZhDescriptor,
    ZhDescriptors,
    looks_like_a_name,
    organisation_kind,
    parse_zh_descriptor,
)
from .model import Mention, Span

#: A body that acts "together with" / "in collaboration with" the subject of a duty (会同) shares
#: the duty: the curated records list both.  A body the provision only supports or addresses is
#: never responsible, whatever this switch says.
COOPERATING_IS_RESPONSIBLE = True

_RESP_PAREN = re.compile(
    r"\(\s*(?:(?:the\s+)?(?:responsible|lead(?:ing)?|implementing|competent)\s+"
    r"(?:departments?|units?|bodies|agencies|authorities|organs?)|责任单位|牵头单位|负责单位|"
    r"责任部门|牵头部门)\s*[:：]", re.I)
_RESP_TAIL = re.compile(
    r"\b(?:are|is|will\s+be|shall\s+be|to\s+be|being)\s+responsible\b.*$|"
    r"(?:按职责分工|按照职责分工|按职责)?负责.*$|\b(?:according|in\s+accordance)\s+(?:to|with)\b.*$",
    re.I | re.S)
_SEP = re.compile(
    r"\s*(?:,\s*(?:and|or|as well as)\s+|,|;|、|；|，|\s+and\s+|\s+as\s+well\s+as\s+|\s*&\s*|"
    r"\s*—\s*|\s+--\s+|(?<=[\u3400-\u9fff])[和及与](?=[\u3400-\u9fff]))\s*", re.I)
_COOP = re.compile(
    r"\s*,?\s*(?:together\s+with|in\s+collaboration\s+with|in\s+conjunction\s+with|"
    r"in\s+cooperation\s+with|in\s+coordination\s+with|jointly\s+with|with\s+the\s+"
    r"(?:cooperation|support)\s+of|会同|联合|配合)\s*", re.I)
_FILLER = re.compile(
    r"^(?:(?:the|and|or|as well as|other|others|relevant|related|concerned|competent|"
    r"respective|all|departments?|authorities|agencies|units?|bodies|organs|among|etc\.?|"
    r"of|under|[(（)）]|等|有关|相关|部门|单位|其他)\s*)*[.,;]*$", re.I)
_PREFIX = re.compile(r"^\s*(?:(?:jointly\s+)?(?:issued|released|published|promulgated|adopted|"
                     r"approved)\s+by\s+|(?:the\s+)?(?:\w+\s+)?(?:meeting|session)\s+of\s+|"
                     r"(?:article|art\.)\s+\d+\s*[:.]?\s*(?:the\s+)?|第[零〇一二三四五六七八九十百\d]+条\s*)",
                     re.I)
_HEAD = re.compile(
    r"(?:department|authority|authorities|bureau|commission|administration|office|agency|"
    r"agencies|committee|government|ministry|council|congress|centre|center|institute|"
    r"customs|部门|局|委|厅|政府|办公室|中心|委员会|海关)s?\s*$", re.I)
_MODAL_EN = re.compile(
    r"\b(?:shall|must|should|will|may|is\s+responsible\s+for|are\s+responsible\s+for|"
    r"(?:is|are)\s+tasked\s+with|takes?\s+the\s+lead)\b", re.I)
_MODAL_ZH = re.compile(r"应当|负责|应|须|可以|牵头|要|会同|联合")
_PASSIVE_AFTER = re.compile(
    r"^\s*(?:,[^,]{0,120},\s*)?(?:not\s+)?be\s+(?!responsible\b)\w", re.I)
_COOP_AFTER = re.compile(
    r"^\s*(?:,\s*(?:together\s+with|in\s+collaboration\s+with|in\s+conjunction\s+with|"
    r"jointly\s+with)\s+(?P<who>[^,]{3,200}?)\s*,|\s*(?:collaborate|cooperate|work|consult)\s+"
    r"(?:jointly\s+)?with\s+(?P<who2>[^,.;]{3,200}?)(?=\s+(?:to|in|on|for)\b|[,.;]))", re.I)
_AGENT = re.compile(
    r"\b(?:will|shall|should|must|is\s+to|are\s+to)\s+be\s+(?:\w+ly\s+)?(?:formulated|"
    r"drawn\s+up|issued|established|organi[sz]ed|determined|developed|made|implemented|"
    r"approved|prepared|coordinated|carried\s+out|undertaken)\s+(?:separately\s+|"
    r"jointly\s+|specifically\s+)?by\s+(?P<who>[^.;:]{3,250}?)(?=\s*(?:[.;:]|$|,\s*(?!and\b)))",
    re.I)
_ELLIPSIS_OF = re.compile(
    r"(?P<lvl>municipal|city's|city|provincial|district)\s+(?:(?:administrative|competent|"
    r"relevant)\s+)?(?:departments|authorities)\s+(?:of|for|in charge of)\s+(?P<list>.+?)"
    r"(?=,\s*(?:among\s+others|and\s+others|etc)|\s+(?:shall|must|should|will|may|are|is)\b|$)",
    re.I | re.S)
_ELLIPSIS_HEAD = re.compile(
    r"(?P<lvl>municipal|city's|city|provincial|district)\s+(?P<list>[A-Z][^.;:]{2,300}?),?\s+"
    r"(?:and\s+)?other\s+(?:relevant\s+)?(?:departments|authorities|agencies)", re.I)
_LEVEL_PAIR = re.compile(
    r"(?P<l1>municipal|city|provincial|district)\s+and\s+(?P<l2>municipal|city|provincial|"
    r"district|county)\s+(?P<head>people's\s+governments?|governments?)", re.I)
#: what the three patterns above have in common, matched with the same flag: none can match
#: where this finds nothing
_FOUR_CJK = re.compile(r"[\u3400-\u9fff]{4}")
_FOUR_LATIN = re.compile(r"[A-Za-z]{4}")
_LEVEL_WORD = re.compile(r"municipal|city|provincial|district", re.I)
_ELLIPSIS_ZH = re.compile(r"(?P<lvl>[市省区县])(?P<list>[\u3400-\u9fff]{2,12}(?:、[\u3400-\u9fff]{2,12})+)"
                          r"(?:等)?(?:有关)?部门")
_INCLUDING = re.compile(r"\b(?:\w+|\d+)\s+(?:departments|ministries|agencies|bodies|units)"
                        r"(?:\s*,)?\s+(?:including|such\s+as|led\s+by)\s+", re.I)
_ZH_PREFIX = re.compile(r"\s*(?:第[零〇一二三四五六七八九十百\d]+条)?[\s，,]*(?:由)?\s*")
_ANAPHOR = re.compile(r"(?:the|this|that|said|such)\s+(?P<head>department|bureau|commission|"
                      r"authority|agency|government|administration)", re.I)
_SENT_END = re.compile(r"(?<=[.;!?。；！？])\s+|\n+")


#: How far before a modal verb its subject may start (characters): the longest lists of
#: bodies in the sources ("The municipal departments of development and reform, science and
#: technology, …") take a few hundred.
SUBJECT_WINDOW = 600


@dataclass
class BodyFinding:
    responsible: list[Mention] = field(default_factory=list)
    mentioned: list[Mention] = field(default_factory=list)  # cooperating or merely named
    unresolved: list[Mention] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)  # the clauses the findings came from


class BodyFinder:
    def __init__(self, registry: Registry, linker: Linker):
        self.reg = registry
        self.linker = linker
        self.local = LocalNames(registry)
        self.zh = ZhDescriptors(registry, linker, self.local)
        self.resolver = BodyResolver(registry, linker)
        self.zh.resolver = self.resolver
        #: Resolve bodies no registry lists (derived function x place, provisional) while
        #: reading texts (issue #19); a switch for comparing with the registry-only reading.
        self.derive = True

    @property
    def derive(self) -> bool:
        return self._derive

    @derive.setter
    def derive(self, on: bool) -> None:
        self._derive = self.zh.derive = on

    # ------------------------------------------------------------ building blocks

    def agencies(self, text: str, start: int, end: int, ctx: Context | None) -> list[Mention]:
        """Exact registry names plus expanded elliptical lists inside the span."""
        found = self.linker.find(text, start, end, ("agency",), ctx)
        for m in self.linker.find_comma_names(text, start, end, ctx):
            found = [f for f in found if not (f.span.start < m.span.end and m.span.start < f.span.end)]
            found.append(m)
        found.sort(key=lambda m: m.span.start)
        if self.derive:
            # a registry name that fits no single body here ("the municipal health
            # department" in a city the registry has no such body for): read it as function
            # x place instead
            for i, m in enumerate(found):
                if m.target is None:
                    got = self.resolver.resolve(m.surface, m.span, ctx)
                    if got is not None and got.target is not None:
                        found[i] = got
        for m in (self._en_named_bodies(text, start, end, ctx) if self.derive else ()):
            found = [f for f in found if not (f.span.start < m.span.end and m.span.start < f.span.end)]
            found.append(m)
        for m in self._ellipses(text, start, end, ctx):
            found = [f for f in found if not (f.span.start < m.span.end and m.span.start < f.span.end)
                     or (f.span.end - f.span.start) > (m.span.end - m.span.start) * 3]
            found.append(m)
        return sorted(found, key=lambda m: m.span.start)

    def _ellipses(self, text: str, start: int, end: int, ctx) -> list[Mention]:
        chunk = text[start:end]
        out: list[Mention] = []
        # the English forms all start with a level word: a passage without one (every
        # Chinese passage) is not scanned for them
        english = (_ELLIPSIS_OF, _ELLIPSIS_HEAD) if _LEVEL_WORD.search(chunk) else ()
        for rx in english:
            for m in rx.finditer(chunk):
                lvl = m.group("lvl").lower().replace("city's", "city")
                level = {"municipal": "city", "city": "city", "provincial": "province",
                         "district": "district"}[lvl]
                ls = m.start("list")
                for s, e in _split_commas(chunk, ls, m.end("list")):
                    item = chunk[s:e]
                    if _FILLER.match(item.strip()):
                        continue
                    hit = self.local.lookup(item, ctx, Span(start + s, start + e), level)
                    if hit is not None:
                        out.append(hit)
        for m in _LEVEL_PAIR.finditer(chunk) if english else ():
            for g in ("l1", "l2"):
                lvl = m.group(g).lower()
                level = {"municipal": "city", "city": "city", "provincial": "province"}.get(lvl, "district")
                phrase = f"{lvl} {m.group('head')}"
                hit = self.local.lookup(phrase, ctx, Span(start + m.start(g), start + m.end(g)), level)
                if hit is not None:
                    if g == "l2":
                        hit.span = Span(start + m.start(g), start + m.end("head"))
                    out.append(hit)
        for m in _ELLIPSIS_ZH.finditer(chunk):
            level = {"市": "city", "省": "province"}.get(m.group("lvl"), "district")
            pos = m.start("list")
            for part in m.group("list").split("、"):
                hit = self.local.lookup(part + "部门", ctx, Span(start + pos, start + pos + len(part)), level)
                if hit is not None:
                    out.append(hit)
                pos += len(part) + 1
        # drop duplicates on the same span
        seen, uniq = set(), []
        for m in sorted(out, key=lambda m: (m.span.start, -len(m.span))):
            if any(m.span.start < e and s < m.span.end for s, e in seen):
                continue
            seen.add((m.span.start, m.span.end))
            uniq.append(m)
        return uniq

    def classify_item(self, text: str, s: int, e: int, mentions: list[Mention],
                      ctx: Context | None, allow_places: bool) -> tuple[str, list[Mention]]:
        """One list item -> ('bodies', [...]) | ('filler', []) | ('unresolved', [m]) |
        ('other', [])."""
        item = text[s:e].strip(" \t\n.,;:()（）")
        if not item or _FILLER.match(item):
            return "filler", []
        inside = [m for m in mentions if m.span.start >= s and m.span.end <= e]
        if inside:
            rest = text[s:e]
            for m in sorted(inside, key=lambda m: -m.span.start):
                rest = rest[: m.span.start - s] + " " + rest[m.span.end - s:]
            rest = _PREFIX.sub("", rest)
            if _FILLER.match(rest.strip(" \t\n.,;:()（）")) or not rest.strip(" \t\n.,;:()（）"):
                return "bodies", self._drop_parents(inside)
        off = s + (len(text[s:e]) - len(text[s:e].lstrip(" \t\n.,;:()（）")))
        span = Span(off, off + len(item))
        if allow_places:
            places = self.linker.find(text, span.start, span.end, ("region",), ctx)
            if len(places) == 1 and places[0].target is not None and \
                    _FILLER.match(_strip_place_words(item, places[0].surface)):
                govs = self.reg.governments_of(places[0].target)
                if len(govs) == 1:
                    return "bodies", [Mention("agency", span, item, govs[0], self.reg.key(govs[0]),
                                              "place-government")]
                return "unresolved", [Mention("agency", span, item, None, None,
                                              "place named as responsible, but no single "
                                              "people's government of it in the registry")]
        hit = self.local.lookup(item, ctx, span)
        if self.derive and (hit is None or hit.target is None):
            # a body named by place and function (天津市科学技术局, "the municipal health
            # department" in a city without that body in the registry), or a provisional one
            got = self.resolver.resolve(item, span, ctx)
            if got is not None and (got.target is not None or hit is None):
                hit = got
        if hit is not None:
            return ("bodies" if hit.target is not None else "unresolved"), [hit]
        kind = organisation_kind(item) if self.derive and looks_like_a_name(item) else None
        if kind is not None and not inside:
            # a hospital, an association, an institute, a zone's management committee named as
            # responsible: an organisation of its kind, kept for review (never a guess)
            m = Mention("agency", span, item, None, None,
                        f"provisional body: an organisation ({kind.removeprefix('at-')}) no "
                        "registry lists")
            m.about = self.resolver.provisional(item, self.resolver.place_in(item, ctx))
            return "unresolved", [m]
        if inside and _HEAD.search(item):
            return "unresolved", [Mention("agency", span, item, None, None,
                                          "name extends a registry name with unknown words")]
        if _HEAD.search(item) and len(item) < 120:
            return "unresolved", [Mention("agency", span, item, None, None,
                                          "no registry entry has this name")]
        return "other", []

    def _drop_parents(self, ms: list[Mention]) -> list[Mention]:
        """In one name, "the Center for Drug Evaluation of the NMPA" is the centre, not both."""
        targets = {m.target for m in ms if m.target is not None}
        parents: set = set()
        for t in targets:
            frontier = set(self.reg.parent_org.get(t, ()))
            while frontier:
                p = frontier.pop()
                if p not in parents:
                    parents.add(p)
                    frontier |= set(self.reg.parent_org.get(p, ()))
        return [m for m in ms if m.target not in parents]

    def names_in(self, text: str, start: int, end: int, ctx: Context | None) -> BodyFinding:
        """Every body named in a stretch such as the subject of "X, Y and Z jointly issued":
        resolved ones, places standing for their government, and unresolved names."""
        out = BodyFinding()
        m = _INCLUDING.search(text, start, end)
        if m:
            start = m.end()
        p = _PREFIX.match(text, start, end)
        if p:
            start = p.end()
        for s, e, item in self._list_items(out, text, start, end, ctx):
            item = item.strip(" \t\n.,;:")
            if len(item) < 150:
                off = s + text[s:e].index(item[:1]) if item else s
                out.unresolved.append(Mention("agency", Span(off, off + len(item)), item, None,
                                              None, "no registry entry has this name"))
        return out

    def _list_items(self, out: BodyFinding, text: str, start: int, end: int,
                    ctx: Context | None):
        """Split a list of bodies into items and file each one in ``out``; yields the items
        that name no body at all (``(start, end, text)``) for the caller to judge."""
        mentions = self.agencies(text, start, end, ctx)
        for s, e in _split_items(text, start, end, protect=mentions):
            kind, ms = self.classify_item(text, s, e, mentions, ctx, allow_places=True)
            if kind == "bodies":
                out.responsible.extend(m for m in ms if m.target is not None)
                out.unresolved.extend(m for m in ms if m.target is None)
            elif kind == "unresolved":
                out.unresolved.extend(ms)
            elif kind == "other":
                yield s, e, text[s:e]

    # ------------------------------------------------------------ the three forms

    def paren_lists(self, text: str, start: int, end: int, ctx: Context | None) -> BodyFinding:
        out = self._paren_lists(text, start, end, ctx)
        sentences: list[tuple[int, int]] | None = None
        for m in out.responsible + out.unresolved:
            if m.passage is None:
                if sentences is None:
                    sentences = _sentences(text, start, end)
                m.passage = _passage(m.span, out.spans, sentences)
        return out

    def _paren_lists(self, text: str, start: int, end: int, ctx: Context | None) -> BodyFinding:
        out = BodyFinding()
        chunk = text[start:end]
        for m in _iter_resp_parens(chunk):
            ps, pe, inner_s = m
            out.spans.append(Span(start + ps, start + pe))
            body_s, body_e = start + inner_s, start + pe - 1
            for cs, ce in _split_clauses(text, body_s, body_e):
                clause = text[cs:ce]
                tail = _RESP_TAIL.search(clause)
                if tail:
                    ce = cs + tail.start()
                for s, e, item in self._list_items(out, text, cs, ce, ctx):
                    out.unresolved.append(Mention("agency", Span(s, e), item.strip(), None, None,
                                                  "item of a responsibility list that "
                                                  "names no known body"))
        for m in _iter_trailing_resp(chunk):
            ps, pe = m
            if any(sp.start <= start + ps < sp.end for sp in out.spans):
                continue
            out.spans.append(Span(start + ps, start + pe))
            inner = text[start + ps + 1:start + pe - 1]
            tail = _RESP_TAIL.search(inner)
            ce = start + ps + 1 + (tail.start() if tail else len(inner))
            cs = start + ps + 1
            for _ in self._list_items(out, text, cs, ce, ctx):
                pass  # a trailing clause's stray words are not reported: it may be prose
        return out

    def subjects(self, text: str, start: int, end: int, ctx: Context | None,
                 skip: list[Span] = ()) -> BodyFinding:
        out = BodyFinding()
        prov_mentions = self.agencies(text, start, end, ctx)
        for ss, se in _sentences(text, start, end):
            if any(sp.start <= ss < sp.end for sp in skip):
                continue
            sent = text[ss:se]
            is_zh = bool(_FOUR_CJK.search(sent)) and not _FOUR_LATIN.search(sent, 0, 40)
            if is_zh:
                f = self.zh_subjects(text, ss, se, ctx)
                out.responsible.extend(f.responsible)
                out.mentioned.extend(f.mentioned)
                out.unresolved.extend(f.unresolved)
                out.spans.extend(f.spans)
                continue
            modals = list(_MODAL_EN.finditer(sent))
            if not modals:
                continue
            mentions = sorted(self.agencies(text, ss, se, ctx), key=lambda m: m.span.start)
            starts = [m.span.start for m in mentions]
            earlier = [m for m in prov_mentions if m.span.end <= ss and m.target is not None]
            done_upto = ss
            for mod in modals:
                ms = ss + mod.start()
                if ms < done_upto:
                    continue
                after = sent[mod.end():]
                if not is_zh and _PASSIVE_AFTER.match(after):
                    continue
                # the subject of a duty stands just before its modal: the walk back reads at
                # most SUBJECT_WINDOW characters, so a sentence of a thousand "X shall …"
                # costs a thousand windows, not a thousand times the sentence (#26 item 4)
                lo = max(ss, ms - SUBJECT_WINDOW)
                near = mentions[bisect.bisect_left(starts, lo):bisect.bisect_left(starts, ms)]
                lead, coop, unresolved, subj_start = self._walk_back(
                    text, lo, ms, near, ctx, is_zh, earlier)
                if not lead:
                    out.unresolved.extend(unresolved)  # a subject we could not resolve is reported
                    continue
                done_upto = ss + mod.end()
                out.responsible.extend(lead)
                out.unresolved.extend(unresolved)
                (out.responsible if COOPERATING_IS_RESPONSIBLE else out.mentioned).extend(coop)
                out.spans.append(Span(subj_start, ss + mod.end()))
                if is_zh and mod.group(0) in ("会同", "联合"):
                    # 甲会同乙制定: 乙 shares the duty
                    co = [m for m in mentions if m.span.start >= ss + mod.end() and
                          text[ss + mod.end():m.span.start].strip(" 、和及") == ""]
                    nxt = [m for m in mentions if m.span.start >= ss + mod.end()]
                    co = co or nxt[:1] if nxt and nxt[0].span.start - (ss + mod.end()) <= 1 else co
                    (out.responsible if COOPERATING_IS_RESPONSIBLE else out.mentioned).extend(
                        m for m in co if m.target is not None)
                    out.unresolved.extend(m for m in co if m.target is None)
                ca = _COOP_AFTER.match(after)
                if ca and not is_zh:
                    grp = "who" if ca.group("who") else "who2"
                    ws = ss + mod.end() + ca.start(grp)
                    we = ss + mod.end() + ca.end(grp)
                    co = [m for m in self.agencies(text, ws, we, ctx) if m.target is not None]
                    (out.responsible if COOPERATING_IS_RESPONSIBLE else out.mentioned).extend(co)
        return out

    # ------------------------------------------------------------ Chinese grammar

    def zh_subjects(self, text: str, start: int, end: int, ctx: Context | None) -> BodyFinding:
        """Bodies a Chinese passage makes responsible, clause by clause, in one pass.

        A body is responsible when it is the subject of a clause (``X负责/主管/应当/按照职责
        分工…``, ``X、Y等部门在各自职责范围内…``, ``…的，X应当…``) or the agent after 由
        (``由X责令改正``, ``由X会同Y制定``); bodies after 会同/联合/协同 share the duty
        (:data:`COOPERATING_IS_RESPONSIBLE`).  A body that is an object (``报X批准``,
        ``向X申请``, ``经X同意``), a possessor (``X的工作人员``) or the agent of a relative
        clause (``X规定的其他情形``) is not.  Each clause is read once, with a bounded
        look-ahead, so the cost is linear in the text."""
        out = BodyFinding()
        names = {m.span.start: m for m in self.linker.find(text, start, end, ("agency",), ctx)}
        for ss, se in _zh_sentences(text, start, end):
            clauses = list(_zh_clauses(text, ss, se))
            # where each clause's condition ("…的，") ends: the clause after it carries the duty
            cond_next: list[int | None] = [None] * len(clauses)
            pending: list[int] = []
            for i, (cs, ce) in enumerate(clauses):
                pending.append(i)
                if text[cs:ce].rstrip().endswith("的"):
                    nxt = clauses[i + 1][0] if i + 1 < len(clauses) else -1
                    for k in pending:
                        cond_next[k] = nxt
                    pending = []
                elif _ZH_VERB.search(text, cs, ce):
                    pending = []
            for i, (cs, ce) in enumerate(clauses):
                self._zh_clause(text, cs, ce, ss, se, names, ctx, out, cond_next[i])
        return out

    def _zh_clause(self, text, cs, ce, ss, se, names, ctx, out: BodyFinding,
                   next_clause: int | None = None) -> None:
        lead = _ZH_CLAUSE_LEAD.match(text, cs, ce)
        pos = lead.end() if lead else cs
        agent = bool(lead and lead.group("by"))
        got = self._zh_body_list(text, pos, ce, names, ctx)
        if got is None and not agent:
            # 由X + verb anywhere in the clause makes X the agent
            for m in _ZH_BY.finditer(text, pos, ce):
                got = self._zh_body_list(text, m.end(), ce, names, ctx)
                if got is not None:
                    break
        if got is None:
            return
        bodies, after = got
        if not _zh_is_predicate(text, after, ce):
            return
        if _ZH_AND.match(text, after, ce):
            # "X和<not a body>…": the subject is a longer phrase; unless it is only more
            # subjects ("X及其有关部门、行业协会等应当"), X is part of a noun phrase
            verb = _ZH_VERB.search(text, after, ce)
            if "的" in text[after:verb.start() if verb else ce]:
                return
        if next_clause is not None:
            # "X发现…的，应当…": X is the subject of the duty only if the clause after the
            # condition has no subject of its own ("X未履行…的，由Y…" makes Y responsible)
            if next_clause < 0 or not _ZH_OWN_DUTY.match(text, next_clause, se):
                return
        coop: list[Mention] = []
        c = _ZH_COOP.match(text, after, ce) or (_ZH_COOP_LATER.match(text, after, ce))
        if c:
            more = self._zh_body_list(text, c.end(), ce, names, ctx)
            if more is not None:
                coop = more[0]
        passage = Span(ss, se)
        for m in bodies + coop:
            m.passage = passage
        out.spans.append(Span(bodies[0].span.start, after))
        out.responsible.extend(m for m in bodies if m.target is not None)
        (out.responsible if COOPERATING_IS_RESPONSIBLE else out.mentioned).extend(
            m for m in coop if m.target is not None)
        out.unresolved.extend(m for m in bodies + coop if m.target is None)

    def _zh_body_list(self, text, pos, limit, names, ctx):
        """Coordinated bodies from ``pos``: ``X、Y和Z``, ``X及其有关部门``; (mentions, end)."""
        found: list[Mention] = []
        items: list[tuple[int, int, ZhDescriptor | None]] = []  # (first mention, count, parsed)
        level = None
        one = self._zh_body(text, pos, limit, names, ctx, inherit=level)
        while one is not None:
            ms, pos, lvl, d = one
            items.append((len(found), len(ms), d))
            found.extend(ms)
            sep = _ZH_AND.match(text, pos, limit)
            if sep is None:
                break
            level = lvl if sep.group(0) == "及其" else None
            # the next body, read once: it both decides whether the list goes on and is
            # the next item
            one = self._zh_body(text, sep.end(), limit, names, ctx, inherit=level)
            if one is None:
                break
            pos = sep.end()
        if not found:
            return None
        return self._shared_function(text, limit, ctx, found, items), pos

    def _shared_function(self, text, limit, ctx, found: list[Mention], items) -> list[Mention]:
        """``国务院和省、自治区、直辖市人民政府的药品监督管理部门``: the department that ends the
        list belongs to each government before it, not only to the last; the governments are
        its possessors, not responsible themselves."""
        out = list(found)
        for k in range(len(items) - 2, -1, -1):
            i, n, d = items[k]
            nxt = items[k + 1][2]
            if d is None or not d.gov_only or nxt is None or nxt.gov_only or not nxt.cores or \
                    not text[nxt.start:nxt.pieces[0][0]].endswith("的"):
                continue
            own = parse_zh_descriptor(text, nxt.pieces[0][0], limit, inherit=d.level)
            if own is None or own.gov_only:
                continue
            own = dataclasses.replace(own, start=d.start)
            out[i:i + n] = self.zh.resolve(text, own, ctx)
            items[k] = (i, n, own)
        return out

    def _zh_body(self, text, pos, limit, names, ctx, inherit=None):
        """One body (or one elliptical list of bodies) starting exactly at ``pos``:
        (mentions, end, level word, the descriptor read at ``pos``) or None."""
        d = parse_zh_descriptor(text, pos, limit, inherit)
        reg = names.get(pos) if inherit is None else None
        if reg is not None and reg.target is None and inherit is None and self.derive:
            got = self.resolver.resolve(reg.surface, reg.span, ctx)
            if got is not None and got.target is not None:
                reg = got
        if reg is not None and (d is None or reg.span.end >= d.end):
            # a registry name: "国家药品监督管理局药品审评中心", or the context-bound "市人民政府"
            if reg.target is None and d is not None and d.gov_only and reg.span.end == d.end:
                return self.zh.resolve(text, d, ctx), d.end, d.level, d
            return [reg], reg.span.end, (d.level if d is not None and d.end == reg.span.end else ""), d
        if d is None:
            named = self._zh_named_body(text, pos, limit, ctx) \
                if inherit is None and self.derive else None
            if named is not None:
                return [named], named.span.end, "", d
            return None
        return self.zh.resolve(text, d, ctx), d.end, d.level, d

    def _en_named_bodies(self, text: str, start: int, end: int, ctx) -> list[Mention]:
        """English names of bodies by place and function ("Chongqing Municipal Science and
        Technology Bureau", "Health Commission of Jiangsu Province"), found whole so that a
        list is never split inside one at "and"."""
        out: list[Mention] = []
        for m in _EN_BODY_NAME.finditer(text, start, end):
            run = m.group(0)
            starts = [m.start() + w.start() for w in re.finditer(r"[A-Z][\w'’.-]*", run)
                      if w.group(0) != "The"]
            words = list(re.finditer(r"[A-Z][\w'’.-]*", run))
            pos = m.start()
            for s0 in starts:
                if s0 < pos:
                    continue
                # the shortest name that ends in a head noun or in "of <place>" and resolves,
                # with a trailing "Province"/"Municipality" kept in it
                for i, w in enumerate(words):
                    e0 = m.start() + w.end()
                    if e0 <= s0 or not (_EN_HEAD_END.search(w.group(0)) or
                                        " of " in text[s0:e0] or " for " in text[s0:e0]):
                        continue
                    got = self.resolver.resolve(text[s0:e0], Span(s0, e0), ctx)
                    if got is not None and got.target is not None:
                        if i + 1 < len(words) and words[i + 1].group(0) in _EN_PLACE_TAIL and \
                                text[e0:m.start() + words[i + 1].start()] == " ":
                            e0 = m.start() + words[i + 1].end()
                            got.span, got.surface = Span(s0, e0), text[s0:e0]
                        out.append(got)
                        pos = e0
                        break
        return out

    def _zh_named_body(self, text, pos, limit, ctx) -> Mention | None:
        """``天津市科学技术局`` at ``pos``: a place followed by function words and a head noun.
        The longest name that resolves wins; a body-shaped name that resolves to nothing known
        is returned as a provisional (unresolved) mention."""
        provisional = None
        for m in _ZH_BODY_END.finditer(text, pos, min(limit, pos + 40)):
            end = m.end()
            got = self.resolver.resolve(text[pos:end], Span(pos, end), ctx)
            if got is None:
                continue
            if got.target is not None:
                best = got
                # a longer name may still follow (发展和改革委 -> 发展和改革委员会)
                for m2 in _ZH_BODY_END.finditer(text, end, min(limit, pos + 40)):
                    g2 = self.resolver.resolve(text[pos:m2.end()], Span(pos, m2.end()), ctx)
                    if g2 is not None and g2.target is not None:
                        best = g2
                return best
            if provisional is None:
                provisional = got
        return provisional

    def _walk_back(self, text, ss, ms, mentions, ctx, is_zh, earlier=()):
        # ``ss``: where the walk may start (the sentence's start, or SUBJECT_WINDOW before ms)
        """Collect the bodies just before a modal verb, right to left, over list items."""
        left_mentions = [m for m in mentions if m.span.end <= ms]
        items = _split_items(text, ss, ms, protect=left_mentions, keep_coop=True)
        lead: list[Mention] = []
        coop: list[Mention] = []
        unresolved: list[Mention] = []
        pending: list[Mention] = []
        subj_start = ms
        if is_zh:
            # 市卫生健康部门会同市市场监管部门 + 应当: the name(s) right before the modal
            near = [m for m in left_mentions if text[m.span.end:ms].strip(" ，,") in ("",) or
                    re.fullmatch(r"\s*(?:会同|联合|配合)?[^，,。；]{0,40}", text[m.span.end:ms])]
            if not near:
                return [], [], [], ms
            # the chain of names from the clause start
            clause_start = max(text.rfind(c, ss, ms) for c in "，,；;：:") + 1
            clause_start = max(clause_start, ss)
            chain = [m for m in left_mentions if m.span.start >= clause_start]
            prefix = text[clause_start:chain[0].span.start] if chain else "x"
            if not chain or not _ZH_PREFIX.fullmatch(prefix):
                return [], [], [], ms
            coop_zone = _COOP.search(text, chain[0].span.end, ms)
            for m in chain:
                if coop_zone and m.span.start >= coop_zone.end():
                    coop.append(m)
                elif m.target is not None:
                    lead.append(m)
                else:
                    unresolved.append(m)
            if not lead and not coop:
                return [], [], unresolved, ms
            return lead, coop, unresolved, chain[0].span.start
        for s, e, kind_hint in reversed(items):
            if kind_hint == "coop":
                coop.extend(pending)
                pending = []
                continue
            if kind_hint == "boundary":
                break
            ana = _ANAPHOR.fullmatch(text[s:e].strip())
            if ana:
                head = ana.group("head").lower()
                prior = [m for m in earlier if head in m.surface.lower()]
                if prior:
                    m0 = prior[-1]
                    pending = [Mention("agency", Span(s, e), text[s:e].strip(), m0.target, m0.key,
                                       "anaphora")] + pending
                    subj_start = s
                    continue
                break
            kind, ms_ = self.classify_item(text, s, e, left_mentions, ctx, allow_places=False)
            if kind == "filler":
                continue
            if kind == "bodies":
                pending = [m for m in ms_ if m.target is not None] + pending
                unresolved.extend(m for m in ms_ if m.target is None)
                subj_start = s
                continue
            if kind == "unresolved":
                unresolved.extend(ms_)
                subj_start = s
                continue
            break
        lead = pending
        if not lead and not coop:
            return [], [], unresolved, ms
        if not lead:
            lead, coop = coop, []
        return lead, coop, unresolved, subj_start

    def passive_agents(self, text: str, start: int, end: int, ctx: Context | None) -> BodyFinding:
        out = BodyFinding()
        for m in _AGENT.finditer(text[start:end]):
            ws, we = start + m.start("who"), start + m.end("who")
            coop = _COOP.search(text, ws, we)
            lead_end = coop.start() if coop else we
            lead = [x for x in self.agencies(text, ws, lead_end, ctx)]
            if not lead:
                continue
            first = lead[0]
            if text[ws:first.span.start].strip().lower() not in ("", "the"):
                continue
            out.responsible.extend(x for x in lead if x.target is not None)
            out.unresolved.extend(x for x in lead if x.target is None)
            if coop:
                co = [x for x in self.agencies(text, coop.end(), we, ctx) if x.target is not None]
                (out.responsible if COOPERATING_IS_RESPONSIBLE else out.mentioned).extend(co)
            out.spans.append(Span(start + m.start(), we))
        return out

    def find_all(self, text: str, start: int, end: int, ctx: Context | None) -> BodyFinding:
        """All three forms over one provision's text."""
        a = self.paren_lists(text, start, end, ctx)
        b = self.subjects(text, start, end, ctx, skip=a.spans)
        c = self.passive_agents(text, start, end, ctx)
        out = BodyFinding()
        sentences: list[tuple[int, int]] | None = None  # split once, not once per name
        for f in (a, b, c):
            for m in f.responsible + f.mentioned + f.unresolved:
                if m.passage is None:
                    if sentences is None:
                        sentences = _sentences(text, start, end)
                    m.passage = _passage(m.span, f.spans, sentences)
            out.responsible.extend(f.responsible)
            out.mentioned.extend(f.mentioned)
            out.unresolved.extend(f.unresolved)
            out.spans.extend(f.spans)
        return out


# ---------------------------------------------------------------- helpers


def _passage(span: Span, clauses: list[Span], sentences: list[tuple[int, int]]) -> Span:
    """The clause a name was read in: its responsibility list, else its sentence
    (``sentences``: the provision's, in order, from :func:`_sentences`)."""
    inside = [c for c in clauses if c.start <= span.start and span.end <= c.end]
    if inside:
        return min(inside, key=len)
    i = bisect.bisect_right(sentences, (span.start, float("inf"))) - 1
    if i >= 0:
        ss, se = sentences[i]
        if ss <= span.start and span.end <= se:
            return Span(ss, se)
    return span


def _strip_place_words(item: str, place: str) -> str:
    """What is left of "the People's Government of Guangdong Province" without the place."""
    rest = item.replace(place, " ")
    return re.sub(r"\b(?:province|provincial|city|municipality|municipal|government|people(?:'s)?|"
                  r"of|the)\b", " ", rest, flags=re.I).strip(" ,.'")


def _iter_resp_parens(chunk: str):
    for m in _RESP_PAREN.finditer(chunk):
        close = _match_paren(chunk, m.start())
        if close is None:
            continue
        yield m.start(), close + 1, m.end()


def _iter_trailing_resp(chunk: str):
    """``(A, B and C will be responsible according to their respective duties.)``"""
    for m in re.finditer(r"[(（]", chunk):
        close = _match_paren(chunk, m.start())
        if close is None:
            continue
        inner = chunk[m.start() + 1:close]
        if len(inner) > 1200 or len(inner) < 8:
            continue
        if re.search(r"\bresponsible\b[^()]*$|负责[^（）()]*$", inner, re.I) and \
                not _RESP_PAREN.match(chunk, m.start()):
            yield m.start(), close + 1


def _match_paren(s: str, i: int) -> int | None:
    depth = 0
    for j in range(i, min(len(s), i + 2000)):
        c = s[j]
        if c in "(（":
            depth += 1
        elif c in ")）":
            depth -= 1
            if depth == 0:
                return j
    return None


def _split_commas(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Items of an elliptical list ("Development and Reform, Health, and Market Regulation"):
    only commas separate, because the items themselves contain "and"."""
    out, pos = [], s
    for m in re.finditer(r"\s*(?:,\s*(?:and\s+)?|、|，)\s*", text[s:e]):
        out.append((pos, s + m.start()))
        pos = s + m.end()
    out.append((pos, e))
    return [(a, b) for a, b in out if b > a]


def _split_clauses(text: str, s: int, e: int) -> list[tuple[int, int]]:
    out, pos = [], s
    for m in re.finditer(r"[;；]", text[s:e]):
        out.append((pos, s + m.start()))
        pos = s + m.end()
    out.append((pos, e))
    return out


_SEP_COOP = re.compile(_COOP.pattern + "|" + _SEP.pattern + r"|\s*[:：]\s*", re.I)


def _split_items(text: str, s: int, e: int, protect: list[Mention] = (),
                 keep_coop: bool = False):
    """List items between separators, never cutting inside a protected name.

    With ``keep_coop`` the result is (start, end, hint) with hint ``coop`` for a
    cooperation marker and ``boundary`` for a clause boundary (a dash or colon)."""
    cuts: list[tuple[int, int, str]] = []
    chunk = text[s:e]
    rx = _SEP_COOP if keep_coop else _SEP
    for m in rx.finditer(chunk):
        a, b = s + m.start(), s + m.end()
        if a == b or any(p.span.start < b and a < p.span.end for p in protect):
            continue
        tok = m.group(0)
        hint = "sep"
        if keep_coop and _COOP.fullmatch(tok):
            hint = "coop"
        elif keep_coop and re.fullmatch(r"\s*(?:—|--|[:：])\s*", tok):
            hint = "boundary"
        cuts.append((a, b, hint))
    items = []
    pos = s
    for a, b, hint in cuts:
        if a > pos:
            items.append((pos, a, "item"))
        if keep_coop and hint != "sep":
            items.append((a, b, hint))
        pos = b
    if pos < e:
        items.append((pos, e, "item"))
    if keep_coop:
        return items
    return [(a, b) for a, b, _ in items]


def _sentences(text: str, s: int, e: int) -> list[tuple[int, int]]:
    """Sentences; a single line break inside a sentence (hard-wrapped text) does not end it."""
    out, pos = [], s
    for m in _SENT_END.finditer(text, s, e):
        if m.group(0).count("\n") == 1 and not m.group(0).strip(" \t\n") and _wrapped(text, m):
            continue
        if m.start() > pos:
            out.append((pos, m.start()))
        pos = m.end()
    if pos < e:
        out.append((pos, e))
    return out


_ITEM_START = re.compile(r"\s*(?:[(（][\w一二三四五六七八九十]{1,4}[)）]|\d{1,3}[.．、]|Article\s|第)")


def _wrapped(text: str, m: re.Match) -> bool:
    """Is this line break inside a sentence?  The line before is long and unfinished and
    the next one does not start an item."""
    line_start = text.rfind("\n", 0, m.start()) + 1
    before = text[line_start:m.start()].rstrip()
    if len(before) < 50 or before[-1:] in ".;:!?。；：！？)）\"”":
        return False
    return not _ITEM_START.match(text, m.end())


# ---------------------------------------------------------------- Chinese helpers

_ZH_SENT = re.compile(r"[。；;！？\n]+")
_ZH_CLAUSE = re.compile(r"[，,：:]")
_ZH_CLAUSE_LEAD = re.compile(
    r"\s*(?:第[零〇一二三四五六七八九十百千\d]+条\s*)?(?:[（(][一二三四五六七八九十\d]{1,4}[)）]\s*)?"
    r"(?:[一二三四五六七八九十]{1,3}、)?(?:\d{1,3}[.．、]\s*)?"
    r"(?:同时|并且|但是|此外|另外|其中|必要时|具体办法)?(?P<by>由)?")
_ZH_BY = re.compile(r"(?<![理自经缘事来因])由")
_EN_WORD = r"(?:[A-Z][\w'’.-]*|and|of|for|the|on)"
_EN_BODY_NAME = re.compile(
    rf"(?:{_EN_WORD}\s+){{0,10}}(?:Commission|Bureau|Department|Administration|Office|"
    rf"Committee|Government|Customs)(?:\s+(?:of|for)\s+(?:the\s+)?[A-Z][\w'’.-]*"
    rf"(?:\s+(?:and\s+)?[A-Z][\w'’.-]*){{0,6}})?")
_EN_HEAD_END = re.compile(r"^(?:Commission|Bureau|Department|Administration|Office|Committee|"
                          r"Government|Customs)$")
_EN_PLACE_TAIL = {"Province", "Municipality", "City", "District", "County"}
_ZH_BODY_END = re.compile(r"委员会|管委会|管理局|办公厅|办公室|海关|人民政府|(?<!管理)局|厅|委(?!员)")
_ZH_AND = re.compile(r"及其(?!他)|以及|、|和|及|与|或者")
_ZH_VERB = re.compile(r"应当|负责|主管|可以|依法|按照|依照|会同|不得|须|应")
_ZH_OWN_DUTY = re.compile(r"\s*(?:应当|可以|必须|须|应|要|负责|立即|及时|并|依法|按照|依照)")
_ZH_COOP = re.compile(r"(?:应当|可以|负责)?(?:会同|联合|协同)")
_ZH_COOP_LATER = re.compile(r"[^，,。；;：:]{0,16}?(?:会同|联合|协同)")
#: What may follow a subject: anything but a possessive, a copula, a passive, a relative
#: clause (``X规定的其他事项``) or a title (``X负责人``, ``X工作人员``).
_ZH_NOT_PRED = re.compile(
    r"的|是|被|受|系|所属|所在|工作人员|负责人|主要负责人|派出|设立的|以外|之间|"
    r"[\u3400-\u9fff]{1,4}的(?![，,。；;：:]|$)")


#: ``国家药品监督管理局医疗器械技术审评中心负责…``: the subject is a unit of the named body.
_ZH_UNIT = re.compile(
    r"[\u3400-\u9fff]{1,24}?(?:中心|研究院|院|司|处|所|办公室|分局|委员会|办事处|站|馆)"
    r"(?:[（(][^）)]{0,40}[）)])?(?:应当|负责|主管|可以|依法|按照|依照|对|组织|承担)")


def _zh_is_predicate(text: str, pos: int, limit: int) -> bool:
    if pos >= limit or not text[pos:limit].strip():
        return False
    if _ZH_UNIT.match(text, pos, limit):
        return False
    m = _ZH_NOT_PRED.match(text, pos, limit)
    if m is None:
        return True
    # "X负责…的" / "X应当…的" is a verb phrase, not a relative clause
    return bool(re.match(r"应当|负责|应|可以|须|必须|会同|依法|依照|按照", text[pos:limit]))


def _pieces(rx: re.Pattern, text: str, s: int, e: int):
    """The non-empty stretches of ``text[s:e]`` between matches of ``rx``."""
    pos = s
    for m in rx.finditer(text, s, e):
        if m.start() > pos:
            yield pos, m.start()
        pos = m.end()
    if pos < e:
        yield pos, e


def _zh_sentences(text: str, s: int, e: int):
    return _pieces(_ZH_SENT, text, s, e)


def _zh_clauses(text: str, s: int, e: int):
    return _pieces(_ZH_CLAUSE, text, s, e)
