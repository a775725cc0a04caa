"""The errors and warnings of the model-file format."""

from __future__ import annotations

__all__ = ["IncompatibleDataError", "ModelFileError", "UnsafeModelFileError"]


class ModelFileError(ValueError):
    """A model file that cannot be loaded: not a model file, damaged, incomplete or unfitted.

    The message names the file and what is wrong with it.
    """


class UnsafeModelFileError(ModelFileError):
    """A model file that could run code when loaded: a pickle, or types outside the allowlist.

    Loading such a file is refused; the message names the offending types, or
    says how to opt in for a pickle you trust (``trusted_joblib=True``).
    """


class IncompatibleDataError(ValueError):
    """The data lacks feature columns the model was trained on.

    The message names the missing columns grouped by modality, and how the
    model's features were built.
    """
