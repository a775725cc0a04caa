"""Estimator tags shared by the meta-estimators that pass X through untouched."""

from __future__ import annotations

from typing import Any

from sklearn.utils import get_tags


def follow_input_tags(tags: Any, inner: Any) -> Any:
    """Copy ``inner``'s sparse and NaN input tags onto ``tags`` (X goes to it untouched)."""
    inner_tags = get_tags(inner).input_tags
    tags.input_tags.sparse = inner_tags.sparse
    tags.input_tags.allow_nan = inner_tags.allow_nan
    return tags
