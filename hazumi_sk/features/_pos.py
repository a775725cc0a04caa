"""Universal part-of-speech taggers for Japanese (counts per utterance)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache

import numpy as np

from ..vocabulary import UPOS_TAGS

__all__ = ["POS_BACKENDS", "upos_counts"]


#: ``"sudachi"``: spaCy's Japanese tokenizer (SudachiPy + sudachidict-core; UPOS
#: from Sudachi's POS by spaCy's mapping). ``"ginza"``: the ``ja_ginza`` spaCy
#: pipeline (trained morphologizer). ``"stanza"``: Stanza's Japanese pipeline, as
#: in the paper (its model must be downloaded beforehand).
POS_BACKENDS = ("sudachi", "ginza", "stanza")

Tagger = Callable[[list[str]], list[list[str]]]


def _spacy_tagger(nlp) -> Tagger:
    def tag(texts: list[str]) -> list[list[str]]:
        return [[token.pos_ for token in doc] for doc in nlp.pipe(texts)]

    return tag


def _load_sudachi() -> Tagger:
    try:
        import spacy

        nlp = spacy.blank("ja")
    except ImportError as error:
        raise ImportError(
            "pos_backend='sudachi' needs spacy, sudachipy and sudachidict-core: "
            "pip install 'hazumi-sk[text]'."
        ) from error
    return _spacy_tagger(nlp)


def _load_ginza() -> Tagger:
    try:
        import spacy

        # Only the tagger is needed: the parser and NER would triple the time.
        nlp = spacy.load("ja_ginza", exclude=["parser", "ner", "bunsetu_recognizer"])
    except (ImportError, OSError) as error:
        raise ImportError(
            "pos_backend='ginza' needs the ja-ginza package (pip install ja-ginza)."
        ) from error
    return _spacy_tagger(nlp)


def _load_stanza() -> Tagger:
    try:
        import stanza
    except ImportError as error:
        raise ImportError(
            "pos_backend='stanza' needs stanza: pip install 'hazumi-sk[stanza]', then "
            "download its Japanese model once with stanza.download('ja')."
        ) from error
    try:
        nlp = stanza.Pipeline("ja", processors="tokenize,pos", download_method=None, verbose=False)
    except Exception as error:  # stanza raises several types for a missing model
        raise FileNotFoundError(
            "Stanza's Japanese model is not installed (no network is used at run time). "
            "Download it once with: python -c \"import stanza; stanza.download('ja')\". "
            f"Stanza said: {error}"
        ) from error

    def tag(texts: list[str]) -> list[list[str]]:
        return [[w.upos for s in nlp(text).sentences for w in s.words] for text in texts]

    return tag


_LOADERS = {"sudachi": _load_sudachi, "ginza": _load_ginza, "stanza": _load_stanza}


@cache
def load_tagger(backend: str) -> Tagger:
    """The tagger for ``backend``, loaded once per process."""
    if backend not in _LOADERS:
        raise ValueError(f"pos_backend must be one of {POS_BACKENDS}, got {backend!r}.")
    return serialized(_LOADERS[backend]())


def serialized(function: Callable) -> Callable:
    """Let one thread at a time call ``function``: SudachiPy's tokenizer is not
    thread-safe ("Already borrowed") under joblib's threading backend."""
    lock = threading.Lock()

    def locked(*args, **kwargs):
        with lock:
            return function(*args, **kwargs)

    return locked


def upos_counts(texts: list[str], backend: str = "sudachi") -> np.ndarray:
    """Count the 17 UPOS tags in each text.

    Tokens with a tag outside :data:`UPOS_TAGS` (spaCy's ``SPACE``) are not
    counted. Empty texts give zero counts without calling the tagger.

    Parameters
    ----------
    texts : list of str
    backend : {"sudachi", "ginza", "stanza"}, default="sudachi"

    Returns
    -------
    ndarray of shape (n_texts, 17)

    Examples
    --------
    >>> upos_counts(["ラーメンを食べました", ""])[:, [1, 3, 7, 15]]  # ADP AUX NOUN VERB
    array([[1., 2., 1., 1.],
           [0., 0., 0., 0.]])
    """
    counts = np.zeros((len(texts), len(UPOS_TAGS)))
    position = {tag: j for j, tag in enumerate(UPOS_TAGS)}
    nonempty = [i for i, t in enumerate(texts) if t.strip()]
    if not nonempty:
        return counts
    tags = load_tagger(backend)([texts[i] for i in nonempty])
    for i, doc_tags in zip(nonempty, tags, strict=True):
        for tag in doc_tags:
            if tag in position:
                counts[i, position[tag]] += 1
    return counts
