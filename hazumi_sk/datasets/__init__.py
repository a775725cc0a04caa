"""Data in: the Hazumi corpus loader, a synthetic corpus and the dialogue type."""

from . import _harmonize
from ._dialogue import EXCHANGE_TIME_COLUMNS, Dialogue
from ._elan import read_eaf
from ._errors import HazumiFormatError
from ._fetch import fetch_hazumi, get_data_home
from ._hazumi import SUPPORTED_VERSIONS, VERSION_SETTINGS, load_hazumi
from ._items import NEGATIVE_ITEMS, RAPPORT_ITEMS, RAPPORT_ITEMS_JA, item_polarity
from ._labels import CleanLabel, clean_label
from ._synthetic import make_synthetic_hazumi
from ._targets import (
    EXCHANGE_LABELS,
    LABEL_COLUMNS,
    RATING_SOURCES,
    check_exchange_label,
    check_item,
    check_threshold,
    dialogue_versions,
    exchange_label_values,
    rating_table,
    to_xy,
    ts_on_ss_scale,
)

#: The harmonised column mapping of ``load_hazumi(..., columns="harmonized")``, one row per
#: concept and version: the shared name and modality tag, the version's original dumpfile
#: column (None where that version has no counterpart) and a note (docs/datasets.rst).
HARMONIZED_COLUMNS = _harmonize.HARMONIZED_COLUMNS

__all__ = [
    "EXCHANGE_TIME_COLUMNS",
    "Dialogue",
    "CleanLabel",
    "HazumiFormatError",
    "SUPPORTED_VERSIONS",
    "VERSION_SETTINGS",
    "HARMONIZED_COLUMNS",
    "EXCHANGE_LABELS",
    "clean_label",
    "fetch_hazumi",
    "get_data_home",
    "load_hazumi",
    "read_eaf",
    "NEGATIVE_ITEMS",
    "RAPPORT_ITEMS",
    "RAPPORT_ITEMS_JA",
    "item_polarity",
    "make_synthetic_hazumi",
    "to_xy",
    "LABEL_COLUMNS",
    "RATING_SOURCES",
    "check_exchange_label",
    "check_item",
    "check_threshold",
    "dialogue_versions",
    "exchange_label_values",
    "rating_table",
    "ts_on_ss_scale",
]
