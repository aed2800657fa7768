"""Text loaders: plain-text policy documents -> documents, provisions, responsibilities,
regions and therapy types, with span-level provenance (Web Annotation) and a build report.

Entry points::

    from cgtkg.loaders.text import extract_corpus, extract_file
    result = extract_corpus(corpus_dir, registry_graph, base)
    result.graphs          # [(<base>graph/extracted/<file-key>, rdflib.Graph), ...]
    result.report          # JSON-serialisable report, per file and document
    result.problems        # graph.errors.Problem list (file, line, cause)
    result.summary_lines() # short text for the terminal

See docs/loaders.md for the genres, the provenance model and the report.
"""

from .corpus import CorpusResult, FileResult, extract_corpus, extract_file, tool_version

__all__ = ["CorpusResult", "FileResult", "extract_corpus", "extract_file", "tool_version"]
