"""A throwaway MariaDB server for the test tier: own data dir, loopback port, stopped by PID.

Used by ``conftest.py`` and by ``benches/bench_store.py``. Nothing here touches a system-wide
MariaDB: the server runs with ``--no-defaults`` on a private data directory and socket.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pymysql

__all__ = ["MariaDBServer", "MariaDBUnavailable", "ensure_mariadb_installed", "start_mariadb"]

_CANDIDATES = ("/usr/sbin/mariadbd", "/usr/bin/mariadbd", "/usr/sbin/mysqld")
USER = "quantum"
PASSWORD = "quantum-test"


class MariaDBUnavailable(RuntimeError):
    """The server binary is missing or the server did not start."""


def _find(name: str, candidates: tuple[str, ...] = ()) -> str | None:
    for path in candidates:
        if os.access(path, os.X_OK):
            return path
    return shutil.which(name)


def ensure_mariadb_installed() -> str:
    """Path of ``mariadbd``; in CI as root, install ``mariadb-server`` from Debian when absent.

    ``QUANTUM_MARIADBD`` names a specific binary (and nothing else is tried).
    """
    chosen = os.environ.get("QUANTUM_MARIADBD")
    if chosen:
        if os.access(chosen, os.X_OK):
            return chosen
        raise MariaDBUnavailable(f"QUANTUM_MARIADBD={chosen} is not an executable")
    found = _find("mariadbd", _CANDIDATES)
    if found:
        return found
    if os.environ.get("CI") == "true" and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (
            ["apt-get", "update", "-q"],
            ["apt-get", "install", "-y", "-q", "mariadb-server"],
        ):
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                raise MariaDBUnavailable(f"{' '.join(cmd)} failed: {done.stderr[-2000:]}")
        found = _find("mariadbd", _CANDIDATES)
        if found:
            return found
    raise MariaDBUnavailable(
        "mariadbd not found; install it with `apt-get install -y mariadb-server` "
        "(CI=true installs it automatically when running as root)"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class MariaDBServer:
    """One private ``mariadbd``; ``start``/``stop``/``restart`` keep the same data dir and port."""

    def __init__(self, *, fast: bool = True) -> None:
        self.binary = ensure_mariadb_installed()
        install = _find("mariadb-install-db", ("/usr/bin/mariadb-install-db",))
        if install is None:
            raise MariaDBUnavailable("mariadb-install-db not found")
        self._install = install
        # Under /tmp directly: pytest's tmp dirs are 0700 root-owned, unreadable for `mysql`.
        self.base = Path(tempfile.mkdtemp(prefix="quantum-mariadb-"))
        self.datadir = self.base / "data"
        self.socket = self.base / "mysqld.sock"
        self.port = _free_port()
        self.fast = fast
        self.proc: subprocess.Popen[bytes] | None = None
        self._as_root = os.geteuid() == 0
        if self._as_root:
            os.chmod(self.base, 0o755)
            shutil.chown(self.base, "mysql", "mysql")
        cmd = [
            self._install,
            "--no-defaults",
            f"--datadir={self.datadir}",
            "--auth-root-authentication-method=normal",
            "--skip-test-db",
        ]
        if self._as_root:
            cmd.append("--user=mysql")
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            self.cleanup()
            raise MariaDBUnavailable(
                f"mariadb-install-db failed: {done.stdout[-1000:]}{done.stderr[-2000:]}"
            )
        self._created_user = False

    def _args(self) -> list[str]:
        args = [
            self.binary,
            "--no-defaults",
            f"--datadir={self.datadir}",
            f"--socket={self.socket}",
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            f"--pid-file={self.base / 'mysqld.pid'}",
            f"--log-error={self.base / 'error.log'}",
            "--skip-name-resolve",
            "--innodb-buffer-pool-size=128M",
            "--max-connections=200",
        ]
        if self.fast:
            # Test tier only: no fsync per commit. Committed data still survives a server stop.
            args.append("--innodb-flush-log-at-trx-commit=2")
        if self._as_root:
            args.append("--user=mysql")
        return args

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait (polling, with a deadline) until it accepts connections."""
        self.proc = subprocess.Popen(
            self._args(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise MariaDBUnavailable(
                    f"mariadbd exited with {self.proc.returncode}: {self._log_tail()}"
                )
            if not self._accepts():
                time.sleep(0.05)
                continue
            try:
                conn = pymysql.connect(unix_socket=str(self.socket), user="root", connect_timeout=1)
            except pymysql.err.OperationalError as exc:
                last = exc
                time.sleep(0.05)
                continue
            try:
                if not self._created_user:
                    with conn.cursor() as cur:
                        who = f"'{USER}'@'127.0.0.1'"
                        cur.execute(f"CREATE USER IF NOT EXISTS {who} IDENTIFIED BY '{PASSWORD}'")
                        cur.execute(f"GRANT ALL PRIVILEGES ON *.* TO {who}")
                    self._created_user = True
            finally:
                conn.close()
            return
        self.stop()
        raise MariaDBUnavailable(
            f"mariadbd did not accept connections within {timeout}s ({last}): {self._log_tail()}"
        )

    def _accepts(self) -> bool:
        # A raw probe first: a failed pymysql connect leaks its socket (a ResourceWarning).
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(str(self.socket))
            except OSError:
                return False
        return True

    def _log_tail(self) -> str:
        try:
            return (self.base / "error.log").read_text(errors="replace")[-2000:]
        except OSError:
            return "(no error log)"

    def stop(self, timeout: float = 60.0) -> None:
        """Stop the server by its PID (SIGTERM: a clean shutdown), SIGKILL after ``timeout``."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def restart(self) -> None:
        """Stop and start again on the same data dir and port."""
        self.stop()
        self.start()

    def create_database(self) -> str:
        """A fresh empty database; returns its URL."""
        name = "q_" + uuid.uuid4().hex[:12]
        self._admin(f"CREATE DATABASE {name} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by ``create_database``."""
        self._admin(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]}")

    def url(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this server (TCP on loopback, pymysql)."""
        return f"mysql+pymysql://{USER}:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        conn = pymysql.connect(unix_socket=str(self.socket), user="root", connect_timeout=5)
        try:
            with conn.cursor() as cur:
                cur.execute(sql)
        finally:
            conn.close()

    def cleanup(self) -> None:
        """Stop the server and delete its directory."""
        self.stop()
        shutil.rmtree(self.base, ignore_errors=True)


def start_mariadb() -> MariaDBServer:
    """Start a private server for a test: fail in CI (``CI=true``), else skip, with the reason."""
    import pytest

    global _FAILURE
    try:
        if _FAILURE is not None:
            raise MariaDBUnavailable(_FAILURE)  # do not retry an install or start per test
        server = MariaDBServer()
        server.start()
    except MariaDBUnavailable as exc:
        _FAILURE = str(exc)
        if os.environ.get("CI") == "true":
            pytest.fail(f"MariaDB is required in CI and could not be started: {exc}")
        pytest.skip(f"MariaDB tests skipped: {exc}")
    return server


_FAILURE: str | None = None
