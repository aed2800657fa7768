"""The ``cgtkg`` command line: a thin layer over the library API.

Commands live next to the code they drive.  Any module ``cgtkg/cli/cmd_*.py`` that defines
``commands = [...]`` (click commands) is picked up here, so a feature adds its commands
without editing this file.
"""

from __future__ import annotations

import importlib
import pkgutil

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cgtkg")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and the command's data: no summary, no progress bar.")
@click.option("-v", "--verbose", count=True, help="Also a line per file or graph (cgtkg -v build).")
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: int) -> None:
    """Knowledge graph of China's cell and gene therapy policies."""
    from cgtkg.graph.console import set_level

    set_level(ctx, quiet, verbose)


def _register() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("cmd_"):
            module = importlib.import_module(f"{__name__}.{info.name}")
            for command in getattr(module, "commands", []):
                main.add_command(command)


_register()

if __name__ == "__main__":
    main()
