"""How a breaking change's impact reads to a person: one wording for every report.

The finding's message (console, SARIF, JUnit, GitLab), the `dbtgate diff` table and the "who
reads it" column of gate.md and gate.html all describe the same impact, so they phrase it here,
from its JSON shape (`Impact` as gate.json holds it: the reports are rendered from that file).
The readers a change does not hurt (`not_hurt`: models that ref() a model made ephemeral, or that
no longer read a removed one) are named as not affected, after those it hurts.
For a column change the readers are told apart the way the impact marks them: a direct reader
whose SQL selects the column is affected, one whose SQL could not be checked may be, and one that
reads the model but not the column is not; no report may say "affects" of the last kind.
"""

from __future__ import annotations

from typing import Any

from dbtgate.wording import counted, first_few

_MAX_NAMES = 5
# Readers in the order a reviewer needs them: the affected first, the unaffected last.
_SELECTS_ORDER = {"yes": 0, "was": 0, "unknown": 1, None: 2, "no": 3}
_PUBLIC_READERS = "other projects (public model)"
# How the message names the readers `Impact.models` holds, in this order.
_READER_NOUNS = {
    "semantic_model": "semantic model",
    "metric": "metric",
    "saved_query": "saved query",
}
_NOUN_ORDER = ("downstream model", "semantic model", "metric", "saved query")
_NOT_HURT_LINE = {
    "inlined": "refs it; not affected: dbt inlines it",
    "updated": "no longer reads it; not affected",
    "moved": "refs it; not affected: ref() follows the new name",
}


def impact_message(impact: dict[str, Any], column: str | None) -> str:
    """The clauses a breaking change's finding message ends with (`; ...`), or "" when nothing
    reads the changed resource: for a column change, who selects the column and who does not."""
    models = _consumers(impact, "models")
    exposures = _consumers(impact, "exposures")
    if _column_marked(models, exposures, column):
        clauses = _column_clauses(models, exposures, str(column), bool(impact.get("public")))
    else:
        reached = []
        # `models` holds the semantic layer's readers too (`impact.downstream`, and a semantic
        # removal's metrics and saved queries): each is named as what it is.
        for noun in _NOUN_ORDER:
            named = [c for c in models if _noun_of(c) == noun]
            if named:
                reached.append(f"{counted(len(named), noun)} ({_names(named)})")
        if exposures:
            reached.append(f"{counted(len(exposures), 'exposure')} ({_names(exposures)})")
        if impact.get("public"):
            reached.append(_PUBLIC_READERS)
        clauses = [f"affects {_and(reached)}"] if reached else []
    spared = _consumers(impact, "not_hurt")
    if spared:
        clauses.append(_not_hurt_clause(spared, impact.get("not_hurt_because")))
    if not clauses:
        return ""
    owners = [o for o in impact.get("owners") or [] if isinstance(o, str)]
    if owners:
        clauses.append(f"readers' owners: {', '.join(owners)}")
    return "; " + "; ".join(clauses)


def reader_lines(impact: dict[str, Any], column: str | None) -> list[str]:
    """One line per reader, the affected first: `finance_revenue (direct reader; does not select
    item_count)`, `report (2 steps downstream)`; other projects last when the model is public."""
    models = _consumers(impact, "models")
    exposures = _consumers(impact, "exposures")
    marked = _column_marked(models, exposures, column)
    readers = [*models, *exposures]
    if marked:
        if not _reaches_further(models):
            # As the message says: the column reaches no reader behind the direct ones.
            readers = [c for c in readers if (c.get("depth") or 0) <= 1]
        readers.sort(key=lambda c: _SELECTS_ORDER.get(c.get("selects_column"), 2))
    lines = [_reader_text(consumer, column if marked else None) for consumer in readers]
    if impact.get("public"):
        lines.append(_PUBLIC_READERS)
    how = _NOT_HURT_LINE.get(impact.get("not_hurt_because"), "not affected")
    lines.extend(f"{_names([c])} ({how})" for c in _consumers(impact, "not_hurt"))
    return lines


def _noun_of(consumer: dict[str, Any]) -> str:
    return _READER_NOUNS.get(str(consumer.get("resource_type")), "downstream model")


def _not_hurt_clause(spared: list[dict[str, Any]], because: Any) -> str:
    """`revenue and report ref() it and are not affected: dbt inlines an ephemeral model`."""
    one = len(spared) == 1
    are = "is" if one else "are"
    if because == "inlined":
        return (
            f"{_names(spared)} {'refs' if one else 'ref'} it and {are} not affected: dbt inlines "
            "an ephemeral model"
        )
    if because == "moved":
        return (
            f"{_names(spared)} {'refs' if one else 'ref'} it and {are} not affected: ref() "
            "follows the new name"
        )
    if because == "updated":
        return (
            f"{_names(spared)} no longer {'reads' if one else 'read'} it (changed in this pull "
            f"request) and {are} not affected"
        )
    return f"{_names(spared)} {are} not affected"


def _reader_text(consumer: dict[str, Any], column: str | None) -> str:
    """`revenue_dashboard (exposure, direct reader; may use item_count)`."""
    kind = consumer.get("resource_type")
    notes = [str(kind).replace("_", " ")] if kind and kind != "model" else []
    depth = consumer.get("depth")
    if isinstance(depth, int) and depth > 0:
        notes.append("direct reader" if depth == 1 else f"{depth} steps downstream")
    text = ", ".join(notes)
    selects = consumer.get("selects_column")
    if column is not None and selects is not None:
        selects_text = _selects_text(selects, kind, column)
        text = f"{text}; {selects_text}" if text else selects_text
    name = str(consumer.get("name") or consumer.get("unique_id") or "")
    return f"{name} ({text})" if text else name


def _selects_text(selects: str, kind: Any, column: str) -> str:
    if selects == "yes":
        return f"selects {column}"
    if selects == "no":
        return f"does not select {column}"
    if selects == "was":
        return f"named {column} in the base build"
    # An exposure has no SQL to read; a model's SQL was missing or named no relation we know.
    if kind == "exposure":
        return f"may use {column}"
    return f"not known whether it selects {column}"


def _column_clauses(
    models: list[dict[str, Any]], exposures: list[dict[str, Any]], column: str, public: bool
) -> list[str]:
    direct = [c for c in models if c.get("depth") == 1]
    selecting = [c for c in direct if c.get("selects_column") == "yes"]
    unsure = [c for c in direct if c.get("selects_column") == "unknown"]
    not_selecting = [c for c in direct if c.get("selects_column") == "no"]
    dropped = [c for c in direct if c.get("selects_column") == "was"]
    clauses = []
    if selecting:
        verb = "selects" if len(selecting) == 1 else "select"
        clauses.append(f"{_names(selecting)} {verb} {column}")
    if dropped:
        # A semantic model the pull request took the column out of: its users lose it.
        clauses.append(f"{_names(dropped)} named {column} in the base build")
    if unsure:
        verb = "selects" if len(unsure) == 1 else "select"
        clauses.append(f"not known whether {_names(unsure)} {verb} {column}")
    if not_selecting:
        verb = "reads" if len(not_selecting) == 1 else "read"
        clauses.append(f"{_names(not_selecting)} {verb} the model but not {column}")
    further = [c for c in (*models, *exposures) if (c.get("depth") or 0) > 1]
    if further and _reaches_further(models):
        clauses.append(f"further downstream: {_names(further)}")
    direct_exposures = [c for c in exposures if c.get("depth") == 1]
    if direct_exposures:
        noun = "exposure" if len(direct_exposures) == 1 else "exposures"
        clauses.append(f"{noun} {_names(direct_exposures)} may use {column}")
    if public:
        clauses.append("other projects may read it (public model)")
    return clauses


def _reaches_further(models: list[dict[str, Any]]) -> bool:
    """Whether the changed column may reach readers further downstream: it arrives there only
    through a direct reader that selects it, or may (its SQL could not be checked)."""
    return any(
        c.get("depth") == 1 and c.get("selects_column") in ("yes", "unknown", "was") for c in models
    )


def _column_marked(
    models: list[dict[str, Any]], exposures: list[dict[str, Any]], column: str | None
) -> bool:
    """Whether the impact tells column readers apart (a column change on a model still built)."""
    return column is not None and any(
        c.get("selects_column") is not None for c in (*models, *exposures)
    )


def _consumers(impact: dict[str, Any], key: str) -> list[dict[str, Any]]:
    found = impact.get(key)
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def _names(consumers: list[dict[str, Any]]) -> str:
    return first_few(
        [str(c.get("name") or c.get("unique_id") or "") for c in consumers], _MAX_NAMES
    )


def _and(parts: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
