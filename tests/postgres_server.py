"""A throwaway PostgreSQL server for the tests: a real server, never a mock.

PostgreSQL refuses to run as root, and CI runs as root: the cluster then runs as the `postgres` system
user, in a private temporary directory, listening only on a unix socket in that directory.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def find_binaries() -> Path:
    candidates = [shutil.which("initdb")] + sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    for candidate in candidates:
        if candidate and Path(candidate).exists():
            return Path(candidate).parent
    raise PostgresUnavailable("PostgreSQL server binaries (initdb, pg_ctl) not found; `make test` installs "
                              "the Debian package postgresql when they are missing.")


class PostgresServer:
    def __init__(self, tcp_port: int | None = None) -> None:
        """With `tcp_port`, the server also listens on 127.0.0.1 (for containers on the host network)."""
        self.bin = find_binaries()
        self.dir = Path(tempfile.mkdtemp(prefix="kb-pg-"))
        self.data = self.dir / "data"
        self.port = tcp_port or 5432
        self.listen = "127.0.0.1" if tcp_port else ""
        self.as_root = os.geteuid() == 0
        if self.as_root:
            entry = pwd.getpwnam("postgres")
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)

    def _run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise PostgresUnavailable(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")

    def start(self) -> PostgresServer:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")
        self.resume()
        return self

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.dir}&port={self.port}"

    def tcp_url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(host=str(self.dir), port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def halt(self) -> None:
        """Stop the server but keep its data (a database that goes away for a while)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def resume(self) -> None:
        """(Re)start the server, listening on the unix socket in its directory (and loopback if asked)."""
        options = f"-k {self.dir} -c listen_addresses='{self.listen}' -p {self.port} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "server.log"), "-w", "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
