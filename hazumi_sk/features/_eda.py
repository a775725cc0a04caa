"""Signal processing of the E4 block: EDA tonic/phasic split + SCRs, beats from BVP.

Two interchangeable back ends:

- ``"neurokit"``: :func:`neurokit2.eda_phasic` (``method="highpass"``: a 0.05 Hz
  Butterworth split), :func:`neurokit2.eda_peaks` and
  :func:`neurokit2.ppg_findpeaks` (optional dependency, ``pip install hazumi-sk[bio]``);
- ``"simple"``: the same 0.05 Hz zero-phase Butterworth split with SciPy; an SCR
  is a local maximum of the phasic signal, its amplitude the rise from the lowest
  phasic value in the ``_ONSET_WINDOW_S`` before it (not before the previous
  peak); beats are BVP maxima at least 0.4 s apart, with a prominence of half the median
  absolute signal, after a 0.5-8 Hz band-pass.

Both keep only SCRs of at least ``min_amplitude`` µS: an absolute threshold,
because neurokit2's relative one (a fraction of the session's largest SCR) keeps
the small rebounds that the high-pass filter leaves after each response.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.signal import butter, find_peaks, sosfiltfilt

__all__ = ["METHODS", "decompose_eda", "bvp_beats", "check_method"]

METHODS = ("neurokit", "simple")
_TONIC_CUTOFF_HZ = 0.05
_ONSET_WINDOW_S = 4.0
#: Physiologically plausible inter-beat intervals (30-200 bpm); others are detection errors.
IBI_RANGE_S = (0.3, 2.0)


def check_method(method: str) -> None:
    """Raise if ``method`` is unknown, or is "neurokit" without neurokit2 installed."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, got {method!r}.")
    if method == "neurokit":
        try:
            import neurokit2  # noqa: F401
        except ImportError:
            raise ImportError(
                "method='neurokit' needs neurokit2: pip install 'hazumi-sk[bio]' "
                "(or use method='simple')."
            ) from None


def _lowpass(signal: np.ndarray, rate: float, cutoff: float, order: int = 2) -> np.ndarray:
    sos = butter(order, cutoff, btype="lowpass", fs=rate, output="sos")
    return sosfiltfilt(sos, signal)


def _simple_scrs(phasic: np.ndarray, rate: float) -> tuple[np.ndarray, np.ndarray]:
    peaks, _ = find_peaks(phasic)
    window = max(1, int(round(_ONSET_WINDOW_S * rate)))
    amplitudes = np.array([phasic[p] - phasic[max(0, p - window) : p + 1].min() for p in peaks])
    return peaks, amplitudes.reshape(-1)


def _neurokit_eda(eda: np.ndarray, rate: float) -> tuple[np.ndarray, ...]:
    import neurokit2 as nk

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NeuroKitWarning about 4 Hz being a low rate
        parts = nk.eda_phasic(eda, sampling_rate=rate, method="highpass")
        phasic = parts["EDA_Phasic"].to_numpy()
        _, info = nk.eda_peaks(phasic, sampling_rate=rate, method="neurokit", amplitude_min=0.0)
    peaks = np.asarray(info["SCR_Peaks"], dtype=int)
    amplitudes = np.asarray(info["SCR_Amplitude"], dtype=float)
    return parts["EDA_Tonic"].to_numpy(), peaks, amplitudes


def decompose_eda(
    eda: np.ndarray, rate: float, method: str, min_amplitude: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(tonic, scr_peak_indices, scr_amplitudes)`` of a whole-session EDA signal (µS)."""
    eda = np.asarray(eda, dtype=float)
    if method == "neurokit":
        tonic, peaks, amplitudes = _neurokit_eda(eda, rate)
    else:
        tonic = _lowpass(eda, rate, _TONIC_CUTOFF_HZ)
        peaks, amplitudes = _simple_scrs(eda - tonic, rate)
    # neurokit2 gives NaN amplitude to a peak without an onset (at the very start).
    keep = np.isfinite(amplitudes) & (amplitudes >= min_amplitude)
    return tonic, peaks[keep], amplitudes[keep]


def bvp_beats(bvp: np.ndarray, rate: float, method: str) -> np.ndarray:
    """Sample indices of the heart beats (systolic peaks) of a BVP signal."""
    bvp = np.asarray(bvp, dtype=float)
    if method == "neurokit":
        import neurokit2 as nk

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clean = nk.ppg_clean(bvp, sampling_rate=rate)
            return np.asarray(nk.ppg_findpeaks(clean, sampling_rate=rate)["PPG_Peaks"], dtype=int)
    sos = butter(3, (0.5, min(8.0, 0.45 * rate)), btype="bandpass", fs=rate, output="sos")
    filtered = sosfiltfilt(sos, bvp)
    # Systolic peaks stand out by prominence; the dicrotic notch's bump does not.
    prominence = 0.5 * np.median(np.abs(filtered))
    peaks, _ = find_peaks(filtered, distance=max(1, int(0.4 * rate)), prominence=prominence)
    return peaks
