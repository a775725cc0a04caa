"""Safe model files: fitted pipelines saved without pickle, with their metadata as data.

:func:`save_model` writes a ``.hzm`` file (a zip of ``metadata.json``, a
skops file and safetensors weights); :func:`load_model` reads it back with an
explicit allowlist of types, so a crafted file cannot run code. joblib files
load only with ``trusted_joblib=True``. See :doc:`/persistence`.
"""

from ._bundle import ModelBundle, load_bundle, save_bundle
from ._errors import IncompatibleDataError, ModelFileError, UnsafeModelFileError
from ._format import FORMAT_VERSION, LoadedModel, load_model, read_metadata, save_model
from ._metadata import ModelMetadata, check_compatible

__all__ = [
    "check_compatible",
    "FORMAT_VERSION",
    "IncompatibleDataError",
    "load_bundle",
    "load_model",
    "LoadedModel",
    "ModelFileError",
    "ModelBundle",
    "ModelMetadata",
    "read_metadata",
    "save_bundle",
    "save_model",
    "UnsafeModelFileError",
]
