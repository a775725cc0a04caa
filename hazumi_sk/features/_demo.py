"""Synthetic raw recordings in the formats the extractors read (for docs, tests, examples)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import check_random_state

from ..datasets import Dialogue
from ..vocabulary import KINECT_UPPER_BODY, OPENFACE_ACTION_UNITS

__all__ = ["write_demo_recordings", "openface_header", "write_openface_csv", "write_tone_wav"]

_SENTENCES = (
    "(F えー)|ラーメンが好きです",
    "そうですね|(D き)昨日は映画を見ました",
    "はい",
    "東京に住んでいます",
    "(F あの)|(? なんか)|楽しかったです",
    "",
)
#: AUs OpenFace reports as intensity (``AU*_r``): all but AU28.
_INTENSITY_AUS = tuple(au for au in OPENFACE_ACTION_UNITS if au != "AU28")


def openface_header() -> list[str]:
    """Column names of an OpenFace 2.2 ``FeatureExtraction`` CSV (all outputs on)."""
    columns = ["frame", "face_id", "timestamp", "confidence", "success"]
    columns += [f"gaze_{e}_{a}" for e in (0, 1) for a in "xyz"] + ["gaze_angle_x", "gaze_angle_y"]
    columns += [f"eye_lmk_{a}_{k}" for a in "xyXYZ" for k in range(56)]
    columns += [f"pose_{p}" for p in ("Tx", "Ty", "Tz", "Rx", "Ry", "Rz")]
    columns += [f"{a}_{k}" for a in "xyXYZ" for k in range(68)]
    columns += ["p_scale", "p_rx", "p_ry", "p_rz", "p_tx", "p_ty"] + [f"p_{k}" for k in range(34)]
    columns += [f"{au}_r" for au in _INTENSITY_AUS] + [f"{au}_c" for au in OPENFACE_ACTION_UNITS]
    return columns


def write_openface_csv(
    path: Path | str,
    times_ms: np.ndarray,
    landmarks_3d: np.ndarray,
    action_units: np.ndarray | None = None,
    confidence: np.ndarray | None = None,
    success: np.ndarray | None = None,
) -> Path:
    """Write an OpenFace-2.2-style CSV (", " separators, as OpenFace writes them).

    ``landmarks_3d`` is ``(n_frames, 68, 3)`` in mm; the 2-D ``x_i, y_i`` are its
    first two coordinates. ``action_units`` is ``(n_frames, 18)`` presence (0/1).
    """
    n = len(times_ms)
    header = openface_header()
    column = {name: j for j, name in enumerate(header)}
    table = np.zeros((n, len(header)))
    table[:, column["frame"]] = np.arange(1, n + 1)
    table[:, column["timestamp"]] = np.asarray(times_ms) / 1000.0
    table[:, column["confidence"]] = 0.98 if confidence is None else confidence
    table[:, column["success"]] = 1 if success is None else success
    for axis, name in enumerate("XYZ"):
        table[:, [column[f"{name}_{k}"] for k in range(68)]] = landmarks_3d[:, :, axis]
    for axis, name in enumerate("xy"):
        table[:, [column[f"{name}_{k}"] for k in range(68)]] = landmarks_3d[:, :, axis]
    if action_units is not None:
        table[:, [column[f"{au}_c"] for au in OPENFACE_ACTION_UNITS]] = action_units
    path = Path(path)
    # OpenFace separates fields with ", ": reproduce that so the reader is tested on it.
    np.savetxt(path, table, fmt="%.10g", delimiter=", ", header=", ".join(header), comments="")
    return path


def write_tone_wav(path: Path | str, pieces: list[tuple[float, float]], rate: int = 16000) -> Path:
    """Write a WAV of ``(duration_ms, frequency_hz)`` tone pieces; frequency 0 writes silence.

    Known audio for tests and benchmarks of :class:`AcousticFeatures`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from hazumi_sk.features import write_tone_wav
    >>> wav = write_tone_wav(Path(tempfile.mkdtemp()) / "a.wav", [(500, 220.0), (500, 0)])
    >>> wav.suffix
    '.wav'
    """
    import soundfile

    signal = []
    for duration_ms, frequency in pieces:
        t = np.arange(int(round(duration_ms * rate / 1000))) / rate
        signal.append(0.3 * np.sin(2 * np.pi * frequency * t) if frequency else 0.0 * t)
    soundfile.write(str(path), np.concatenate(signal).astype(np.float32), rate)
    return Path(path)


def _motion(rng: np.random.RandomState, times: np.ndarray, n_points: int, spans) -> np.ndarray:
    """Piecewise constant-velocity trajectories (units/s), one velocity per exchange."""
    positions = np.zeros((len(times), n_points, 3))
    velocity = np.zeros((n_points, 3))
    for k in range(1, len(times)):
        exchange = np.searchsorted(spans[:, 1], times[k], side="left")
        if k == 1 or np.searchsorted(spans[:, 1], times[k - 1], side="left") != exchange:
            velocity = rng.normal(0, 0.1 * (1 + exchange % 3), size=(n_points, 3))
        positions[k] = positions[k - 1] + velocity * (times[k] - times[k - 1]) / 1000.0
    return positions


def write_demo_recordings(
    folder: Path | str,
    n_dialogues: int = 4,
    n_exchanges: int = 6,
    exchange_ms: float = 2000.0,
    sampling_rate: int = 16000,
    fps: float = 30.0,
    random_state: int | None = 0,
) -> list[Dialogue]:
    """Write small synthetic sessions (WAV, joint CSV, OpenFace CSV) and return their dialogues.

    Each exchange is a system turn (silence, first 40 %) and a user turn (a pure
    tone whose pitch varies by exchange); body joints and face landmarks move
    with a constant velocity per exchange; transcripts carry CSJ-style tags and
    some are empty; ``SS`` is a random 1-7 label.

    Parameters
    ----------
    folder : path-like
        Created if missing.
    n_dialogues, n_exchanges : int
    exchange_ms : float
        Duration of each exchange.
    sampling_rate : int
    fps : float
        Frame rate of the tracking files.
    random_state : int or None

    Returns
    -------
    list of Dialogue

    Examples
    --------
    >>> import tempfile
    >>> from hazumi_sk.features import write_demo_recordings
    >>> dialogues = write_demo_recordings(tempfile.mkdtemp(), n_dialogues=2)
    >>> [d.n_exchanges for d in dialogues], dialogues[0].audio_path.suffix
    ([6, 6], '.wav')
    """
    rng = check_random_state(random_state)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    dialogues = []
    for i in range(n_dialogues):
        starts = np.arange(n_exchanges) * exchange_ms
        table = pd.DataFrame(
            {
                "exchange": np.arange(n_exchanges),
                "start_ms": starts,
                "end_system_ms": starts + 0.4 * exchange_ms,
                "end_ms": starts + exchange_ms,
                "user_utterance": [_SENTENCES[rng.randint(len(_SENTENCES))] for _ in starts],
                "SS": rng.randint(1, 8, size=n_exchanges).astype(float),
            }
        )
        spans = table[["start_ms", "end_ms"]].to_numpy()
        pitches = rng.uniform(150, 300, size=n_exchanges)
        pieces = [p for f in pitches for p in ((0.4 * exchange_ms, 0), (0.6 * exchange_ms, f))]
        wav = write_tone_wav(folder / f"s{i}.wav", pieces, sampling_rate)
        times = np.arange(0, n_exchanges * exchange_ms + 1, 1000.0 / fps)
        body = _motion(rng, times, len(KINECT_UPPER_BODY), spans)
        body_table = pd.DataFrame({"time_ms": times})
        for j, joint in enumerate(KINECT_UPPER_BODY):
            for axis, name in enumerate("xyz"):
                body_table[f"{joint}_{name}"] = body[:, j, axis]
        body_table.to_csv(folder / f"s{i}_body.csv", index=False)
        face = _motion(rng, times, 68, spans) * 100 + 500
        aus = (rng.uniform(size=(len(times), len(OPENFACE_ACTION_UNITS))) < 0.3).astype(float)
        write_openface_csv(folder / f"s{i}_face.csv", times, face, aus)
        dialogues.append(
            Dialogue(
                f"demo{i:02d}",
                table,
                audio_path=wav,
                face_path=folder / f"s{i}_face.csv",
                body_path=folder / f"s{i}_body.csv",
                speaker=f"speaker{i // 2}",
            )
        )
    return dialogues
