"""Options every command spells the same way.

``--out DIR`` is the build folder everywhere: ``cgtkg build`` writes the store and its
outputs there and every other command reads them from there.  ``--output`` (``-o``) is what
a command writes besides: the file of ``export``, the folder of ``network``.  The older
spellings (``--from`` for the build folder of ``query``, ``export`` and ``push``; ``--dest``
for ``network``'s folder) still work and say so on standard error.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from click.core import ParameterSource

OUT_HELP = "The build folder: where `cgtkg build` wrote the store and its outputs."
_META = "cgtkg.legacy."


def warn_deprecated(old: str, new: str) -> None:
    click.echo(f"warning: {old} is deprecated; write {new} (the same value)", err=True)


def _legacy_option(old: str, new: str, dest: str, **kwargs) -> Callable:
    """A hidden option ``old`` that hands its value to the option ``new`` (variable ``dest``)."""

    def remember(ctx: click.Context, param: click.Parameter, value):
        if value is None:
            return None
        if ctx.get_parameter_source(dest) == ParameterSource.COMMANDLINE:
            raise click.BadParameter(f"give {new} only ({old} is its old name)", ctx=ctx, param=param)
        warn_deprecated(old, new)
        ctx.meta[_META + dest] = (old, value)  # click reads given options before defaulted ones
        return None

    return click.option(old, "_legacy_" + old.lstrip("-").replace("-", "_"), hidden=True,
                        expose_value=False, callback=remember, default=None, **kwargs)


def _taking_legacy(dest: str, callback: Callable | None, reinterpret: Callable | None = None) -> Callable:
    """The callback of the new option: its own value, or the old spelling's when only that was
    given, then the command's own check (``callback``).  ``reinterpret(ctx, value)`` may claim
    a given value for another meaning (``export --out FILE``): the option then counts as not
    given."""

    def resolve(ctx: click.Context, param: click.Parameter, value):
        given = ctx.get_parameter_source(dest) == ParameterSource.COMMANDLINE
        if given and reinterpret is not None and reinterpret(ctx, value):
            given, value = False, param.get_default(ctx)
        if _META + dest in ctx.meta:
            old, given_old = ctx.meta.pop(_META + dest)
            if given:
                raise click.BadParameter(f"give {param.opts[0]} only ({old} is its old name)",
                                         ctx=ctx, param=param)
            value = given_old
        return callback(ctx, param, value) if callback else value

    return resolve


def out_option(*, legacy: tuple[str, ...] = (), callback: Callable | None = None, help: str = OUT_HELP,
               dir_only: bool = True, reinterpret: Callable | None = None) -> Callable:
    """``--out DIR`` (default ``out``), accepting the ``legacy`` spellings with a warning."""

    def decorate(f: Callable) -> Callable:
        for old in legacy:
            f = _legacy_option(old, "--out", "out_dir", type=click.Path(path_type=Path, file_okay=False))(f)
        return click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=not dir_only),
                            default=Path("out"), show_default=True, help=help,
                            callback=_taking_legacy("out_dir", callback, reinterpret))(f)

    return decorate


def output_option(help: str, *, legacy: tuple[str, ...] = (), dir_okay: bool = False,
                  file_okay: bool = True) -> Callable:
    """``--output PATH`` / ``-o PATH``: what the command writes (no default: the command says)."""

    def decorate(f: Callable) -> Callable:
        ptype = click.Path(path_type=Path, dir_okay=dir_okay, file_okay=file_okay)
        for old in legacy:
            f = _legacy_option(old, "--output", "output", type=ptype)(f)
        return click.option("--output", "-o", "output", type=ptype, default=None, help=help,
                            callback=_taking_legacy("output", None))(f)

    return decorate


def jobs_option(f: Callable) -> Callable:
    """``--jobs N``: processes extracting a corpus's texts (default: this machine's cores)."""
    from cgtkg.pipeline.pool import MIN_POOL_TEXTS, default_jobs

    return click.option("--jobs", "-j", type=click.IntRange(min=1), default=default_jobs, show_default="cores",
                        help=f"Processes extracting corpus texts side by side (the output is the same "
                        f"for any N; with fewer than {MIN_POOL_TEXTS} texts to extract, one).")(f)
