"""Body (Kinect joints) and face (OpenFace landmarks + action units) motion features."""

from __future__ import annotations

from numbers import Integral, Real
from typing import ClassVar

import numpy as np

from ..datasets import Dialogue
from ..utils import StrictInterval, StrOptions
from ..vocabulary import FACE_LANDMARK_PRESETS, KINECT_UPPER_BODY, OPENFACE_ACTION_UNITS
from ._base import ON_MISSING, SEGMENTS, DialogueFeatureExtractor, exchange_name, exchange_spans
from ._kinematics import exchange_kinematics, kinematic_names
from ._readers import read_joint_csv, read_openface_csv

__all__ = ["BodyFeatures", "FaceFeatures"]


#: Constraints of the parameters both trajectory-based extractors have.
_MOTION_CONSTRAINTS = {
    "segment": [StrOptions(set(SEGMENTS))],
    "max_gap_ms": [StrictInterval(Real, 0, None, closed="neither")],
    "fill_value": [Real],  # NaN is a valid choice ("no value") here
    "on_missing": [StrOptions(set(ON_MISSING))],
    "verbose": ["verbose"],
}


class _TrackedMotionFeatures(DialogueFeatureExtractor):
    """Common checks of the trajectory-based extractors."""

    def _nan_rows(self, dialogue: Dialogue) -> np.ndarray:
        return np.full((dialogue.n_exchanges, self.n_features_out_), np.nan)

    def _outside_recording(
        self, dialogue: Dialogue, times: np.ndarray, spans: np.ndarray
    ) -> np.ndarray:
        """Mask of exchanges not covered by the recording; raises unless on_missing='nan'."""
        slack = float(self.max_gap_ms)
        outside = (spans[:, 0] < times[0] - slack) | (spans[:, 1] > times[-1] + slack)
        if outside.any() and self.on_missing == "raise":
            i = int(np.flatnonzero(outside)[0])
            raise ValueError(
                f"{exchange_name(dialogue, i)}: [{spans[i, 0]:.0f}, {spans[i, 1]:.0f}] ms lies "
                f"outside the recording [{times[0]:.0f}, {times[-1]:.0f}] ms "
                f"({int(outside.sum())} such exchanges; on_missing='nan' gives NaN rows)."
            )
        return outside


class BodyFeatures(_TrackedMotionFeatures):
    """Body motion per exchange from 3-D joint trajectories (modality ``"B"``).

    For each joint: maximum acceleration and maximum, mean and standard deviation
    of the speed over the exchange (see :func:`exchange_kinematics`), named like the
    Hazumi dumpfiles (``B__HandLeft_acceleration_max``, ``B__Head_velocity_mean``, ...).
    Reads ``Dialogue.body_path``: a joint-trajectory CSV (``time_ms`` plus
    ``<Joint>_x/_y/_z``, see :func:`read_joint_csv`) on the exchange clock.

    Parameters
    ----------
    joints : tuple of str, default=KINECT_UPPER_BODY
        Joints to describe (4 features each).
    segment : {"exchange", "user"}, default="exchange"
        Time span per exchange: ``start_ms``-``end_ms`` or ``end_system_ms``-``end_ms``.
    max_gap_ms : float, default=100.0
        No velocity across frames further apart (dropped frames, tracking loss).
    fill_value : float, default=0.0
        Statistic of an exchange with too few tracked frames to define it.
    on_missing : {"raise", "nan"}, default="raise"
        A missing/unreadable file or an exchange outside the recording raises a
        ``FileNotFoundError``/``ValueError`` naming the dialogue (and exchange), or
        with ``"nan"`` gives NaN rows for what cannot be computed.
    verbose : bool, default=False
        Progress bar over dialogues.

    Attributes
    ----------
    feature_names_out_ : ndarray of str
    n_features_out_ : int

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np, pandas as pd
    >>> from hazumi_sk.datasets import Dialogue
    >>> from hazumi_sk.features import BodyFeatures
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "body.csv"
    >>> t = np.arange(0, 2001, 33.0)
    >>> pd.DataFrame({"time_ms": t, "Head_x": t / 1000, "Head_y": 0, "Head_z": 1}).to_csv(
    ...     f, index=False)
    >>> d = Dialogue("d1", pd.DataFrame({"start_ms": [0, 1000], "end_ms": [1000, 2000]}),
    ...              body_path=f)
    >>> X = BodyFeatures(joints=("Head",)).fit_transform([d])
    >>> X.feature_names.tolist()[2], X.values[:, 2].round(3).tolist()
    ('B__Head_velocity_mean', [1.0, 1.0])
    """

    modality: ClassVar[str] = "B"
    media_attributes: ClassVar[tuple[str, ...]] = ("body_path",)
    _parameter_constraints: ClassVar[dict] = {"joints": ["array-like"], **_MOTION_CONSTRAINTS}

    def __init__(
        self,
        joints: tuple[str, ...] = KINECT_UPPER_BODY,
        segment: str = "exchange",
        max_gap_ms: float = 100.0,
        fill_value: float = 0.0,
        on_missing: str = "raise",
        verbose: bool = False,
    ) -> None:
        self.joints = joints
        self.segment = segment
        self.max_gap_ms = max_gap_ms
        self.fill_value = fill_value
        self.on_missing = on_missing
        self.verbose = verbose

    def _validate_params(self) -> None:
        super()._validate_params()
        if not len(self.joints) or not all(isinstance(j, str) for j in self.joints):
            raise ValueError(
                f"joints must be a non-empty list of joint names such as ('Head', 'HandLeft'), "
                f"got {self.joints!r}."
            )

    def _fit_names(self) -> list[str]:
        return kinematic_names(list(self.joints))

    def _extract_dialogue(self, dialogue: Dialogue) -> np.ndarray:
        spans = exchange_spans(dialogue, self.segment)
        context = f"Dialogue {dialogue.dialogue_id!r}"
        try:
            times, positions = read_joint_csv(dialogue.body_path, list(self.joints), context)
        except (FileNotFoundError, ValueError):
            if self.on_missing == "nan":
                return self._nan_rows(dialogue)
            raise
        outside = self._outside_recording(dialogue, times, spans)
        features = exchange_kinematics(times, positions, spans, self.max_gap_ms, self.fill_value)
        features[outside] = np.nan
        return features


class FaceFeatures(_TrackedMotionFeatures):
    """Facial motion and action units per exchange from OpenFace 2.x output (modality ``"V"``).

    Landmark kinematics as in :class:`BodyFeatures` (``V__48_velocity_mean``, ...,
    units of the chosen coordinates per second) plus the presence rate of the 18
    OpenFace action units, ``V__AU01_c_mean`` ... ``V__AU45_c_mean``: the mean of
    ``AU*_c`` over the exchange's usable frames (in [0, 1]). Frames with
    ``success == 0`` or ``confidence < min_confidence`` are excluded. Reads
    ``Dialogue.face_path`` (see :func:`read_openface_csv`); OpenFace's
    ``timestamp`` (s) must be on the exchange clock.

    Parameters
    ----------
    landmarks : {"hazumi", "paper"} or tuple of int, default="hazumi"
        Preset name in :data:`FACE_LANDMARK_PRESETS` (12 -> 48 + 18 = 66
        features, or 10 -> 40 + 18 = 58) or explicit 68-point ids.
    coordinates : {"3d", "2d"}, default="3d"
        ``X_i, Y_i, Z_i`` in mm or ``x_i, y_i`` in pixels.
    action_units : bool, default=True
        Append the 18 action-unit presence rates.
    min_confidence : float, default=0.8
    face_id : int, default=0
    segment : {"exchange", "user"}, default="exchange"
    max_gap_ms : float, default=100.0
    fill_value : float, default=0.0
        Value of a statistic (and AU rate) an exchange has too few usable frames
        for; Hazumi dumpfiles hold zeros there.
    on_missing : {"raise", "nan"}, default="raise"
    verbose : bool, default=False

    Attributes
    ----------
    landmarks_ : tuple of int
    feature_names_out_ : ndarray of str
    n_features_out_ : int

    Examples
    --------
    >>> import pandas as pd
    >>> from hazumi_sk.datasets import Dialogue
    >>> from hazumi_sk.features import FaceFeatures
    >>> d = Dialogue("d1", pd.DataFrame({"start_ms": [0], "end_ms": [1000]}))
    >>> face = FaceFeatures(landmarks="paper").fit([d])   # fit reads no media
    >>> face.n_features_out_, face.get_feature_names_out()[[0, -1]].tolist()
    (58, ['V__21_acceleration_max', 'V__AU45_c_mean'])
    """

    modality: ClassVar[str] = "V"
    media_attributes: ClassVar[tuple[str, ...]] = ("face_path",)
    _parameter_constraints: ClassVar[dict] = {
        "landmarks": [StrOptions(set(FACE_LANDMARK_PRESETS)), "array-like"],
        "coordinates": [StrOptions({"3d", "2d"})],
        "action_units": ["boolean"],
        "min_confidence": [StrictInterval(Real, 0, 1, closed="both")],
        "face_id": [StrictInterval(Integral, 0, None, closed="left")],
        **_MOTION_CONSTRAINTS,
    }

    def __init__(
        self,
        landmarks: str | tuple[int, ...] = "hazumi",
        coordinates: str = "3d",
        action_units: bool = True,
        min_confidence: float = 0.8,
        face_id: int = 0,
        segment: str = "exchange",
        max_gap_ms: float = 100.0,
        fill_value: float = 0.0,
        on_missing: str = "raise",
        verbose: bool = False,
    ) -> None:
        self.landmarks = landmarks
        self.coordinates = coordinates
        self.action_units = action_units
        self.min_confidence = min_confidence
        self.face_id = face_id
        self.segment = segment
        self.max_gap_ms = max_gap_ms
        self.fill_value = fill_value
        self.on_missing = on_missing
        self.verbose = verbose

    def _validate_params(self) -> None:
        super()._validate_params()
        if isinstance(self.landmarks, str):
            self.landmarks_ = FACE_LANDMARK_PRESETS[self.landmarks]
            return
        ids = list(self.landmarks)
        if not ids or any(
            isinstance(k, bool | np.bool_) or not isinstance(k, Integral) or not 0 <= k < 68
            for k in ids
        ):
            raise ValueError(f"landmarks must be ids in 0..67, got {self.landmarks!r}.")
        self.landmarks_ = tuple(int(k) for k in ids)

    def _fit_names(self) -> list[str]:
        names = kinematic_names([str(k) for k in self.landmarks_])
        if self.action_units:
            names += [f"{au}_c_mean" for au in OPENFACE_ACTION_UNITS]
        return names

    def _extract_dialogue(self, dialogue: Dialogue) -> np.ndarray:
        spans = exchange_spans(dialogue, self.segment)
        context = f"Dialogue {dialogue.dialogue_id!r}"
        try:
            times, positions, aus = read_openface_csv(
                dialogue.face_path,
                self.landmarks_,
                coordinates=self.coordinates,
                min_confidence=self.min_confidence,
                face_id=self.face_id,
                context=context,
            )
        except (FileNotFoundError, ValueError):
            if self.on_missing == "nan":
                return self._nan_rows(dialogue)
            raise
        outside = self._outside_recording(dialogue, times, spans)
        blocks = [exchange_kinematics(times, positions, spans, self.max_gap_ms, self.fill_value)]
        if self.action_units:
            blocks.append(self._action_unit_rates(times, aus, spans))
        features = np.hstack(blocks)
        features[outside] = np.nan
        return features

    def _action_unit_rates(self, times: np.ndarray, aus: np.ndarray, spans: np.ndarray):
        rates = np.full((len(spans), aus.shape[1]), float(self.fill_value))
        first = np.searchsorted(times, spans[:, 0], side="left")
        last = np.searchsorted(times, spans[:, 1], side="right")
        for i, (a, b) in enumerate(zip(first, last, strict=True)):
            frames = aus[a:b]
            usable = frames[np.isfinite(frames).all(axis=1)]
            if len(usable):
                rates[i] = usable.mean(axis=0)
        return rates
