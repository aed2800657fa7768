"""The build pipeline: ontology, registries, curated records and extracted texts -> a
validated, published store.  Sits above :mod:`cgtkg.loaders` (which it drives) and
:mod:`cgtkg.graph` (the store and vocabulary it writes with); only the CLI and the API
import it."""
