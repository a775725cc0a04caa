"""fetch_hazumi: download a Hazumi version from the authors' GitHub into a local cache."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import posixpath
import shutil
import stat
import urllib.error
import urllib.request
import zipfile
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


def _download(url: str, part: Path, timeout: float, progress: bool) -> None:
    """Append the rest of ``url`` to ``part``, resuming with an HTTP Range request."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"User-Agent": "hazumi-sk"})
    if have:
        request.add_header("Range", f"bytes={have}-")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        resumed = have and response.status == 206
        mode = "ab" if resumed else "wb"  # a 200 answer to a Range request restarts from 0
        length = response.headers.get("Content-Length")
        total = (int(length) + (have if resumed else 0)) if length else None
        done = have if resumed else 0
        with (
            open(part, mode) as handle,
            tqdm(total=total, initial=done, unit="B", unit_scale=True, disable=not progress) as bar,
        ):
            for block in iter(lambda: response.read(_CHUNK), b""):
                handle.write(block)
                bar.update(len(block))
                done += len(block)
    if total is not None and done != total:
        raise http.client.IncompleteRead(b"", total - done)


def _download_with_resume(
    url: str, target: Path, timeout: float, progress: bool, retries: int
) -> None:
    part = target.with_name(target.name + ".part")
    for attempt in range(retries + 1):
        try:
            _download(url, part, timeout, progress)
            break
        except (http.client.IncompleteRead, ConnectionError, TimeoutError) as error:
            if attempt == retries:
                raise OSError(
                    f"Download of {url} interrupted {retries + 1} times ({error!r}); the partial "
                    f"file {part} is kept and the next call resumes it."
                ) from error
        except urllib.error.URLError as error:
            raise OSError(
                f"Could not download {url} ({error.reason}). If this machine is offline, "
                f"download the archive elsewhere, unzip it so that a folder named like "
                f"'HazumiYYMM/' holds README.md, dumpfiles/, elan/ and questionnaire/, and pass "
                f"that folder's parent as `root` to hazumi_sk.datasets.load_hazumi."
            ) from error
    part.replace(target)


def _verify_checksum(archive: Path, url: str, expected: str | None, home: Path) -> str:
    """Check against ``expected``, else against the digest recorded at the first download."""
    registry_path = home / _CHECKSUMS
    registry = json.loads(registry_path.read_text()) if registry_path.exists() else {}
    actual = _sha256(archive)
    reference = expected or registry.get(url)
    if reference is not None and actual != reference.lower():
        archive.unlink()
        source = "expected" if expected else f"recorded in {registry_path} at the first download"
        raise OSError(
            f"Checksum mismatch for {url}: sha256 {actual}, {source} {reference}. The archive "
            "was deleted; call again to re-download, or check the URL."
        )
    if url not in registry:
        registry[url] = actual
        registry_path.write_text(json.dumps(registry, indent=1, sort_keys=True))
    return actual


def _safe_members(archive: zipfile.ZipFile, path: Path) -> list[tuple[zipfile.ZipInfo, str]]:
    """Members with their path below the archive's top folder; rejects unsafe entries."""
    members = []
    for info in archive.infolist():
        name = info.filename
        parts = PurePosixPath(name.replace("\\", "/")).parts
        if name.startswith(("/", "\\")) or (parts and ":" in parts[0]) or ".." in parts:
            raise OSError(f"{path}: unsafe path {name!r} in archive (absolute or with '..').")
        if stat.S_ISLNK(info.external_attr >> 16):
            target = archive.read(info).decode("utf-8", "replace")
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(name), target))
            if posixpath.isabs(target) or resolved.split("/")[0] == "..":
                raise OSError(f"{path}: symlink {name!r} -> {target} escapes the cache.")
        if len(parts) < 2:
            if info.is_dir():
                continue
            raise OSError(f"{path}: {name!r} lies outside the archive's top folder.")
        members.append((info, "/".join(parts[1:])))
    return members


def _extract(archive_path: Path, destination: Path) -> None:
    """Extract below ``destination`` (the top folder stripped), atomically via a temp folder."""
    staging = destination.with_name(destination.name + ".extracting")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        with zipfile.ZipFile(archive_path) as archive:
            for info, relative in _safe_members(archive, archive_path):
                target = staging / relative
                if info.is_dir():
                    target.mkdir(parents=True, exist_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(info) as source, open(target, "wb") as sink:
                    shutil.copyfileobj(source, sink)
    except zipfile.BadZipFile as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise OSError(f"{archive_path}: not a valid zip archive ({error}).") from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    shutil.rmtree(destination, ignore_errors=True)
    staging.replace(destination)


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
    download is recorded in ``data_home/hazumi_sk_checksums.json`` and every
    later download of the same URL must match it.

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
        Expected sha256 of the archive.
    download_if_missing : bool, default=True
        If ``False``, raise :class:`FileNotFoundError` instead of downloading.
    timeout : float, default=60.0
        Socket timeout in seconds.
    retries : int, default=3
        Resume attempts after an interrupted transfer.
    progress : bool, default=True
        Show a tqdm progress bar.

    Returns
    -------
    pathlib.Path
        ``data_home/Hazumi<version>``.

    Raises
    ------
    OSError
        Offline (with instructions for a manual download), interrupted too
        often, checksum mismatch, or an unsafe archive member (absolute path,
        ``..``, symlink escaping the cache).

    Examples
    --------
    >>> from hazumi_sk.datasets import fetch_hazumi, load_hazumi
    >>> folder = fetch_hazumi("1902")  # doctest: +SKIP
    >>> data = load_hazumi(folder.parent, versions="1902")  # doctest: +SKIP
    """
    version = str(version)
    if version not in PINNED_COMMITS:
        raise ValueError(f"version={version!r}: expected one of {sorted(PINNED_COMMITS)}.")
    home = get_data_home(data_home)
    destination = home / f"Hazumi{version}"
    if (destination / _COMPLETE).exists():
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
    if not archive.exists():
        _download_with_resume(source, archive, timeout, progress, retries)
    digest = _verify_checksum(archive, source, sha256 or PINNED_SHA256.get(version), home)
    _extract(archive, destination)
    (destination / _COMPLETE).write_text(json.dumps({"url": source, "sha256": digest}))
    return destination
