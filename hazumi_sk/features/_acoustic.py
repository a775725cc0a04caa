"""Acoustic functionals per exchange with openSMILE (modality ``"A"``)."""

from __future__ import annotations

import os
import warnings
from collections import defaultdict
from numbers import Integral
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..datasets import Dialogue
from ..utils import StrictInterval, StrOptions
from ._base import ON_MISSING, SEGMENTS, DialogueFeatureExtractor, exchange_name, exchange_spans

__all__ = ["AcousticFeatures", "FEATURE_SET_SIZES"]

#: openSMILE functionals sets offered by name, with their number of features.
FEATURE_SET_SIZES = {"eGeMAPSv02": 88, "IS09": 384, "ComParE_2016": 6373}
#: Below this rate the openSMILE sets' filter banks and pitch ranges make no sense.
MIN_SAMPLING_RATE = 8000


def _import_audio_stack() -> tuple[Any, Any]:
    try:
        import opensmile
        import soundfile
    except ImportError as error:  # pragma: no cover - exercised on bare installs only
        raise ImportError(
            "AcousticFeatures needs the 'opensmile' and 'soundfile' packages: "
            "pip install 'hazumi-sk[audio]'."
        ) from error
    return opensmile, soundfile


def _make_smile(feature_set: str) -> Any:
    opensmile, _ = _import_audio_stack()
    level = opensmile.FeatureLevel.Functionals
    if Path(feature_set).suffix == ".conf":
        # A user config (for example an IS09 variant); it must write functionals.
        return opensmile.Smile(feature_set=str(feature_set), feature_level="func")
    return opensmile.Smile(
        feature_set=getattr(opensmile.FeatureSet, feature_set), feature_level=level
    )


class AcousticFeatures(DialogueFeatureExtractor):
    """openSMILE functionals over each exchange's speech (modality ``"A"``).

    Reads ``Dialogue.audio_path`` (any format libsndfile reads, WAV in practice;
    opened once per dialogue, each exchange read by seeking), cuts the exchange's
    segment, mixes multi-channel audio to mono (or takes ``channel``) and runs the
    openSMILE functionals set on it. Names are openSMILE's, prefixed:
    ``A__F0semitoneFrom27.5Hz_sma3nz_amean`` (eGeMAPS), ``A__F0_sma_amean`` (IS09, as
    in the Hazumi dumpfiles).

    Parameters
    ----------
    feature_set : {"eGeMAPSv02", "IS09", "ComParE_2016"} or str, default="eGeMAPSv02"
        88, 384 or 6373 functionals; any other ``opensmile.FeatureSet`` member name
        or a path to an openSMILE ``.conf`` file that outputs functionals.
    segment : {"user", "exchange"}, default="user"
        ``"user"``: the user's turn, ``end_system_ms`` to ``end_ms``; ``"exchange"``:
        ``start_ms`` to ``end_ms``.
    normalize : {"speaker", None}, default="speaker"
        ``"speaker"`` z-scores every feature over all exchanges of the same
        ``Dialogue.speaker_id`` in the data being transformed (the paper: "the
        features of each speaker are extracted and normalized"). The statistics
        are the speaker's own, computed at transform time, so no information
        crosses from training to test speakers; constant features are only
        centred. ``None`` keeps raw values.
    sampling_rate : int, optional
        Expected rate. ``None`` accepts any rate of at least 8 kHz; an int makes a
        file at another rate an error, or resampled to it when ``resample=True``.
    resample : bool, default=False
    channel : int, optional
        Channel to analyse; ``None`` averages all channels.
    on_missing : {"raise", "nan"}, default="raise"
        What to do with a missing/unreadable file, an exchange outside the
        recording, or a segment too short for openSMILE (about < 0.1 s):
        raise an error naming the dialogue (and exchange), or give NaN rows.
    verbose : bool, default=False
        Progress bar over dialogues.

    Attributes
    ----------
    feature_names_out_ : ndarray of str
    n_features_out_ : int

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, pandas as pd, soundfile as sf
    >>> from hazumi_sk.datasets import Dialogue
    >>> from hazumi_sk.features import AcousticFeatures
    >>> wav = pathlib.Path(tempfile.mkdtemp()) / "tone.wav"
    >>> t = np.arange(32000) / 16000
    >>> sf.write(wav, 0.3 * np.sin(2 * np.pi * 220 * t), 16000)
    >>> d = Dialogue("d1", pd.DataFrame({"start_ms": [0], "end_system_ms": [0],
    ...                                  "end_ms": [2000]}), audio_path=wav)
    >>> X = AcousticFeatures(normalize=None).fit_transform([d])
    >>> X.shape, round(float(X.values[0, 0]))   # F0 mean: 12 * log2(220 / 27.5) = 36
    ((1, 88), 36)
    """

    modality: ClassVar[str] = "A"
    media_attributes: ClassVar[tuple[str, ...]] = ("audio_path",)
    _parameter_constraints: ClassVar[dict] = {
        "feature_set": [str, os.PathLike],  # the names depend on the installed openSMILE
        "segment": [StrOptions(set(SEGMENTS))],
        "normalize": [StrOptions({"speaker"}), None],
        "sampling_rate": [StrictInterval(Integral, MIN_SAMPLING_RATE, None, closed="left"), None],
        "resample": ["boolean"],
        "channel": [StrictInterval(Integral, 0, None, closed="left"), None],
        "on_missing": [StrOptions(set(ON_MISSING))],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        feature_set: str = "eGeMAPSv02",
        segment: str = "user",
        normalize: str | None = "speaker",
        sampling_rate: int | None = None,
        resample: bool = False,
        channel: int | None = None,
        on_missing: str = "raise",
        verbose: bool = False,
    ) -> None:
        self.feature_set = feature_set
        self.segment = segment
        self.normalize = normalize
        self.sampling_rate = sampling_rate
        self.resample = resample
        self.channel = channel
        self.on_missing = on_missing
        self.verbose = verbose

    # ---------------------------------------------------------- validation
    def _validate_params(self) -> None:
        super()._validate_params()
        opensmile, _ = _import_audio_stack()
        is_conf = Path(self.feature_set).suffix == ".conf"
        if is_conf and not Path(self.feature_set).is_file():
            raise FileNotFoundError(f"feature_set config file not found: {self.feature_set}")
        if not is_conf and self.feature_set not in opensmile.FeatureSet.__members__:
            raise ValueError(
                f"feature_set must be one of {sorted(opensmile.FeatureSet.__members__)} or a "
                f".conf path, got {self.feature_set!r}."
            )
        if self.resample and self.sampling_rate is None:
            raise ValueError("resample=True needs a target sampling_rate.")

    def _fit_names(self) -> list[str]:
        return list(_make_smile(self.feature_set).feature_names)

    # ---------------------------------------------------------- extraction
    def _extract_dialogue(self, dialogue: Dialogue) -> np.ndarray:
        spans = exchange_spans(dialogue, self.segment)
        try:
            return self._extract_from_file(dialogue, spans)
        except _SkippableError:
            return np.full((dialogue.n_exchanges, self.n_features_out_), np.nan)

    def _extract_from_file(self, dialogue: Dialogue, spans: np.ndarray) -> np.ndarray:
        _, soundfile = _import_audio_stack()
        path = dialogue.audio_path
        if path is None or not Path(path).is_file():
            self._fail(
                FileNotFoundError(
                    f"Dialogue {dialogue.dialogue_id!r}: audio file not found: {path}"
                )
            )
        try:
            handle = soundfile.SoundFile(str(path))
        except (RuntimeError, soundfile.LibsndfileError) as error:
            self._fail(
                ValueError(
                    f"Dialogue {dialogue.dialogue_id!r}: cannot read audio file {path}: {error}"
                )
            )
        smile = _make_smile(self.feature_set)
        with handle:
            self._check_channel(dialogue, handle.channels)
            rate = self._check_rate(dialogue, handle.samplerate)
            rows = [
                self._exchange_functionals(dialogue, i, handle, smile, rate, begin, end)
                for i, (begin, end) in enumerate(spans)
            ]
        return np.vstack(rows)

    def _fail(self, error: Exception) -> None:
        if self.on_missing == "nan":
            raise _SkippableError from error
        raise error

    def _check_channel(self, dialogue: Dialogue, n_channels: int) -> None:
        if self.channel is not None and self.channel >= n_channels:
            raise ValueError(
                f"channel={self.channel}, but {dialogue.audio_path} (dialogue "
                f"{dialogue.dialogue_id!r}) has {n_channels} channel(s): channel must be in "
                f"0..{n_channels - 1} or None (the mean of all channels)."
            )

    def _check_rate(self, dialogue: Dialogue, rate: int) -> int:
        if rate < MIN_SAMPLING_RATE:
            self._fail(
                ValueError(
                    f"Dialogue {dialogue.dialogue_id!r}: {dialogue.audio_path} is sampled at "
                    f"{rate} Hz; openSMILE feature sets need at least {MIN_SAMPLING_RATE} Hz."
                )
            )
        if self.sampling_rate is not None and rate != self.sampling_rate and not self.resample:
            self._fail(
                ValueError(
                    f"Dialogue {dialogue.dialogue_id!r}: {dialogue.audio_path} is sampled at "
                    f"{rate} Hz, expected sampling_rate={self.sampling_rate} "
                    "(set resample=True to convert)."
                )
            )
        return rate

    def _exchange_functionals(
        self,
        dialogue: Dialogue,
        i: int,
        handle: Any,
        smile: Any,
        rate: int,
        begin: float,
        end: float,
    ) -> np.ndarray:
        first, last = int(round(begin * rate / 1000)), int(round(end * rate / 1000))
        if first < 0 or last > handle.frames:
            return self._exchange_problem(
                f"{exchange_name(dialogue, i)}: [{begin:.0f}, {end:.0f}] ms lies outside the "
                f"recording {dialogue.audio_path} (0 to {1000 * handle.frames / rate:.0f} ms)."
            )
        handle.seek(first)
        signal = handle.read(last - first, dtype="float32", always_2d=True)
        signal = signal.mean(axis=1) if self.channel is None else signal[:, self.channel]
        if self.resample and rate != self.sampling_rate:
            import audresample

            signal = audresample.resample(signal, rate, self.sampling_rate)[0]
            rate = self.sampling_rate
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Segment too short")
            values = smile.process_signal(signal, rate).to_numpy(dtype=float)[0]
        if np.isnan(values).all():
            return self._exchange_problem(
                f"{exchange_name(dialogue, i)}: segment of {end - begin:.0f} ms is too short "
                "for openSMILE."
            )
        return values

    def _exchange_problem(self, message: str) -> np.ndarray:
        if self.on_missing == "nan":
            return np.full(self.n_features_out_, np.nan)
        raise ValueError(message + " Use on_missing='nan' to get a NaN row instead.")

    # ------------------------------------------------------- normalisation
    def _finalize(self, arrays: list[np.ndarray], dialogues: list[Dialogue]) -> list[np.ndarray]:
        if self.normalize != "speaker":
            return arrays
        by_speaker: dict[str, list[int]] = defaultdict(list)
        for k, d in enumerate(dialogues):
            by_speaker[d.speaker_id].append(k)
        out = list(arrays)
        for members in by_speaker.values():
            stacked = np.vstack([arrays[k] for k in members])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
                mean = np.nanmean(stacked, axis=0)
                std = np.nanstd(stacked, axis=0)
            std = np.where(np.isfinite(std) & (std > 0), std, 1.0)
            for k in members:
                out[k] = (arrays[k] - mean) / std
        return out


class _SkippableError(Exception):
    """Raised internally when on_missing='nan' turns a whole dialogue into NaN rows."""
