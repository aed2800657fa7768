"""``cgtkg status``: is an activity permitted, prohibited or required in a place on a date?

A thin layer over :mod:`graph.status`: check the keys, read the candidate rules with the
saved ``status-*`` queries, print the decision as a table or JSON.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import sys
from collections.abc import Mapping
from pathlib import Path

import click
from rdflib import URIRef
from rdflib.term import Node

from cgtkg.cli.cli_options import out_option
from cgtkg.graph import query as Q
from cgtkg.graph import status as S
from cgtkg.graph.errors import EXIT_BAD_INPUT, EXIT_STORE_WRITE
from cgtkg.graph.keys import BadKey, KeyIndex, parse_key
from cgtkg.graph.namespaces import instance_prefixes
from cgtkg.graph.store import GraphStore, StoreError


def fail(message: str, code: int) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def iso_date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a calendar day written YYYY-MM-DD") from None


class StoreRunner:
    """Runs the saved status queries on the embedded store (loaded once each)."""

    def __init__(self, store: GraphStore, base: str) -> None:
        self.store, self.base, self._saved = store, base, {}

    def __call__(self, name: str, bindings: Mapping[str, Node]) -> list[dict]:
        if name not in self._saved:
            self._saved[name] = Q.load(name)
        return Q.run_local(self.store, self._saved[name], bindings, base=self.base).rows


def check_addressee(raw: str, run, base: str) -> URIRef:
    """``foreign-invested-enterprises``, ``cv:…`` or the IRI; exit 2 with suggestions."""
    ns = instance_prefixes(base)["cv"]
    text = raw.strip().strip("<>")
    local = text[len(ns):] if text.startswith(ns) else text.removeprefix("cv:")
    _, names = S.load_addressees(run)
    known = {str(iri)[len(ns):]: iri for iri in names}
    if local in known:
        return known[local]
    by_name = [k for k, iri in known.items() if any(n.casefold() == local.casefold() for n in names[iri])]
    close = by_name + difflib.get_close_matches(local, sorted(known), n=3, cutoff=0.5)
    hint = f" (did you mean {', '.join('cv:' + k for k in dict.fromkeys(close))}?)" if close else ""
    raise BadKey(f"--addressee: no addressee {raw!r} in the graph{hint}; "
                 "`cgtkg query status-addressees` lists them")


@click.command("status")
@click.option("--place", required=True, help="The region, as rg:KEY or KEY (ftz-beijing, hainan-ftp, chongqing).")
@click.option("--activity", required=True,
              help="The activity: a therapy type, th:KEY or KEY (stem-cells, gene-therapy).")
@click.option("--date", "on", callback=iso_date, default=None,
              help="The day, YYYY-MM-DD (required unless --timeline).")
@click.option("--addressee", default=None,
              help="Who asks: cv:KEY or KEY (foreign-invested-enterprises, medical-institutions).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--timeline", is_flag=True, help="Also how the answer changed over the years in that place.")
@out_option()
def status_cmd(place: str, activity: str, on: dt.date | None, addressee: str | None, fmt: str,
               timeline: bool, out_dir: Path) -> None:
    """Is an activity permitted, prohibited or required in a place on a date, and why?

    Answers permitted / prohibited / required / conditional (differs within the place or
    between addressees) / unknown (with the reason), with the deciding provision, the rules
    it overrides and why, and the conditions attached (docs/status.md). Exit codes: 0 an
    answer (unknown included), 2 bad input (an unknown key, a bad date, no store), 5 the
    store could not be read.
    """
    if on is None and not timeline:
        raise click.UsageError("give --date YYYY-MM-DD (or --timeline)")
    store = GraphStore.open_or_exit(out_dir)
    try:
        base = Q.detect_base(store)
        run = StoreRunner(store, base)
        keys = KeyIndex.for_store(store, base)
        place_iri = parse_key("region", place, base, "--place")
        keys.check("region", place_iri, place, "--place")
        activity_iri = parse_key("therapy", activity, base, "--activity")
        keys.check("therapy", activity_iri, activity, "--activity")
        who = check_addressee(addressee, run, base) if addressee else None
        g = S.load(run, place_iri, activity_iri)
    except (BadKey, Q.QueryError) as e:
        fail(str(e), EXIT_BAD_INPUT)
    except StoreError as e:
        fail(str(e), e.exit_code)
    except OSError as e:
        fail(f"reading the store under {out_dir} failed: {e}", EXIT_STORE_WRITE)
    result = S.answer(S.Question(place_iri, activity_iri, on, who), g) if on else None
    steps = S.timeline(place_iri, activity_iri, who, g) if timeline else None
    if fmt == "json":
        doc: dict = S.answer_json(result) if result else {}
        if steps is not None:
            doc["timeline"] = [timeline_entry(a) for a in steps]
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    if result:
        click.echo(render_answer(result, base))
    if steps is not None:
        click.echo(render_timeline(steps, base))


def timeline_entry(a: S.Answer) -> dict:
    return {"from": a.question.on.isoformat(), "answer": a.answer,
            "deciding": str(a.deciding.provision) if a.deciding else None, "reason": a.reason,
            "parts": [{"scope": label, "answer": p.answer,
                       "deciding": str(p.deciding.provision) if p.deciding else None}
                      for label, p in a.parts]}


def render_answer(a: S.Answer, base: str) -> str:
    from cgtkg.graph.tables import render

    q = a.question
    sh = lambda t: S.short(t, base)  # noqa: E731
    lines = [f"{sh(q.activity)} in {sh(q.place)} on {q.on}"
             + (f" for {sh(q.addressee)}" if q.addressee else "") + f": {a.answer.upper()}",
             f"why: {a.reason}"]
    if a.deciding:
        d = a.deciding
        lines.append(f"deciding: {sh(d.provision)} ({d.modality}) — {d.title}")
        lines.append(f"  in {d.document_title}, in force {d.start or 'unknown'}; source "
                     f"{sh(d.source) if d.source else '-'}" + (f", {d.locator}" if d.locator else ""))
    out = "\n".join(lines) + "\n"
    if a.overrides:
        out += render(["overrides", "modality", "why", "detail"],
                      [[sh(o.rule.provision), o.rule.modality, o.why, o.detail] for o in a.overrides],
                      title="rules it overrides")
    if a.conditions:
        out += render(["condition", "title", "source"],
                      [[sh(c.provision), c.title, f"{sh(c.source) if c.source else ''} {c.locator}".strip()]
                       for c in a.conditions], title="conditions")
    if a.parts:
        out += render(["part", "answer", "deciding"],
                      [[label, p.answer, sh(p.deciding.provision) if p.deciding else p.reason]
                       for label, p in a.parts], title="parts of the question")
    if a.not_in_force:
        out += render(["not in force", "modality", "why"],
                      [[sh(r.provision), r.modality, why] for r, why in a.not_in_force])
    for c in a.caveats:
        out += f"note: {c}\n"
    return out


def render_timeline(steps: list[S.Answer], base: str) -> str:
    from cgtkg.graph.tables import render

    rows = []
    for a in steps:
        parts = "; ".join(f"{p.answer} {label}" for label, p in a.parts)
        rows.append([a.question.on.isoformat(), a.answer,
                     S.short(a.deciding.provision, base) if a.deciding else "", parts or a.reason])
    return render(["from", "answer", "deciding", "detail"], rows, title="timeline")


commands = [status_cmd]
