"""clean_label: FORMAT.md §4.1 "Recommended cleaning", with property tests."""

from __future__ import annotations

import math
import re
import unicodedata
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hazumi_sk.datasets import CleanLabel, clean_label

WHITESPACE = st.text(alphabet=" \t\u3000\n", max_size=4)
DIGITS = st.integers(min_value=1, max_value=7)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("4", (4.0, False, False)),
        (" 4", (4.0, False, False)),
        ("3 ", (3.0, False, False)),
        (" 6 ", (6.0, False, False)),
        ("\t1", (1.0, False, False)),
        ("５.", (5.0, False, False)),
        ("5.", (5.0, False, False)),
        ("４", (4.0, False, False)),
        ("6 delete", (6.0, False, True)),
    ],
)
def test_documented_values_give_their_digit(raw, expected):
    assert tuple(clean_label(raw)) == expected


@pytest.mark.parametrize("raw", ["E", " E", "e", " e", "(e)", " ", "", None, float("nan")])
def test_markers_are_excluded_nan(raw):
    result = clean_label(raw)
    assert math.isnan(result.label)
    assert result.excluded is True
    assert result.suspect is False


@pytest.mark.parametrize("raw", ["8", "0", "44", "x", "4.5", "delete", object()])
def test_unknown_values_warn_and_are_nan(raw):
    with pytest.warns(UserWarning, match="Unrecognised label"):
        result = clean_label(raw)
    assert math.isnan(result.label) and not result.excluded


def test_returns_named_tuple():
    result = clean_label("7")
    assert isinstance(result, CleanLabel) and result.label == 7.0


@given(digit=DIGITS, left=WHITESPACE, right=WHITESPACE, full_width=st.booleans(), dot=st.booleans())
def test_any_clean_digit_with_padding_maps_to_the_digit(digit, left, right, full_width, dot):
    core = chr(ord("０") + digit) if full_width else str(digit)
    result = clean_label(left + core + ("." if dot else "") + right)
    assert result == CleanLabel(float(digit), False, False)


@given(st.text(max_size=6))
def test_anything_else_is_nan_and_never_raises(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = clean_label(text)
    stripped = unicodedata.normalize("NFKC", text).strip()
    if re.fullmatch(r"[1-7]\.?|[1-7]\s+delete", stripped):
        assert result.label == float(stripped[0])
    else:
        assert math.isnan(result.label)


@given(st.one_of(st.text(max_size=6), DIGITS, st.none()))
def test_idempotent_on_its_own_output(value):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        once = clean_label(value)
        twice = clean_label(once.label)
    assert (math.isnan(once.label) and math.isnan(twice.label)) or once.label == twice.label
    assert not twice.suspect
