"""One recorded dialogue: its exchange table plus where its media lie."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

__all__ = ["Dialogue", "EXCHANGE_TIME_COLUMNS"]

#: Columns every exchange table has (times in milliseconds on the recording clock).
EXCHANGE_TIME_COLUMNS = ("start_ms", "end_system_ms", "end_ms")


@dataclass(frozen=True, eq=False)
class Dialogue:
    """A dialogue session: metadata, its exchange table and optional media paths.

    Parameters
    ----------
    dialogue_id : str
        Session identifier (for Hazumi, the participant id such as ``"1902F2001"``).
    exchanges : pandas.DataFrame
        One row per exchange, in time order. Always has ``start_ms`` and
        ``end_ms`` (exchange span) and, where known, ``end_system_ms`` (end of
        the system prompt, i.e. start of the user's turn), ``sys_utterance``,
        ``user_utterance``, ``dialogue_act`` and label columns such as ``SS``.
    version : str, optional
        Corpus version (``"1902"``, ``"1911"``, ``"2010"``) or ``None``.
    sex : str, optional
        ``"F"`` or ``"M"``.
    age_decade : int, optional
        20, 30, ... 70.
    audio_path, face_path, body_path : pathlib.Path, optional
        Raw media for the feature extractors: a WAV file of the session, an
        OpenFace 2.x per-frame CSV, a joint-trajectory CSV (see
        :mod:`hazumi_sk.features`). ``None`` when not available.
    speaker : str, optional
        Speaker identity used for per-speaker normalisation; defaults to the
        dialogue id.

    Examples
    --------
    >>> import pandas as pd
    >>> from hazumi_sk.datasets import Dialogue
    >>> d = Dialogue("demo", pd.DataFrame({"start_ms": [0, 4000], "end_ms": [4000, 9000]}))
    >>> d.n_exchanges
    2
    """

    dialogue_id: str
    exchanges: pd.DataFrame
    version: str | None = None
    sex: str | None = None
    age_decade: int | None = None
    audio_path: Path | None = None
    face_path: Path | None = None
    body_path: Path | None = None
    speaker: str | None = None
    extras: dict = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        missing = [c for c in ("start_ms", "end_ms") if c not in self.exchanges.columns]
        if missing:
            raise ValueError(
                f"Dialogue {self.dialogue_id!r}: exchange table lacks column(s) {missing}."
            )

    @property
    def n_exchanges(self) -> int:
        return len(self.exchanges)

    @property
    def speaker_id(self) -> str:
        return self.speaker if self.speaker is not None else self.dialogue_id
