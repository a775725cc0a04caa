"""Data in: the Hazumi corpus loader, a synthetic corpus and the dialogue type."""

from ._dialogue import EXCHANGE_TIME_COLUMNS, Dialogue
from ._items import NEGATIVE_ITEMS, RAPPORT_ITEMS, RAPPORT_ITEMS_JA, item_polarity

__all__ = [
    "EXCHANGE_TIME_COLUMNS",
    "Dialogue",
    "NEGATIVE_ITEMS",
    "RAPPORT_ITEMS",
    "RAPPORT_ITEMS_JA",
    "item_polarity",
]
