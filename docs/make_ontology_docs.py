"""Write docs/ontology.html, the ontology's reference documentation, from ontology/cgt.ttl.

    .venv/bin/python docs/make_ontology_docs.py

pyLODE (pinned in pyproject.toml's test extras: 3.3.4, the newest release that installs and
imports on Python 3.11 here; 3.4.x reads a pyproject.toml its wheel does not ship) renders
every class and property of the cgt: namespace with its label, comment, domain, range and
super-terms. tests/standards/test_ontology_docs.py rebuilds the page and fails when the
committed one is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "cgt.ttl"
OUTPUT = ROOT / "docs" / "ontology.html"


def render(ontology: Path = ONTOLOGY) -> str:
    """The HTML page pyLODE makes of ``ontology`` (same input, same bytes)."""
    from pylode import OntPub

    return OntPub(ontology=str(ontology)).make_html()


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else OUTPUT
    out.write_text(render(), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
