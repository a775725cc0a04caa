"""The 18 dialogue-level rapport items, in questionnaire order."""

from __future__ import annotations

#: English names of the 18 rapport items, in questionnaire order (FORMAT.md §6).
RAPPORT_ITEMS: tuple[str, ...] = (
    "well-coordinated",
    "boring",
    "cooperative",
    "harmonious",
    "unsatisfying",
    "uncomfortably paced",
    "cold",
    "awkward",
    "engrossing",
    "unfocused",
    "involving",
    "intense",
    "friendly",
    "active",
    "positive",
    "dull",
    "worthwhile",
    "slow",
)

#: Exact Japanese questionnaire headers, aligned with :data:`RAPPORT_ITEMS`.
RAPPORT_ITEMS_JA: tuple[str, ...] = (
    "1. 会話をうまく調整",
    "2. 会話に退屈",
    "3. 協力的に会話",
    "4. 調和のとれた会話",
    "5. 不満足な会話",
    "6. テンポの悪い会話",
    "7. 冷たい感じの会話",
    "8. ぎこちない会話",
    "9. 会話に夢中",
    "10. 会話の焦点が定まらない",
    "11. 相互に興味",
    "12. 緊張する会話",
    "13. 好意的に会話",
    "14. 活発に会話",
    "15. 互いに肯定的に会話",
    "16. 会話は退屈",
    "17. 会話は価値あるもの",
    "18. 間のびした会話",
)

#: Negatively worded items (the paper's "negative" polarity group).
NEGATIVE_ITEMS: frozenset[str] = frozenset(
    {
        "boring",
        "unsatisfying",
        "uncomfortably paced",
        "cold",
        "awkward",
        "unfocused",
        "intense",
        "dull",
        "slow",
    }
)


def item_polarity(item: str) -> str:
    """``"negative"`` for negatively worded items, else ``"positive"``."""
    if item not in RAPPORT_ITEMS:
        raise ValueError(f"Unknown rapport item {item!r}; expected one of {list(RAPPORT_ITEMS)}.")
    return "negative" if item in NEGATIVE_ITEMS else "positive"
