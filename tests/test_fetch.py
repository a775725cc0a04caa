"""fetch_hazumi against an HTTP server on 127.0.0.1 (no other address is ever contacted)."""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import shutil
import socket
import stat
import threading
import zipfile
from pathlib import Path

import pytest

from hazumi_sk.datasets import fetch_hazumi, get_data_home
from hazumi_sk.datasets._fetch import PINNED_COMMITS

TOP = "Hazumi1902-ec71365aaaa"


def make_zip(entries: dict[str, bytes], symlinks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in (symlinks or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return buffer.getvalue()


GOOD = {
    f"{TOP}/README.md": b"readme",
    f"{TOP}/elan/1902F2001.eaf": b"<eaf/>" * 5000,
    f"{TOP}/dumpfiles/1902F2001.csv": b"a,b\r\n1,2\r\n",
}


class Server:
    """Serves ``payload`` at any path; can cut the first response short; logs requests."""

    def __init__(self, payload: bytes, cut_first_after: int | None = None):
        self.payload, self.cut_first_after, self.requests = payload, cut_first_after, []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Range")))
                body, status = outer.payload, 200
                rng = self.headers.get("Range")
                if rng:
                    start = int(rng.removeprefix("bytes=").rstrip("-"))
                    body, status = outer.payload[start:], 206
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                if status == 206:
                    total = len(outer.payload)
                    self.send_header("Content-Range", f"bytes {start}-{total - 1}/{total}")
                self.end_headers()
                if outer.cut_first_after is not None and len(outer.requests) == 1:
                    self.wfile.write(body[: outer.cut_first_after])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_download_extracts_and_caches(tmp_path):
    payload = make_zip(GOOD)
    with Server(payload) as server:
        folder = fetch_hazumi("1902", tmp_path, base_url=server.url, progress=False)
        assert folder == tmp_path / "Hazumi1902"
        assert (folder / "README.md").read_bytes() == b"readme"
        assert (folder / "dumpfiles" / "1902F2001.csv").read_bytes() == b"a,b\r\n1,2\r\n"
        assert server.requests == [(f"/Hazumi1902/archive/{PINNED_COMMITS['1902']}.zip", None)]
        again = fetch_hazumi("1902", tmp_path, base_url=server.url, progress=False)
        assert again == folder and len(server.requests) == 1  # served from the cache
    recorded = json.loads((tmp_path / "hazumi_sk_checksums.json").read_text())
    assert list(recorded.values()) == [hashlib.sha256(payload).hexdigest()]


def test_resumes_an_interrupted_download_with_range(tmp_path):
    payload = make_zip(GOOD)
    with Server(payload, cut_first_after=1000) as server:
        folder = fetch_hazumi("1902", tmp_path, base_url=server.url, progress=False)
    assert server.requests[1][1] == "bytes=1000-"
    assert (folder / "elan" / "1902F2001.eaf").read_bytes() == b"<eaf/>" * 5000


def test_expected_checksum_mismatch_raises_and_deletes(tmp_path):
    with Server(make_zip(GOOD)) as server, pytest.raises(OSError, match="Checksum mismatch"):
        fetch_hazumi("1902", tmp_path, base_url=server.url, sha256="0" * 64, progress=False)
    assert not list((tmp_path / "downloads").glob("*.zip"))
    assert not (tmp_path / "Hazumi1902").exists()


def test_expected_checksum_match(tmp_path):
    payload = make_zip(GOOD)
    digest = hashlib.sha256(payload).hexdigest()
    with Server(payload) as server:
        folder = fetch_hazumi("1902", tmp_path, base_url=server.url, sha256=digest, progress=False)
    assert (folder / "README.md").exists()


def test_recorded_checksum_is_verified_on_the_next_download(tmp_path):
    with Server(make_zip(GOOD)) as server:
        fetch_hazumi("1902", tmp_path, base_url=server.url, progress=False)
        # Wipe the cache but keep the recorded digest; the server now sends other bytes.
        shutil.rmtree(tmp_path / "Hazumi1902")
        shutil.rmtree(tmp_path / "downloads")
        server.payload = make_zip({**GOOD, f"{TOP}/README.md": b"tampered"})
        with pytest.raises(OSError, match="recorded in .*first download"):
            fetch_hazumi("1902", tmp_path, base_url=server.url, progress=False)


@pytest.mark.parametrize(
    "entries",
    [
        {f"{TOP}/../evil": b"x"},
        {"../evil": b"x"},
        {"/abs/evil": b"x"},
    ],
)
def test_malicious_paths_are_rejected(tmp_path, entries):
    home = tmp_path / "home"
    with (
        Server(make_zip({**GOOD, **entries})) as server,
        pytest.raises(OSError, match="unsafe path"),
    ):
        fetch_hazumi("1902", home, base_url=server.url, progress=False)
    assert not (tmp_path / "evil").exists() and not (home / "evil").exists()
    assert not (home / "Hazumi1902").exists()


def test_escaping_symlink_is_rejected(tmp_path):
    payload = make_zip(GOOD, symlinks={f"{TOP}/elan/link": "../../../etc/passwd"})
    with Server(payload) as server, pytest.raises(OSError, match="escapes the cache"):
        fetch_hazumi("1902", tmp_path, base_url=server.url, progress=False)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_offline_error_says_how_to_load_manually(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/x.zip"
    with pytest.raises(OSError, match=r"download the archive elsewhere.*`root`.*load_hazumi"):
        fetch_hazumi("1911", tmp_path, url=url, progress=False, timeout=5)


def test_download_if_missing_false(tmp_path):
    with pytest.raises(FileNotFoundError, match="download_if_missing=False"):
        fetch_hazumi("2010", tmp_path, download_if_missing=False)


def test_bad_version(tmp_path):
    with pytest.raises(ValueError, match="version='1712'"):
        fetch_hazumi("1712", tmp_path, download_if_missing=False)


def test_data_home_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("HAZUMI_SK_DATA", str(tmp_path / "env"))
    assert get_data_home() == tmp_path / "env"
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv("HAZUMI_SK_DATA")
    assert get_data_home() == Path("~/hazumi_sk_data").expanduser()
