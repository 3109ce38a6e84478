"""How fast ``marsad serve`` answers under load, against a bare FastAPI endpoint in the same run.

    .venv/bin/python bench/bench_serve.py [--warehouse demo-out/marsad.duckdb]
                                          [--seconds 30] [--connections 32]

Starts ``marsad serve`` on the warehouse's releases (a subprocess on loopback) and a
bare FastAPI app answering a constant (another subprocess, another port), then runs a
bounded load loop (``--seconds`` per target, ``--connections`` concurrent connections,
httpx's AsyncClient) against, one after the other:

- a typical series query (:data:`SERIES`);
- the home page ``/fr/``;
- the constant endpoint.

Prints requests/s, p50, p99 and errors for each, and the ratios p99 series / p99
constant and p99 home / p99 constant (goal: the series within 3x; no error). Nothing
is asserted: a benchmark is read, not run by the test suite. ``--seconds 3`` is a
quick check.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SERIES = (
    "/api/v1/observations?indicator=level&flow=exports&segment=ESO&service=_T&partner=_T&freq=Q"
)
HOME = "/fr/"
CONSTANT_APP = """
import sys, uvicorn
from fastapi import FastAPI
app = FastAPI()
@app.get("/constant")
def constant():
    return {"value": "13377000000.00"}
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
"""


@dataclass
class Result:
    """One target's load run (e.g. 4,210 requests in 30 s, p99 21 ms, no error)."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def quantile(self, q: float) -> float:
        """The ``q`` quantile of latency in milliseconds (e.g. 0.99)."""
        if len(self.latencies) < 2:
            return self.latencies[0] * 1000 if self.latencies else float("nan")
        return (
            statistics.quantiles(self.latencies, n=100, method="inclusive")[round(q * 100) - 1]
            * 1000
        )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(argv: list[str]) -> subprocess.Popen:
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)


def _wait(url: str, proc: subprocess.Popen, seconds: float = 60) -> float:
    """Wait until ``url`` answers; return how long it took."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        if proc.poll() is not None:
            raise SystemExit(f"server stopped: {proc.stderr.read().decode(errors='replace')}")
        try:
            httpx.get(url, timeout=2)
            return time.perf_counter() - started
        except httpx.TransportError:
            time.sleep(0.1)
    raise SystemExit(f"no answer from {url} within {seconds:.0f} s")


async def _load(name: str, url: str, seconds: float, connections: int) -> Result:
    """``connections`` workers asking ``url`` again and again for ``seconds``."""
    result = Result(name)
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        for _ in range(3):  # warm: the release's table is read on first use
            await client.get(url)
        deadline = time.perf_counter() + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                t = time.perf_counter()
                try:
                    r = await client.get(url)
                    ok = r.status_code == 200
                except httpx.HTTPError:
                    ok = False
                if ok:
                    result.latencies.append(time.perf_counter() - t)
                else:
                    result.errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        result.seconds = time.perf_counter() - started
    return result


def _report(results: list[Result]) -> None:
    print(f"{'target':<10} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for r in results:
        print(f"{r.name:<10} {len(r.latencies):>9,} {r.rate:>8.0f} {r.quantile(0.5):>8.1f} "
              f"{r.quantile(0.99):>8.1f} {r.errors:>7,}")  # fmt: skip
    by = {r.name: r for r in results}
    constant = by["constant"].quantile(0.99)
    for name in ("series", "home"):
        ratio = by[name].quantile(0.99) / constant
        goal = "  (goal <= 3x)" if name == "series" else ""
        print(f"p99 {name} / p99 constant: {ratio:.2f}x{goal}")
    errors = sum(r.errors for r in results)
    print("no error" if not errors else f"{errors:,} errors (answers other than 200, or none)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warehouse", type=Path, default=Path("demo-out/marsad.duckdb"))
    parser.add_argument("--seconds", type=float, default=30.0, help="load time per target")
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    marsad_port, constant_port = _free_port(), _free_port()
    servers = [
        _start([sys.executable, "-m", "marsad", "serve", "--port", str(marsad_port),
                "--warehouse", str(args.warehouse)]),
        _start([sys.executable, "-c", CONSTANT_APP, str(constant_port)]),
    ]  # fmt: skip
    try:
        base = f"http://127.0.0.1:{marsad_port}"
        took = _wait(f"{base}/api/v1/openapi.json", servers[0])
        _wait(f"http://127.0.0.1:{constant_port}/constant", servers[1])
        print(f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}; "
              f"marsad serve answered {took:.1f} s after start; {args.connections} connections, "
              f"{args.seconds:.0f} s per target")  # fmt: skip
        targets = [("series", base + SERIES), ("home", base + HOME),
                   ("constant", f"http://127.0.0.1:{constant_port}/constant")]  # fmt: skip
        results = [asyncio.run(_load(n, u, args.seconds, args.connections)) for n, u in targets]
    finally:
        for proc in servers:
            proc.terminate()
            proc.wait(10)
    _report(results)


if __name__ == "__main__":
    main()
