"""The ``cgtkg`` command line: a thin layer over the library API.

Commands live next to the code they drive.  Any module ``cgtkg/cli/cmd_*.py`` that defines
``commands = [...]`` (click commands) is picked up here, so a feature adds its commands
without editing this file.

A command's module is imported when that command runs, not before: importing them all (the
build pipeline, networkx, the text loaders) took 0.6 s of every call, ``cgtkg query``
included. Which module holds a command is read off the ``@click.command("NAME")`` lines of
the modules' source; a command named otherwise is found by importing them all, as is the
list ``cgtkg --help`` shows.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import click

_COMMAND = re.compile(r"""^@click\.(?:command|group)\(\s*["']([^"']+)["']""", re.M)


def _declared(module: str) -> list[str]:
    """The command names a module's source declares (none if its source cannot be read)."""
    try:
        return _COMMAND.findall((Path(__file__).parent / f"{module}.py").read_text(encoding="utf-8"))
    except OSError:
        return []


class _LazyGroup(click.Group):
    """A group whose commands' modules are imported on first use (see the module's note)."""

    def _modules(self) -> list[str]:
        return [i.name for i in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
                if i.name.startswith("cmd_")]

    def _load(self, module: str) -> None:
        for command in getattr(importlib.import_module(f"{__name__}.{module}"), "commands", []):
            if command.name not in self.commands:
                self.add_command(command)

    def _load_all(self) -> None:
        for module in self._modules():
            self._load(module)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            for module in self._modules():
                if cmd_name in _declared(module):
                    self._load(module)
            if cmd_name not in self.commands:
                self._load_all()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_all()
        return super().list_commands(ctx)

    def every_command(self) -> dict[str, click.Command]:
        """Every command by name, each module imported (``.commands`` holds only those
        loaded so far)."""
        self._load_all()
        return dict(self.commands)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="cgtkg")
@click.option("-q", "--quiet", is_flag=True, help="Only errors and the command's data: no summary, no progress bar.")
@click.option("-v", "--verbose", count=True, help="Also a line per file or graph (cgtkg -v build).")
@click.pass_context
def main(ctx: click.Context, quiet: bool, verbose: int) -> None:
    """Knowledge graph of China's cell and gene therapy policies."""
    from cgtkg.graph.console import set_level

    set_level(ctx, quiet, verbose)


if __name__ == "__main__":
    main()
