"""Kinematic statistics of tracked points per exchange (shared by body and face).

For each tracked point with positions ``p_k`` at times ``t_k`` (ms):

- velocity between consecutive valid frames ``v_k = (p_{k+1} - p_k) / (t_{k+1} - t_k)``,
  in units per second; no velocity is formed across a gap longer than
  ``max_gap_ms`` or across a frame where the point is missing (NaN);
- acceleration between two adjacent velocities (sharing frame ``k+1``)
  ``a_k = |v_{k+1} - v_k| / ((t_{k+2} - t_k) / 2)``, in units per second squared;
- per exchange ``[begin, end]`` (ms): the velocities and accelerations whose frames all
  lie inside it give ``acceleration_max``, ``velocity_max``, ``velocity_mean`` and
  ``velocity_std`` (population standard deviation, of the speeds ``|v_k|``).

Timestamps, not frame indices, set the scale, so the numbers do not depend on the
frame rate, and dropped frames only remove the affected differences.
"""

from __future__ import annotations

import numpy as np

__all__ = ["KINEMATIC_STATISTICS", "kinematic_names", "exchange_kinematics"]

#: Statistics per point, in the Hazumi dumpfile order and naming.
KINEMATIC_STATISTICS = ("acceleration_max", "velocity_max", "velocity_mean", "velocity_std")


def kinematic_names(points: list[str]) -> list[str]:
    """``<point>_<statistic>`` for every point and statistic, point-major."""
    return [f"{p}_{s}" for p in points for s in KINEMATIC_STATISTICS]


def _point_motion(
    times: np.ndarray, positions: np.ndarray, max_gap_ms: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Speeds and accelerations of one point, each with the ``[t_first, t_last]`` it spans."""
    valid = np.isfinite(positions).all(axis=1)
    t, p = times[valid], positions[valid]
    if t.size < 2:
        empty = np.zeros(0)
        return empty, np.zeros((0, 2)), empty, np.zeros((0, 2))
    dt = np.diff(t)
    velocity = np.diff(p, axis=0) / (dt[:, None] / 1000.0)
    # Differences across a gap (dropped frames, tracking loss) are not motion.
    usable = (dt > 0) & (dt <= max_gap_ms)
    speed = np.linalg.norm(velocity, axis=1)
    speed_span = np.column_stack([t[:-1], t[1:]])
    # Acceleration needs two usable velocities that share their middle frame.
    adjacent = usable[:-1] & usable[1:]
    dv = np.linalg.norm(velocity[1:] - velocity[:-1], axis=1)
    mid_dt_s = (t[2:] - t[:-2]) / 2000.0
    accel = dv / np.where(mid_dt_s > 0, mid_dt_s, np.inf)
    accel_span = np.column_stack([t[:-2], t[2:]])
    return speed[usable], speed_span[usable], accel[adjacent], accel_span[adjacent]


def _inside(spans: np.ndarray, begin: float, end: float) -> slice:
    """Rows whose span lies in ``[begin, end]``: contiguous, as both span ends increase."""
    first = np.searchsorted(spans[:, 0], begin, side="left")
    last = np.searchsorted(spans[:, 1], end, side="right")
    return slice(first, max(first, last))


def exchange_kinematics(
    times: np.ndarray,
    positions: np.ndarray,
    exchange_spans: np.ndarray,
    max_gap_ms: float,
    fill_value: float = 0.0,
) -> np.ndarray:
    """Kinematic statistics of every point in every exchange.

    Parameters
    ----------
    times : ndarray of shape (n_frames,)
        Frame times in ms, increasing.
    positions : ndarray of shape (n_frames, n_points, n_dims)
        Coordinates; NaN marks a point missing in a frame.
    exchange_spans : ndarray of shape (n_exchanges, 2)
        ``[begin_ms, end_ms]`` of each exchange.
    max_gap_ms : float
        Longest time step a velocity may span.
    fill_value : float, default=0.0
        Value of a statistic that an exchange has too few frames to define
        (speeds need 2 consecutive valid frames, accelerations 3).

    Returns
    -------
    ndarray of shape (n_exchanges, n_points * 4)
        Point-major, statistics in :data:`KINEMATIC_STATISTICS` order.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(0, 1001, 100.0)                 # 10 Hz for one second
    >>> p = np.stack([t / 1000.0, 0 * t, 0 * t], axis=1)[:, None, :]  # 1 unit/s
    >>> exchange_kinematics(t, p, np.array([[0, 1000]]), max_gap_ms=200).round(6)
    array([[0., 1., 1., 0.]])
    """
    times = np.asarray(times, dtype=float)
    positions = np.asarray(positions, dtype=float)
    if positions.ndim != 3 or positions.shape[0] != times.shape[0]:
        raise ValueError(
            f"positions must be (n_frames, n_points, n_dims) with n_frames={times.shape[0]}, "
            f"got {positions.shape}."
        )
    n_exchanges, n_points = len(exchange_spans), positions.shape[1]
    out = np.full((n_exchanges, n_points, len(KINEMATIC_STATISTICS)), fill_value, dtype=float)
    for j in range(n_points):
        speed, speed_span, accel, accel_span = _point_motion(times, positions[:, j], max_gap_ms)
        for i, (begin, end) in enumerate(exchange_spans):
            s = speed[_inside(speed_span, begin, end)]
            a = accel[_inside(accel_span, begin, end)]
            if a.size:
                out[i, j, 0] = a.max()
            if s.size:
                out[i, j, 1:] = (s.max(), s.mean(), s.std())
    return out.reshape(n_exchanges, -1)
