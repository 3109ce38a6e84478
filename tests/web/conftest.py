"""A small world for the web tests: two releases of synthetic data, and the app over them.

``R1`` (dated 2025-10-15) is the first build; then one record of March 2024 is
corrected (its amount tripled), the warehouse rebuilt and ``R2`` (2025-11-15) made, so
the archive has a revision to show. Built once per test session (about a minute).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support import correction, run

DATES = {"R1": "2025-10-15", "R2": "2025-11-15"}
TOKEN = "test-Zq7!k9-Lm3Rt8-Wx2vB5"


@pytest.fixture(scope="session")
def world(tmp_path_factory) -> dict:
    """``{"warehouse": Path, "root": Path, "data": Path}`` with releases R1 and R2."""
    base = tmp_path_factory.mktemp("web")
    data, wh = base / "data", base / "w" / "marsad.duckdb"
    w = ("--warehouse", str(wh))
    wh.parent.mkdir()  # ingest makes the warehouse file, never its folder
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("MARSAD_RELEASES_DIR", raising=False)
        run("synth", "--out", str(data), "--rows-per-year", "1000")
        for kind in ("firms", "rates", "employment"):
            run("ingest", "--kind", kind, str(data / f"{kind}.csv"), *w)
        run("ingest", "--kind", "transactions", *sorted(map(str, data.glob("transactions/*"))), *w)
        run("build", *w)
        run("release", "create", "--id", "R1", "--date", DATES["R1"], "--note", "first", *w)
        run("ingest", "--kind", "transactions", str(correction(data, base / "fix.csv")), *w)
        run("build", *w)
        run(
            "release",
            "create",
            "--id",
            "R2",
            "--date",
            DATES["R2"],
            "--note",
            "March 2024 corrected",
            *w,
        )
    return {"warehouse": wh, "root": wh.parent / "releases", "data": data}


@pytest.fixture(scope="session")
def web_app(world):
    """The app over the world's releases, admin enabled with :data:`TOKEN`."""
    from marsad.web.app import create_app

    return create_app(world["warehouse"], root=world["root"], admin_token=TOKEN)


@pytest.fixture(scope="session")
def client(web_app) -> Iterator[TestClient]:
    with TestClient(web_app) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(web_app) -> Iterator[str]:
    """The app served by uvicorn on loopback, in a thread; yields its base URL."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(web_app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
