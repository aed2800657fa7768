"""What a command says on the terminal, and how much: ``-q`` / ``-v`` and progress bars.

Three levels, set once by the global flags (``cgtkg -q build``, ``cgtkg -v push``):
quiet (errors and the command's data only), normal (a summary: what was done, counts,
where it went) and verbose (a line per file or graph as well).  Progress bars go to
standard error and only when it is a terminal and the command is not quiet, so pipes, logs
and CI output never get control characters.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator

import click

QUIET, NORMAL, VERBOSE = -1, 0, 1


def level() -> int:
    """The verbosity the root command was given (``NORMAL`` outside a command)."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return NORMAL
    obj = ctx.find_root().obj
    return obj.get("verbosity", NORMAL) if isinstance(obj, dict) else NORMAL


def set_level(ctx: click.Context, quiet: bool, verbose: int) -> None:
    if quiet and verbose:
        raise click.UsageError("-q and -v contradict each other: give one")
    ctx.ensure_object(dict)["verbosity"] = QUIET if quiet else (VERBOSE if verbose else NORMAL)


def info(message: str, *, err: bool = True) -> None:
    """A summary line: shown unless ``-q``."""
    if level() > QUIET:
        click.echo(message, err=err)


def detail(message: str, *, err: bool = True) -> None:
    """A line per file, graph or step: shown with ``-v`` only."""
    if level() >= VERBOSE:
        click.echo(message, err=err)


def bars_wanted() -> bool:
    """Progress bars: on a terminal (standard error), unless ``-q``."""
    try:
        tty = sys.stderr.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty and level() > QUIET


class Progress:
    """One progress bar with a stage name, drawn by rich on standard error.

    ``update(done, total, stage)`` moves it; ``stage(name)`` renames the step (``extract``,
    ``validate``, ``checks``, ``outputs``) while the count stays.  Without a terminal every
    call does nothing.
    """

    def __init__(self, label: str, enabled: bool | None = None) -> None:
        self.label = label
        self.enabled = bars_wanted() if enabled is None else enabled
        self._bar = None
        self._task = None

    def __enter__(self) -> Progress:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                SpinnerColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import (
                Progress as RichProgress,
            )

            self._bar = RichProgress(
                SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                console=Console(file=sys.stderr), transient=True)
            self._bar.__enter__()
            self._task = self._bar.add_task(self.label, total=None)
        return self

    def update(self, done: int, total: int | None = None, stage: str | None = None) -> None:
        if self._bar is not None:
            kw = {"completed": done}
            if total is not None:
                kw["total"] = total
            if stage is not None:
                kw["description"] = f"{self.label}: {stage}"
            self._bar.update(self._task, **kw)

    def stage(self, name: str) -> None:
        if self._bar is not None:
            self._bar.update(self._task, description=f"{self.label}: {name}")

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
            self._bar = None


@contextlib.contextmanager
def progress(label: str) -> Iterator[Progress]:
    with Progress(label) as bar:
        yield bar
