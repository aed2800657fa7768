"""The ``cgtkg`` command line: a thin layer over the library API.

Commands live next to the code they drive.  Any module ``graph/cmd_*.py`` that defines
``commands = [...]`` (click commands) is picked up here, so a feature adds its commands
without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import click

import graph


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cgtkg")
def main() -> None:
    """Knowledge graph of China's cell and gene therapy policies."""


def _register() -> None:
    for info in sorted(pkgutil.iter_modules(graph.__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"graph.{info.name}")
            for command in getattr(module, "commands", []):
                main.add_command(command)


_register()

if __name__ == "__main__":
    main()
