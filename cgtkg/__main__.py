"""``python -m cgtkg``: the ``cgtkg`` command."""

from cgtkg.cli import main

main(prog_name="cgtkg")
