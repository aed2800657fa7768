"""A command imports what it needs: `cgtkg query` does not wait for the build pipeline,
networkx or the text loaders to load (0.6 s of every call when all were imported)."""

from __future__ import annotations

import json
import subprocess
import sys

from click.testing import CliRunner

from cgtkg.cli import main

_LOADED = """
import json, sys
from cgtkg.cli import main
try:
    main([*sys.argv[1:], "--help"], prog_name="cgtkg")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("cgtkg.pipeline", "networkx", "loaders")))))
"""


def _modules_after(*args: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", _LOADED, *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_query_loads_neither_the_build_nor_the_network():
    assert _modules_after("query") == []


def test_build_loads_the_build_and_not_the_network():
    loaded = _modules_after("build")
    assert "cgtkg.pipeline.build" in loaded
    assert not [m for m in loaded if m.startswith("networkx")]


def test_help_lists_every_command_and_each_runs_by_name():
    shown = CliRunner().invoke(main, ["--help"]).output
    commands = main.every_command()
    assert {"build", "query", "network", "run", "status", "stats", "validate"} <= set(commands)
    for name in commands:
        assert f"  {name} " in shown or f"  {name}\n" in shown, name
        r = CliRunner().invoke(main, [name, "--help"], prog_name="cgtkg")
        assert r.exit_code == 0 and r.output.startswith(f"Usage: cgtkg {name} "), (name, r.output)


def test_an_unknown_command_is_refused_by_name():
    r = CliRunner().invoke(main, ["nosuch"])
    assert r.exit_code == 2 and "No such command 'nosuch'" in r.output
