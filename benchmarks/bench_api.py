"""The scoring API over real HTTP: latency one request at a time, throughput at concurrency 8.

Set-up (not timed): the simulator backfills 45 days of a bank (1,000 customers at full scale,
about 75,000 transactions) into a scratch SQLite warehouse, `fraudwatch train` makes a champion,
and `fraudwatch serve api` (uvicorn, one worker, access log off) is started in its own process
on a free loopback port. Request bodies are the warehouse's most recent transactions, so every
score uses a full 31-day history (from the API's in-memory serving state, loaded at start-up).

Client: Python's `http.client` on keep-alive connections (one per thread); it is far lighter
than httpx, but it still runs on the same cores as the server, so on a two-core machine the
client takes CPU the server would otherwise have.

Baseline in the same run, served the same way by the same process: `GET /healthz/live`, an
endpoint that does nothing. Figures:
- sequential POST /v1/score p50 / p99 latency (target p99 < 5 ms), beside the empty endpoint's;
- requests/s at concurrency 8 (8 threads) for POST /v1/score and for the empty endpoint; the
  target is score ≥ 0.8 × empty.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from common import Result

API_KEY = "bench-key"
DAYS = 45
CONCURRENCY = 8


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "fraudwatch", *args],
        env=env,
        check=True,
        text=True,
        capture_output=True,
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _bodies(url: str, n: int) -> list[bytes]:
    import sqlalchemy as sa

    from fraudwatch.schemas import TRANSACTION_SCHEMA
    from fraudwatch.warehouse import create_warehouse_engine, read_frame, tables

    staging = tables.transaction_staging
    engine = create_warehouse_engine(url)
    statement = (
        sa.select(*(staging.c[name] for name in TRANSACTION_SCHEMA.names()))
        .order_by(staging.c.transaction_timestamp.desc())
        .limit(n)
    )
    frame = read_frame(engine, statement, TRANSACTION_SCHEMA)
    engine.dispose()

    def encode(row: dict[str, Any]) -> bytes:
        values = {k: v.isoformat() if isinstance(v, date | datetime) else v for k, v in row.items()}
        return json.dumps(values).encode()

    return [encode(row) for row in frame.iter_rows(named=True)]


Request = Callable[[http.client.HTTPConnection, int], bytes]


def _requester(method: str, path: str, bodies: list[bytes] | None) -> Request:
    headers = {"X-API-Key": API_KEY, "Content-Type": "application/json"}

    def request(conn: http.client.HTTPConnection, i: int) -> bytes:
        body = bodies[i % len(bodies)] if bodies else None
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        content = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path} answered {response.status}")
        return content

    return request


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _sequential(port: int, request: Request, n: int) -> tuple[list[float], list[bytes]]:
    """Return the latencies in ms and the bodies of `n` requests one after another."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    for i in range(min(50, n)):
        request(conn, i)
    latencies, bodies = [], []
    for i in range(n):
        start = time.perf_counter()
        bodies.append(request(conn, i))
        latencies.append((time.perf_counter() - start) * 1e3)
    conn.close()
    return latencies, bodies


def _concurrent(port: int, request: Request, seconds: float) -> float:
    """Return requests/s with `CONCURRENCY` threads, each on its own keep-alive connection."""
    counts = [0] * CONCURRENCY
    stop_at = [0.0]
    ready = threading.Barrier(CONCURRENCY + 1)

    def worker(slot: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port)
        request(conn, slot)  # connect and warm up before the clock starts
        ready.wait()
        i = slot
        while time.perf_counter() < stop_at[0]:
            request(conn, i)
            counts[slot] += 1
            i += CONCURRENCY
        conn.close()

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + seconds + 1e9  # parked until every worker is connected
    ready.wait()
    start = time.perf_counter()
    stop_at[0] = start + seconds
    for thread in threads:
        thread.join()
    return sum(counts) / (time.perf_counter() - start)


def _serve(env: dict[str, str], port: int, workdir: str) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "fraudwatch", "serve", "api", "--port", str(port)],
        env=env,
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(process.communicate()[1].decode())
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the API did not become ready")


def run(scale: float) -> list[Result]:
    """Measure the API's latency and throughput against an empty endpoint in the same process."""
    customers = max(200, round(1_000 * scale))
    n = max(200, round(1_000 * scale))
    seconds = max(3.0, 8.0 * scale)
    with tempfile.TemporaryDirectory(prefix="fwbench-api-") as workdir:
        url = f"sqlite:///{Path(workdir) / 'bench.db'}"
        env = {
            **os.environ,
            "FRAUDWATCH_DATABASE_URL": url,
            "FRAUDWATCH_MODEL_DIR": str(Path(workdir) / "models"),
            "FRAUDWATCH_API_KEY": API_KEY,
        }
        _cli(env, "init")
        _cli(env, "simulate", "backfill", "--days", str(DAYS), "--customers", str(customers))
        _cli(env, "train")
        bodies = _bodies(url, 500)
        port = _free_port()
        server = _serve(env, port, workdir)
        try:
            score = _requester("POST", "/v1/score", bodies)
            empty = _requester("GET", "/healthz/live", None)
            empty_p50, empty_p99 = _percentiles(_sequential(port, empty, n)[0])
            latencies, answers = _sequential(port, score, n)
            score_p50, score_p99 = _percentiles(latencies)
            # the scoring call's own time (inputs from memory, features, model), as the server
            # reports it in each verdict's latency_ms
            inner_p50, inner_p99 = _percentiles([json.loads(a)["latency_ms"] for a in answers])
            empty_rps = _concurrent(port, empty, seconds)
            score_rps = _concurrent(port, score, seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
    cores = os.cpu_count()
    print(
        f"    {customers} customers, {DAYS} days; {n} sequential requests; {seconds:.0f} s at "
        f"concurrency {CONCURRENCY}; client http.client keep-alive on the same {cores} cores",
        flush=True,
    )
    return [
        Result(
            "API POST /v1/score sequential p50",
            score_p50,
            "ms",
            "",
            empty_p50,
            "empty endpoint p50",
        ),
        Result(
            "API POST /v1/score sequential p99",
            score_p99,
            "ms",
            "< 5 ms",
            empty_p99,
            "empty endpoint p99",
        ),
        Result("  of which scoring (server latency_ms) p50", inner_p50, "ms"),
        Result("  of which scoring (server latency_ms) p99", inner_p99, "ms"),
        Result(
            f"API POST /v1/score concurrency {CONCURRENCY}",
            score_rps,
            "req/s",
            ">= 0.8x empty",
            empty_rps,
            "empty endpoint req/s",
        ),
    ]


if __name__ == "__main__":
    for result in run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0):
        baseline = f" | {result.baseline_name} {result.baseline:,.2f}" if result.baseline else ""
        ratio = f" | ratio {result.ratio:.3f}" if result.ratio else ""
        print(f"{result.name}: {result.value:,.2f} {result.unit}{baseline}{ratio}")
