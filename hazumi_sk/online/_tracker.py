"""Track the impression of running dialogues, exchange by exchange."""

from __future__ import annotations

import hashlib
import json
import math
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from ..model import personal_offset
from ..persistence import ModelBundle
from ._errors import (
    DuplicateDialogueError,
    EndedDialogueError,
    ExchangeError,
    TrackerError,
    UnknownDialogueError,
)
from ._forms import (
    IncrementalForm,
    incremental_form,
    input_feature_names,
    positive_column,
    used_features,
)

__all__ = ["Estimate", "ImpressionTracker", "RESERVED_FIELDS", "TRAJECTORY_COLUMNS"]

#: Exchange keys that are not feature names.
RESERVED_FIELDS = ("text", "self_report")
#: Columns of :meth:`ImpressionTracker.trajectory`, one row per exchange and item.
TRAJECTORY_COLUMNS = (
    "dialogue_id",
    "exchange",
    "item",
    "proba_high",
    "exchange_sentiment_proba_high",
    "self_report",
    "incremental",
)
_STATE_VERSION = 1
#: Checked column layouts of incoming exchanges kept per tracker.
_MAX_LAYOUTS = 8
_SELF_REPORT_RANGE = (1.0, 7.0)


@dataclass(frozen=True)
class Estimate:
    """The running impression after one exchange.

    Attributes
    ----------
    dialogue_id : str
    exchange : int
        0 for the first exchange of the dialogue.
    items : dict of str to float
        Item -> P(high) given the exchanges so far.
    exchange_sentiment : float or None
        P(high exchange sentiment) of this exchange, from the models' exchange
        heads (the mean over items where several have one); None when no model has one.
        With ``calibrate_exchanges``, shifted by the participant's offset learnt from
        their earlier self-reports.
    exchange_sentiment_raw : float or None
        The same before the participant's offset (equal without calibration).
    self_report : float or None
        The user's own 1-7 rating of this exchange, when the system asked for it.
    incremental : bool
        True when every model took the O(1) path; False when one recomputed the prefix.
    """

    dialogue_id: str
    exchange: int
    items: dict[str, float]
    exchange_sentiment: float | None = None
    self_report: float | None = None
    incremental: bool = True
    exchange_sentiment_raw: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data."""
        return {
            "dialogue_id": self.dialogue_id,
            "exchange": self.exchange,
            "items": dict(self.items),
            "exchange_sentiment": self.exchange_sentiment,
            "self_report": self.self_report,
            "incremental": self.incremental,
            "exchange_sentiment_raw": self.exchange_sentiment_raw,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Estimate:
        """Rebuild from :meth:`to_dict`."""
        return cls(
            dialogue_id=str(data["dialogue_id"]),
            exchange=int(data["exchange"]),
            items={str(k): float(v) for k, v in data["items"].items()},
            exchange_sentiment=None
            if data.get("exchange_sentiment") is None
            else float(data["exchange_sentiment"]),
            self_report=None if data.get("self_report") is None else float(data["self_report"]),
            incremental=bool(data.get("incremental", True)),
            exchange_sentiment_raw=_optional_float(data.get("exchange_sentiment_raw")),
        )


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


@dataclass
class _Dialogue:
    states: dict[str, Any]
    estimates: list[Estimate] = field(default_factory=list)
    ended: bool = False
    # (logit of the raw exchange sentiment, self-reported high?) of the first exchanges.
    calibration: list[tuple[float, float]] = field(default_factory=list)
    offset: float = 0.0


def _bundle_of(model: Any, item: str) -> ModelBundle:
    if isinstance(model, ModelBundle):
        return model
    if isinstance(model, Mapping):
        return ModelBundle(dict(model))
    return ModelBundle({item: model})


class ImpressionTracker:
    """Follow any number of running dialogues and estimate their impression after each exchange.

    A dialogue system calls :meth:`start` when a dialogue begins, :meth:`update`
    with every exchange's behaviour features as it ends, and reads the running
    P(high) of each item from the returned :class:`Estimate`. After every
    exchange the estimate equals the offline answer on the dialogue so far
    (``predict_running_proba`` for the networks, ``predict_proba`` of the prefix
    otherwise), but costs O(1): the networks carry their hidden state, pooled
    statistics keep running sufficient statistics and the two-stage model its
    running aggregate. Other estimators recompute the prefix
    (``Estimate.incremental`` is then False).

    Parameters
    ----------
    model : ModelBundle, mapping of str to estimator, or estimator
        The fitted models: a bundle from :func:`~hazumi_sk.persistence.load_bundle`
        (one model per item), a dict item -> fitted estimator, or one fitted
        estimator over :class:`~hazumi_sk.sequences.RaggedSequences` with
        ``predict_proba`` and ``feature_names_in_``.
    item : str, default="impression"
        The item name of a single estimator (ignored otherwise).
    modalities : sequence of str, optional
        The modality tag of each input column; taken from the bundle's metadata
        when it has them, else ``"X"``.
    calibrate_exchanges : int, default=0
        Personalise the exchange sentiment on the participant's first answers: the
        self-reports of the first ``calibrate_exchanges`` exchanges fit one logit
        offset per dialogue (:func:`~hazumi_sk.model.personal_offset`), applied to
        every exchange after them. ``0`` leaves it unchanged. An exchange's own
        report never calibrates its own estimate.
    calibration_strength : float, default=1.0
        Precision of the prior that shrinks the offset towards 0.

    Attributes
    ----------
    items : tuple of str
        The items estimated.
    feature_names : tuple of str
        The input columns the models were trained on (accepted in an exchange).
    required_features : tuple of str
        Those the models read: an exchange must carry every one of them (a
        leading ``ModalitySelector`` makes the others optional).
    incremental : dict of str to bool
        Whether each item's model has an O(1) update.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from hazumi_sk.online import ImpressionTracker
    >>> from hazumi_sk.preprocessing import SequencePooler
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> rng = np.random.default_rng(0)
    >>> X = RaggedSequences.from_arrays([rng.normal(m, 1, (5, 2)) for m in [-1, 1] * 10],
    ...                                 feature_names=["smile", "pitch"])
    >>> model = make_pipeline(SequencePooler(), LogisticRegression()).fit(X, [0, 1] * 10)
    >>> tracker = ImpressionTracker(model, item="worthwhile")
    >>> dialogue = tracker.start("d1")
    >>> estimate = tracker.update(dialogue, {"smile": 1.2, "pitch": 0.8})
    >>> estimate.exchange, estimate.incremental, 0.5 < estimate.items["worthwhile"] <= 1
    (0, True, True)
    >>> tracker.trajectory("d1")[["exchange", "item"]].values.tolist()
    [[0, 'worthwhile']]
    """

    def __init__(
        self,
        model: Any,
        item: str = "impression",
        modalities: Any = None,
        calibrate_exchanges: int = 0,
        calibration_strength: float = 1.0,
    ) -> None:
        if isinstance(calibrate_exchanges, bool) or not isinstance(calibrate_exchanges, int) \
                or calibrate_exchanges < 0:  # fmt: skip
            raise ValueError(
                f"calibrate_exchanges must be an int >= 0, got {calibrate_exchanges!r}."
            )
        if not isinstance(calibration_strength, Real) or not calibration_strength > 0:
            raise ValueError(f"calibration_strength must be > 0, got {calibration_strength!r}.")
        self.calibrate_exchanges = calibrate_exchanges
        self.calibration_strength = float(calibration_strength)
        self.bundle = _bundle_of(model, item)
        self.items = tuple(self.bundle.models)
        self.feature_names = self._shared_feature_names()
        self._modalities = self._input_modalities(modalities)
        names = np.asarray(self.feature_names, dtype=str)
        self._forms: dict[str, IncrementalForm] = {
            name: incremental_form(m, names, self._modalities)
            for name, m in self.bundle.models.items()
        }
        self._columns = {name: positive_column(f.classes) for name, f in self._forms.items()}
        self.incremental = {name: f.incremental for name, f in self._forms.items()}
        self.required_features = self._required()
        self._index = {name: j for j, name in enumerate(self.feature_names)}
        self._fingerprint = self._model_fingerprint()
        self._dialogues: dict[str, _Dialogue] = {}
        self._layouts: dict[tuple[str, ...], np.ndarray] = {}
        self._text = None

    # ------------------------------------------------------------- the model
    def _shared_feature_names(self) -> tuple[str, ...]:
        if not self.bundle.models:
            raise ValueError("ImpressionTracker needs at least one item's model.")
        for item, model in self.bundle.models.items():
            if input_feature_names(model) is None:
                raise TypeError(
                    f"ImpressionTracker: the model of item {item!r} ({type(model).__name__}) "
                    "has no feature_names_in_; fit it on RaggedSequences with feature names."
                )
        return tuple(self.bundle.feature_names("ImpressionTracker"))

    def _input_modalities(self, modalities: Any) -> np.ndarray:
        meta = self.bundle.metadata
        if modalities is None and meta is not None and meta.feature_modalities_in is not None:
            modalities = meta.feature_modalities_in
        if modalities is None:
            return np.full(len(self.feature_names), "X")
        modalities = np.asarray(modalities, dtype=str)
        if modalities.shape != (len(self.feature_names),):
            raise ValueError(
                f"ImpressionTracker: {modalities.size} modality tags for "
                f"{len(self.feature_names)} input columns."
            )
        return modalities

    def _required(self) -> tuple[str, ...]:
        masks = [used_features(m) for m in self.bundle.models.values()]
        if any(mask is None for mask in masks):
            return self.feature_names
        used = np.logical_or.reduce(masks)
        return tuple(n for n, u in zip(self.feature_names, used, strict=True) if u)

    def _model_fingerprint(self) -> str:
        text = json.dumps([list(self.items), list(self.feature_names)])
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # --------------------------------------------------------------- dialogues
    def start(self, dialogue_id: str | None = None) -> str:
        """Open a dialogue; returns its id (a new UUID when None)."""
        if dialogue_id is None:
            dialogue_id = uuid.uuid4().hex
        if not isinstance(dialogue_id, str) or not dialogue_id:
            raise TrackerError(
                f"dialogue_id must be a non-empty string, got {dialogue_id!r}.", "dialogue_id"
            )
        if dialogue_id in self._dialogues:
            raise DuplicateDialogueError(
                f"Dialogue {dialogue_id!r} is already tracked; end it or choose another id.",
                "dialogue_id",
            )
        states = {item: form.new_state() for item, form in self._forms.items()}
        self._dialogues[dialogue_id] = _Dialogue(states)
        return dialogue_id

    def _dialogue(self, dialogue_id: Any, open_only: bool = False) -> _Dialogue:
        dialogue = self._dialogues.get(dialogue_id) if isinstance(dialogue_id, str) else None
        if dialogue is None:
            raise UnknownDialogueError(
                f"Unknown dialogue {dialogue_id!r}: start it first.", "dialogue_id"
            )
        if open_only and dialogue.ended:
            raise EndedDialogueError(
                f"Dialogue {dialogue_id!r} has ended and takes no more exchanges.", "dialogue_id"
            )
        return dialogue

    def end(self, dialogue_id: str) -> None:
        """End a dialogue: it takes no more exchanges, its trajectory stays readable."""
        self._dialogue(dialogue_id, open_only=True).ended = True

    def forget(self, dialogue_id: str) -> None:
        """Drop a dialogue and its trajectory (to bound memory in a long-running service)."""
        self._dialogue(dialogue_id)
        del self._dialogues[dialogue_id]

    def dialogues(self, open_only: bool = False) -> list[str]:
        """The tracked dialogue ids, in the order they were started."""
        return [d for d, v in self._dialogues.items() if not (open_only and v.ended)]

    def is_ended(self, dialogue_id: str) -> bool:
        """Whether :meth:`end` was called on the dialogue."""
        return self._dialogue(dialogue_id).ended

    # ---------------------------------------------------------------- exchanges
    def _row(self, exchange: Any) -> tuple[np.ndarray, float]:
        if not isinstance(exchange, Mapping):
            raise ExchangeError(
                f"An exchange must be a mapping of feature name -> number, got "
                f"{type(exchange).__name__}.",
                "exchange",
            )
        reserved = any(k in exchange for k in RESERVED_FIELDS)
        values = {k: v for k, v in exchange.items() if k not in RESERVED_FIELDS} if reserved \
            else exchange  # fmt: skip
        if exchange.get("text") is not None:
            values = self._with_text(values, exchange["text"])
        row = np.full(len(self.feature_names), np.nan)
        row[self._columns_of(tuple(values))] = _numbers(values)
        return row, _self_report(exchange.get("self_report"))

    def _columns_of(self, names: tuple[str, ...]) -> np.ndarray:
        """Input positions of ``names``, checked: none unknown, none required missing.

        A dialogue system sends the same names in the same order every time, so the
        checked positions of the last few layouts are kept.
        """
        columns = self._layouts.get(names)
        if columns is not None:
            return columns
        unknown = [k for k in names if k not in self._index]
        if unknown:
            raise ExchangeError(
                f"Unknown feature {unknown[0]!r} (not among the model's "
                f"{len(self.feature_names)} input columns; {len(unknown)} unknown in all).",
                str(unknown[0]),
            )
        given = set(names)
        missing = [n for n in self.required_features if n not in given]
        if missing:
            raise ExchangeError(
                f"Missing feature {missing[0]!r} ({len(missing)} of the "
                f"{len(self.required_features)} required features missing).",
                missing[0],
            )
        columns = np.fromiter((self._index[k] for k in names), dtype=np.intp, count=len(names))
        if len(self._layouts) >= _MAX_LAYOUTS:
            self._layouts.pop(next(iter(self._layouts)))
        self._layouts[names] = columns
        return columns

    def _with_text(self, values: dict[str, Any], text: Any) -> dict[str, Any]:
        if not isinstance(text, str):
            raise ExchangeError(f"text must be a string, got {type(text).__name__}.", "text")
        if self._text is None:
            from ._text import TranscriptEncoder

            self._text = TranscriptEncoder.for_model(self.bundle.metadata, self.feature_names)
        linguistic = self._text.encode(text)
        both = sorted(set(linguistic) & set(values))
        if both:
            raise ExchangeError(
                f"Feature {both[0]!r} is given and also computed from the text; send one.",
                both[0],
            )
        return {**values, **linguistic}

    def update(self, dialogue_id: str, exchange: Mapping[str, Any]) -> Estimate:
        """Add one exchange and return the running estimate.

        Parameters
        ----------
        dialogue_id : str
            A dialogue opened by :meth:`start` and not ended.
        exchange : mapping
            Feature name -> number for every name of :attr:`required_features`
            (any other of :attr:`feature_names` may be given too); optionally
            ``"text"``, the user's utterance, turned into the L columns by the
            linguistic extractor the model was trained with, and
            ``"self_report"``, the user's own 1-7 rating of this exchange.

        Returns
        -------
        estimate : Estimate

        Raises
        ------
        UnknownDialogueError, EndedDialogueError, ExchangeError
            Naming the dialogue or the field; the dialogue's state is unchanged.
        """
        dialogue = self._dialogue(dialogue_id, open_only=True)
        row, self_report = self._row(exchange)
        label = np.nan if self_report is None else self_report
        states, probas, exchanges = {}, {}, []
        for item, form in self._forms.items():
            states[item], proba, exchange_p = form.step(dialogue.states[item], row, label)
            probas[item] = float(proba[self._columns[item]])
            if exchange_p is not None:
                exchanges.append(exchange_p)
        raw = float(np.mean(exchanges)) if exchanges else None
        estimate = Estimate(
            dialogue_id=dialogue_id,
            exchange=len(dialogue.estimates),
            items=probas,
            exchange_sentiment=None if raw is None else _shift(raw, dialogue.offset),
            self_report=self_report,
            incremental=all(self.incremental.values()),
            exchange_sentiment_raw=raw,
        )
        # Commit only now: a failure above leaves the dialogue as it was.
        dialogue.states = states
        dialogue.estimates.append(estimate)
        self._calibrate(dialogue, estimate)
        return estimate

    def _calibrate(self, dialogue: _Dialogue, estimate: Estimate) -> None:
        """Learn the participant's offset from a self-report among the first exchanges."""
        if (estimate.exchange >= self.calibrate_exchanges or estimate.self_report is None
                or estimate.exchange_sentiment_raw is None):  # fmt: skip
            return
        high = float(estimate.self_report > EXCHANGE_THRESHOLD)
        dialogue.calibration.append((_logit(estimate.exchange_sentiment_raw), high))
        logits, labels = zip(*dialogue.calibration, strict=True)
        dialogue.offset = personal_offset(logits, labels, self.calibration_strength)

    def estimates(self, dialogue_id: str) -> list[Estimate]:
        """Every estimate of the dialogue, in exchange order."""
        return list(self._dialogue(dialogue_id).estimates)

    def trajectory(self, dialogue_id: str) -> pd.DataFrame:
        """One row per exchange and item: the columns of :data:`TRAJECTORY_COLUMNS`."""
        rows = [
            (e.dialogue_id, e.exchange, item, p, e.exchange_sentiment, e.self_report,
             e.incremental)
            for e in self._dialogue(dialogue_id).estimates
            for item, p in e.items.items()
        ]  # fmt: skip
        frame = pd.DataFrame(rows, columns=list(TRAJECTORY_COLUMNS))
        return frame.astype({"exchange": "int64", "proba_high": "float64"})

    # --------------------------------------------------------------- plain data
    def state(self, dialogue_id: str) -> dict[str, Any]:
        """The dialogue's complete state as JSON-serialisable plain data (no pickle).

        :meth:`restore` on a tracker of the same model continues the dialogue
        with identical estimates.
        """
        dialogue = self._dialogue(dialogue_id)
        return {
            "version": _STATE_VERSION,
            "model": self._fingerprint,
            "dialogue_id": dialogue_id,
            "ended": dialogue.ended,
            "estimates": [e.to_dict() for e in dialogue.estimates],
            "calibration": [list(pair) for pair in dialogue.calibration],
            "offset": dialogue.offset,
            "models": {item: self._forms[item].dump(s) for item, s in dialogue.states.items()},
        }

    def restore(self, state: Mapping[str, Any]) -> str:
        """Resume a dialogue from :meth:`state`; returns its id.

        Raises
        ------
        TrackerError
            When the state is malformed or belongs to another model.
        DuplicateDialogueError
            When the dialogue is already tracked.
        """
        try:
            if state["version"] != _STATE_VERSION or state["model"] != self._fingerprint:
                raise TrackerError(
                    "This state was saved by another model or format version "
                    f"(model {state['model']!r}, this tracker's is {self._fingerprint!r}).",
                    "state",
                )
            dialogue_id = str(state["dialogue_id"])
            states = {item: self._forms[item].load(state["models"][item]) for item in self.items}
            estimates = [Estimate.from_dict(e) for e in state["estimates"]]
            ended = bool(state["ended"])
            calibration = [(float(z), float(y)) for z, y in state.get("calibration", [])]
            offset = float(state.get("offset", 0.0))
        except TrackerError:
            raise
        except (KeyError, TypeError, ValueError) as error:
            raise TrackerError(f"Malformed tracker state: {error}.", "state") from error
        if dialogue_id in self._dialogues:
            raise DuplicateDialogueError(
                f"Dialogue {dialogue_id!r} is already tracked.", "dialogue_id"
            )
        self._dialogues[dialogue_id] = _Dialogue(states, estimates, ended, calibration, offset)
        return dialogue_id


#: Exchange sentiment above this (1-7) is *high*, as the models' exchange heads learn it.
EXCHANGE_THRESHOLD = 4.0
_EPS = 1e-6


def _logit(p: float) -> float:
    p = min(max(p, _EPS), 1.0 - _EPS)
    return math.log(p / (1.0 - p))


def _shift(p: float, offset: float) -> float:
    return p if offset == 0.0 else 1.0 / (1.0 + math.exp(-(_logit(p) + offset)))


def _number(value: Any, name: str) -> float:
    # bool is an int subclass, but True as a feature value is a caller's mistake.
    if isinstance(value, bool) or not isinstance(value, (Real, np.number)):
        raise ExchangeError(
            f"Feature {name!r} must be a number, got {type(value).__name__} {value!r}.", name
        )
    value = float(value)
    if not math.isfinite(value):
        raise ExchangeError(f"Feature {name!r} is {value}; values must be finite.", name)
    return value


#: Value types taken as numbers without a per-value check (bool is refused).
_PLAIN_NUMBERS = frozenset({float, int, np.float64, np.float32, np.int64, np.int32})


def _numbers(values: Mapping[str, Any]) -> np.ndarray:
    """The values as floats; the first non-number or non-finite one raises, naming its feature."""
    if set(map(type, values.values())) <= _PLAIN_NUMBERS:
        array = np.fromiter(values.values(), dtype=np.float64, count=len(values))
        if np.isfinite(array).all():
            return array
    # Slow path only to name the offender.
    return np.array([_number(value, name) for name, value in values.items()], dtype=np.float64)


def _self_report(value: Any) -> float | None:
    if value is None:
        return None
    number = _number(value, "self_report")
    low, high = _SELF_REPORT_RANGE
    if not low <= number <= high:
        raise ExchangeError(
            f"self_report must be an exchange sentiment rating in [{low:g}, {high:g}], got "
            f"{number:g}.",
            "self_report",
        )
    return number
