"""The package's vocabularies, each defined once: modality grammar, behaviour units, encoders.

- the modality grammar: :data:`MODALITY_TAGS`, what ``"ALL"`` means
  (:data:`PAPER_MODALITIES`), the paper's feature sets, :func:`parse_modalities`;
- behaviour units: :data:`UPOS_TAGS`, :data:`KINECT_UPPER_BODY`,
  :data:`OPENFACE_ACTION_UNITS`, :data:`FACE_LANDMARK_PRESETS`;
- the registry of sentence encoders for the L block: :data:`TEXT_ENCODERS`.

Examples
--------
>>> from hazumi_sk.vocabulary import PAPER_FEATURE_SETS, parse_modalities
>>> [parse_modalities(fs, available="ALBVS") for fs in PAPER_FEATURE_SETS][-1]
['A', 'L', 'B', 'V']
"""

from ._behaviour import FACE_LANDMARK_PRESETS, KINECT_UPPER_BODY, OPENFACE_ACTION_UNITS, UPOS_TAGS
from ._encoders import (
    DEFAULT_TEXT_ENCODER,
    NAMED_TEXT_ENCODERS,
    TEXT_ENCODERS,
    TextEncoder,
    describe_text_encoder,
    resolve_text_encoder,
)
from ._modalities import (
    ALL,
    MODALITY_TAGS,
    PAPER_FEATURE_SETS,
    PAPER_MODALITIES,
    format_modalities,
    parse_modalities,
)

__all__ = [
    "ALL",
    "DEFAULT_TEXT_ENCODER",
    "FACE_LANDMARK_PRESETS",
    "KINECT_UPPER_BODY",
    "MODALITY_TAGS",
    "NAMED_TEXT_ENCODERS",
    "OPENFACE_ACTION_UNITS",
    "PAPER_FEATURE_SETS",
    "PAPER_MODALITIES",
    "TEXT_ENCODERS",
    "TextEncoder",
    "UPOS_TAGS",
    "describe_text_encoder",
    "format_modalities",
    "parse_modalities",
    "resolve_text_encoder",
]
