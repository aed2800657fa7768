"""The gazetteer (ontology/registries/divisions.ttl): regenerated from its pinned packages
and compared, checked with the registry checks, and matched in text only by safe names."""

from __future__ import annotations

import importlib.util
import sys
from importlib import metadata

import pytest
from cgtkg.loaders.text.linking import Linker, Registry

from cgtkg.pipeline.build import REPO_ROOT, load_registry

REGISTRIES = REPO_ROOT / "ontology" / "registries"
sys.path.insert(0, str(REPO_ROOT / "tests" / "foundation"))
from test_registries import (  # noqa: E402
    check_concept_labels,
    check_label_ambiguity,
    check_one_scheme,
    check_references,
    check_top_concepts,
)


def _generator():
    spec = importlib.util.spec_from_file_location("generate_divisions", REGISTRIES / "generate_divisions.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules["generate_divisions"] = mod  # dataclasses look their module up there
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def reg():
    return load_registry(REPO_ROOT / "ontology")


def test_divisions_ttl_is_what_the_generator_makes():
    gen = _generator()
    for name, version in gen.PINNED.items():
        try:
            got = metadata.version(name)
        except metadata.PackageNotFoundError:
            pytest.skip(f"{name}=={version} is not installed (pip install -e '.[test]'): "
                        "divisions.ttl cannot be regenerated here")
        if got != version:
            pytest.skip(f"{name} {got} installed, divisions.ttl is pinned to {version}")
    assert gen.generate() == (REGISTRIES / "divisions.ttl").read_text(encoding="utf-8"), (
        f"divisions.ttl is stale: {gen.COMMAND}")


def test_registry_checks_hold_with_the_gazetteer(reg):
    for check in (check_label_ambiguity, check_concept_labels, check_top_concepts,
                  check_references, check_one_scheme):
        assert check(reg) == [], check.__name__


@pytest.mark.parametrize("code, key, parent", [
    ("440000", "guangdong", "china"), ("440100", "guangzhou", "guangdong"),
    ("440115", "nansha", "guangzhou"), ("120000", "tianjin", "china"),
    ("110105", "chaoyang-110105", "beijing"), ("320583", "kunshan-320583", "suzhou-320500"),
    ("500105", "jiangbei-500105", "chongqing"), ("222400", "yanbian", "jilin"),
])
def test_codes_keys_and_containment(reg, code, key, parent):
    from rdflib import Literal, URIRef
    from rdflib.namespace import SKOS

    base = "https://w3id.org/cgt-kg/id/region/"
    subjects = list(reg.subjects(SKOS.notation, Literal(code)))
    assert subjects == [URIRef(base + key)]
    assert URIRef(base + parent) in set(reg.objects(URIRef(base + key), SKOS.broader))


def test_short_and_generic_names_are_not_read_as_places(reg):
    registry = Registry.from_graph(reg)
    linker = Linker(registry)
    for text in ("建立名单县级统筹", "城区和郊区的医疗机构", "朝阳产业", "维护和平区域稳定"):
        assert [m.surface for m in linker.find(text, 0, len(text), ("region",))
                if m.target is not None] == [], text
    text = "深圳市南山区和北京市朝阳区"
    keys = [m.key for m in linker.find(text, 0, len(text), ("region",))]
    assert keys == ["nanshan-440305", "chaoyang-110105"]
