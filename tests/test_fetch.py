"""fetch_hazumi against an HTTP server on 127.0.0.1 (no other address is ever contacted).

Each failure mode of the cache has one test with a known answer: the error type (or
warning) and the words that must appear, and what is left on disk afterwards.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import json
import shutil
import socket
import stat
import struct
import threading
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hazumi_sk.datasets import fetch_hazumi, get_data_home
from hazumi_sk.datasets._fetch import PINNED_COMMITS, _Limits, _plan, _RejectedArchive

TOP = "Hazumi1902-ec71365aaaa"
ARCHIVE_PATH = f"/Hazumi1902/archive/{PINNED_COMMITS['1902']}.zip"


def make_zip(
    entries: dict[str, bytes] | list[tuple[str, bytes]],
    symlinks: dict[str, str] | None = None,
    mode: int | None = None,
    compression: int = zipfile.ZIP_STORED,
) -> bytes:
    """A zip of ``entries`` (a list may repeat names); ``mode`` sets every member's st_mode."""
    buffer = io.BytesIO()
    items = entries.items() if isinstance(entries, dict) else entries
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", compression) as archive:
        warnings.simplefilter("ignore")  # zipfile warns about the duplicates we craft
        for name, data in items:
            info = zipfile.ZipInfo(name)
            info.compress_type = compression
            if mode is not None:
                info.external_attr = mode << 16
            archive.writestr(info, data)
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


def send(handler, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    handler.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    handler.wfile.write(body)


class Server:
    """Serves ``payload`` at any path with Range support; logs ``(path, Range)`` requests.

    ``cut_first_after`` cuts the first response short (``cut_all`` every response);
    ``respond(handler, n)`` replaces the answer to request ``n`` (0-based) when it returns
    ``True``.
    """

    def __init__(self, payload: bytes, cut_first_after=None, cut_all=False, respond=None):
        self.payload, self.requests = payload, []
        self.cut_first_after, self.cut_all, self.respond = cut_first_after, cut_all, respond
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output quiet
                pass

            def do_GET(self):
                outer.requests.append((self.path, self.headers.get("Range")))
                if outer.respond and outer.respond(self, len(outer.requests) - 1):
                    return
                outer.serve(self)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def serve(self, handler) -> None:
        body, status, headers, total = self.payload, 200, {}, len(self.payload)
        rng = handler.headers.get("Range")
        if rng:
            start = int(rng.removeprefix("bytes=").rstrip("-"))
            if start >= total:
                return send(handler, 416, b"", {"Content-Range": f"bytes */{total}"})
            body, status = self.payload[start:], 206
            headers = {"Content-Range": f"bytes {start}-{total - 1}/{total}"}
        handler.send_response(status)
        handler.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            handler.send_header(key, value)
        handler.end_headers()
        if self.cut_all or (self.cut_first_after is not None and len(self.requests) == 1):
            handler.wfile.write(body[: self.cut_first_after or 100])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.wfile.write(body)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def archive_file(home: Path, server: Server) -> Path:
    """Where fetch_hazumi keeps the archive of ``server``'s pinned URL."""
    tag = hashlib.sha256((server.url + ARCHIVE_PATH).encode()).hexdigest()[:12]
    return home / "downloads" / f"Hazumi1902-{tag}.zip"


def fetch(home: Path, server: Server, **kwargs) -> Path:
    return fetch_hazumi("1902", home, base_url=server.url, progress=False, **kwargs)


def assert_good(folder: Path) -> None:
    assert (folder / "README.md").read_bytes() == b"readme"
    assert (folder / "elan" / "1902F2001.eaf").read_bytes() == b"<eaf/>" * 5000
    assert (folder / ".hazumi_sk_complete").exists()


def recorded(home: Path) -> dict[str, str]:
    return json.loads((home / "hazumi_sk_checksums.json").read_text())


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- the happy paths --------------------------------------------------------------------


def test_download_extracts_and_caches(tmp_path):
    payload = make_zip(GOOD)
    with Server(payload) as server:
        folder = fetch(tmp_path, server)
        assert folder == tmp_path / "Hazumi1902"
        assert_good(folder)
        assert (folder / "dumpfiles" / "1902F2001.csv").read_bytes() == b"a,b\r\n1,2\r\n"
        assert server.requests == [(ARCHIVE_PATH, None)]
        again = fetch(tmp_path, server)
        assert again == folder and len(server.requests) == 1  # served from the cache
    assert list(recorded(tmp_path).values()) == [digest(payload)]
    assert not (tmp_path / "Hazumi1902.extracting").exists()


def test_resumes_an_interrupted_download_with_range(tmp_path):
    payload = make_zip(GOOD)
    with Server(payload, cut_first_after=1000) as server:
        folder = fetch(tmp_path, server)
    assert server.requests[1][1] == "bytes=1000-"
    assert_good(folder)


@pytest.mark.parametrize("offset", [1, 100, "half", "last"])
def test_resumes_a_part_left_by_an_earlier_call_at_any_offset(tmp_path, offset):
    payload = make_zip(GOOD)
    offset = {"half": len(payload) // 2, "last": len(payload) - 1}.get(offset, offset)
    with Server(payload) as server:
        part = archive_file(tmp_path, server).with_name(
            archive_file(tmp_path, server).name + ".part"
        )
        part.parent.mkdir(parents=True)
        part.write_bytes(payload[:offset])
        assert_good(fetch(tmp_path, server))
    assert server.requests == [(ARCHIVE_PATH, f"bytes={offset}-")]
    assert recorded(tmp_path) == {server.url + ARCHIVE_PATH: digest(payload)}


def test_expected_checksum_match(tmp_path):
    payload = make_zip(GOOD)
    with Server(payload) as server:
        assert_good(fetch(tmp_path, server, sha256=digest(payload).upper()))


def test_reusable_archive_is_extracted_without_a_request(tmp_path):
    payload = make_zip(GOOD)
    with Server(payload) as server:
        archive = archive_file(tmp_path, server)
        archive.parent.mkdir(parents=True)
        archive.write_bytes(payload)
        assert_good(fetch(tmp_path, server))
    assert server.requests == []
    assert recorded(tmp_path) == {server.url + ARCHIVE_PATH: digest(payload)}


# -- digests: recorded only after validation, verified on reuse -------------------------


def test_first_download_that_is_not_a_zip_records_nothing_and_heals(tmp_path):
    with Server(b"<html>rate limited</html>") as server:
        archive = archive_file(tmp_path, server)
        with pytest.raises(OSError, match=r"not a valid zip archive.*deleted") as info:
            fetch(tmp_path, server)
        assert str(archive) in str(info.value)
        assert not archive.exists() and not (tmp_path / "hazumi_sk_checksums.json").exists()
        server.payload = make_zip(GOOD)  # the server recovers: so does the cache
        assert_good(fetch(tmp_path, server))
    assert recorded(tmp_path) == {server.url + ARCHIVE_PATH: digest(server.payload)}


def test_first_download_of_the_wrong_shape_records_nothing(tmp_path):
    payload = make_zip({**GOOD, "Other-top/README.md": b"x"})
    with Server(payload) as server:
        with pytest.raises(OSError, match="exactly one top folder"):
            fetch(tmp_path, server)
        assert not archive_file(tmp_path, server).exists()
    assert not (tmp_path / "hazumi_sk_checksums.json").exists()
    assert not (tmp_path / "Hazumi1902").exists()


def test_expected_checksum_mismatch_raises_and_deletes(tmp_path):
    with Server(make_zip(GOOD)) as server, pytest.raises(OSError, match="Checksum mismatch"):
        fetch(tmp_path, server, sha256="0" * 64)
    assert not list((tmp_path / "downloads").glob("*.zip"))
    assert not (tmp_path / "Hazumi1902").exists()
    assert not (tmp_path / "hazumi_sk_checksums.json").exists()


def test_recorded_checksum_is_verified_on_the_next_download(tmp_path):
    with Server(make_zip(GOOD)) as server:
        fetch(tmp_path, server)
        # Wipe the cache but keep the recorded digest; the server now sends other bytes.
        shutil.rmtree(tmp_path / "Hazumi1902")
        shutil.rmtree(tmp_path / "downloads")
        server.payload = make_zip({**GOOD, f"{TOP}/README.md": b"tampered"})
        with pytest.raises(OSError, match="recorded in .*first download"):
            fetch(tmp_path, server)


def test_reused_archive_with_a_wrong_digest_is_downloaded_again(tmp_path):
    payload = make_zip(GOOD)
    with Server(payload) as server:
        fetch(tmp_path, server)
        shutil.rmtree(tmp_path / "Hazumi1902")
        # A valid zip, but not the bytes whose digest was recorded.
        archive_file(tmp_path, server).write_bytes(make_zip({**GOOD, f"{TOP}/README.md": b"no"}))
        with pytest.warns(UserWarning, match=r"Checksum mismatch.*already on disk.*re-downloading"):
            assert_good(fetch(tmp_path, server))
    assert server.requests == [(ARCHIVE_PATH, None)] * 2
    assert archive_file(tmp_path, server).read_bytes() == payload


def test_reused_truncated_archive_without_a_record_is_downloaded_again(tmp_path):
    payload = make_zip(GOOD)
    with Server(payload) as server:
        archive = archive_file(tmp_path, server)
        archive.parent.mkdir(parents=True)
        archive.write_bytes(payload[:-40])  # e.g. a copy interrupted by a crash
        with pytest.warns(UserWarning, match="not a valid zip.*re-downloading"):
            assert_good(fetch(tmp_path, server))
    assert server.requests == [(ARCHIVE_PATH, None)]
    assert recorded(tmp_path) == {server.url + ARCHIVE_PATH: digest(payload)}


def test_reused_archive_failing_twice_raises(tmp_path):
    with Server(b"not a zip either") as server:
        archive = archive_file(tmp_path, server)
        archive.parent.mkdir(parents=True)
        archive.write_bytes(b"garbage")
        with (
            pytest.warns(UserWarning, match="re-downloading"),
            pytest.raises(OSError, match="not a valid zip archive.*deleted"),
        ):
            fetch(tmp_path, server)
        assert not archive.exists()
    assert len(server.requests) == 1  # one fresh try, not a loop


@pytest.mark.parametrize(
    "content", ["{not json", "[1, 2]", '{"u": "not-a-digest"}', "\xff\xfe"], ids=str
)
def test_corrupt_checksum_file_is_set_aside_with_a_warning(tmp_path, content):
    registry = tmp_path / "hazumi_sk_checksums.json"
    registry.write_bytes(content.encode("latin-1"))
    payload = make_zip(GOOD)
    with Server(payload) as server, pytest.warns(UserWarning, match="hazumi_sk_checksums.json"):
        assert_good(fetch(tmp_path, server))
    assert (tmp_path / "hazumi_sk_checksums.json.corrupt").read_bytes() == content.encode("latin-1")
    assert recorded(tmp_path) == {server.url + ARCHIVE_PATH: digest(payload)}


def test_damaged_completion_marker_means_extract_again(tmp_path):
    with Server(make_zip(GOOD)) as server:
        folder = fetch(tmp_path, server)
        (folder / ".hazumi_sk_complete").write_text("{")
        (folder / "README.md").unlink()
        with pytest.warns(UserWarning, match="damaged; extracting again"):
            assert_good(fetch(tmp_path, server))
    assert len(server.requests) == 1  # re-extracted from the verified archive


def test_cached_folder_of_another_digest_is_fetched_again(tmp_path):
    first, second = make_zip({**GOOD, f"{TOP}/x": b"1"}), make_zip(GOOD)
    with Server(first) as server:
        fetch(tmp_path, server, url=server.url + "/a.zip")
        server.payload = second
        with pytest.warns(UserWarning, match="not the requested"):
            folder = fetch(tmp_path, server, url=server.url + "/b.zip", sha256=digest(second))
    assert_good(folder)
    assert not (folder / "x").exists()


# -- HTTP: 206 without the right Content-Range, 416, errors -----------------------------


def _part(home: Path, server: Server, data: bytes) -> Path:
    archive = archive_file(home, server)
    part = archive.with_name(archive.name + ".part")
    part.parent.mkdir(parents=True, exist_ok=True)
    part.write_bytes(data)
    return part


@pytest.mark.parametrize(
    "content_range",
    [None, "bytes 0-{end}/{total}", "bytes 5-{end}/{total}", "garbage"],
    ids=["missing", "from-zero", "wrong-offset", "garbage"],
)
def test_206_without_a_content_range_at_the_part_size_restarts_from_zero(tmp_path, content_range):
    payload = make_zip(GOOD)

    def respond(handler, n):
        if handler.headers.get("Range") is None:
            return False
        headers = {}
        if content_range:
            total = len(payload)
            headers["Content-Range"] = content_range.format(end=total - 1, total=total)
        send(handler, 206, payload, headers)  # the whole body, whatever was asked
        return True

    with Server(payload, respond=respond) as server:
        _part(tmp_path, server, payload[:500])
        with pytest.warns(UserWarning, match=r"HTTP 206 .*discarding the partial file"):
            assert_good(fetch(tmp_path, server))
    assert server.requests == [(ARCHIVE_PATH, "bytes=500-"), (ARCHIVE_PATH, None)]


@pytest.mark.parametrize("with_length", [True, False], ids=["content-length", "no-length"])
def test_206_with_the_right_content_range_but_the_whole_file_restarts_from_zero(
    tmp_path, with_length
):
    # The server claims bytes 500- but sends every byte: appending them would make a zip
    # of len(payload) + 500 bytes, and resuming again would only make it longer.
    payload = make_zip(GOOD)
    total = len(payload)

    def respond(handler, n):
        if handler.headers.get("Range") is None:
            return False
        handler.send_response(206)
        handler.send_header("Content-Range", f"bytes 500-{total - 1}/{total}")
        if with_length:
            handler.send_header("Content-Length", str(total))
        handler.end_headers()
        handler.wfile.write(payload)
        handler.close_connection = True
        return True

    expected = (
        rf"HTTP 206 with Content-Range 'bytes 500-{total - 1}/{total}' but a body of {total} "
        rf"bytes \(not {total - 500}\) for bytes=500-; discarding the partial file"
        if with_length
        else rf"sent more than the {total - 500} bytes left after bytes=500-; discarding"
    )
    with Server(payload, respond=respond) as server:
        part = _part(tmp_path, server, payload[:500])
        with pytest.warns(UserWarning, match=expected):
            assert_good(fetch(tmp_path, server))
        assert not part.exists()
    assert server.requests == [(ARCHIVE_PATH, "bytes=500-"), (ARCHIVE_PATH, None)]
    assert recorded(tmp_path) == {server.url + ARCHIVE_PATH: digest(payload)}


def test_206_to_a_plain_request_with_a_bad_content_range_raises(tmp_path):
    def respond(handler, n):
        send(handler, 206, b"x", {"Content-Range": "bytes 7-7/8"})
        return True

    with Server(b"", respond=respond) as server, pytest.raises(OSError, match="bytes 7-7/8"):
        fetch(tmp_path, server)


def test_416_on_a_complete_part_means_complete(tmp_path):
    payload = make_zip(GOOD)
    with Server(payload) as server:  # answers 416 'bytes */N' for a range past the end
        _part(tmp_path, server, payload)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # nothing to warn about
            assert_good(fetch(tmp_path, server))
    assert server.requests == [(ARCHIVE_PATH, f"bytes={len(payload)}-")]
    assert recorded(tmp_path) == {server.url + ARCHIVE_PATH: digest(payload)}


def test_416_with_another_size_restarts_from_zero(tmp_path):
    payload = make_zip(GOOD)
    with Server(payload) as server:
        _part(tmp_path, server, payload + b"stale tail")
        with pytest.warns(UserWarning, match=r"HTTP 416 .*discarding the partial file"):
            assert_good(fetch(tmp_path, server))
    assert server.requests[1] == (ARCHIVE_PATH, None)


def test_416_on_a_corrupt_part_is_verified_and_healed(tmp_path):
    payload = make_zip(GOOD)

    def respond(handler, n):
        if handler.headers.get("Range"):
            send(handler, 416, b"")  # no Content-Range: size unknown
            return True
        return False

    with Server(payload, respond=respond) as server:
        _part(tmp_path, server, b"\0" * len(payload))
        with pytest.warns(UserWarning, match="not a valid zip.*re-downloading"):
            assert_good(fetch(tmp_path, server))
    assert server.requests == [(ARCHIVE_PATH, f"bytes={len(payload)}-"), (ARCHIVE_PATH, None)]


def test_interrupted_too_often_keeps_the_part(tmp_path):
    with Server(make_zip(GOOD), cut_all=True) as server:
        with pytest.raises(OSError, match=r"interrupted 2 times.*next call resumes"):
            fetch(tmp_path, server, retries=1)
        part = archive_file(tmp_path, server)
        assert part.with_name(part.name + ".part").stat().st_size == 200  # two cut answers
    assert not (tmp_path / "hazumi_sk_checksums.json").exists()


def test_http_error_names_the_status(tmp_path):
    def respond(handler, n):
        send(handler, 404, b"nope")
        return True

    with Server(b"", respond=respond) as server, pytest.raises(OSError, match=r"HTTP 404.*`root`"):
        fetch(tmp_path, server)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_offline_error_says_how_to_load_manually(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/x.zip"
    with pytest.raises(OSError, match=r"download the archive elsewhere.*`root`.*load_hazumi"):
        fetch_hazumi("1911", tmp_path, url=url, progress=False, timeout=5)


# -- extraction: limits, shape, unsafe members ------------------------------------------


def _rejected(tmp_path, payload: bytes, match: str, **kwargs) -> str:
    """Fetch ``payload``; assert the OSError matches and that nothing was kept."""
    home = tmp_path / "home"
    with Server(payload) as server, pytest.raises(OSError, match=match) as info:
        fetch(home, server, **kwargs)
    message = str(info.value)
    assert str(archive_file(home, server)) in message and "deleted" in message
    assert not archive_file(home, server).exists()
    assert not (home / "Hazumi1902").exists() and not (home / "Hazumi1902.extracting").exists()
    assert not (home / "hazumi_sk_checksums.json").exists()
    return message


def test_member_size_limit(tmp_path):
    message = _rejected(tmp_path, make_zip(GOOD), "max_member_bytes=1000", max_member_bytes=1000)
    assert f"'{TOP}/elan/1902F2001.eaf' would extract to 30000 bytes" in message


def test_total_size_limit(tmp_path):
    _rejected(
        tmp_path,
        make_zip(GOOD),
        r"extract to 30016 bytes.*max_total_bytes=30000",
        max_total_bytes=30000,
    )


def test_compression_ratio_limit_stops_a_zip_bomb(tmp_path):
    bomb = make_zip(
        {**GOOD, f"{TOP}/elan/bomb.eaf": bytes(8 * 2**20)}, compression=zipfile.ZIP_DEFLATED
    )
    assert len(bomb) < 20_000  # 8 MiB of zeros in a few kB
    message = _rejected(tmp_path, bomb, r"compression ratio \d+ .*max_compression_ratio=100")
    assert f"'{TOP}/elan/bomb.eaf'" in message


def test_overall_compression_ratio_limit(tmp_path):
    small = {f"{TOP}/elan/{i}.eaf": bytes(2**19) for i in range(3)}  # each under 1 MiB
    _rejected(
        tmp_path,
        make_zip({**GOOD, **small}, compression=zipfile.ZIP_DEFLATED),
        "overall compression ratio",
    )


def test_raising_the_ratio_limit_accepts_the_same_archive(tmp_path):
    payload = make_zip({**GOOD, f"{TOP}/zeros": bytes(2 * 2**20)}, compression=zipfile.ZIP_DEFLATED)
    with Server(payload) as server:
        folder = fetch(tmp_path, server, max_compression_ratio=1e6)
    assert (folder / "zeros").stat().st_size == 2 * 2**20


def test_header_understating_a_member_size_is_damaged(tmp_path):
    data = bytes(2 * 2**20)
    payload = bytearray(make_zip({**GOOD, f"{TOP}/liar": data}, compression=zipfile.ZIP_DEFLATED))
    # Claim 1000 bytes in the central directory entry of 'liar' (and its local header).
    for signature, offset in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)]:
        at = -1
        while (at := payload.find(signature, at + 1)) != -1:
            name_at = at + (30 if signature == b"PK\x03\x04" else 46)
            if payload[name_at : name_at + len(TOP) + 5] == f"{TOP}/liar".encode():
                payload[at + offset : at + offset + 4] = struct.pack("<I", 1000)
    assert payload.count(struct.pack("<I", 1000)) >= 2  # both headers were patched
    message = _rejected(tmp_path, bytes(payload), r"member '.*/liar' is damaged")
    assert "CRC" in message


@pytest.mark.parametrize(
    ("entries", "match"),
    [
        ({**GOOD, "Other/README.md": b"x"}, "exactly one top folder, found 'Hazumi1902-"),
        ({**GOOD, "README.md": b"x"}, "'README.md' lies outside the archive's top folder"),
        ({}, "exactly one top folder, found none"),
        ({f"{TOP}/": b""}, "holds no file"),
        ([*GOOD.items(), (f"{TOP}/README.md", b"again")], f"'{TOP}/README.md' duplicates"),
        ({**GOOD, f"{TOP}/readme.MD": b"x"}, "'Hazumi1902-ec71365aaaa/readme.MD' duplicates"),
        ({**GOOD, f"{TOP}/elan": b"x"}, "'elan' is both a file and a folder"),
    ],
    ids=["two-tops", "root-file", "empty", "no-file", "duplicate", "case-duplicate", "clash"],
)
def test_archive_shape_is_checked(tmp_path, entries, match):
    _rejected(tmp_path, make_zip(entries), match)


@pytest.mark.parametrize(
    "name",
    [
        f"{TOP}/../evil",
        "../evil",
        "/abs/evil",
        "C:/evil",
        f"{TOP}/C:evil",
        f"{TOP}/elan/a.eaf:stream",
        f"{TOP}\\..\\..\\evil",
        "\\evil",
    ],
)
def test_malicious_paths_are_rejected(tmp_path, name):
    message = _rejected(tmp_path, make_zip({**GOOD, name: b"x"}), "unsafe path")
    assert repr(name) in message
    assert not (tmp_path / "evil").exists() and not (tmp_path / "home" / "evil").exists()


@pytest.mark.parametrize("target", ["../../../etc/passwd", "README.md"])
def test_every_symlink_is_rejected(tmp_path, target):
    payload = make_zip(GOOD, symlinks={f"{TOP}/elan/link": target})
    _rejected(tmp_path, payload, f"member '{TOP}/elan/link' is a symlink")


def test_special_files_are_rejected(tmp_path):
    payload = make_zip({**GOOD, f"{TOP}/fifo": b""}, mode=stat.S_IFIFO | 0o644)
    _rejected(tmp_path, payload, "not a regular file or folder")


def test_encrypted_members_are_rejected(tmp_path):
    payload = bytearray(make_zip(GOOD))
    at = payload.index(b"PK\x01\x02")  # first central directory entry: set 'encrypted'
    payload[at + 8] |= 0x1
    _rejected(tmp_path, bytes(payload), "is encrypted")


_COMPONENTS = st.sampled_from(["a", "B", "b", "..", ".", "", "C:", "x\\..", "\\", "d"])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(_COMPONENTS, min_size=1, max_size=4).map("/".join), max_size=5))
def test_planned_members_stay_below_the_top_folder(names):
    """Property: whatever the names, a plan either is refused or stays inside the cache."""
    archive = zipfile.ZipFile(io.BytesIO(make_zip([(name, b"x") for name in names])))
    try:
        plan = _plan(archive, Path("x.zip"), _Limits(10**6, 10**6, 100.0))
    except _RejectedArchive as error:
        assert str(error).startswith("x.zip: ")
        return
    relatives = [relative for _, relative in plan]
    assert plan and len({name.casefold() for name in relatives}) == len(relatives)
    for relative in relatives:
        path = PurePosixPath(relative)
        assert not path.is_absolute() and ".." not in path.parts and "\\" not in relative
        assert all(":" not in part for part in path.parts)


# -- parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"sha256": "abc"}, "sha256='abc'"),
        ({"timeout": 0}, "timeout=0"),
        ({"retries": -1}, "retries=-1"),
        ({"retries": 1.5}, "retries=1.5"),
        ({"max_member_bytes": 0}, "max_member_bytes=0"),
        ({"max_total_bytes": True}, "max_total_bytes=True"),
        ({"max_compression_ratio": -1}, "max_compression_ratio=-1"),
    ],
)
def test_bad_parameters(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        fetch_hazumi("1902", tmp_path, download_if_missing=False, **kwargs)


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
