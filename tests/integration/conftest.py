"""Real components for integration tests, started once per session when a test asks for them.

``postgres_url``: a throw-away PostgreSQL server (Debian's ``postgresql`` package, see
scripts/setup.sh) on a free local port, trust authentication, data and socket folders of its own.
PostgreSQL refuses to run as root, so as root it runs as the ``postgres`` system user.
``dask_client``: a Dask ``LocalCluster`` with 2 worker processes of 1 thread each;
``private_cluster``: one of a test module's own, which runs a unit again when its worker dies.
Both are always stopped at the end of the session; a server that does not start fails the tests
that need it, with its log.
"""

from __future__ import annotations

import contextlib
import glob
import importlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

POSTGRES_START_TIMEOUT = 60  # seconds for initdb + start; a busy 2-core machine is slow
POSTGRES_USER = "postgres"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def postgres_bin() -> Path:
    """The newest /usr/lib/postgresql/<version>/bin that has initdb (or initdb on PATH)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    pytest.fail("PostgreSQL is not installed (no initdb under /usr/lib/postgresql/*/bin). "
                "Run `bash scripts/setup.sh`, which installs Debian's postgresql package.")


class PostgresServer:
    """initdb + pg_ctl start in a temporary folder; ``stop`` removes everything."""

    def __init__(self) -> None:
        self.bin = postgres_bin()
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="jupyter_automl-pg-"))
        self.data, self.sockets, self.log = self.root / "data", self.root / "sockets", self.root / "server.log"
        self.as_root = os.geteuid() == 0
        if self.as_root:
            user = self._system_user()
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.root.chmod(0o700)

    @staticmethod
    def _system_user() -> pwd.struct_passwd:
        try:
            return pwd.getpwnam(POSTGRES_USER)
        except KeyError:
            subprocess.run(["useradd", "--system", "--home-dir", "/var/lib/postgresql", "--shell",
                            "/bin/false", POSTGRES_USER], check=True, capture_output=True)
            return pwd.getpwnam(POSTGRES_USER)

    def _run(self, *args: str, timeout: float = POSTGRES_START_TIMEOUT) -> subprocess.CompletedProcess:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", POSTGRES_USER, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)

    def start(self) -> None:
        init = self._run("initdb", "-D", str(self.data), "--auth=trust", "-U", POSTGRES_USER,
                         "-E", "UTF8", "--no-sync")
        if init.returncode:
            self._fail("initdb failed", init.stdout + init.stderr)
        mkdir = ["mkdir", "-p", str(self.sockets)]
        subprocess.run((["runuser", "-u", POSTGRES_USER, "--"] if self.as_root else []) + mkdir, check=True)
        self.start_again()

    def start_again(self) -> None:
        """Start the server on its data folder (after ``start``, or after ``halt``)."""
        options = (f"-p {self.port} -h 127.0.0.1 -k {self.sockets} -c fsync=off "
                   "-c full_page_writes=off -c max_connections=100 -c shared_buffers=32MB")
        started = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options,
                            "-w", "-t", str(POSTGRES_START_TIMEOUT), "start",
                            timeout=POSTGRES_START_TIMEOUT + 10)
        if started.returncode:
            self._fail("pg_ctl start failed", started.stdout + started.stderr)
        self._wait_until_ready()

    def halt(self) -> None:
        """Stop the server and keep its data (``start_again`` brings it back): an outage."""
        stopped = self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop", timeout=60)
        if stopped.returncode:
            self._fail("pg_ctl stop failed", stopped.stdout + stopped.stderr)

    def _wait_until_ready(self) -> None:
        import psycopg2

        deadline = time.monotonic() + POSTGRES_START_TIMEOUT
        while True:
            try:
                psycopg2.connect(host="127.0.0.1", port=self.port, user=POSTGRES_USER,
                                 dbname="postgres", connect_timeout=3).close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline:
                    self._fail(f"the server did not accept connections ({exc})", "")
                time.sleep(0.3)

    def _fail(self, what: str, output: str) -> None:
        log = self.log.read_text() if self.log.exists() else "(no server log)"
        self.stop()
        pytest.fail(f"PostgreSQL could not be started: {what}\n{output}\n--- server log ---\n{log}",
                    pytrace=False)

    def create_database(self, name: str) -> str:
        """A new empty database; returns its URL (bare postgresql://, as users write it)."""
        import psycopg2

        conn = psycopg2.connect(host="127.0.0.1", port=self.port, user=POSTGRES_USER, dbname="postgres")
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        conn.close()
        return f"postgresql://{POSTGRES_USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop", timeout=60)
        shutil.rmtree(self.root, ignore_errors=True)


def _running_postgres_server():
    """Start a server, yield it, and stop it afterwards (also when it failed to start)."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server():
    yield from _running_postgres_server()


@pytest.fixture(scope="module")
def private_postgres_server():
    """A PostgreSQL server of the test module's own, for tests that stop and restart it."""
    yield from _running_postgres_server()


@pytest.fixture
def postgres_url(postgres_server, request) -> str:
    """A fresh database on the session's PostgreSQL server, for one test."""
    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:50]
    name = f"{name}_{time.monotonic_ns() % 10**6}"
    return postgres_server.create_database(name)


@pytest.fixture(scope="session")
def dask_client():
    """A Dask client on a real LocalCluster: 2 worker processes with 1 thread each."""
    import distributed
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=40)
    client = distributed.Client(cluster)
    # workers import the engine once here, not inside the first test's time budget
    client.run(importlib.import_module, "jupyter_automl.search")
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@contextlib.contextmanager
def _retrying_cluster(n_workers: int, **options):
    """A Dask client on a LocalCluster of ``n_workers`` processes (1 thread each) where a unit
    whose worker dies is run once more elsewhere, as for real clusters; ``options`` go to
    LocalCluster (``memory_limit=...``)."""
    distributed = pytest.importorskip("distributed")
    import dask

    # read when the scheduler starts
    with dask.config.set({"distributed.scheduler.allowed-failures": 1}):
        local = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                         dashboard_address=None, silence_logs=50, **options)
    client = distributed.Client(local)
    client.wait_for_workers(n_workers, timeout=60)  # broadcast the data to all of them
    client.run(__import__, "jupyter_automl.search")  # imports outside the tests' budgets
    # read whenever a worker leaves: 15 s after it left, a LocalCluster closes the nanny of a
    # worker whose name is not back. A nanny restarting its worker for memory every ~7 s could be
    # caught between two restarts: both nannies were closed, and no worker ever came back (a
    # fresh-clone run's out-of-memory test). Here only the nannies decide.
    try:
        with dask.config.set({"distributed.deploy.lost-worker-timeout": "1h"}):
            yield client
    finally:
        client.close()
        local.close()


@pytest.fixture(scope="module")
def private_cluster():
    """The test module's own cluster of 2 workers (see ``_retrying_cluster``): faults in it
    disturb no other module."""
    with _retrying_cluster(2) as client:
        yield client


@pytest.fixture
def small_memory_cluster():
    """2 workers of 1 GiB each, for one test: the nanny restarts a worker that goes over."""
    with _retrying_cluster(2, memory_limit="1GiB") as client:
        yield client


@pytest.fixture
def one_worker_cluster():
    """A cluster of one worker, for one test: killing it loses whatever only it held."""
    with _retrying_cluster(1) as client:
        yield client
