"""Problems found in input, and the exit codes the CLI maps them to.

Exit codes follow pySHACL's convention: 0 conforms, 1 SHACL or check violations,
2 bad input (a file, a line, a cause), 3 not supported, 4 a remote endpoint failed,
5 the store could not be written (disk full, permissions: the published store is kept) or
read (damaged), 6 the graph was built and published without some input files (quarantined
by SHACL, unreadable, binary, too large, a bad sidecar: each is an error in the report, with
its file, line and cause).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

EXIT_OK = 0
EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2
EXIT_UNSUPPORTED = 3
EXIT_REMOTE = 4  # a remote SPARQL endpoint failed or could not be reached
EXIT_STORE_WRITE = 5  # the build could not write its new store generation, or a store cannot be read
EXIT_INPUTS_LEFT_OUT = 6  # built and published, but input files with errors were left out


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or odd) in an input file, located as precisely as we can."""

    file: str | Path | None
    line: int | None
    message: str
    severity: str = "error"  # "error" stops the build with exit 2; "warning" is reported

    def __str__(self) -> str:
        where = str(self.file) if self.file else "<input>"
        if self.line:
            where += f":{self.line}"
        return f"{where}: {self.severity}: {self.message}"


@dataclass
class BadInput(Exception):
    """Raised when input cannot be loaded; carries every problem found, not just the first."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
