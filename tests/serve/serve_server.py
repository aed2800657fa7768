"""A ``cgtkg serve`` process on 127.0.0.1 for the tests: started as the command line is run
(``python -m cgtkg.cli serve --port 0``), its port read from the line it prints."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from cgtkg.resources import REPO_ROOT


class Server:
    def __init__(self, out_dir: Path, log: Path, *extra: str):
        self.log = log
        self.out_dir = out_dir
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cgtkg.cli", "serve", "--out", str(out_dir), "--port", "0", *extra],
            stdout=subprocess.DEVNULL, stderr=open(log, "wb"), cwd=REPO_ROOT)
        deadline = time.monotonic() + 60
        while True:
            text = log.read_text(encoding="utf-8", errors="replace")
            m = re.search(r"read-only at (http://127\.0\.0\.1:\d+)/", text)
            if m:
                self.url = m.group(1)
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"cgtkg serve did not start:\n{text}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
