"""fetch_hazumi: download a Hazumi version from the authors' GitHub into a local cache.

The cache must heal itself: bytes of unknown provenance (a ``.part`` left by an
earlier process, an archive already in ``downloads/``) are never trusted, a
digest is recorded only for an archive that extracted completely, and
extraction is bounded so that a hostile or broken archive cannot fill the disk.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import numbers
import os
import re
import shutil
import stat
import urllib.error
import urllib.request
import warnings
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from tqdm.auto import tqdm

__all__ = ["fetch_hazumi", "get_data_home", "PINNED_COMMITS"]

#: Commits of ouktlab/HazumiYYMM whose content FORMAT.md describes (abbreviated SHAs).
PINNED_COMMITS = {"1902": "ec71365", "1911": "f079bfd", "2010": "a81b915"}
#: Known sha256 of the archives. Empty: GitHub builds them on the fly and they could not be
#: downloaded when this was written; the first download's digest is recorded instead.
PINNED_SHA256: dict[str, str] = {}
DEFAULT_BASE_URL = "https://github.com/ouktlab"
_CHECKSUMS = "hazumi_sk_checksums.json"
_COMPLETE = ".hazumi_sk_complete"
_CHUNK = 1 << 16
#: Members (and archives) smaller than this are exempt from the compression-ratio limit:
#: tiny files of repeated text legitimately compress 100-1000x (the largest real Hazumi
#: ratio, an EAF file, is 24x at 0.4 MB).
_RATIO_GRACE_BYTES = 1 << 20
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_CONTENT_RANGE = re.compile(r"bytes\s+(?:(\d+)-(\d+)|\*)/(\d+|\*)")


class _CorruptArchive(OSError):
    """The bytes are damaged (not a zip, CRC error, digest mismatch): worth one fresh download."""


class _RejectedArchive(OSError):
    """A well-formed zip that breaks a rule (unsafe member, limit, shape): never retried."""


class _StalePart(Exception):
    """The ``.part`` does not belong to what the server now serves: restart from zero."""


@dataclass(frozen=True)
class _Limits:
    member: int
    total: int
    ratio: float


def get_data_home(data_home: str | Path | None = None) -> Path:
    """The cache folder: ``data_home``, else ``$HAZUMI_SK_DATA``, else ``~/hazumi_sk_data``.

    Examples
    --------
    >>> from hazumi_sk.datasets import get_data_home
    >>> get_data_home("/tmp/hz").as_posix()
    '/tmp/hz'
    """
    if data_home is None:
        data_home = os.environ.get("HAZUMI_SK_DATA", Path("~") / "hazumi_sk_data")
    return Path(data_home).expanduser()


def _archive_url(version: str, url: str | None, base_url: str | None) -> str:
    if url is not None:
        return url
    base = (base_url or DEFAULT_BASE_URL).rstrip("/")
    return f"{base}/Hazumi{version}/archive/{PINNED_COMMITS[version]}.zip"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


# -- download ---------------------------------------------------------------------------


def _parse_content_range(value: str | None) -> tuple[int | None, int | None, int | None]:
    """``'bytes 10-99/100'`` -> ``(10, 99, 100)``, ``'bytes */100'`` -> ``(None, None, 100)``."""
    match = _CONTENT_RANGE.fullmatch((value or "").strip())
    if match is None:
        return None, None, None
    start, end, total = match.groups()
    return (
        int(start) if start else None,
        int(end) if end else None,
        None if total == "*" else int(total),
    )


def _open(url: str, have: int, timeout: float):
    """The response for bytes ``have-`` of ``url``, or ``None`` if ``have`` already ends it."""
    request = urllib.request.Request(url, headers={"User-Agent": "hazumi-sk"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    try:
        return urllib.request.urlopen(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        if error.code != 416 or not have:
            raise
        # 416: nothing left at this offset. Trust it only if the server's size (when it
        # says one) equals the part's; the part is verified like any other bytes later.
        _, _, total = _parse_content_range(error.headers.get("Content-Range"))
        error.close()
        if total is None or total == have:
            return None
        raise _StalePart(f"HTTP 416 for bytes={have}- but the file has {total} bytes") from None


def _transfer(url: str, part: Path, have: int, timeout: float, progress: bool) -> bool:
    """Write bytes ``have-`` of ``url`` to ``part``; ``True`` if the old bytes were kept."""
    response = _open(url, have, timeout)
    if response is None:
        return True
    with response:
        if response.status == 206:
            header = response.headers.get("Content-Range")
            start, end, total = _parse_content_range(header)
            if start != have:
                # Appending bytes of another offset would corrupt the archive silently.
                raise _StalePart(f"HTTP 206 with Content-Range {header!r} for bytes={have}-")
            length = response.headers.get("Content-Length")
            if end is not None and length is not None and int(length) != end - start + 1:
                # A server that says 206 but sends the whole file (or any other body):
                # appending it would give a zip of the wrong size. Start over instead.
                raise _StalePart(
                    f"HTTP 206 with Content-Range {header!r} but a body of {length} bytes "
                    f"(not {end - start + 1}) for bytes={have}-"
                )
            done, mode = have, "ab"
        else:  # a 200 answer (also to a Range request) is the whole file
            length = response.headers.get("Content-Length")
            total = int(length) if length else None
            done, mode = 0, "wb"
        with (
            open(part, mode) as handle,
            tqdm(total=total, initial=done, unit="B", unit_scale=True, disable=not progress) as bar,
        ):
            for block in iter(lambda: response.read(_CHUNK), b""):
                if mode == "ab" and total is not None and done + len(block) > total:
                    # No Content-Length to check first: the body outgrew the range.
                    raise _StalePart(
                        f"HTTP 206 with Content-Range {header!r} sent more than the "
                        f"{total - have} bytes left after bytes={have}-"
                    )
                handle.write(block)
                bar.update(len(block))
                done += len(block)
    if total is not None and done != total:
        raise http.client.IncompleteRead(b"", total - done)
    return mode == "ab" and have > 0


def _download(url: str, part: Path, timeout: float, progress: bool) -> bool:
    """Complete ``part`` from ``url``, resuming with a Range request; ``True`` if resumed."""
    have = part.stat().st_size if part.exists() else 0
    try:
        return _transfer(url, part, have, timeout, progress)
    except _StalePart as reason:
        if not have:
            raise OSError(f"Download of {url} failed: {reason}.") from None
        warnings.warn(
            f"{part}: {reason}; discarding the partial file and downloading from byte 0.",
            UserWarning,
            stacklevel=5,
        )
    part.unlink()
    try:
        return _transfer(url, part, 0, timeout, progress)
    except _StalePart as reason:
        raise OSError(f"Download of {url} failed: {reason}.") from None


def _offline_help(url: str, error: urllib.error.URLError) -> OSError:
    if isinstance(error, urllib.error.HTTPError):
        what = f"the server answered HTTP {error.code} {error.reason}"
    else:
        what = str(error.reason)
    return OSError(
        f"Could not download {url} ({what}). If this machine is offline, download the "
        f"archive elsewhere, unzip it so that a folder named like 'HazumiYYMM/' holds "
        f"README.md, dumpfiles/, elan/ and questionnaire/, and pass that folder's parent "
        f"as `root` to hazumi_sk.datasets.load_hazumi."
    )


def _download_with_resume(
    url: str, target: Path, timeout: float, progress: bool, retries: int
) -> bool:
    """Download ``url`` to ``target`` via ``target.part``; ``True`` if any bytes were resumed."""
    part = target.with_name(target.name + ".part")
    resumed = False
    for attempt in range(retries + 1):
        try:
            resumed |= _download(url, part, timeout, progress)
            break
        except (http.client.IncompleteRead, ConnectionError, TimeoutError) as error:
            if attempt == retries:
                raise OSError(
                    f"Download of {url} interrupted {retries + 1} times ({error!r}); the partial "
                    f"file {part} is kept and the next call resumes it."
                ) from error
        except urllib.error.URLError as error:
            raise _offline_help(url, error) from error
    part.replace(target)
    return resumed


# -- checksum registry ------------------------------------------------------------------


def _read_registry(path: Path) -> dict[str, str]:
    """The recorded ``{url: sha256}``; a damaged file is set aside (with a warning), not fatal."""
    if not path.exists():
        return {}
    try:
        registry = json.loads(path.read_text(encoding="utf-8"))
        valid = isinstance(registry, dict) and all(
            isinstance(key, str) and isinstance(value, str) and _SHA256.fullmatch(value)
            for key, value in registry.items()
        )
    except ValueError:  # JSONDecodeError and UnicodeDecodeError
        valid = False
    if valid:
        return registry
    backup = path.with_name(path.name + ".corrupt")
    path.replace(backup)
    warnings.warn(
        f"{path} is not a JSON object of url: sha256 digests; it was moved to {backup} and "
        "a new one is started, so the digests it held are no longer checked.",
        UserWarning,
        stacklevel=4,
    )
    return {}


def _write_registry(path: Path, registry: dict[str, str]) -> None:
    # Write-then-rename: an interrupted write must not leave a truncated JSON behind.
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(registry, indent=1, sort_keys=True), encoding="utf-8")
    temporary.replace(path)


# -- extraction -------------------------------------------------------------------------


def _member_path(info: zipfile.ZipInfo, archive: Path) -> tuple[str, ...]:
    """The member's path components; rejects absolute paths, ``..``, drives and links."""
    name = info.filename
    parts = PurePosixPath(name.replace("\\", "/")).parts
    if (
        name.startswith(("/", "\\"))
        # A colon is a drive ('C:') or an NTFS stream ('a:b') on Windows, in any component.
        or any(":" in part for part in parts)
        or ".." in parts
        or "\x00" in name
    ):
        raise _RejectedArchive(
            f"{archive}: unsafe path {name!r} in archive (absolute, '..', ':' or NUL)."
        )
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise _RejectedArchive(f"{archive}: member {name!r} is a symlink; symlinks are refused.")
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        raise _RejectedArchive(f"{archive}: member {name!r} is not a regular file or folder.")
    if info.flag_bits & 0x1:
        raise _RejectedArchive(f"{archive}: member {name!r} is encrypted.")
    return parts


def _check_sizes(info: zipfile.ZipInfo, archive: Path, limits: _Limits) -> None:
    name = info.filename
    if info.file_size > limits.member:
        raise _RejectedArchive(
            f"{archive}: member {name!r} would extract to {info.file_size} bytes, more than "
            f"max_member_bytes={limits.member}."
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > _RATIO_GRACE_BYTES and ratio > limits.ratio:
        raise _RejectedArchive(
            f"{archive}: member {name!r} has compression ratio {ratio:.0f} "
            f"({info.compress_size} -> {info.file_size} bytes), more than "
            f"max_compression_ratio={limits.ratio:g} (a zip bomb?)."
        )


def _plan(
    archive: zipfile.ZipFile, path: Path, limits: _Limits
) -> list[tuple[zipfile.ZipInfo, str]]:
    """``(member, path below the top folder)`` of the files; checks every rule up front.

    The archive must hold exactly one top folder with at least one file, no member twice
    (case-insensitively: the cache may be on a case-insensitive file system), no file where
    another member needs a folder, and stay within ``limits``.
    """
    files, folders, seen, tops = [], set(), {}, set()
    total = packed = 0
    for info in archive.infolist():
        parts = _member_path(info, path)
        if not parts:
            continue
        if len(parts) < 2 and not info.is_dir():
            raise _RejectedArchive(
                f"{path}: file {info.filename!r} lies outside the archive's top folder."
            )
        tops.add(parts[0])
        if len(tops) > 1:  # checked first: other rules would give a less telling message
            found = ", ".join(repr(top) for top in sorted(tops))
            raise _RejectedArchive(f"{path}: expected exactly one top folder, found {found}.")
        relative = "/".join(parts[1:])
        key = relative.casefold()
        if key in seen and (relative or not info.is_dir()):
            raise _RejectedArchive(f"{path}: member {info.filename!r} duplicates {seen[key]!r}.")
        seen[key] = info.filename
        folders.update("/".join(parts[1:i]).casefold() for i in range(2, len(parts)))
        if info.is_dir():
            folders.add(key)
            continue
        _check_sizes(info, path, limits)
        total += info.file_size
        packed += info.compress_size
        files.append((info, relative))
    if not tops:
        raise _RejectedArchive(f"{path}: expected exactly one top folder, found none.")
    if not files:
        raise _RejectedArchive(f"{path}: the archive holds no file.")
    clash = next((name for info, name in files if name.casefold() in folders), None)
    if clash is not None:
        raise _RejectedArchive(f"{path}: member {clash!r} is both a file and a folder.")
    if total > limits.total:
        raise _RejectedArchive(
            f"{path}: the members would extract to {total} bytes, more than "
            f"max_total_bytes={limits.total}."
        )
    if total > _RATIO_GRACE_BYTES and total / max(packed, 1) > limits.ratio:
        raise _RejectedArchive(
            f"{path}: overall compression ratio {total / max(packed, 1):.0f} is more than "
            f"max_compression_ratio={limits.ratio:g} (a zip bomb?)."
        )
    return files


def _copy_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, target: Path) -> None:
    # zipfile stops reading at the declared ``file_size`` and then checks the CRC, so a
    # header that understates the size ends in BadZipFile, never in more bytes on disk:
    # the sizes checked by ``_plan`` bound what is written.
    with archive.open(info) as source, open(target, "wb") as sink:
        shutil.copyfileobj(source, sink, _CHUNK)


def _extract(archive_path: Path, staging: Path, limits: _Limits) -> None:
    """Extract below ``staging`` (the top folder stripped); every rule is checked first."""
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with zipfile.ZipFile(archive_path) as archive:
            for info, relative in _plan(archive, archive_path, limits):
                target = staging / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                try:
                    _copy_member(archive, info, target)
                except (zipfile.BadZipFile, zlib.error, EOFError) as error:
                    raise _CorruptArchive(
                        f"{archive_path}: member {info.filename!r} is damaged ({error})."
                    ) from None
                except NotImplementedError as error:
                    raise _RejectedArchive(
                        f"{archive_path}: member {info.filename!r}: {error}."
                    ) from None
    except zipfile.BadZipFile as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise _CorruptArchive(f"{archive_path}: not a valid zip archive ({error}).") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _install(
    archive: Path, destination: Path, url: str, expected: str | None, home: Path, limits: _Limits
) -> str:
    """Verify ``archive``, extract it to ``destination``; only then record its digest."""
    registry_path = home / _CHECKSUMS
    registry = _read_registry(registry_path)
    actual = _sha256(archive)
    reference = expected or registry.get(url)
    if reference is not None and actual != reference.lower():
        source = "expected" if expected else f"recorded in {registry_path} at the first download"
        raise _CorruptArchive(
            f"Checksum mismatch for {url} ({archive}): sha256 {actual}, {source} {reference}."
        )
    staging = destination.with_name(destination.name + ".extracting")
    _extract(archive, staging, limits)
    # Re-read: another process may have recorded other URLs while this one extracted.
    registry = _read_registry(registry_path)
    if url not in registry:
        registry[url] = actual
        _write_registry(registry_path, registry)
    shutil.rmtree(destination, ignore_errors=True)
    staging.replace(destination)
    return actual


# -- public function --------------------------------------------------------------------


def _check_params(
    sha256: str | None,
    timeout: float,
    retries: int,
    max_member_bytes: int,
    max_total_bytes: int,
    max_compression_ratio: float,
) -> None:
    if sha256 is not None and not (isinstance(sha256, str) and _SHA256.fullmatch(sha256)):
        raise ValueError(f"sha256={sha256!r}: expected 64 hexadecimal digits or None.")
    for name, value, integral in [
        ("timeout", timeout, False),
        ("max_member_bytes", max_member_bytes, True),
        ("max_total_bytes", max_total_bytes, True),
        ("max_compression_ratio", max_compression_ratio, False),
    ]:
        kind = numbers.Integral if integral else numbers.Real
        if isinstance(value, bool) or not isinstance(value, kind) or not value > 0:
            what = "integer" if integral else "number"
            raise ValueError(f"{name}={value!r}: expected a positive {what}.")
    if isinstance(retries, bool) or not isinstance(retries, numbers.Integral) or retries < 0:
        raise ValueError(f"retries={retries!r}: expected a non-negative integer.")


def _cached(destination: Path, sha256: str | None) -> bool:
    """Whether ``destination`` is a finished extraction (of the archive ``sha256``, if given)."""
    marker = destination / _COMPLETE
    if not marker.exists():
        return False
    try:
        recorded = json.loads(marker.read_text(encoding="utf-8"))["sha256"]
    except (ValueError, KeyError, TypeError):
        warnings.warn(f"{marker} is damaged; extracting again.", UserWarning, stacklevel=3)
        return False
    if sha256 is not None and recorded != sha256.lower():
        warnings.warn(
            f"{destination} was extracted from sha256 {recorded}, not the requested "
            f"{sha256.lower()}; fetching again.",
            UserWarning,
            stacklevel=3,
        )
        return False
    return True


def fetch_hazumi(
    version: str,
    data_home: str | Path | None = None,
    *,
    url: str | None = None,
    base_url: str | None = None,
    sha256: str | None = None,
    download_if_missing: bool = True,
    timeout: float = 60.0,
    retries: int = 3,
    progress: bool = True,
    max_member_bytes: int = 256 * 2**20,
    max_total_bytes: int = 2 * 2**30,
    max_compression_ratio: float = 100.0,
) -> Path:
    """Download one Hazumi version from the authors' public GitHub repository.

    The archive of the pinned commit (``PINNED_COMMITS``) of
    ``ouktlab/Hazumi<version>`` is downloaded into ``data_home/downloads/``
    (resuming a partial ``.part`` file with an HTTP Range request), checked,
    and extracted safely to ``data_home/Hazumi<version>/``. Later calls return
    the cached folder without network access. Pass ``data_home`` as ``root``
    to :func:`load_hazumi`.

    Checksums: GitHub builds archives on the fly, so no sha256 is pinned. If
    ``sha256`` is given it is verified; otherwise the digest of the first
    download that extracts completely is recorded in
    ``data_home/hazumi_sk_checksums.json`` and every later archive of the same
    URL must match it. Bytes already on disk (an archive or ``.part``) are
    verified like fresh ones; if they fail, they are deleted and downloaded
    once more, with a warning.

    Parameters
    ----------
    version : {"1902", "1911", "2010"}
        Corpus version.
    data_home : str or Path, default=None
        Cache folder; defaults to ``$HAZUMI_SK_DATA`` or ``~/hazumi_sk_data``.
    url : str, default=None
        Full archive URL, overriding the pinned GitHub URL.
    base_url : str, default=None
        Replaces ``https://github.com/ouktlab`` in the pinned URL (for mirrors).
    sha256 : str, default=None
        Expected sha256 of the archive (64 hexadecimal digits).
    download_if_missing : bool, default=True
        If ``False``, raise :class:`FileNotFoundError` instead of downloading.
    timeout : float, default=60.0
        Socket timeout in seconds.
    retries : int, default=3
        Resume attempts after an interrupted transfer.
    progress : bool, default=True
        Show a tqdm progress bar.
    max_member_bytes : int, default=256 MiB
        Largest extracted size of one member (the largest real Hazumi file is
        about 2 MB).
    max_total_bytes : int, default=2 GiB
        Largest extracted size of the whole archive (a real version is at most
        about 130 MB).
    max_compression_ratio : float, default=100.0
        Largest uncompressed/compressed size ratio, of each member larger than
        1 MiB and of the whole archive when it is larger than 1 MiB (real
        Hazumi files compress at most about 24x).

    Returns
    -------
    pathlib.Path
        ``data_home/Hazumi<version>``.

    Raises
    ------
    ValueError
        A bad parameter (the message names it).
    OSError
        Offline or an HTTP error (with instructions for a manual download),
        interrupted too often, checksum mismatch, not a valid zip, or an archive
        that breaks a rule: an unsafe member (absolute path, ``..``, symlink,
        encrypted), not exactly one top folder, a duplicate member, or a limit
        exceeded. The message names the archive and the member; the archive is
        deleted and its digest is not recorded.

    Examples
    --------
    >>> from hazumi_sk.datasets import fetch_hazumi, load_hazumi
    >>> folder = fetch_hazumi("1902")  # doctest: +SKIP
    >>> data = load_hazumi(folder.parent, versions="1902")  # doctest: +SKIP
    """
    version = str(version)
    if version not in PINNED_COMMITS:
        raise ValueError(f"version={version!r}: expected one of {sorted(PINNED_COMMITS)}.")
    _check_params(
        sha256, timeout, retries, max_member_bytes, max_total_bytes, max_compression_ratio
    )
    limits = _Limits(max_member_bytes, max_total_bytes, max_compression_ratio)
    home = get_data_home(data_home)
    destination = home / f"Hazumi{version}"
    expected = sha256 or PINNED_SHA256.get(version)
    if _cached(destination, expected):
        return destination
    source = _archive_url(version, url, base_url)
    if not download_if_missing:
        raise FileNotFoundError(
            f"{destination} is not there and download_if_missing=False (source: {source})."
        )
    downloads = home / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    # One archive file per source URL, so a mirror never reuses another URL's bytes.
    tag = hashlib.sha256(source.encode()).hexdigest()[:12]
    archive = downloads / f"Hazumi{version}-{tag}.zip"
    digest = _fetch_and_install(
        archive, destination, source, expected, home, limits, (timeout, progress, retries)
    )
    (destination / _COMPLETE).write_text(json.dumps({"url": source, "sha256": digest}))
    return destination


def _fetch_and_install(
    archive: Path,
    destination: Path,
    source: str,
    expected: str | None,
    home: Path,
    limits: _Limits,
    transfer: tuple[float, bool, int],
) -> str:
    """Install ``archive`` (downloading it if needed); old bytes that fail get one fresh try."""
    stale = archive.exists()  # left by an earlier call: verified like any download
    if not stale:
        stale = _download_with_resume(source, archive, *transfer)
    try:
        return _install(archive, destination, source, expected, home, limits)
    except _CorruptArchive as error:
        if not stale:
            raise _discard(archive, error) from None
        archive.unlink()
        warnings.warn(
            f"{error} These bytes were already on disk before this call; deleted them and "
            f"re-downloading {source}.",
            UserWarning,
            stacklevel=3,
        )
    except _RejectedArchive as error:
        raise _discard(archive, error) from None
    archive.with_name(archive.name + ".part").unlink(missing_ok=True)
    _download_with_resume(source, archive, *transfer)
    try:
        return _install(archive, destination, source, expected, home, limits)
    except (_CorruptArchive, _RejectedArchive) as error:
        raise _discard(archive, error) from None


def _discard(archive: Path, error: OSError) -> OSError:
    """Delete a failed archive (so the next call starts afresh) and say so in the error."""
    archive.unlink(missing_ok=True)
    retry = "; call again to retry" if isinstance(error, _CorruptArchive) else ""
    return type(error)(f"{error} The archive was deleted{retry}.")
