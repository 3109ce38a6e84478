"""Progress of a long statement, polled while it runs."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

import duckdb

from marsad.engine.warehouse import Warehouse


@contextlib.contextmanager
def watch_query(wh: Warehouse, on_progress: Callable[[float], None] | None) -> Iterator[None]:
    """While the block runs a statement on ``wh``, call ``on_progress(percent)``
    (0 to 100) about five times a second."""
    if on_progress is None:
        yield
        return
    con = wh.ibis.con
    with contextlib.suppress(duckdb.Error):
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
    stop = threading.Event()

    def poll() -> None:
        while not stop.wait(0.2):
            try:
                pct = con.query_progress()
            except Exception:
                return
            if pct is not None and pct >= 0:
                on_progress(pct)

    thread = threading.Thread(target=poll, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
