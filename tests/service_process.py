"""``newsdesk serve`` as a child process on a loopback port, for tests and ``benchmarks/load.py``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from newsdesk.store.engine import Store
from newsdesk.store.stats import store_stats

__all__ = ["ServiceProcess", "free_port"]


def free_port() -> int:
    """A TCP port nothing listens on now, on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServiceProcess:
    """Runs ``newsdesk serve`` on 127.0.0.1; :meth:`kill` sends SIGKILL, :meth:`start` restarts.

    ``env`` adds ``NEWSDESK_*`` settings; the server's output goes to ``log``.
    """

    def __init__(self, database_url: str, log: Path, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 300) -> float:
        """Start and wait until ``/readyz`` answers 200; return the seconds it took."""
        command = [
            sys.executable, "-c", "from newsdesk.cli.app import main; main()",
            "serve", "--host", "127.0.0.1", "--port", str(self.port),
            "--database-url", self.database_url, "--log-level", "warning",
        ]  # fmt: skip
        began = time.monotonic()
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        while time.monotonic() - began < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited: {self._log_tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return time.monotonic() - began
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the server was not ready in {timeout} s: {self._log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, as in a crash."""
        if self.process is not None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(30)

    def stop(self) -> None:
        """SIGTERM (a clean shutdown), then SIGKILL if it does not end in 30 s."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()

    def cpu_seconds(self) -> float:
        """CPU time (user + system, all threads) the server has used so far; Linux only."""
        if self.process is None:
            return 0.0
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stored_articles(self) -> int:
        """How many articles the server's database holds (read directly, not over HTTP)."""
        store = Store(self.database_url)
        try:
            with store.read() as conn:
                return store_stats(conn).articles
        finally:
            store.dispose()

    def _log_tail(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
