"""``marsad serve`` as a user starts it: a subprocess on a port, and its refusals.

Here beside the web tests so that it uses the session's ``world`` (built once) rather
than a world of its own.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import TOKEN

PLACEHOLDER = "changeme-changeme"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MARSAD_")}
    return {**env, "NO_COLOR": "1", **extra}


def _serve(*args: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "marsad", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or _env(),
    )


def _refused(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "marsad", "serve", *args],
        capture_output=True, text=True, env=env or _env(), timeout=60,
    )  # fmt: skip


def _wait(base: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            httpx.get(f"{base}/api/v1/openapi.json", timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("marsad serve did not answer")


def test_serve_answers_on_its_port_and_says_what_it_serves(world):
    port = _free_port()
    proc = _serve("--port", str(port), "--warehouse", str(world["warehouse"]))
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(base, proc)
        listing = httpx.get(f"{base}/downloads/latest/", timeout=120)
        assert listing.status_code == 200 and listing.json()["release"]["id"] == "R2"
        releases = httpx.get(f"{base}/api/v1/releases", timeout=120)
        assert releases.status_code == 200 and "R2" in releases.text
        assert httpx.get(f"{base}/fr/", timeout=120).status_code == 200
        head = httpx.head(f"{base}/downloads/R2/indicators.csv")
        assert head.status_code == 200 and head.content == b""
        size = (world["root"] / "R2" / "indicators.csv").stat().st_size
        assert head.headers["content-length"] == str(size)
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"warehouse: {world['warehouse']}" in err
    assert f"releases: {world['root']} (2 release(s), latest R2" in err
    assert f":{port}/" in out and "Traceback" not in err


def test_admin_with_a_placeholder_token_is_refused_without_showing_it(world):
    env = _env(MARSAD_ADMIN_TOKEN=PLACEHOLDER)
    r = _refused("--admin", "--port", str(_free_port()), "--warehouse", str(world["warehouse"]),
                 env=env)  # fmt: skip
    assert r.returncode == 2
    assert r.stderr.strip().count("\n") == 0 and "placeholder" in r.stderr
    assert PLACEHOLDER not in r.stdout + r.stderr and "Traceback" not in r.stderr
    empty = _refused("--admin", "--warehouse", str(world["warehouse"]), env=_env(MARSAD_ADMIN="1"))
    assert empty.returncode == 2 and "empty" in empty.stderr


def test_a_port_in_use_is_refused_in_one_line(world):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = _refused("--port", str(port), "--warehouse", str(world["warehouse"]))
    assert r.returncode == 2 and f"port {port} is in use" in r.stderr
    assert "Traceback" not in r.stderr


def test_a_missing_warehouse_without_releases_is_refused_and_nothing_is_made(tmp_path: Path):
    wh = tmp_path / "nowhere" / "marsad.duckdb"
    r = _refused("--port", str(_free_port()), "--warehouse", str(wh))
    assert r.returncode == 2 and "no warehouse" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "nowhere").exists()


def test_admin_on_a_warehouse_in_a_missing_folder_is_refused(world, tmp_path: Path):
    """With the releases elsewhere (MARSAD_RELEASES_DIR), serve --admin on a mistyped
    --warehouse started, and the first upload made the folder and a new warehouse there."""
    wh = tmp_path / "typo" / "marsad.duckdb"
    env = _env(MARSAD_ADMIN_TOKEN=TOKEN, MARSAD_RELEASES_DIR=str(world["root"]))
    r = _refused("--admin", "--port", str(_free_port()), "--warehouse", str(wh), env=env)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip().splitlines()[-1] == (
        f"marsad: error: no folder {wh.parent} for the warehouse {wh}: create the folder "
        "first or give another path (nothing was created)"
    )
    assert not wh.parent.exists()


@pytest.mark.parametrize("port", ["0", "70000"])
def test_a_port_out_of_range_is_a_usage_error(tmp_path: Path, port: str):
    r = _refused("--port", port, "--warehouse", str(tmp_path / "marsad.duckdb"))
    assert r.returncode == 2 and "Traceback" not in r.stderr


def test_a_source_date_epoch_that_is_no_time_is_refused_at_start(world):
    """A bad SOURCE_DATE_EPOCH is the server's setting: ``serve`` started, then answered
    every download with a 400 (the user's error); it now refuses to start, in one line."""
    r = _refused("--warehouse", str(world["warehouse"]), "--port", str(_free_port()),
                 env=_env(SOURCE_DATE_EPOCH="tomorrow"))  # fmt: skip
    assert r.returncode == 2 and "SOURCE_DATE_EPOCH='tomorrow' is not a time" in r.stderr
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1
