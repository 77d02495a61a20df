"""Scale-out end to end: a real Dask LocalCluster reached by its address, a real PostgreSQL study.

The cluster is this module's own: 2 worker processes of 1 thread, and a unit whose worker dies
is run once more elsewhere (``allowed-failures`` 1), as the README advises for real clusters.
"""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg2
import pytest

from conformance._tiny import TINY, demo
from jupyter_automl import AutoML
from jupyter_automl import cli as cli_module
from jupyter_automl.exceptions import InputError, UnreachableError
from jupyter_automl.search.executors import DaskExecutor, dask_cluster_info

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _finished_rows(postgres_server, url: str, study: str) -> list[tuple[int, str]]:
    dbname = url.rsplit("/", 1)[1]
    with psycopg2.connect(host="127.0.0.1", port=postgres_server.port, user="postgres",
                          dbname=dbname) as conn, conn.cursor() as cur:
        cur.execute("SELECT t.number, t.state FROM trials t JOIN studies s USING (study_id) "
                    "WHERE s.study_name = %s ORDER BY t.number", (study,))
        return cur.fetchall()


def test_dask_by_address_with_a_postgresql_study(private_cluster, postgres_server, postgres_url,
                                                 tmp_path):
    X, y = demo(300)
    address = private_cluster.scheduler.address  # a string, as people pass it
    automl = AutoML(**(TINY | {"n_trials": 4, "executor": "dask", "dask_client": address,
                               "storage": postgres_url, "study_name": "e2e",
                               "runs_dir": str(tmp_path)}))
    automl.fit(X, y)
    assert _finished_rows(postgres_server, postgres_url, "e2e") == [(n, "COMPLETE") for n in range(4)]
    assert len(automl.leaderboard()) == 4
    assert not any(private_cluster.who_has().values())  # nothing left on the shared cluster


def test_the_data_reaches_each_worker_once(private_cluster, tmp_path):
    X, y = demo(569)
    executor = DaskExecutor(private_cluster)

    def incoming(dask_worker):  # bytes each worker fetched from its peers, and which keys
        return [(k, n) for t in dask_worker.transfer_incoming_log for k, n in t["keys"].items()]

    before = private_cluster.run(incoming)
    AutoML(**(TINY | {"n_trials": 6, "executor": executor, "storage": "memory"})).fit(X, y)
    after = private_cluster.run(incoming)
    per_unit = executor.unit_bytes / executor.n_units
    print(f"\ndata {executor.data_bytes} bytes, sent once to each of 2 workers; "
          f"{executor.n_units} units, {per_unit:.0f} bytes per unit")
    assert executor.n_units == 6 * 3
    assert executor.data_bytes > 50_000  # the 569 x 30 float table
    assert per_unit < 2_000  # a unit sends its params and the data's key, never the data
    for worker, log in after.items():  # no worker fetched the training data again during the search
        new = log[len(before[worker]):]
        assert all(n < executor.data_bytes / 10 for _, n in new), new


def test_a_bad_address_is_a_clear_error():  # the CLI exits with EXIT_UNREACHABLE (11) then
    with pytest.raises(UnreachableError, match=r"Could not connect to the Dask scheduler at "
                       r"tcp://127\.0\.0\.1:9 within 2 s"):
        from jupyter_automl.search.executors import connect_dask
        connect_dask("tcp://127.0.0.1:9", timeout=2)
    with pytest.raises(InputError, match="must be a dask.distributed.Client or a scheduler address"):
        DaskExecutor(42)


def test_cluster_info(private_cluster):
    info = dask_cluster_info(private_cluster)
    assert info["n_workers"] == 2 and info["n_threads"] == 2
    assert info["address"].startswith("tcp://127.0.0.1:")


def _cli(*args: str, cwd) -> subprocess.CompletedProcess:
    # this checkout's package, whatever is installed
    env = os.environ | {"PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    return subprocess.run([sys.executable, "-m", "jupyter_automl", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_command_line_on_a_cluster(private_cluster, postgres_server, postgres_url, tmp_path,
                                      capsys, monkeypatch):
    X, y = demo(300)
    X.assign(target=y).to_csv(tmp_path / "data.csv", index=False)
    common = ["run", "data.csv", "--target", "target", "--families", "linear", "--trials", "3",
              "--out", "out", "--quiet", "--no-report"]
    proc = _cli(*common, "--scheduler", private_cluster.scheduler.address,
                "--storage", postgres_url, "--study-name", "cli", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = _finished_rows(postgres_server, postgres_url, "cli")
    assert [s for _, s in rows].count("COMPLETE") == 3
    # a usage error, in this process (an unreachable scheduler: test_a_bad_address_...)
    monkeypatch.chdir(tmp_path)
    assert cli_module.main([*common, "--executor", "dask"]) == cli_module.EXIT_USAGE
    assert "--executor dask needs the scheduler's address: --scheduler tcp://host:8786" in \
        capsys.readouterr().err
