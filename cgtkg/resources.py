"""Where the card's data is: ``ontology/``, ``queries/``, ``data/`` (and the code folders).

In a checkout they are the repository's top-level folders; an installed wheel carries them
inside the package (``site-packages/cgtkg/ontology`` ...).  Every path to them goes through
:func:`resource`, so ``pip install .``, a wheel, pipx, ``pip install -e .`` and a plain
checkout read the same files.  This module imports nothing of the project: it is the floor.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent
# the checkout's root when running from one (tests, benchmarks, README paths); in an installed
# wheel it is site-packages, where only resource_dir() should be used to find data
REPO_ROOT = PACKAGE_ROOT.parent


def resource_dir(name: str) -> Path:
    """A top-level folder of the card by name (``"ontology"``, ``"queries"``, ``"data"``,
    ``"graph"``, ``"pipeline"`` ...): inside the package when it is there (an installed wheel,
    or a folder of the package itself), else at the top of the checkout."""
    packaged = PACKAGE_ROOT / name
    return packaged if packaged.exists() else REPO_ROOT / name
