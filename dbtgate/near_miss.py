"""The name a user most likely meant by one that is not known: a typo by a character or two.

One measure for every "did you mean" that names a single thing the user may have mistyped (a
selector's tag or model, a sqlfluff rule in the lint settings or `dbtgate rules`, a dbtgate
code), so that each suggests as sparingly: a suggestion that is no typo sends the reader to the
wrong thing.
"""

from __future__ import annotations

import difflib
from collections.abc import Collection

# What a suggestion may differ by: characters of either name that difflib does not match to
# the other, at most two, or a sixth of the name's length for a long one. Measured on the model
# names of the corpus projects and the fixture: a typo or a rename by a letter or two scores
# within it (dim_product for dim_products 1, ordres for orders 2, a long name's `_tmp` 4 of 6),
# names that share a word or a layer do not (fct_payments and stg_payments 6, dim_customers and
# customers 4, int_customer_order and customer_order_pattern 12). difflib's ratio alone, at its
# default 0.6, suggested stg_payments for model.shop.nonexistent (the `model.shop.` both start
# with counted), and no cutoff of it tells fct_payments (0.83) from ordres (0.83).
_MIN_BUDGET = 2
_BUDGET_SHARE = 6


def near_miss(value: str, candidates: list[str]) -> str | None:
    """The candidate most like `value` (difflib's ratio) within the characters it may differ by."""
    budget = _budget(value)
    for close in difflib.get_close_matches(value, candidates, n=5):
        if _differ(value, close) <= budget:
            return close
    return None


def near_miss_any_case(value: str, candidates: list[str]) -> str | None:
    """The one candidate nearest `value` within the budget, compared without regard to case
    (`cp011`, `Capitalisation.Keyword`) and returned as written (`CP01`); None when several are
    as near: `lt1` is a character from LT01 and from each of LT10 to LT15, and naming one of
    them would be a guess. For short codes of one pattern, as sqlfluff's are."""
    by_case = {candidate.lower(): candidate for candidate in sorted(candidates)}
    value = value.lower()
    budget = _budget(value)
    near = sorted(
        (_differ(value, close), close)
        for close in difflib.get_close_matches(value, list(by_case), n=10)
        if _differ(value, close) <= budget
    )
    if not near or (len(near) > 1 and near[1][0] == near[0][0]):
        return None
    return by_case[near[0][1]]


def intended_family(code: str, codes: Collection[str]) -> str | None:
    """The family of `codes` (`family.name`) that `code`'s family is, or is a typo of:
    `freshnes.stale` means freshness, `doc.*` docs."""
    family = code.split(".", 1)[0]
    families = sorted({known.split(".", 1)[0] for known in codes})
    return family if family in families else near_miss(family, families)


def near_code(code: str, codes: Collection[str]) -> str | None:
    """The one of `codes` (`family.name`) that `code` is a typo of: its name near a name of the
    family it means (`run.not_rn`, `doc.column_coverage`, `owners.present`); None when no name
    of that family is near. Matched on the whole code, difflib offered a code of another family
    that shares letters (`freshness.warn` for `freshnes.stale`)."""
    family = intended_family(code, codes)
    name = code.partition(".")[2]
    if family is None or not name:
        return None
    names = sorted(known.partition(".")[2] for known in codes if known.startswith(f"{family}."))
    close = near_miss(name, names)
    return None if close is None else f"{family}.{close}"


def _budget(value: str) -> int:
    return max(_MIN_BUDGET, len(value) // _BUDGET_SHARE)


def _differ(value: str, close: str) -> int:
    """How many characters of either string difflib does not match to the other."""
    matcher = difflib.SequenceMatcher(None, value, close)
    same = sum(block.size for block in matcher.get_matching_blocks())
    return len(value) + len(close) - 2 * same
