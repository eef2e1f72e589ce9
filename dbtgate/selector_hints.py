"""`(did you mean ...?)` for a selector in dbtgate.yml that selects nothing.

A policy or a waiver whose selector matches no resource is reported, not an error: the resource
may have been deleted. Most often it is a typo (`tag:paymnt`, `fct_refund`), and the closest tag
or resource name the project has turns the report into its fix. One module for the policies'
notes and the waivers' `waiver.stale`, so both suggest the same way.
"""

from __future__ import annotations

from dbtgate.near_miss import near_miss
from dbtgate.select import Selection, SelectorError, parse_selector

# A bare value ending so is a file name, and one holding a slash a path (as `select` reads them):
# no resource name is suggested for those.
_NOT_A_NAME = (".sql", ".py", ".csv")


def selector_hint(text: str, selection: Selection, *more: Selection) -> str:
    """` (did you mean X?)` for the first `tag:` or bare name (not a glob) in `text` that the
    project does not have but nearly does (a tag that differs in case too: dbt's tags are
    case-sensitive); `""` when there is none. With `more` builds (the base's: a model the pull
    request removed is selected there), the names and tags of them all."""
    selections = (selection, *more)
    try:
        selector = parse_selector(text)
    except SelectorError:
        return ""
    for term in selector.terms:
        for atom in term:
            if any(glob in atom.value for glob in "*?["):
                # A pattern that matches nothing names no one resource to have mistyped: what it
                # matched was most likely deleted (`orders_v*`, `tag:legacy_*`).
                continue
            if atom.method == "tag":
                hint = _closest_tag(atom.value, selections)
            elif atom.method == "" and _is_name(atom.value):
                hint = _closest_name(atom.value, selections)
            else:
                continue
            if hint:
                return f" (did you mean {hint}?)"
    return ""


def _is_name(value: str) -> bool:
    return (
        value != "*" and "/" not in value and "\\" not in value and not value.endswith(_NOT_A_NAME)
    )


def _closest_tag(tag: str, selections: tuple[Selection, ...]) -> str | None:
    known = sorted({tag for s in selections for r in s.resources.values() for tag in r.tags or ()})
    if tag in known:
        return None
    by_case = {known_tag.lower(): known_tag for known_tag in known}
    close = by_case.get(tag.lower()) or near_miss(tag, known)
    return f"tag:{close}" if close else None


def _closest_name(value: str, selections: tuple[Selection, ...]) -> str | None:
    """The root project's resource name (or unique_id, for a value written as one) nearest
    `value`; None when `value` is one, or nothing is near."""
    names = sorted({s.resources[uid].name for s in selections for uid in s.universe})
    uids = sorted({uid for s in selections for uid in s.universe})
    if value in names or any(value in s.resources for s in selections):
        return None
    if value.count(".") < 2:
        return near_miss(value, names)
    # A unique_id: its name part compared, among the resources of its type, so that the
    # `model.shop.` every candidate shares does not make any name look close.
    kind, _, name = value.split(".", 2)
    by_name: dict[str, str] = {}
    for uid in uids:
        parts = uid.split(".", 2)
        if len(parts) == 3 and parts[0] == kind:
            by_name.setdefault(parts[2], uid)
    close = near_miss(name, list(by_name))
    return by_name[close] if close is not None else None
