"""``hazumi-sk serve``: the real server (uvicorn in a subprocess) on loopback, its JSON API
with known answers (an in-process tracker fed the same exchanges), every bad request with
its status and words, the journal surviving SIGKILL, the token, and the live page in
headless Chromium."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")
httpx = pytest.importorskip("httpx")

from hazumi_sk.cli import main  # noqa: E402
from hazumi_sk.datasets import to_xy  # noqa: E402
from hazumi_sk.leaderboard import METHODS  # noqa: E402
from hazumi_sk.online import ImpressionTracker  # noqa: E402
from hazumi_sk.persistence import ModelBundle, ModelMetadata, load_bundle, save_bundle  # noqa: E402
from hazumi_sk.reproduction import demo_dataset  # noqa: E402
from hazumi_sk.serve import (  # noqa: E402
    DialogueService,
    Journal,
    ServiceError,
    estimate_response,
    replay_to_server,
)

#: Bounds on waiting for the server (not timings under test).
START_TIMEOUT_S = 180
_SERVER_MAIN = "import sys; from hazumi_sk.cli import main; sys.exit(main(sys.argv[1:]))"


# --------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def corpus():
    """The tiny synthetic corpus of ``--synthetic --tiny`` (22 dialogues of 10-14 exchanges)."""
    return demo_dataset(True, 0)


@pytest.fixture(scope="module")
def model_file(corpus, tmp_path_factory):
    """A bundle of two items: pooled statistics (worthwhile) and the multitask LSTM (cold)."""
    X, y = to_xy(corpus, item="worthwhile")
    pooled = METHODS["pooled-lr"].build_pipeline("L+V", 0, tiny=True).fit(X, y)
    X2, y2 = to_xy(corpus, item="cold")
    lstm = METHODS["lstm-multitask"].build_pipeline("L+V", 0, tiny=True).fit(X2, y2)
    metadata = ModelMetadata.from_fit(pooled, X, feature_set="L+V", linguistic="synthetic")
    path = tmp_path_factory.mktemp("serve") / "model.hzm"
    return save_bundle(ModelBundle({"worthwhile": pooled, "cold": lstm}, metadata), path)


@pytest.fixture(scope="module")
def bundle(model_file):
    return load_bundle(model_file)


@pytest.fixture(scope="module")
def recorded(corpus, bundle):
    """Each synthetic dialogue's exchanges as a live system sends them (required features)."""
    X, _ = to_xy(corpus, item="worthwhile")
    names = ImpressionTracker(bundle).required_features
    columns = [int(np.flatnonzero(X.feature_names == n)[0]) for n in names]
    return [
        [{n: float(row[j]) for n, j in zip(names, columns, strict=True)} for row in X.sequence(i)]
        for i in range(X.n_dialogues)
    ]


def expected_answers(bundle, dialogue_id, exchanges):
    """What the service must answer: an in-process tracker fed the same exchanges."""
    tracker = ImpressionTracker(bundle)
    tracker.start(dialogue_id)
    return [estimate_response(tracker.update(dialogue_id, e)) for e in exchanges]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``hazumi-sk serve`` in a subprocess on a free loopback port."""

    def __init__(self, model, journal, token=None):
        self.model, self.journal, self.token = model, journal, token
        self.log = Path(journal).with_suffix(".log")
        self.proc = None

    def start(self) -> Server:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = ["serve", "--model", str(self.model), "--port", str(self.port),
                "--journal", str(self.journal)]  # fmt: skip
        if self.token:
            argv += ["--token", self.token]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-c", _SERVER_MAIN, *argv], stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.log.read_text()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"server did not start: {self.log.read_text()}")

    def client(self, token=None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, timeout=30, headers=headers)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)


@pytest.fixture(scope="module")
def server(model_file, tmp_path_factory):
    running = Server(model_file, tmp_path_factory.mktemp("journal") / "main.sqlite").start()
    yield running
    running.stop()


@pytest.fixture
def client(server):
    with server.client() as c:
        yield c


def new_dialogue(client, dialogue_id):
    response = client.post("/v1/dialogues", json={"dialogue_id": dialogue_id})
    assert response.status_code == 201, response.text
    return dialogue_id


def send(client, dialogue_id, features, **extra):
    return client.post(
        f"/v1/dialogues/{dialogue_id}/exchanges", json={"features": features, **extra}
    )


def check_error(response, status, field, *words):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert body["field"] == field
    for word in words:
        assert word in body["detail"], body["detail"]


# ------------------------------------------------------------------------ the API
def test_import_hazumi_sk_does_not_import_fastapi():
    code = (
        "import sys, hazumi_sk, hazumi_sk.cli, hazumi_sk.online, hazumi_sk.serve; "
        "print(sorted(m for m in ('fastapi', 'uvicorn', 'starlette') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_model_and_healthz(client, bundle):
    tracker = ImpressionTracker(bundle)
    model = client.get("/v1/model").json()
    assert model["items"] == ["worthwhile", "cold"]
    assert model["feature_names"] == list(tracker.feature_names)
    assert model["required_features"] == list(tracker.required_features)
    assert model["feature_set"] == "L+V"
    assert model["linguistic"] == "synthetic"
    assert model["hazumi_sk_version"] == bundle.metadata.hazumi_sk_version
    assert client.get("/healthz").json()["status"] == "ok"
    assert client.get("/openapi.json").json()["paths"]["/v1/dialogues/{dialogue_id}/exchanges"]


def test_docs_page_is_served_without_any_network(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert 'src="/docs/swagger-ui-bundle.js"' in page.text and "/openapi.json" in page.text
    assert "http" not in page.text.split("<body>")[1].split("SwaggerUIBundle(")[0]
    assert "cdn" not in page.text.lower()
    script = client.get("/docs/swagger-ui-bundle.js")
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    assert script.headers["content-type"].startswith("text/javascript")
    assert client.get("/docs/swagger-ui.css").headers["content-type"].startswith("text/css")
    check_error(client.get("/docs/secrets.txt"), 404, "asset", "No docs asset")


def test_a_dialogue_end_to_end_equals_the_in_process_tracker(client, bundle, recorded):
    exchanges = recorded[0]
    expected = expected_answers(bundle, "api-1", exchanges)
    assert client.post("/v1/dialogues", json={"dialogue_id": "api-1"}).json() == {
        "dialogue_id": "api-1"
    }
    answers = [send(client, "api-1", e) for e in exchanges]
    assert [a.status_code for a in answers] == [200] * len(exchanges)
    assert [a.json() for a in answers] == expected
    assert expected[-1]["exchange_sentiment_proba_high"] is not None  # the LSTM's exchange head
    assert set(expected[-1]["items"]) == {"worthwhile", "cold"}
    state = client.get("/v1/dialogues/api-1").json()
    assert state == {"dialogue_id": "api-1", "ended": False, "exchanges": expected}
    listed = client.get("/v1/dialogues", params={"open_only": True}).json()["dialogues"]
    assert {"dialogue_id": "api-1", "ended": False, "n_exchanges": len(exchanges)} in listed

    ended = client.delete("/v1/dialogues/api-1")
    assert ended.json() == {"dialogue_id": "api-1", "ended": True, "n_exchanges": len(exchanges)}
    assert client.get("/v1/dialogues/api-1").json() == {
        "dialogue_id": "api-1", "ended": True, "exchanges": expected
    }  # fmt: skip
    check_error(send(client, "api-1", exchanges[0]), 409, "dialogue_id", "has ended")
    check_error(client.delete("/v1/dialogues/api-1"), 409, "dialogue_id", "already ended")
    listed = client.get("/v1/dialogues", params={"open_only": True}).json()["dialogues"]
    assert "api-1" not in [d["dialogue_id"] for d in listed]


def test_new_ids_and_duplicates(client):
    first = client.post("/v1/dialogues")
    second = client.post("/v1/dialogues", json={})
    assert first.status_code == second.status_code == 201
    assert len({first.json()["dialogue_id"], second.json()["dialogue_id"]}) == 2
    new_dialogue(client, "dup-1")
    check_error(
        client.post("/v1/dialogues", json={"dialogue_id": "dup-1"}), 409, "dialogue_id",
        "'dup-1' already exists",
    )  # fmt: skip
    check_error(
        client.post("/v1/dialogues", json={"dialogue_id": "a b"}), 422, "dialogue_id", "'a b'"
    )
    check_error(client.post("/v1/dialogues", json={"dialogue_id": 7}), 422, "dialogue_id", "7")
    check_error(client.post("/v1/dialogues", json={"id": "x"}), 422, "id", "Unknown field 'id'")


def bad_requests(exchange):
    """(name, raw body, status, field, words): each bad exchange request."""
    name = next(iter(exchange))
    raw = json.dumps
    missing = {k: v for k, v in exchange.items() if k != name}
    return [
        ("unknown feature", raw({"features": {**exchange, "nope": 1.0}}), 422, "features.nope",
         ["Unknown feature 'nope'"]),
        ("missing feature", raw({"features": missing}), 422, f"features.{name}",
         [f"Missing feature '{name}'"]),
        ("NaN", raw({"features": {**exchange, name: float("nan")}}), 422, f"features.{name}",
         [f"Feature '{name}' is nan", "finite"]),
        ("Infinity", raw({"features": {**exchange, name: float("inf")}}), 422,
         f"features.{name}", ["is inf"]),
        ("string", raw({"features": {**exchange, name: "0.5"}}), 422, f"features.{name}",
         ["must be a number, got str '0.5'"]),
        ("boolean", raw({"features": {**exchange, name: True}}), 422, f"features.{name}",
         ["must be a number, got bool"]),
        ("overflowing value", raw({"features": {**exchange, name: 1e308}}), 422,
         f"features.{name}", ["non-finite estimate", f"the largest is '{name}' = 1e+308"]),
        ("huge integer", raw({"features": {**exchange, name: 10**400}}), 422,
         f"features.{name}", ["integer of 401 digits"]),
        ("broken JSON", raw({"features": exchange})[:-5], 400, "body", ["not valid JSON"]),
        ("empty body", "", 400, "body", ["empty"]),
        ("array body", "[1, 2]", 422, "body", ["JSON object, got an array"]),
        ("no features", raw({"text": "hello"}), 422, "features", ["Missing field 'features'"]),
        ("features not an object", raw({"features": [1.0]}), 422, "features",
         ["got an array"]),
        ("unknown field", raw({"features": exchange, "speed": 2}), 422, "speed",
         ["Unknown field 'speed'"]),
        ("reserved name", raw({"features": {**exchange, "text": 1.0}}), 422, "features.text",
         ["not a feature name"]),
        ("self-report out of range", raw({"features": exchange, "self_report": 9}), 422,
         "self_report", ["[1, 7]", "got 9"]),
        ("negative exchange", raw({"features": exchange, "exchange": -1}), 422, "exchange",
         ["non-negative integer"]),
        ("text without an encoder", raw({"features": exchange, "text": "hi"}), 422, "text",
         ["text"]),
        ("oversized body", raw({"features": exchange, "pad": "x" * (1 << 20)}), 413, "body",
         ["limit is 1048576"]),
    ]  # fmt: skip


def test_bad_requests_are_4xx_naming_the_field_and_change_nothing(client, bundle, recorded):
    exchanges = recorded[1]
    expected = expected_answers(bundle, "bad-1", exchanges)
    new_dialogue(client, "bad-1")
    assert send(client, "bad-1", exchanges[0]).json() == expected[0]
    cases = bad_requests(exchanges[1])
    for what, raw, status, field, words in cases:
        response = client.post(
            "/v1/dialogues/bad-1/exchanges",
            content=raw.encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            check_error(response, status, field, *words)
        except AssertionError as error:
            raise AssertionError(f"{what}: {error}") from error
        assert len(client.get("/v1/dialogues/bad-1").json()["exchanges"]) == 1, what
    # Nothing was half-applied: the next exchanges get the answers of a clean dialogue.
    answers = [send(client, "bad-1", e).json() for e in exchanges[1:]]
    assert answers == expected[1:]
    check_error(send(client, "nobody", exchanges[0]), 404, "dialogue_id", "Unknown dialogue")
    check_error(client.get("/v1/dialogues/nobody"), 404, "dialogue_id", "'nobody'")
    check_error(client.delete("/v1/dialogues/nobody"), 404, "dialogue_id", "start it first")
    check_error(client.get("/v1/nothing-here"), 404, None, "Not Found")
    check_error(client.get("/v1/dialogues", params={"open_only": "maybe"}), 422, "open_only")


def test_retry_with_the_exchange_index_is_idempotent(client, bundle, recorded):
    exchanges = recorded[2]
    expected = expected_answers(bundle, "idem-1", exchanges)
    new_dialogue(client, "idem-1")
    first = send(client, "idem-1", exchanges[0], exchange=0).json()
    again = send(client, "idem-1", exchanges[0], exchange=0).json()
    assert first == again == expected[0]
    assert len(client.get("/v1/dialogues/idem-1").json()["exchanges"]) == 1
    check_error(send(client, "idem-1", exchanges[1], exchange=0), 409, "exchange", "other values")
    check_error(
        send(client, "idem-1", exchanges[1], exchange=3), 409, "exchange", "send exchange 1"
    )
    assert send(client, "idem-1", exchanges[1], exchange=1).json() == expected[1]


def read_events(response, stop_after):
    """(event, data) pairs of a Server-Sent Events response until ``stop_after`` returns True."""
    events, kind = [], None
    for line in response.iter_lines():
        if line.startswith("event: "):
            kind = line[7:]
        elif line.startswith("data: "):
            events.append((kind, json.loads(line[6:])))
            if stop_after(events):
                break
    return events


def test_event_stream_replays_then_pushes_then_closes(server, client, bundle, recorded):
    exchanges = recorded[3][:4]
    expected = expected_answers(bundle, "sse-1", exchanges)
    new_dialogue(client, "sse-1")
    send(client, "sse-1", exchanges[0])
    events: list = []
    connected = threading.Event()

    def listen():
        with server.client() as c, c.stream("GET", "/v1/dialogues/sse-1/events") as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            lines = response.iter_lines()
            assert next(lines) == ": connected"
            connected.set()
            kind = None
            for line in lines:
                if line.startswith("event: "):
                    kind = line[7:]
                elif line.startswith("data: "):
                    events.append((kind, json.loads(line[6:])))
                    if kind == "ended":
                        return

    thread = threading.Thread(target=listen, daemon=True)
    thread.start()
    assert connected.wait(30)
    for e in exchanges[1:]:
        send(client, "sse-1", e)
    client.delete("/v1/dialogues/sse-1")
    thread.join(30)
    assert not thread.is_alive()
    assert events == [("estimate", a) for a in expected] + [
        ("ended", {"dialogue_id": "sse-1", "ended": True, "n_exchanges": len(exchanges)})
    ]
    # Connecting after the end replays the estimates (after Last-Event-ID) and closes.
    with client.stream(
        "GET", "/v1/dialogues/sse-1/events", headers={"Last-Event-ID": "1"}
    ) as response:
        late = read_events(response, lambda ev: ev[-1][0] == "ended")
    assert late == [("estimate", a) for a in expected[2:]] + [
        ("ended", {"dialogue_id": "sse-1", "ended": True, "n_exchanges": len(exchanges)})
    ]
    check_error(client.get("/v1/dialogues/nobody/events"), 404, "dialogue_id", "'nobody'")


def test_replay_to_server_equals_the_in_process_tracker(server, bundle, recorded):
    dialogues = [(f"replay-{i}", recorded[4 + i]) for i in range(3)]
    result = replay_to_server(server.url, dialogues, concurrency=3)
    assert result.errors == []
    assert result.retries == 0
    for dialogue_id, exchanges in dialogues:
        assert result.estimates[dialogue_id] == expected_answers(bundle, dialogue_id, exchanges)
    assert len(result.latencies_ms) == sum(len(e) for _, e in dialogues)
    with server.client() as c:
        assert c.get("/v1/dialogues/replay-0").json()["ended"] is True
    again = replay_to_server(server.url, dialogues[:1])
    assert again.errors and "409" in again.errors[0] and "already exists" in again.errors[0]


# ------------------------------------------------------------------- durability
def test_sigkill_then_restart_resumes_every_dialogue_identically(model_file, bundle, recorded,
                                                                 tmp_path):  # fmt: skip
    """Killed mid-run, restarted on its journal (now behind a token): nothing lost."""
    long_dialogue = [e for d in recorded[:4] for e in d][:36]  # crosses a tracker snapshot (32)
    plan = {"k-long": long_dialogue, "k-open": recorded[8], "k-ended": recorded[9]}
    expected = {d: expected_answers(bundle, d, ex) for d, ex in plan.items()}
    cut = {"k-long": 34, "k-open": 2, "k-ended": len(recorded[9])}
    server = Server(model_file, tmp_path / "journal.sqlite").start()
    try:
        with server.client() as c:
            for d, ex in plan.items():
                new_dialogue(c, d)
                acknowledged = [send(c, d, e).json() for e in ex[: cut[d]]]
                assert acknowledged == expected[d][: cut[d]]
            c.delete("/v1/dialogues/k-ended")
        server.kill()
        assert server.proc.returncode == -signal.SIGKILL
        server.token = "s3cret"  # the restart also serves the token test below
        server.start()
        with server.client("s3cret") as c:
            health = c.get("/healthz").json()
            assert health["recovered"] == {"dialogues": 2, "exchanges": 2 + 2, "mismatches": 0}
            for d in plan:
                state = c.get(f"/v1/dialogues/{d}").json()
                assert state["exchanges"] == expected[d][: cut[d]], d
                assert state["ended"] is (d == "k-ended")
            for d in ("k-long", "k-open"):
                rest = [send(c, d, e).json() for e in plan[d][cut[d] :]]
                assert rest == expected[d][cut[d] :], d
            check_error(send(c, "k-ended", recorded[0][0]), 409, "dialogue_id", "has ended")
            check_error(
                c.post("/v1/dialogues", json={"dialogue_id": "k-ended"}), 409, "dialogue_id"
            )
        check_token(server)
    finally:
        server.stop()


def check_token(server: Server) -> None:
    """Every route but /healthz needs the bearer token (or ?token= from a browser)."""
    with server.client() as anonymous, server.client("wrong") as wrong:
        assert anonymous.get("/healthz").status_code == 200
        for path in ("/v1/model", "/v1/dialogues", "/", "/openapi.json", "/v1/dialogues/k-open",
                     "/docs", "/docs/swagger-ui-bundle.js"):  # fmt: skip
            check_error(anonymous.get(path), 401, "authorization", "Bearer")
            check_error(wrong.get(path), 401, "authorization", "token")
        check_error(anonymous.post("/v1/dialogues"), 401, "authorization")
        check_error(send(anonymous, "k-open", {}), 401, "authorization")
    with server.client("s3cret") as c:
        assert c.get("/v1/model").status_code == 200
        assert c.post("/v1/dialogues", json={"dialogue_id": "t-1"}).status_code == 201
    page = httpx.get(server.url + "/", params={"token": "s3cret"})
    assert page.status_code == 200 and "hazumi-sk live" in page.text
    model = httpx.get(server.url + "/v1/model", params={"token": "s3cret"})
    assert model.json()["items"] == ["worthwhile", "cold"]


def test_a_failed_journal_write_is_a_503_and_changes_nothing(bundle, recorded, monkeypatch):
    import sqlite3

    service = DialogueService(bundle, snapshot_every=2)
    expected = expected_answers(bundle, "j-1", recorded[0])
    service.start({"dialogue_id": "j-1"})
    assert service.add_exchange("j-1", {"features": recorded[0][0]}) == expected[0]

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    with monkeypatch.context() as m:
        m.setattr(service.journal, "append", broken)
        with pytest.raises(ServiceError, match="journal could not be written") as error:
            service.add_exchange("j-1", {"features": recorded[0][1]})
    assert error.value.status == 503
    answers = [service.add_exchange("j-1", {"features": e}) for e in recorded[0][1:]]
    assert answers == expected[1:]
    assert service.dialogue("j-1")["exchanges"] == expected


def test_a_journal_of_another_model_is_refused(bundle, tmp_path):
    Journal(tmp_path / "j.sqlite", model_id="model-a").close()
    with pytest.raises(Exception, match="written for another model"):
        DialogueService(bundle, Journal(tmp_path / "j.sqlite", model_id="model-b"))


# ------------------------------------------------------------------ start-up and token
def test_a_file_that_is_not_a_bundle_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.hzm"
    bad.write_bytes(b"not a zip at all")
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--model", str(bad), "--journal", str(tmp_path / "j.sqlite")])
    assert exit_.value.code == 2
    assert "hazumi-sk serve: error: --model:" in capsys.readouterr().err


def test_a_bundle_the_tracker_cannot_follow_exits_2(tmp_path, capsys):
    from sklearn.linear_model import LogisticRegression

    plain = LogisticRegression().fit(np.array([[0.0], [1.0], [2.0], [3.0]]), [0, 0, 1, 1])
    path = save_bundle(ModelBundle({"worthwhile": plain}), tmp_path / "plain.hzm")
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--model", str(path), "--journal", str(tmp_path / "j.sqlite")])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "--model: Model file" in err and "cannot be tracked live" in err
    assert "feature_names_in_" in err


def test_a_non_loopback_host_needs_a_token(tmp_path, capsys, model_file):
    with pytest.raises(SystemExit) as exit_:
        main(["serve", "--model", str(model_file), "--host", "0.0.0.0"])
    assert exit_.value.code == 2
    assert "--host 0.0.0.0 is reachable from other machines: give --token" in (
        capsys.readouterr().err
    )


# ------------------------------------------------------------------------- the page
def _chromium() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def _count_markers(png: bytes, color: str) -> int:
    """Connected blobs of exactly ``color`` in a screenshot: the drawn markers of one series."""
    from matplotlib.image import imread
    from scipy.ndimage import label

    pixels = (imread(io.BytesIO(png), format="png")[..., :3] * 255).round()
    rgb = np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)])
    mask = np.all(np.abs(pixels - rgb) <= 2, axis=-1)
    return int(label(mask)[1])


def test_live_page_draws_each_exchange_in_headless_chromium(server, client, bundle, recorded):
    found = _chromium()
    if found is None:
        pytest.skip("Chromium absent: apt-get install -y chromium chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    profile = tempfile.mkdtemp(prefix="hazumi-chromium-")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", "--window-size=1200,1000",
                 "--force-device-scale-factor=1", f"--user-data-dir={profile}"):  # fmt: skip
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path=driver_path)
    browser_ = webdriver.Chrome(options=options, service=service)
    try:
        *exchanges, extra = (recorded[10] + recorded[11])[:6]
        new_dialogue(client, "page-1")
        send(client, "page-1", exchanges[0])  # before the page: comes in the snapshot
        browser_.get(server.url + "/")
        wait = WebDriverWait(browser_, 60)
        wait.until(lambda b: b.execute_script("return window.hazumiLive && hazumiLive.connected"))
        for e in exchanges[1:]:  # after: pushed as events
            send(client, "page-1", e)
        card = '[data-dialogue-id="page-1"]'
        wait.until(lambda b: b.find_element(By.CSS_SELECTOR, card).get_attribute(
            "data-exchanges") == str(len(exchanges)))  # fmt: skip
        section = browser_.find_element(By.CSS_SELECTOR, card)
        for item in ("worthwhile", "cold", "exchange sentiment"):
            points = section.find_elements(By.CSS_SELECTOR, f'circle.pt[data-series="{item}"]')
            assert len(points) == len(exchanges), item
        assert f"page-1 — {len(exchanges)} exchanges" in section.text
        last = send(client, "page-1", extra).json()  # one more, then read the table
        wait.until(lambda b: b.find_element(By.CSS_SELECTOR, card).get_attribute(
            "data-exchanges") == str(len(exchanges) + 1))  # fmt: skip
        section = browser_.find_element(By.CSS_SELECTOR, card)
        assert f"{last['items']['cold']['proba_high']:.2f}" in section.text
        plot = section.find_element(By.CSS_SELECTOR, "svg")
        browser_.execute_script("arguments[0].scrollIntoView({block: 'center'})", plot)
        png = plot.screenshot_as_png  # other tests' open dialogues may push it below the fold
        Path(os.environ.get("HAZUMI_SCREENSHOT", tempfile.gettempdir())).joinpath(
            "hazumi-live-page.png").write_bytes(png)  # fmt: skip
        # The first item's markers are drawn on top in #1f77b4: one blob per exchange.
        assert _count_markers(png, "#1f77b4") == len(exchanges) + 1
        client.delete("/v1/dialogues/page-1")
        wait.until(lambda b: not b.find_elements(By.CSS_SELECTOR, card))
        console = [e for e in browser_.get_log("browser") if e["level"] == "SEVERE"]
        assert console == []
    finally:
        browser_.quit()
        shutil.rmtree(profile, ignore_errors=True)


def test_replay_command_with_url_equals_the_in_process_replay(server, model_file, tmp_path, capsys):
    base = ["replay", "--synthetic", "--tiny", "--model", str(model_file),
            "--dialogues", "syn002", "syn003"]  # fmt: skip
    assert main([*base, "--out", str(tmp_path / "local.csv")]) == 0
    assert main([*base, "--url", server.url, "--out", str(tmp_path / "served.csv")]) == 0
    printed = capsys.readouterr().out
    assert f"Replayed 2 dialogue(s) to {server.url}" in printed
    local, served = pd.read_csv(tmp_path / "local.csv"), pd.read_csv(tmp_path / "served.csv")
    pd.testing.assert_frame_equal(served, local)
    assert list(served["dialogue_id"].unique()) == ["syn002", "syn003"]
    assert (tmp_path / "served_syn002.png").is_file()
    with server.client() as c:
        assert c.get("/v1/dialogues/syn002").json()["ended"] is True
    with pytest.raises(SystemExit) as exit_:  # the dialogues exist now: refused, not doubled
        main([*base, "--url", server.url, "--out", str(tmp_path / "again.csv")])
    assert exit_.value.code == 2
    assert "--url: 2 request(s) failed" in capsys.readouterr().err


def test_replay_at_the_recorded_pace_takes_the_recorded_time(server, model_file, tmp_path):
    import time

    from hazumi_sk.datasets import to_xy
    from hazumi_sk.online import recorded_times
    from hazumi_sk.reproduction import demo_dataset

    data = demo_dataset(True, 0)
    X, _ = to_xy(data, item="worthwhile")
    # syn004's exchanges ended over tens of seconds; at 200x they take a fraction of one.
    expected = recorded_times(data, X, "syn004", speed=200.0)[-1]
    argv = ["replay", "--synthetic", "--tiny", "--model", str(model_file), "--dialogues",
            "syn004", "--url", server.url, "--pace", "recorded", "--speed", "200",
            "--out", str(tmp_path / "paced.csv")]  # fmt: skip
    start = time.perf_counter()
    assert main(argv) == 0
    assert time.perf_counter() - start >= expected > 0.05


def test_a_snapshot_that_cannot_be_restored_falls_back_to_replaying(bundle, recorded, tmp_path):
    import sqlite3

    path, exchanges = tmp_path / "j.sqlite", recorded[0][:5]
    expected = expected_answers(bundle, "snap-1", exchanges)
    first = DialogueService(bundle, Journal(path, model_id="m"), snapshot_every=2)
    first.start({"dialogue_id": "snap-1"})
    assert [first.add_exchange("snap-1", {"features": e}) for e in exchanges[:3]] == expected[:3]
    assert first.journal.snapshot("snap-1")[0] == 1  # the state after exchange 1
    first.journal.close()
    resumed = DialogueService(bundle, Journal(path, model_id="m"), snapshot_every=2)
    assert resumed.recovered == {"dialogues": 1, "exchanges": 1, "mismatches": 0}
    resumed.journal.close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE snapshots SET state = '{\"version\": 99}'")
    replayed = DialogueService(bundle, Journal(path, model_id="m"), snapshot_every=2)
    assert replayed.recovered == {"dialogues": 1, "exchanges": 3, "mismatches": 0}
    assert [replayed.add_exchange("snap-1", {"features": e}) for e in exchanges[3:]] == (
        expected[3:]
    )
    assert replayed.dialogue("snap-1")["exchanges"] == expected
