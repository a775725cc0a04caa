"""Cleaning of Hazumi (CSJ-style) user transcripts."""

from __future__ import annotations

import re

__all__ = ["clean_transcript", "REDACTION_MARK"]

#: What the corpus writes in place of personal information.
REDACTION_MARK = "【個人情報保護のため削除】"

# An innermost tag: "(F えー)", "(D も)", "(? なんな)", also "( F あのー)" and the empty
# "(?)" (inaudible) found in the corpus; nested tags are peeled from inside.
_INNER_TAG = re.compile(r"\(\s*([A-Z?]+)(?:\s+([^()]*?))?\s*\)")
_SPACES = re.compile(r"\s+")


def clean_transcript(
    text: str | None, keep_fillers: bool = True, keep_disfluencies: bool = True
) -> str:
    """Turn a Hazumi ``user_utterance`` into plain text.

    - ``(F ...)`` fillers: content kept (tag removed), or dropped with
      ``keep_fillers=False``;
    - ``(D ...)`` disfluent fragments: likewise with ``keep_disfluencies``;
    - ``(? ...)`` uncertain transcriptions and any other ``(X ...)`` tag: content kept;
      an empty ``(?)`` (inaudible) is removed;
    - ``|`` (pause-unit separator) becomes a space; runs of spaces collapse;
    - ``【個人情報保護のため削除】`` (redacted personal information) is removed.

    Parameters
    ----------
    text : str or None
        ``None`` and NaN are treated as empty.
    keep_fillers : bool, default=True
    keep_disfluencies : bool, default=True

    Returns
    -------
    str
        Possibly empty.

    Examples
    --------
    >>> clean_transcript("(F え)|コンビニ")
    'え コンビニ'
    >>> clean_transcript("(F え)|コンビニ", keep_fillers=False)
    'コンビニ'
    >>> clean_transcript("きみに読む(D ものが)物語を見ました", keep_disfluencies=False)
    'きみに読む物語を見ました'
    >>> clean_transcript("(F (? えー))|【個人情報保護のため削除】です")
    'えー です'
    >>> clean_transcript("(?)|( F あのー)筆使い")
    'あのー筆使い'
    """
    if text is None or (isinstance(text, float) and text != text):
        return ""
    if not isinstance(text, str):
        raise TypeError(f"text must be a string, got {type(text).__name__}.")
    dropped = {tag for tag, keep in (("F", keep_fillers), ("D", keep_disfluencies)) if not keep}

    def replace(match: re.Match) -> str:
        return "" if match.group(1) in dropped else (match.group(2) or "")

    previous = None
    while previous != text:
        previous, text = text, _INNER_TAG.sub(replace, text)
    text = text.replace(REDACTION_MARK, "").replace("|", " ")
    return _SPACES.sub(" ", text).strip()
