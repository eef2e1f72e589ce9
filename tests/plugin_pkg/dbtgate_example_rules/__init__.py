"""An example dbtgate rule plugin: importing this module registers its rules."""

from __future__ import annotations

from dbtgate.artifacts.manifest import Node
from dbtgate.rules import Violation, rule


@rule(
    "example.name_length",
    severity="warn",
    applies_to=("model",),
    why="Long relation names get truncated by some warehouses and are hard to read.",
    failing="models:\n  - name: a_very_long_model_name_that_goes_on",
    passing="models:\n  - name: orders",
    fix="Rename the model.",
)
def name_length(model: Node, *, max_length: int = 40) -> Violation | None:
    """The model's name is at most `max_length` characters long."""
    if len(model.name) <= max_length:
        return None
    return Violation(f"{model.name} is {len(model.name)} characters long (max {max_length})")
