"""The registry of sentence encoders for the linguistic (L) block.

One entry per encoder that :class:`~hazumi_sk.features.LinguisticFeatures` can run;
the extractor, the command line and the reports all read their names, column
prefixes and descriptions from here.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "DEFAULT_TEXT_ENCODER",
    "NAMED_TEXT_ENCODERS",
    "TEXT_ENCODERS",
    "TextEncoder",
    "describe_text_encoder",
    "resolve_text_encoder",
]


@dataclass(frozen=True)
class TextEncoder:
    """One sentence encoder: how it is named, written into columns and described.

    Attributes
    ----------
    name : str
        The value of ``LinguisticFeatures(encoder=...)``.
    column_prefix : str
        Prefix of its vector columns (``use0`` ... ``use511``).
    needs_model : bool
        Whether it needs a local model folder (``LinguisticFeatures(model=...)``).
    fitted_on_corpus : bool
        Whether it is fitted on the utterances it encodes (then a model trained
        with it cannot rebuild the same columns for new dialogues).
    description : str
        One line for reports.
    """

    name: str
    column_prefix: str
    needs_model: bool
    fitted_on_corpus: bool
    description: str


TEXT_ENCODERS: dict[str, TextEncoder] = {
    encoder.name: encoder
    for encoder in (
        TextEncoder(
            "tfidf-svd",
            "tfidf_svd",
            needs_model=False,
            fitted_on_corpus=True,
            description="TF-IDF/SVD fitted once on all dialogues' utterances "
            "(unsupervised, not per fold)",
        ),
        TextEncoder(
            "bert",
            "bert",
            needs_model=True,
            fitted_on_corpus=False,
            description="BERT mean pooling from {model}",
        ),
        TextEncoder(
            "use-multilingual",
            "use",
            needs_model=False,
            fitted_on_corpus=False,
            description="multilingual Universal Sentence Encoder v3 (512-d, pretrained)",
        ),
        TextEncoder(
            "ginza",
            "ginza",
            needs_model=False,
            fitted_on_corpus=False,
            description="mean ja_ginza word vectors (300-d, pretrained)",
        ),
    )
}

#: Encoders chosen by name alone (``--text-encoder NAME``); BERT needs a folder.
NAMED_TEXT_ENCODERS = tuple(name for name, e in TEXT_ENCODERS.items() if not e.needs_model)

#: The reproduction default, chosen by ``benchmarks/bench_text_encoder.py``: the
#: encoders tie within noise on worthwhile; USE had the best L-only F1, needs no
#: fitting on the evaluated dialogues and is closest in kind to the paper's BERT.
DEFAULT_TEXT_ENCODER = "use-multilingual"


def resolve_text_encoder(text_encoder: str | None) -> tuple[str, str | None]:
    """A ``--text-encoder`` value -> ``(encoder, model)`` for LinguisticFeatures.

    A name from :data:`NAMED_TEXT_ENCODERS` selects that encoder; anything else is
    taken as the folder of a local Hugging Face BERT; None is the default.

    Examples
    --------
    >>> from hazumi_sk.vocabulary import resolve_text_encoder
    >>> resolve_text_encoder(None)
    ('use-multilingual', None)
    >>> resolve_text_encoder("models/bert-ja")
    ('bert', 'models/bert-ja')
    """
    name = text_encoder or DEFAULT_TEXT_ENCODER
    if name in NAMED_TEXT_ENCODERS:
        return name, None
    return "bert", name


def describe_text_encoder(encoder: str, model: str | None = None) -> str:
    """The report line of an encoder (``model``: the BERT folder).

    Examples
    --------
    >>> from hazumi_sk.vocabulary import describe_text_encoder
    >>> describe_text_encoder("bert", "models/bert-ja")
    'BERT mean pooling from models/bert-ja'
    """
    return TEXT_ENCODERS[encoder].description.format(model=model)
