"""``hazumi-sk serve`` under load, killed with SIGKILL partway and restarted from its journal.

Starts the real server (``hazumi-sk serve`` in a subprocess) on a free loopback port with
a two-item bundle (pooled statistics + the multitask LSTM, L+V, fitted on the synthetic
corpus), sends ``--dialogues`` concurrent dialogues x ``--exchanges`` exchanges with
:func:`hazumi_sk.serve.replay_to_server` (each exchange carries its index, so a retry after
the crash is answered without adding it twice), kills the server with SIGKILL once
``--kill-at`` of the exchanges are journaled, restarts it on the same journal while the
clients retry, and finishes. Then it reads every dialogue back and compares it with what
was acknowledged and with an in-process tracker fed the same exchanges. Prints:

- ``service_rps``: acknowledged exchanges per second of server uptime (the restart
  window excluded), ``service_p50_ms`` / ``service_p99_ms``: round trip of one exchange;
- ``errors``: answers other than the expected ones (goal 0);
- ``lost``: acknowledged exchanges missing or different after the restart (goal 0);
- ``identical``: every trajectory equals the in-process tracker's (goal yes);
- ``restart_s``, ``replayed``: time from the kill until the server answered again, and
  the exchanges it recomputed from the journal.

Loopback only; bounded in count (dialogues x exchanges) and time (``--limit-s``). A
measurement, not a test: on a shared machine it varies.

Run::

    python benchmarks/bench_serve.py --dialogues 100 --exchanges 100
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
from hazumi_sk.leaderboard import METHODS
from hazumi_sk.online import ImpressionTracker
from hazumi_sk.persistence import ModelBundle, ModelMetadata, load_bundle, save_bundle
from hazumi_sk.serve import estimate_response, replay_to_server

_SERVER_MAIN = "import sys; from hazumi_sk.cli import main; sys.exit(main(sys.argv[1:]))"


def build_model(path: Path) -> tuple[Path, list[dict[str, float]]]:
    """The bundle, and a pool of recorded exchanges (the required features) to send."""
    data = make_synthetic_hazumi(16, n_exchanges=(4, 6), random_state=0)
    X, y = to_xy(data, item="worthwhile")
    pooled = METHODS["pooled-lr"].build_pipeline("L+V", 0, tiny=True).fit(X, y)
    X2, y2 = to_xy(data, item="cold")
    lstm = METHODS["lstm-multitask"].build_pipeline("L+V", 0, tiny=True).fit(X2, y2)
    meta = ModelMetadata.from_fit(pooled, X, feature_set="L+V", linguistic="synthetic")
    save_bundle(ModelBundle({"worthwhile": pooled, "cold": lstm}, meta), path)
    names = ImpressionTracker(load_bundle(path)).required_features
    columns = [int(np.flatnonzero(X.feature_names == n)[0]) for n in names]
    rows = [{n: float(r[j]) for n, j in zip(names, columns, strict=True)} for r in X.values]
    return path, rows


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(model: Path, journal: Path, port: int, log: Path, limit_s: float):
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", _SERVER_MAIN, "serve", "--model", str(model),
             "--port", str(port), "--journal", str(journal)],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()}")
        try:
            health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            if health.status_code == 200:
                return proc, health.json()
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError("the server did not start in time")


def journaled(journal: Path) -> int:
    with sqlite3.connect(f"file:{journal}?mode=ro", uri=True, timeout=5) as db:
        return int(db.execute("SELECT COUNT(*) FROM exchanges").fetchone()[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dialogues", type=int, default=100)
    parser.add_argument("--exchanges", type=int, default=100)
    parser.add_argument("--kill-at", type=float, default=0.5,
                        help="kill once this fraction of the exchanges is journaled")  # fmt: skip
    parser.add_argument("--limit-s", type=float, default=1800, help="bound on the whole run")
    args = parser.parse_args()
    if not (0 < args.dialogues <= 1000 and 0 < args.exchanges <= 1000):
        parser.error("--dialogues and --exchanges must be in 1-1000")
    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    model, pool = build_model(folder / "model.hzm")
    dialogues = [
        (f"bench-{k:03d}", [pool[(7 * k + t) % len(pool)] for t in range(args.exchanges)])
        for k in range(args.dialogues)
    ]
    total = args.dialogues * args.exchanges
    journal, log, port = folder / "journal.sqlite", folder / "server.log", free_port()
    url = f"http://127.0.0.1:{port}"
    proc, _ = start_server(model, journal, port, log, 120)

    outcome: dict = {}

    def clients() -> None:
        outcome["result"] = replay_to_server(
            url, dialogues, concurrency=args.dialogues, retry_for=300, timeout=60
        )

    start = time.perf_counter()
    thread = threading.Thread(target=clients, daemon=True)
    thread.start()
    deadline = time.monotonic() + args.limit_s
    while journaled(journal) < args.kill_at * total and thread.is_alive():
        if time.monotonic() > deadline:
            proc.kill()
            raise SystemExit("bench_serve: --limit-s reached before the kill point")
        time.sleep(0.2)
    killed_at = journaled(journal)
    kill_time = time.perf_counter()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc, health = start_server(model, journal, port, log, 300)
    restart_s = time.perf_counter() - kill_time
    thread.join(max(1.0, deadline - time.monotonic()))
    if thread.is_alive():
        proc.kill()
        raise SystemExit("bench_serve: --limit-s reached")
    wall_s = time.perf_counter() - start
    result = outcome["result"]

    # Read everything back; compare with what was acknowledged and with an in-process tracker.
    tracker = ImpressionTracker(load_bundle(model))
    lost, identical = 0, True
    with httpx.Client(base_url=url, timeout=60) as client:
        for dialogue_id, exchanges in dialogues:
            stored = client.get(f"/v1/dialogues/{dialogue_id}").json().get("exchanges", [])
            acknowledged = result.estimates.get(dialogue_id, [])
            lost += sum(1 for i, a in enumerate(acknowledged) if i >= len(stored) or stored[i] != a)
            tracker.start(dialogue_id)
            expected = [estimate_response(tracker.update(dialogue_id, e)) for e in exchanges]
            tracker.forget(dialogue_id)
            identical &= stored == expected
    proc.terminate()
    proc.wait(30)
    acknowledged = len(result.latencies_ms)
    latencies = np.asarray(result.latencies_ms)
    print(f"dialogues: {args.dialogues} x exchanges: {args.exchanges} (loopback, killed with "
          f"SIGKILL after {killed_at} journaled exchanges)")  # fmt: skip
    print(f"service_rps: {acknowledged / (wall_s - restart_s):.1f}")
    print(f"service_p50_ms: {np.percentile(latencies, 50):.1f}")
    print(f"service_p99_ms: {np.percentile(latencies, 99):.1f}")
    print(f"errors: {len(result.errors)}")
    print(f"lost: {lost}")
    print(f"identical: {'yes' if identical and acknowledged == total else 'no'}")
    print(f"acknowledged: {acknowledged} of {total}; client retries: {result.retries}")
    print(f"restart_s: {restart_s:.1f} (replayed {health['recovered']['exchanges']} exchanges "
          f"of {health['recovered']['dialogues']} open dialogues, "
          f"{health['recovered']['mismatches']} mismatches)")  # fmt: skip
    print(f"wall_s: {wall_s:.1f}; cpu cores: {os.cpu_count()}")
    for error in result.errors[:5]:
        print(f"  error: {error}")


if __name__ == "__main__":
    main()
