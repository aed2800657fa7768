"""Run a command with its standard error on a pseudo-terminal, as a person at a terminal
would, and its standard output on a pipe (the shape of `cgtkg build | tee log`)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys


def run_on_tty(args: list[str], cwd=None, timeout: float = 300, env: dict | None = None):
    """-> (exit code, stdout bytes, bytes written to the terminal)."""
    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "TERM": "xterm", **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "cgtkg.cli", *args], cwd=cwd, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    terminal, out = [], []
    streams = {master: terminal, proc.stdout.fileno(): out}
    while streams:
        ready, _, _ = select.select(list(streams), [], [], timeout)
        if not ready:
            proc.kill()
            raise TimeoutError(f"{args} did not finish in {timeout} s")
        for fd in ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the terminal closes with EIO once the child is gone
                data = b""
            if data:
                streams[fd].append(data)
            else:
                del streams[fd]
    proc.wait(timeout=timeout)
    os.close(master)
    return proc.returncode, b"".join(out), b"".join(terminal)
