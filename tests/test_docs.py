"""The README is the contract with users: its commands must be the ones CI runs, and every
CLI command must be documented (datasette's tests/test_docs.py habit)."""

from __future__ import annotations

import re

from cgtkg.cli import main
from cgtkg.resources import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def readme_commands() -> list[str]:
    block = re.search(r"```bash\n(.*?)```", README, re.S)
    assert block, "the README opens with a bash block of set-up commands"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_readme_opens_with_exactly_two_setup_commands():
    assert README.index("```bash") < 200, "the commands come first"
    commands = readme_commands()
    assert len(commands) == 2
    main_job, tests = commands
    assert "cgtkg run" in main_job and "pytest" in tests
    for c in commands:
        assert c.startswith("python3 -m venv .venv && .venv/bin/pip install"), "each installs what it needs"


def test_ci_runs_the_readme_test_command():
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_commands()[1] in ci.splitlines()


def test_every_cli_command_is_documented_in_the_readme():
    documented = set(re.findall(r"`cgtkg ([a-z-]+)", README))
    missing = set(main.every_command()) - documented
    assert not missing, f"commands missing from README.md: {sorted(missing)}"
