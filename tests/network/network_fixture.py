"""A small made-up store in the project's data model, for testing the network alone.

Everything here is invented (names, numbers, passages); it follows the model of
ontology/cgt.ttl and data/README.md: documents are eli:LegalResource, provisions
eli:LegalResourceSubdivision with eli:is_part_of, responsibility cgt:responsibleAgency,
regions and therapies SKOS concepts with skos:broader.  Expected outcomes in the tests are
worked out by hand from the comments below.  (The module name is unique under tests/
because pytest imports test helpers by their base name.)

    doc alpha   passed by ndrc, mofcom; 2024-01-09; region nansha; therapy cell-therapy
      measure 1   nmpa, nhc, guangdong-gov; own therapy car-t; has an annotated passage,
                  and another one where the text names nhc as responsible
      measure 2   nmpa, nhc; own region hebei
      measure 3   samr, relevant-industry-authorities; own therapy gene-therapy
    doc beta    passed by shenzhen-gov; dates claimed 2022-06-01 and 2023-02-01; region shenzhen
      chapter 1
        article 1   shenzhen-hc
        article 2   shenzhen-hc, shenzhen-gov
          item 1    nmpa, shenzhen-hc
    doc gamma   passed by nmpa; no date; region china; therapy cell-gene-therapy
      measure 1   cde, nmpa
"""

from __future__ import annotations

import os
from pathlib import Path

from cgtkg.graph.closure import materialise
from cgtkg.graph.namespaces import DEFAULT_BASE, graph_iri
from cgtkg.graph.store import GraphStore
from rdflib import Dataset

BASE = DEFAULT_BASE

PREFIXES = f"""
@prefix eli:  <http://data.europa.eu/eli/ontology#> .
@prefix org:  <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix oa:   <http://www.w3.org/ns/oa#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:  <http://www.w3.org/2001/XMLSchema#> .
@prefix cgt:  <https://w3id.org/cgt-kg/ontology#> .
@prefix rdf:  <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix ag:   <{BASE}agency/> .
@prefix rg:   <{BASE}region/> .
@prefix th:   <{BASE}therapy/> .
@prefix cv:   <{BASE}concept/> .
@prefix dt:   <{BASE}doctype/> .
@prefix doc:  <{BASE}doc/> .
@prefix src:  <{BASE}source/> .
"""

REGISTRY = """
cgt:GenericAuthority rdfs:subClassOf org:Organization .

cv:level-national a skos:Concept ; skos:prefLabel "national"@en .
cv:level-provincial a skos:Concept ; skos:prefLabel "provincial"@en .
cv:level-municipal a skos:Concept ; skos:prefLabel "municipal"@en .
cv:measure a skos:Concept ; skos:prefLabel "measure"@en .
cv:article a skos:Concept ; skos:prefLabel "article"@en .
cv:chapter a skos:Concept ; skos:prefLabel "chapter"@en .
cv:item a skos:Concept ; skos:prefLabel "item"@en .

rg:china a skos:Concept ; skos:prefLabel "China"@en .
rg:guangdong a skos:Concept ; skos:prefLabel "Guangdong"@en ; skos:broader rg:china .
rg:guangzhou a skos:Concept ; skos:prefLabel "Guangzhou"@en ; skos:broader rg:guangdong .
rg:nansha a skos:Concept ; skos:prefLabel "Nansha"@en ; skos:broader rg:guangzhou .
rg:shenzhen a skos:Concept ; skos:prefLabel "Shenzhen"@en ; skos:broader rg:guangdong .
rg:hebei a skos:Concept ; skos:prefLabel "Hebei"@en ; skos:broader rg:china .

th:cell-gene-therapy a skos:Concept ; skos:prefLabel "cell and gene therapy"@en .
th:cell-therapy a skos:Concept ; skos:broader th:cell-gene-therapy .
th:car-t a skos:Concept ; skos:broader th:cell-therapy .
th:gene-therapy a skos:Concept ; skos:broader th:cell-gene-therapy .

ag:nmpa a org:Organization ; skos:prefLabel "Test Medical Products Administration"@en,
        "测试药品监督管理局"@zh ; skos:altLabel "TMPA"@en, "Medical Products Admin."@en ;
    cgt:administrativeLevel cv:level-national ; cgt:jurisdiction rg:china .
ag:cde a org:Organization ; skos:prefLabel "Test Centre for Drug Evaluation"@en ;
    skos:altLabel "TCDE"@en ;
    cgt:administrativeLevel cv:level-national ; org:subOrganizationOf ag:nmpa .
ag:nhc a org:Organization ; skos:prefLabel "Test Health Commission"@en, "测试卫生健康委员会"@zh ;
    cgt:administrativeLevel cv:level-national .
ag:samr a org:Organization ; skos:prefLabel "Test Market Regulation Administration"@en ;
    cgt:administrativeLevel cv:level-national .
ag:ndrc a org:Organization ; skos:prefLabel "Test Development Commission"@en ;
    cgt:administrativeLevel cv:level-national .
ag:mofcom a org:Organization ; skos:prefLabel "Test Commerce Ministry"@en ;
    cgt:administrativeLevel cv:level-national .
ag:guangdong-gov a org:Organization ; skos:prefLabel "Test Guangdong Government"@en ;
    cgt:administrativeLevel cv:level-provincial ; cgt:jurisdiction rg:guangdong .
ag:shenzhen-gov a org:Organization ; skos:prefLabel "Test Shenzhen Government"@en ;
    cgt:administrativeLevel cv:level-municipal ; cgt:jurisdiction rg:shenzhen .
ag:shenzhen-hc a org:Organization ; skos:prefLabel "Test Shenzhen Health Commission"@en,
        "测试深圳卫健委"@zh ;
    cgt:administrativeLevel cv:level-municipal ; cgt:jurisdiction rg:shenzhen ;
    org:subOrganizationOf ag:shenzhen-gov .
ag:relevant-industry-authorities a cgt:GenericAuthority, org:Organization ;
    skos:prefLabel "relevant industry authorities (test)"@en .

src:test-source a cgt:SourceText ; dcterms:title "A made-up source text"@en .
"""

DOC_ALPHA = """
doc:alpha a eli:LegalResource ; dcterms:title "Alpha test opinions"@en, "阿尔法测试意见"@zh ;
    eli:id_local "Test [2024] No. 1" ; eli:passed_by ag:ndrc, ag:mofcom ;
    eli:date_document "2024-01-09"^^xsd:date ; eli:relevant_for rg:nansha ;
    eli:is_about th:cell-therapy ; prov:hadPrimarySource src:test-source .
doc:alpha\\/measure\\/1 a eli:LegalResourceSubdivision ; eli:is_part_of doc:alpha ;
    eli:type_subdivision cv:measure ; eli:number "1" ; dcterms:title "First test measure"@en ;
    dcterms:abstract "Invented summary of the first measure."@en ;
    cgt:responsibleAgency ag:nmpa, ag:nhc, ag:guangdong-gov ;
    eli:is_about th:car-t ; prov:wasDerivedFrom src:test-source ;
    cgt:sourceLocator "Test text, measure 1" .
doc:alpha\\/measure\\/2 a eli:LegalResourceSubdivision ; eli:is_part_of doc:alpha ;
    eli:type_subdivision cv:measure ; eli:number "2" ; cgt:printedNumber "II." ;
    dcterms:abstract "Invented summary of the second measure."@en ;
    cgt:responsibleAgency ag:nmpa, ag:nhc ; eli:relevant_for rg:hebei .
doc:alpha\\/measure\\/3 a eli:LegalResourceSubdivision ; eli:is_part_of doc:alpha ;
    eli:type_subdivision cv:measure ; eli:number "3" ;
    cgt:responsibleAgency ag:samr, ag:relevant-industry-authorities ;
    eli:is_about th:gene-therapy .
doc:alpha\\/measure\\/1 cgt:passage [ oa:hasSource src:test-source ;
                   oa:hasSelector [ a oa:TextQuoteSelector ;
                                    oa:exact "An invented passage that stands in for a quote." ] ] .
[] a oa:Annotation ; cgt:concerns doc:alpha\\/measure\\/1 ;
    cgt:onProperty cgt:responsibleAgency ; oa:hasBody ag:nhc ;
    oa:hasTarget [ oa:hasSource src:test-source ;
                   oa:hasSelector [ a oa:TextQuoteSelector ;
                                    oa:exact "Invented words that name the health commission." ] ] .
"""

DOC_BETA = """
doc:beta a eli:LegalResource ; dcterms:title "Beta test regulations"@en ;
    eli:passed_by ag:shenzhen-gov ;
    eli:relevant_for rg:shenzhen ; prov:hadPrimarySource src:test-source .
doc:beta\\/conflict\\/document a cgt:SourceConflict ; cgt:concerns doc:beta ;
    cgt:onProperty eli:date_document ;
    cgt:hasClaim doc:beta\\/claim\\/1, doc:beta\\/claim\\/2 .
doc:beta\\/claim\\/1 a cgt:Claim ; rdf:value "2022-06-01"^^xsd:date .
doc:beta\\/claim\\/2 a cgt:Claim ; rdf:value "2023-02-01"^^xsd:date .
doc:beta\\/chapter\\/1 a eli:LegalResourceSubdivision ; eli:is_part_of doc:beta ;
    eli:type_subdivision cv:chapter ; eli:number "1" .
doc:beta\\/article\\/1 a eli:LegalResourceSubdivision ; eli:is_part_of doc:beta\\/chapter\\/1 ;
    eli:type_subdivision cv:article ; eli:number "1" ;
    cgt:responsibleAgency ag:shenzhen-hc .
doc:beta\\/article\\/2 a eli:LegalResourceSubdivision ; eli:is_part_of doc:beta\\/chapter\\/1 ;
    eli:type_subdivision cv:article ; eli:number "2" ;
    cgt:responsibleAgency ag:shenzhen-hc, ag:shenzhen-gov .
doc:beta\\/article\\/2\\/item\\/1 a eli:LegalResourceSubdivision ;
    eli:is_part_of doc:beta\\/article\\/2 ;
    eli:type_subdivision cv:item ; eli:number "1" ;
    cgt:responsibleAgency ag:nmpa, ag:shenzhen-hc .
"""

DOC_GAMMA = """
doc:gamma a eli:LegalResource ; dcterms:title "Gamma test notice"@en ;
    eli:passed_by ag:nmpa ; eli:relevant_for rg:china ; eli:is_about th:cell-gene-therapy .
doc:gamma\\/measure\\/1 a eli:LegalResourceSubdivision ; eli:is_part_of doc:gamma ;
    eli:type_subdivision cv:measure ; eli:number "1" ;
    cgt:responsibleAgency ag:cde, ag:nmpa .
"""

GRAPHS = {
    "registry": REGISTRY,
    "doc/alpha": DOC_ALPHA,
    "doc/beta": DOC_BETA,
    "doc/gamma": DOC_GAMMA,
}


def make_out_dir(out: Path) -> Path:
    """An ``out`` folder laid out like a build's: ``out/store`` -> ``stores/<gen>``."""
    gen = out / "stores" / "fixture"
    gen.mkdir(parents=True)
    store = GraphStore(gen)
    for name, body in GRAPHS.items():
        ds = Dataset()
        g = ds.graph(graph_iri(name, BASE))
        g.parse(data=PREFIXES + body, format="turtle")
        materialise(g)  # the shortcuts a build derives (graph/closure.py)
        store.add_graph(graph_iri(name, BASE), g)
    store.flush()
    store.close()
    os.symlink(Path("stores") / "fixture", out / "store")
    return out


def doc(key: str, *path: str) -> str:
    return f"{BASE}doc/{key}" + ("/" + "/".join(path) if path else "")


def ag(key: str) -> str:
    return f"{BASE}agency/{key}"
