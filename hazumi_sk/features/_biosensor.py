"""Physiological features per exchange from Empatica E4 exports (modality ``"P"``)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from numbers import Integral, Real
from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd

from ..datasets import Dialogue
from ..utils import Interval, StrOptions, check_parameters
from ._base import (
    ON_MISSING,
    SEGMENTS,
    DialogueFeatureExtractor,
    exchange_name,
    exchange_spans,
    media_fingerprint,
)
from ._e4 import E4Recording, E4Signal, read_e4_zip
from ._eda import IBI_RANGE_S, METHODS, bvp_beats, check_method, decompose_eda

__all__ = [
    "BIOSENSOR_FEATURES",
    "BiosensorFeatures",
    "BiosensorWarning",
    "estimate_clock_offset",
]

#: Output features (without the ``P__`` prefix), in order, by signal group.
_GROUPS = {
    "EDA": ("EDA_mean", "EDA_tonic_mean", "SCR_count", "SCR_rate_per_min", "SCR_amplitude_mean"),
    "HR": ("HR_mean", "HR_std"),
    "TEMP": ("TEMP_mean", "TEMP_slope_per_min"),
    "ACC": ("ACC_magnitude_mean", "ACC_magnitude_std"),
}
BIOSENSOR_FEATURES: tuple[str, ...] = tuple(n for names in _GROUPS.values() for n in names)
_SLICES = {}
_start = 0
for _group, _names in _GROUPS.items():
    _SLICES[_group] = slice(_start, _start + len(_names))
    _start += len(_names)

#: The E4 files read (HR.csv, tags.csv and info.txt are not used).
_SIGNALS = ("EDA", "TEMP", "ACC", "BVP")
#: Dumpfile columns the clock offset is fitted on (video clock, FORMAT.md section 3.2).
_REFERENCE_COLUMNS = ("start(exchange)[ms]", "end(exchange)[ms]", "EDA_mean")
#: Half-open windows [begin, end): a sample exactly at ``begin`` (up to float noise) is in.
_EPS = 1e-9
#: Largest relative deviation of a BVP inter-beat interval from its local median.
_BEAT_TOLERANCE = 0.25
#: ACC is in 1/64 g (FORMAT.md section 7).
_ACC_UNIT_G = 1.0 / 64.0


class BiosensorWarning(UserWarning):
    """Exchanges whose biosensor features are NaN (outside the recording, no samples...)."""


@dataclass
class SessionReport:
    """What happened while extracting one dialogue (for warnings and the loader hook)."""

    dialogue_id: str
    offset_s: float = np.nan
    offset_source: str = ""
    offset_match: float = np.nan
    hr_from_bvp: int = 0
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (position, group, why)
    missing: str | None = None  # why the whole dialogue is NaN


# --------------------------------------------------------------------------- clock
def _window_means(cum: np.ndarray, rate: float, spans_s: np.ndarray, offsets: np.ndarray):
    """Mean of the samples in ``[begin + o, end + o)`` for each offset ``o`` (rows) and span."""
    n = len(cum) - 1
    begin = np.ceil((spans_s[None, :, 0] + offsets[:, None]) * rate - _EPS).astype(np.int64)
    end = np.ceil((spans_s[None, :, 1] + offsets[:, None]) * rate - _EPS).astype(np.int64)
    inside = (begin >= 0) & (end <= n) & (end > begin)
    b, e = np.clip(begin, 0, n), np.clip(end, 0, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = (cum[e] - cum[b]) / (e - b)
    return np.where(inside, means, np.nan)


def _offset_scores(cum, rate, spans_s, target, offsets, tolerance):
    """(fraction of rows reproduced within ``tolerance``, mean absolute error) per offset."""
    error = np.abs(_window_means(cum, rate, spans_s, offsets) - target[None, :])
    matched = np.nan_to_num(error, nan=np.inf) < tolerance
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # offsets with no row inside
        mean_error = np.nanmean(error, axis=1)
    return matched.mean(axis=1), np.nan_to_num(mean_error, nan=np.inf)


def _best(offsets, fraction, error):
    """Highest fraction, then lowest error; the middle of a plateau of equally good offsets."""
    top = fraction == fraction.max()
    good = top & (error <= error[top].min() + 1e-9)
    return float(np.median(offsets[good])), float(fraction.max())


def fit_offset(
    eda: E4Signal, spans_ms: np.ndarray, eda_means: np.ndarray, tolerance: float = 1e-3
) -> tuple[float, float]:
    """``(offset_s, match_fraction)`` that best reproduces ``eda_means`` from ``eda``.

    Exchange ``[begin, end)`` ms lies at ``[begin/1000 + offset, end/1000 + offset)``
    s after the EDA start. A grid at the EDA sample period over every offset that
    keeps the dialogue (within a minute) inside the recording, then a 1 ms grid
    around the best one; the score is the fraction of rows whose mean is within
    ``tolerance`` µS.
    """
    rate = eda.rate
    cum = np.concatenate([[0.0], np.cumsum(eda.values, dtype=np.float64)])
    spans_s = np.asarray(spans_ms, dtype=float) / 1000.0
    target = np.asarray(eda_means, dtype=float)
    margin = 60.0
    low, high = -spans_s[:, 0].min() - margin, eda.duration - spans_s[:, 1].max() + margin
    coarse = np.arange(low, max(high, low) + 1.0 / rate, 1.0 / rate)
    offset, _ = _best(coarse, *_offset_scores(cum, rate, spans_s, target, coarse, tolerance))
    fine = np.round(offset + np.arange(-1.0 / rate, 1.0 / rate + 1e-4, 0.001), 3)
    return _best(fine, *_offset_scores(cum, rate, spans_s, target, fine, tolerance))


def _read_reference(path: Path | None, context: str) -> tuple[np.ndarray, np.ndarray]:
    """Exchange spans (ms, video clock) and ``EDA_mean`` of a Hazumi1911 dumpfile."""
    if path is None or not Path(path).is_file():
        raise FileNotFoundError(
            f"{context}: clock_offset='fit' needs the dumpfile (its EDA_mean column); "
            f"not found: {path}"
        )
    header = pd.read_csv(path, nrows=0).columns.str.strip()
    missing = [c for c in _REFERENCE_COLUMNS if c not in header]
    if missing:
        raise ValueError(f"{context}: {path} lacks column(s) {missing} needed to fit the clock.")
    table = pd.read_csv(path, usecols=lambda c: c.strip() in _REFERENCE_COLUMNS)
    table.columns = table.columns.str.strip()
    values = table[list(_REFERENCE_COLUMNS)].apply(pd.to_numeric, errors="coerce").to_numpy()
    bad = ~np.isfinite(values).all(axis=1)
    if bad.any():
        raise ValueError(f"{context}: {path} data row {int(np.flatnonzero(bad)[0]) + 1} has a "
                         "missing or non-numeric time or EDA_mean.")  # fmt: skip
    return values[:, :2], values[:, 2]


def estimate_clock_offset(
    biosensor_zip: str | Path, dumpfile: str | Path, tolerance: float = 1e-3
) -> tuple[float, float]:
    """Seconds to add to the dumpfile (video) clock to reach the E4 clock.

    The E4 Unix start is not aligned with dumpfile time zero (FORMAT.md section
    7); the offset is the one at which the dumpfile's ``EDA_mean`` column is
    reproduced from ``EDA.csv`` as the mean of the samples in each exchange's
    half-open window ``[start + offset, end + offset)`` (seconds after the EDA
    start), searched at 1 ms resolution.

    Parameters
    ----------
    biosensor_zip : str or Path
        The session's E4 export (``biosensor/<id>.zip``).
    dumpfile : str or Path
        The session's dumpfile (``dumpfiles/<id>.csv``) with ``EDA_mean``.
    tolerance : float, default=1e-3
        A row is reproduced when its mean is within this many µS.

    Returns
    -------
    offset_s : float
    match_fraction : float
        Share of dumpfile rows reproduced at that offset (1.0 for most sessions;
        rows outside the recording count as not reproduced).

    Examples
    --------
    >>> from hazumi_sk.features import estimate_clock_offset
    >>> root = "../shared/hazumi/Hazumi1911"
    >>> estimate_clock_offset(f"{root}/biosensor/1911M5001.zip",
    ...                       f"{root}/dumpfiles/1911M5001.csv")  # doctest: +SKIP
    (26.941, 1.0)
    """
    recording = read_e4_zip(biosensor_zip, signals=("EDA",))
    spans, means = _read_reference(Path(dumpfile), f"Dumpfile {dumpfile}")
    return fit_offset(recording.signals["EDA"], spans, means, tolerance)


# ------------------------------------------------------------------ per-exchange maths
def _windows(times: np.ndarray, spans_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and one-past-last sample index of each half-open window."""
    first = np.searchsorted(times, spans_s[:, 0] - _EPS, side="left")
    last = np.searchsorted(times, spans_s[:, 1] - _EPS, side="left")
    return first, last


def _coverage(signal: E4Signal, times: np.ndarray, spans_s: np.ndarray) -> list[str | None]:
    """Why each window cannot be described from ``signal`` (None where it can)."""
    begin, end = times[0], times[-1] + 1.0 / signal.rate
    first, last = _windows(times, spans_s)
    reasons: list[str | None] = []
    for (b, e), i, j in zip(spans_s, first, last, strict=True):
        if b < begin - _EPS or e > end + _EPS:
            reasons.append(
                f"[{b:.2f}, {e:.2f}) s lies outside the recording [{begin:.2f}, {end:.2f}] s"
            )
        elif j <= i:
            reasons.append(f"no sample in [{b:.2f}, {e:.2f}) s")
        else:
            reasons.append(None)
    return reasons


def _slope_per_min(t: np.ndarray, y: np.ndarray) -> float:
    if len(t) < 2:
        return np.nan
    return float(np.polyfit(t, y, 1)[0] * 60.0)


@dataclass
class _Params:
    method: str
    scr_min_amplitude: float
    min_beats: int
    fill_value: float


def _eda_features(rec: E4Recording, spans_s, p: _Params, out, report) -> None:
    eda = rec.signals["EDA"]
    times = eda.times(rec.reference)
    tonic, peaks, amplitudes = decompose_eda(eda.values, eda.rate, p.method, p.scr_min_amplitude)
    peak_times = times[peaks]
    first, last = _windows(times, spans_s)
    for k, reason in enumerate(_coverage(eda, times, spans_s)):
        if reason is not None:
            report.problems.append((k, "EDA", reason))
            continue
        b, e = spans_s[k]
        in_window = (peak_times >= b - _EPS) & (peak_times < e - _EPS)
        count = int(in_window.sum())
        out[k, _SLICES["EDA"]] = (
            eda.values[first[k] : last[k]].mean(),
            tonic[first[k] : last[k]].mean(),
            count,
            count / ((e - b) / 60.0),
            amplitudes[in_window].mean() if count else p.fill_value,
        )


def _simple_features(rec: E4Recording, name: str, spans_s, out, report) -> None:
    """TEMP (mean, slope per minute) and ACC (magnitude in g: mean, std)."""
    signal = rec.signals[name]
    times = signal.times(rec.reference)
    first, last = _windows(times, spans_s)
    values = signal.values
    if name == "ACC":
        values = np.linalg.norm(values, axis=1) * _ACC_UNIT_G
    for k, reason in enumerate(_coverage(signal, times, spans_s)):
        if reason is not None:
            report.problems.append((k, name, reason))
            continue
        t, y = times[first[k] : last[k]], values[first[k] : last[k]]
        if name == "TEMP":
            out[k, _SLICES[name]] = (y.mean(), _slope_per_min(t, y))
        else:
            out[k, _SLICES[name]] = (y.mean(), y.std())


def _bvp_intervals(rec: E4Recording, method: str) -> tuple[np.ndarray, np.ndarray]:
    """(beat times, intervals) from BVP peaks, implausible intervals removed."""
    bvp = rec.signals["BVP"]
    beat_times = bvp.times(rec.reference)[bvp_beats(bvp.values, bvp.rate, method)]
    intervals = np.diff(beat_times)
    # Wrist BVP gives spurious (dicrotic, motion) peaks: keep an interval only if it is
    # plausible and within 25 % of the median of its 11 neighbours.
    local = pd.Series(intervals).rolling(11, center=True, min_periods=1).median().to_numpy()
    keep = (intervals >= IBI_RANGE_S[0]) & (intervals <= IBI_RANGE_S[1])
    keep &= np.abs(intervals - local) <= _BEAT_TOLERANCE * local
    return beat_times[1:][keep], intervals[keep]


def _hr_features(rec: E4Recording, spans_s, p: _Params, out, report) -> None:
    """HR (bpm) from the device's IBIs, from BVP peaks where the window has too few."""
    device = rec.ibi if rec.ibi is not None else (np.zeros(0), np.zeros(0))
    from_bvp = None  # computed only if some window needs it
    bvp = rec.signals["BVP"]  # the device derives IBI.csv from it: same coverage
    for k, ((b, e), reason) in enumerate(
        zip(spans_s, _coverage(bvp, bvp.times(rec.reference), spans_s), strict=True)
    ):
        if reason is not None:
            report.problems.append((k, "HR", reason))
            continue
        sources = [device, None]
        for s, source in enumerate(sources):
            if source is None:
                from_bvp = from_bvp if from_bvp is not None else _bvp_intervals(rec, p.method)
                source = from_bvp
            beat_times, intervals = source
            chosen = intervals[(beat_times >= b - _EPS) & (beat_times < e - _EPS)]
            if len(chosen) >= p.min_beats:
                rate = 60.0 / chosen
                out[k, _SLICES["HR"]] = (rate.mean(), rate.std())
                report.hr_from_bvp += s
                break
        else:
            report.problems.append(
                (k, "HR", f"fewer than {p.min_beats} beats in [{b:.2f}, {e:.2f}) s (IBI and BVP)")
            )


def session_features(rec: E4Recording, spans_s: np.ndarray, p: _Params, report) -> np.ndarray:
    """``(n_exchanges, len(BIOSENSOR_FEATURES))``; NaN where a group cannot be computed."""
    out = np.full((len(spans_s), len(BIOSENSOR_FEATURES)), np.nan)
    _eda_features(rec, spans_s, p, out, report)
    _hr_features(rec, spans_s, p, out, report)
    for name in ("TEMP", "ACC"):
        _simple_features(rec, name, spans_s, out, report)
    return out


# ------------------------------------------------------------------------ estimator
class BiosensorFeatures(DialogueFeatureExtractor):
    """Physiological features per exchange from Empatica E4 exports (modality ``"P"``).

    Eleven features, named ``P__<name>``:

    - ``EDA_mean`` (µS; reproduces the Hazumi1911 dumpfile column), ``EDA_tonic_mean``
      (the 0.05 Hz low-pass tonic level), ``SCR_count``, ``SCR_rate_per_min`` and
      ``SCR_amplitude_mean`` (µS; ``fill_value`` when the exchange has no SCR) of
      the skin-conductance responses whose peak lies in the exchange; the tonic/
      phasic split and SCR detection run once over the whole session;
    - ``HR_mean``, ``HR_std`` (bpm, ``60 / IBI`` of the beats in the exchange): from
      the device's ``IBI.csv``, or, where the exchange holds fewer than
      ``min_beats`` of those (``IBI.csv`` is empty in three 1911 sessions), from
      BVP peak detection;
    - ``TEMP_mean`` (°C), ``TEMP_slope_per_min`` (least-squares, °C/min);
    - ``ACC_magnitude_mean``, ``ACC_magnitude_std`` (g, of ``|(x, y, z)| / 64``).

    **Clock.** Exchange times (ms, the dumpfile/video clock of the exchange table)
    are mapped to seconds after the EDA start (the E4 session clock; HR.csv and
    IBI.csv are placed by their own start rows) by adding a per-session offset,
    which FORMAT.md section 7 says must be estimated: ``clock_offset="fit"`` finds
    it by reproducing the dumpfile's ``EDA_mean`` (:func:`estimate_clock_offset`).
    A window is the half-open ``[start + offset, end + offset)``.

    **Missing data is never silent.** A signal group whose window lies outside
    the recording or holds no samples (or too few beats) is NaN, and every
    ``transform`` emits one :class:`BiosensorWarning` per affected dialogue naming
    its exchanges and why.

    Parameters
    ----------
    biosensor_dir : str or Path, optional
        Folder of ``<dialogue_id>.zip``. ``None``: ``dialogue.extras["biosensor"]``.
    dumpfile_dir : str or Path, optional
        Folder of ``<dialogue_id>.csv`` for ``clock_offset="fit"``. ``None``:
        ``dialogue.extras["dumpfile"]`` (set by :func:`~hazumi_sk.datasets.load_hazumi`).
    clock_offset : "fit", float or dict, default="fit"
        Seconds added to the exchange times: fitted per session, one value for
        all, or ``{dialogue_id: seconds}``.
    method : {"neurokit", "simple"}, default="neurokit"
        EDA decomposition / SCR and BVP-beat detection back end (see
        ``docs/features.rst``; ``"neurokit"`` needs the ``bio`` extra).
    segment : {"exchange", "user"}, default="exchange"
    scr_min_amplitude : float, default=0.05
        Smallest SCR amplitude counted (µS, absolute).
    min_beats : int, default=2
        Fewest beats for HR in an exchange.
    fill_value : float, default=0.0
        ``SCR_amplitude_mean`` of an exchange without SCR.
    on_missing : {"raise", "nan"}, default="raise"
        A missing/unreadable zip or dumpfile, or an offset that cannot be fitted
        (fewer than half the rows reproduced), raises an error naming the
        dialogue, or gives NaN rows (reported by a :class:`BiosensorWarning`).
    verbose : bool, default=False

    Attributes
    ----------
    feature_names_out_ : ndarray of str
    n_features_out_ : int

    Examples
    --------
    >>> import tempfile, zipfile, pathlib, numpy as np, pandas as pd
    >>> from hazumi_sk.datasets import Dialogue
    >>> from hazumi_sk.features import BiosensorFeatures
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "d1.zip"
    >>> def col(rate, values, k=1):
    ...     rows = [[1.6e9] * k, [rate] * k] + [list(np.atleast_1d(v)) for v in values]
    ...     return "\\n".join(",".join(map(str, r)) for r in rows)
    >>> with zipfile.ZipFile(path, "w") as z:
    ...     z.writestr("d1/EDA.csv", col(4, np.full(240, 2.0)))
    ...     z.writestr("d1/TEMP.csv", col(4, np.full(240, 33.0)))
    ...     z.writestr("d1/ACC.csv", col(32, np.tile([0, 0, 64], (1920, 1)), k=3))
    ...     z.writestr("d1/BVP.csv", col(64, np.sin(np.arange(3840) * 2 * np.pi / 64)))
    ...     z.writestr("d1/IBI.csv", "1600000000.0, IBI\\n" +
    ...                "\\n".join(f"{t},1.0" for t in range(1, 60)))
    >>> d = Dialogue("d1", pd.DataFrame({"start_ms": [0, 30000], "end_ms": [30000, 60000]}),
    ...              extras={"biosensor": path})
    >>> X = BiosensorFeatures(clock_offset=0.0, method="simple").fit_transform([d])
    >>> (X.values[:, [1, 5, 7, 8, 9]].round(3) + 0.0).tolist()  # + 0.0: no "-0.0"
    [[2.0, 60.0, 33.0, 0.0, 1.0], [2.0, 60.0, 33.0, 0.0, 1.0]]
    """

    modality: ClassVar[str] = "P"

    _parameter_constraints: ClassVar[dict] = {
        "biosensor_dir": [str, Path, None],
        "dumpfile_dir": [str, Path, None],
        "clock_offset": [StrOptions({"fit"}), Real, dict],
        "method": [StrOptions(set(METHODS))],
        "segment": [StrOptions(set(SEGMENTS))],
        "scr_min_amplitude": [Interval(Real, 0, None, closed="left")],
        "min_beats": [Interval(Integral, 1, None, closed="left")],
        "fill_value": [Real],
        "on_missing": [StrOptions(set(ON_MISSING))],
        "verbose": ["boolean"],
    }

    def __init__(
        self,
        biosensor_dir: str | Path | None = None,
        dumpfile_dir: str | Path | None = None,
        clock_offset: str | float | dict = "fit",
        method: str = "neurokit",
        segment: str = "exchange",
        scr_min_amplitude: float = 0.05,
        min_beats: int = 2,
        fill_value: float = 0.0,
        on_missing: str = "raise",
        verbose: bool = False,
    ) -> None:
        self.biosensor_dir = biosensor_dir
        self.dumpfile_dir = dumpfile_dir
        self.clock_offset = clock_offset
        self.method = method
        self.segment = segment
        self.scr_min_amplitude = scr_min_amplitude
        self.min_beats = min_beats
        self.fill_value = fill_value
        self.on_missing = on_missing
        self.verbose = verbose

    # ------------------------------------------------------------- hooks
    def _validate_params(self) -> None:
        check_parameters(self)
        check_method(self.method)

    def _fit_names(self) -> list[str]:
        return list(BIOSENSOR_FEATURES)

    def _paths(self, dialogue: Dialogue) -> tuple[Path | None, Path | None]:
        """The dialogue's E4 zip and dumpfile (from the folders or ``dialogue.extras``)."""

        def locate(folder, key, suffix):
            if folder is not None:
                return Path(folder) / f"{dialogue.dialogue_id}{suffix}"
            value = dialogue.extras.get(key)
            return None if value is None else Path(value)

        return (
            locate(self.biosensor_dir, "biosensor", ".zip"),
            locate(self.dumpfile_dir, "dumpfile", ".csv"),
        )

    def _offset(self, dialogue: Dialogue, rec: E4Recording, dumpfile, report) -> float:
        context = f"Dialogue {dialogue.dialogue_id!r}"
        if isinstance(self.clock_offset, dict):
            if dialogue.dialogue_id not in self.clock_offset:
                raise ValueError(f"{context}: clock_offset has no entry for it.")
            report.offset_source = "given"
            return float(self.clock_offset[dialogue.dialogue_id])
        if not isinstance(self.clock_offset, str):
            report.offset_source = "given"
            return float(self.clock_offset)
        spans, means = _read_reference(dumpfile, context)
        offset, match = fit_offset(rec.signals["EDA"], spans, means)
        report.offset_source, report.offset_match = "fit", match
        if match < 0.5:
            raise ValueError(
                f"{context}: no clock offset reproduces the dumpfile EDA_mean of {dumpfile} "
                f"(best {offset:+.3f} s matches {match:.0%} of the rows); is it the same session?"
            )
        return offset

    def extract_with_report(self, dialogue: Dialogue) -> tuple[np.ndarray, SessionReport]:
        """Features of one dialogue and what could not be computed (no warning)."""
        report = SessionReport(dialogue.dialogue_id)
        spans_ms = exchange_spans(dialogue, self.segment)
        zip_path, dumpfile = self._paths(dialogue)
        try:
            if zip_path is None:
                raise FileNotFoundError(
                    f"Dialogue {dialogue.dialogue_id!r}: no E4 export (set biosensor_dir or "
                    "dialogue.extras['biosensor'])."
                )
            rec = read_e4_zip(zip_path, signals=_SIGNALS)
            report.offset_s = self._offset(dialogue, rec, dumpfile, report)
        except (FileNotFoundError, ValueError) as error:
            if self.on_missing == "raise":
                raise
            report.missing = str(error)
            return np.full((dialogue.n_exchanges, len(BIOSENSOR_FEATURES)), np.nan), report
        params = _Params(self.method, self.scr_min_amplitude, self.min_beats, self.fill_value)
        spans_s = spans_ms / 1000.0 + report.offset_s
        return session_features(rec, spans_s, params, report), report

    def _extract_dialogue(self, dialogue: Dialogue) -> np.ndarray:
        features, report = self.extract_with_report(dialogue)
        message = describe_problems(dialogue, report)
        if message:
            warnings.warn(message, BiosensorWarning, stacklevel=3)
        return features

    def cache_key(self, dialogue: Dialogue) -> tuple:
        """Fitted state plus the E4 zip and dumpfile the dialogue's features come from."""
        base = super().cache_key(dialogue)
        return (*base, *(media_fingerprint(p) for p in self._paths(dialogue)))


def describe_problems(dialogue: Dialogue, report: SessionReport) -> str:
    """One message naming every exchange with NaN features, or '' if none."""
    if report.missing is not None:
        return f"Dialogue {dialogue.dialogue_id!r}: all biosensor features NaN: {report.missing}"
    if not report.problems:
        return ""
    parts = [f"{exchange_name(dialogue, k)} {group}: {why}" for k, group, why in report.problems]
    head = f"{len({k for k, _, _ in report.problems})} exchange(s) with NaN biosensor features: "
    return head + "; ".join(parts)
