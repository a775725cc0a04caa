"""Readers for the per-frame tracking files: joint trajectories and OpenFace 2.x CSVs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..vocabulary import OPENFACE_ACTION_UNITS

__all__ = ["read_joint_csv", "read_openface_csv"]


def _read_csv(path: Path | str | None, what: str, context: str) -> pd.DataFrame:
    if path is None:
        raise FileNotFoundError(f"{context}: no {what} file (path is None).")
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{context}: {what} file not found: {path}")
    try:
        # OpenFace writes ", " separators in some versions: skip the spaces.
        table = pd.read_csv(path, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise ValueError(f"{context}: cannot read {what} file {path}: {error}") from error
    table.columns = [str(c).strip() for c in table.columns]
    return table


def _numeric(table: pd.DataFrame, columns: list[str], path: Path | str, context: str) -> np.ndarray:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{context}: {path} lacks column(s) {missing[:6]}.")
    values = table[columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, copy=True)
    return values


def _check_times(times: np.ndarray, path: Path | str, context: str) -> None:
    if times.size == 0:
        raise ValueError(f"{context}: {path} has no frames.")
    if not np.isfinite(times).all():
        raise ValueError(f"{context}: {path} has missing or non-numeric timestamps.")
    if np.any(np.diff(times) <= 0):
        row = int(np.flatnonzero(np.diff(times) <= 0)[0]) + 1
        raise ValueError(f"{context}: {path} timestamps do not increase (data row {row}).")


def read_joint_csv(
    path: Path | str, joints: list[str] | tuple[str, ...], context: str = "joint file"
) -> tuple[np.ndarray, np.ndarray]:
    """Read a joint-trajectory CSV.

    The format: a header row, then one row per frame with ``time_ms`` (frame time
    in milliseconds on the exchange clock, increasing) and ``<Joint>_x``,
    ``<Joint>_y``, ``<Joint>_z`` for each joint (any unit; Kinect v2 gives metres).
    Empty cells or NaN mark a joint not tracked in that frame; other columns are
    ignored.

    Parameters
    ----------
    path : path-like
    joints : list of str
        Joint names to read.
    context : str
        Prefix for error messages (for example the dialogue id).

    Returns
    -------
    times : ndarray of shape (n_frames,)
    positions : ndarray of shape (n_frames, n_joints, 3)

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "body.csv"
    >>> _ = f.write_text("time_ms,Head_x,Head_y,Head_z\\n0,0,0,1\\n33,0.1,0,1\\n")
    >>> t, p = read_joint_csv(f, ["Head"])
    >>> t.tolist(), p.shape
    ([0.0, 33.0], (2, 1, 3))
    """
    table = _read_csv(path, "joint-trajectory", context)
    times = _numeric(table, ["time_ms"], path, context)[:, 0]
    _check_times(times, path, context)
    columns = [f"{j}_{axis}" for j in joints for axis in "xyz"]
    positions = _numeric(table, columns, path, context).reshape(len(times), len(joints), 3)
    return times, positions


def read_openface_csv(
    path: Path | str,
    landmarks: list[int] | tuple[int, ...],
    coordinates: str = "3d",
    min_confidence: float = 0.8,
    face_id: int = 0,
    context: str = "OpenFace file",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read an OpenFace 2.x ``FeatureExtraction`` per-frame CSV.

    Uses ``timestamp`` (seconds), ``confidence``, ``success``, ``face_id`` (if
    present), the landmark columns ``X_i, Y_i, Z_i`` (3-D, mm) or ``x_i, y_i``
    (2-D, pixels) and the presence columns ``AU*_c``. Headers written with ", "
    separators are accepted. Frames with ``success == 0`` or
    ``confidence < min_confidence`` are kept as all-NaN rows so that the
    kinematics do not bridge them.

    Parameters
    ----------
    path : path-like
    landmarks : list of int
        68-point landmark ids to read.
    coordinates : {"3d", "2d"}, default="3d"
    min_confidence : float, default=0.8
    face_id : int, default=0
        Face to keep when the file tracks several.
    context : str
        Prefix for error messages.

    Returns
    -------
    times : ndarray of shape (n_frames,)
        Milliseconds.
    positions : ndarray of shape (n_frames, n_landmarks, 3 or 2)
    action_units : ndarray of shape (n_frames, 18)
        ``AU*_c`` presence (0/1) in :data:`OPENFACE_ACTION_UNITS` order, NaN for
        excluded frames.
    """
    if coordinates not in ("3d", "2d"):
        raise ValueError(f"coordinates must be '3d' or '2d', got {coordinates!r}.")
    table = _read_csv(path, "OpenFace", context)
    if "face_id" in table.columns:
        table = table[pd.to_numeric(table["face_id"], errors="coerce") == face_id]
    times = _numeric(table, ["timestamp"], path, context)[:, 0] * 1000.0
    _check_times(times, path, context)
    quality = _numeric(table, ["success", "confidence"], path, context)
    good = (quality[:, 0] == 1) & (quality[:, 1] >= min_confidence)
    axes = "XYZ" if coordinates == "3d" else "xy"
    columns = [f"{axis}_{k}" for k in landmarks for axis in axes]
    positions = _numeric(table, columns, path, context).reshape(len(times), len(landmarks), -1)
    action_units = _numeric(table, [f"{au}_c" for au in OPENFACE_ACTION_UNITS], path, context)
    positions[~good] = np.nan
    action_units[~good] = np.nan
    return times, positions, action_units
