"""hazumi-sk: dialogue-level impression recognition with multitask sequence models.

The public API is re-exported here; see the submodules for details:

- :mod:`hazumi_sk.datasets` -- data in (Hazumi loader, synthetic corpus)
- :mod:`hazumi_sk.sequences` -- the ragged exchange-sequence container
- :mod:`hazumi_sk.features` -- modality feature extractors
- :mod:`hazumi_sk.preprocessing` -- modality selection and scaling
- :mod:`hazumi_sk.model` -- the skorch multitask sequence classifier
- :mod:`hazumi_sk.analysis` -- exchange/dialogue correlation analysis
- :mod:`hazumi_sk.evaluation` -- repeated and nested cross-validation, reports
"""

from ._version import __version__
from .datasets import Dialogue
from .sequences import RaggedSequences

__all__ = ["Dialogue", "RaggedSequences", "__version__"]
