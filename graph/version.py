"""The version of the build's output format, recorded in reports and exports
(``cgtkg.graph.export.tool_version()`` falls back on it outside an install)."""

# the version in reports and exports; every unit's digest also holds code_fingerprint(), so
# a changed loader redoes every unit without a bump (history: 0.2.0: derived shortcuts, graph/closure.py;
# 0.2.1: text offsets typed xsd:integer, as the store keeps them; 0.2.2: eli:cites and
# cgt:interprets from the text loaders and the records, a cited document per text; 0.2.3:
# that copy typed cgt:CitedDocument; 0.3.0: the vocabularies used as they are defined, issue 23:
# cgt:PolicyDocument, cgt:responsibleAgency, dcterms:title, disputed dates on claims only,
# cgt:broaderTransitive, resources for DCMI properties, selectors that agree; 0.3.1:
# cgt:selfOrBroader, the closure with each concept itself)
TOOL_VERSION = "0.3.1"
