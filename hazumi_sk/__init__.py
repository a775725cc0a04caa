"""hazumi-sk: dialogue-level impression recognition with multitask sequence models.

The main names are available from the top level; see the submodules for details:

- :mod:`hazumi_sk.datasets` -- data in (Hazumi loader, synthetic corpus, targets)
- :mod:`hazumi_sk.sequences` -- the ragged exchange-sequence container
- :mod:`hazumi_sk.features` -- modality feature extractors
- :mod:`hazumi_sk.preprocessing` -- modality selection and scaling
- :mod:`hazumi_sk.model` -- the skorch multitask sequence classifier
- :mod:`hazumi_sk.analysis` -- exchange/dialogue correlation analysis
- :mod:`hazumi_sk.evaluation` -- repeated and nested cross-validation, reports

Examples
--------
>>> from hazumi_sk import RaggedSequences, make_synthetic_hazumi, to_xy
>>> X, y = to_xy(make_synthetic_hazumi(n_dialogues=12, random_state=0), item="worthwhile")
>>> isinstance(X, RaggedSequences)
True
"""

from importlib import import_module
from typing import Any

from ._version import __version__
from .datasets import Dialogue, load_hazumi, make_synthetic_hazumi, to_xy
from .sequences import RaggedSequences

# Names whose modules import torch/skorch: loaded on first use (PEP 562) so that
# `import hazumi_sk` and the data tools stay fast.
_LAZY = {
    "MultitaskSequenceClassifier": "hazumi_sk.model",
    "ModalitySelector": "hazumi_sk.preprocessing",
    "SequenceScaler": "hazumi_sk.preprocessing",
    "MultimodalFeatures": "hazumi_sk.features",
    "DumpfileFeatures": "hazumi_sk.features",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'hazumi_sk' has no attribute {name!r}")


__all__ = [
    "Dialogue",
    "DumpfileFeatures",
    "ModalitySelector",
    "MultimodalFeatures",
    "MultitaskSequenceClassifier",
    "RaggedSequences",
    "SequenceScaler",
    "__version__",
    "load_hazumi",
    "make_synthetic_hazumi",
    "to_xy",
]
