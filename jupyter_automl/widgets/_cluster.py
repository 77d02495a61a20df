"""The Search step's "where it runs": a Dask scheduler's address, checked and watched.

When the settings name a Dask cluster, a thread of its own connects to the scheduler (with the
engine's ``connect_dask``) and publishes the bridge part ``cluster`` every ``POLL_EVERY`` seconds
when it changes: connecting, connected (workers, threads, memory, dashboard link: the engine's
``dask_cluster_info``) or the error that says what to fix. The search itself connects on its own
(``AutoML(executor="dask", dask_client=address)``); this only shows a person where it will run.
"""

from __future__ import annotations

import threading
from typing import Any

from .._logging import get_logger
from ..search.executors import connect_dask, dask_cluster_info

__all__ = ["ClusterWatch", "cluster_address"]

_log = get_logger(__name__)
POLL_EVERY = 2.0  # seconds between two reads of the worker count


def cluster_address(settings: dict[str, Any]) -> str:
    """The scheduler address the settings run the search on ("" for this kernel)."""
    if settings.get("executor") != "dask":
        return ""
    return str(settings.get("dask_address") or "").strip()


class ClusterWatch:
    """Publishes the ``cluster`` part for the address the settings name; ``follow`` on each change."""

    def __init__(self, bridge: Any):
        self.bridge = bridge
        self.address = ""
        self._stop = threading.Event()

    def follow(self, settings: dict[str, Any]) -> None:
        address = cluster_address(settings)
        if address == self.address:
            return
        self.stop()
        self.address = address
        if not address:
            self.bridge.set_part("cluster", None)
            return
        self._stop = stop = threading.Event()
        threading.Thread(target=self._watch, args=(address, stop), daemon=True,
                         name="jupyter_automl-cluster").start()

    def _publish(self, stop: threading.Event, part: dict[str, Any]) -> None:
        if not stop.is_set():  # an address typed since has its own thread
            self.bridge.set_part("cluster", part)

    def _watch(self, address: str, stop: threading.Event) -> None:
        self._publish(stop, {"address": address, "state": "connecting"})
        try:
            client = connect_dask(address)
        except Exception as exc:  # unreachable, a bad address, or distributed not installed
            self._publish(stop, {"address": address, "state": "error", "error": str(exc)})
            return
        last = None
        try:
            while not stop.is_set():
                try:
                    part = dask_cluster_info(client) | {"address": address, "state": "connected"}
                except Exception as exc:  # the scheduler went away: say so, keep trying
                    part = {"address": address, "state": "error",
                            "error": f"Lost the Dask scheduler at {address}: {type(exc).__name__}: {exc}"}
                if part != last:
                    self._publish(stop, part)
                    last = part
                stop.wait(POLL_EVERY)
        finally:
            try:
                client.close(timeout=5)
            except Exception:
                _log.debug("closing the cluster watch's client failed", exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self.address = ""
