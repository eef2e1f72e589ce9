"""The one notion of a documented description that the docs KPIs and rules share."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dbtgate.placeholders import DEFAULT_PLACEHOLDERS, is_described

# Text near the edges of the definition: the default words and markers in any case, with the
# punctuation and space a placeholder may have around it, and the name of what it describes.
NEAR = st.sampled_from([*DEFAULT_PLACEHOLDERS, "TODO", "Fixme", "xXx", "order id", "İ", "ſ"])
PADDING = st.text(st.sampled_from(" .!:;\t\n-?_/\r\x0b\xa0\u3000"), max_size=3)
TEXT = st.one_of(
    st.text(),
    st.builds(lambda a, word, b, rest: a + word + b + rest, PADDING, NEAR, PADDING, st.text()),
    st.builds(lambda a, word, b: a + word.upper() + b, PADDING, NEAR, PADDING),
)
NAMES = st.sampled_from(["order_id", "id", "a_very_long_column_name_of_many_words", "İd"])


def placeholder_as_defined(text: str, name: str) -> bool:
    """The default definition written plainly, without `is_described`'s shortcuts."""
    normalised = text.lower().strip(" .!:;\t\n")
    return bool(
        normalised in DEFAULT_PLACEHOLDERS
        or text.lower() in DEFAULT_PLACEHOLDERS
        or re.match(r"^\W*(todo|tbd|tba|fixme|xxx)\b", text, re.IGNORECASE)
        or normalised.replace(" ", "_") == name.lower()
    )


@given(TEXT, NAMES)
def test_described_is_exactly_a_non_blank_text_that_is_no_placeholder(text: str, name: str):
    """`is_described` skips most of the work for most text: it must not change the answer."""
    stripped = text.strip()
    lowered = name.lower()
    assert is_described(text, lowered) == bool(
        stripped and not placeholder_as_defined(stripped, lowered)
    )
    assert is_described(text) == bool(stripped and not placeholder_as_defined(stripped, ""))


@pytest.mark.parametrize(
    ("text", "described"),
    [
        (None, False),
        ("  \n", False),
        ("TBD.", False),
        ("  n/a ", False),
        ("todo - which time zone?", False),
        ("Order Id", False),
        ("This is a unique identifier for an order.", True),
        ("Total amount (AUD) of the order.", True),
        ("Tomorrow's date, in UTC.", True),
    ],
)
def test_a_placeholder_is_no_description(text: str | None, described: bool):
    assert is_described(text, "order_id") is described


def test_a_columns_name_is_a_description_where_no_name_is_given():
    assert is_described("Order Id") is True
    assert is_described("Order Id", "order_id") is False
