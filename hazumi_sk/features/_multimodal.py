"""Early fusion of several per-exchange extractors, cached and parallel over dialogues."""

from __future__ import annotations

import os
from collections.abc import Sequence
from numbers import Integral
from typing import Any, ClassVar

import joblib
import numpy as np
from joblib import Parallel, delayed
from sklearn.base import TransformerMixin, clone
from sklearn.utils.metaestimators import _BaseComposition
from sklearn.utils.validation import check_is_fitted, check_memory
from tqdm.auto import tqdm

from ..datasets import Dialogue
from ..sequences import RaggedSequences
from ..utils import HasMethods, StrictInterval, check_parameters
from ._base import DialogueFeatureExtractor, check_dialogues

__all__ = ["MultimodalFeatures"]


def _extract(key: Any, extractor: DialogueFeatureExtractor, dialogue: Dialogue) -> np.ndarray:
    """One extractor on one dialogue; ``key`` alone identifies the result for the cache."""
    return extractor._extract_dialogue(dialogue)


def _dialogue_key(dialogue: Dialogue) -> tuple:
    return (dialogue.dialogue_id, dialogue.speaker_id, joblib.hash(dialogue.exchanges))


class MultimodalFeatures(TransformerMixin, _BaseComposition):
    """Run several extractors and join their outputs per exchange (early fusion).

    Each extractor's :class:`~hazumi_sk.sequences.RaggedSequences` keeps its modality
    tag, so the joined output can be narrowed later with
    ``ModalitySelector("L+V")``. The expensive part, extraction per dialogue, runs
    in parallel over dialogues (``n_jobs``) and is cached on disk per extractor and
    dialogue (``memory``): the key is the extractor's class, parameters and fitted
    state, the dialogue's id, speaker and exchange table, and the size and
    modification time of the media file it reads. Cross-dialogue steps (the
    acoustic per-speaker normalisation) run after the cache, on the data at hand.

    Parameters
    ----------
    extractors : list of (str, extractor) tuples
        Names must be unique and address nested parameters (``"L__encoder"``); the
        modality tags of the output come from the extractors themselves. Extractors
        are ``hazumi_sk.features`` transformers (subclasses of
        :class:`DialogueFeatureExtractor`) and are cloned in ``fit``.
    n_jobs : int, optional
        Parallel workers over dialogues (joblib); ``None`` means 1.
    memory : str, joblib.Memory or None, default=None
        Cache location for the per-dialogue extraction.
    verbose : bool, default=False
        Progress bar per extractor.

    Attributes
    ----------
    extractors_ : list of (str, fitted extractor)
    feature_names_out_ : ndarray of str

    Examples
    --------
    >>> import pandas as pd
    >>> from hazumi_sk.datasets import Dialogue
    >>> from hazumi_sk.features import LinguisticFeatures, MultimodalFeatures
    >>> d = Dialogue("d1", pd.DataFrame({"start_ms": [0, 1], "end_ms": [1, 2],
    ...     "user_utterance": ["ラーメンを食べました", "はい"]}))
    >>> fusion = MultimodalFeatures([("L", LinguisticFeatures(n_components=2))])
    >>> fusion.fit_transform([d]).shape
    (1, 19)
    """

    _parameter_constraints: ClassVar[dict] = {
        "extractors": "no_validation",  # checked entry by entry in _validate_extractors
        "n_jobs": [
            StrictInterval(Integral, None, -1, closed="right"),
            StrictInterval(Integral, 1, None, closed="left"),
            None,
        ],
        "memory": [None, str, os.PathLike, HasMethods(["cache"])],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        extractors: Sequence[tuple[str, DialogueFeatureExtractor]],
        n_jobs: int | None = None,
        memory: Any = None,
        verbose: bool = False,
    ) -> None:
        self.extractors = extractors
        self.n_jobs = n_jobs
        self.memory = memory
        self.verbose = verbose

    # ------------------------------------------------------- params API
    def get_params(self, deep: bool = True) -> dict:
        return self._get_params("extractors", deep=deep)

    def set_params(self, **params: Any) -> MultimodalFeatures:
        self._set_params("extractors", **params)
        return self

    def _validate_extractors(self) -> None:
        if not isinstance(self.extractors, list | tuple) or not self.extractors:
            raise ValueError("extractors must be a non-empty list of (name, extractor) tuples.")
        names = []
        for item in self.extractors:
            if not (isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str)):
                raise ValueError(f"extractors entries must be (name, extractor), got {item!r}.")
            if not isinstance(item[1], DialogueFeatureExtractor):
                raise TypeError(
                    f"Extractor {item[0]!r} is a {type(item[1]).__name__}, not a "
                    "hazumi_sk.features dialogue extractor."
                )
            names.append(item[0])
        self._validate_names(names)

    # ------------------------------------------------------- sklearn API
    def fit(self, X: Sequence[Dialogue], y: Any = None) -> MultimodalFeatures:
        """Fit every extractor (cloned) on the training dialogues.

        Parameters
        ----------
        X : sequence of Dialogue
        y : ignored

        Returns
        -------
        self
        """
        check_parameters(self)
        self._validate_extractors()
        dialogues = check_dialogues(X)
        self.extractors_ = [(name, clone(ex).fit(dialogues)) for name, ex in self.extractors]
        self.feature_names_out_ = np.concatenate(
            [ex.get_feature_names_out() for _, ex in self.extractors_]
        )
        return self

    def transform(self, X: Sequence[Dialogue]) -> RaggedSequences:
        """Extract every modality and join them column-wise.

        Parameters
        ----------
        X : sequence of Dialogue

        Returns
        -------
        RaggedSequences
            Columns of all extractors in order, with their modality tags.
        """
        check_is_fitted(self, "extractors_")
        dialogues = check_dialogues(X)
        blocks = [
            extractor.assemble(self._extract_all(name, extractor, dialogues), dialogues)
            for name, extractor in self.extractors_
        ]
        return RaggedSequences.hstack(blocks)

    def _extract_all(
        self, name: str, extractor: DialogueFeatureExtractor, dialogues: list[Dialogue]
    ) -> list[np.ndarray]:
        memory = check_memory(self.memory)
        run = memory.cache(_extract, ignore=["extractor", "dialogue"])
        tasks = (
            delayed(run)((extractor.cache_key(d), _dialogue_key(d)), extractor, d)
            for d in dialogues
        )
        results = Parallel(n_jobs=self.n_jobs, return_as="generator")(tasks)
        progress = tqdm(results, total=len(dialogues), desc=name, disable=not self.verbose)
        return list(progress)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of all extractors' outputs, in order.

        Parameters
        ----------
        input_features : ignored

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        return tags
