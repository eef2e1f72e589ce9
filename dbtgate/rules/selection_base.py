"""A rule on the whole selection (tests.coverage) against the base build: is its finding the
change's?

A resource's finding is the change's when the change touched the resource (`scope: changed`).
A finding on a whole selection ("13 of 24 selected models are tested, 54% < 80%") names no
resource, so the gate asks the base build instead: the same rule on the same policy's selection
there. The finding is the change's when the base build passes the rule, or measured better (a
higher `details["share"]` then than now: the change lowered it); a shortfall the base build had
already, not made worse, is legacy debt, outside the change. The finding says which.
Without a base build, or when the selector reads the change itself (`state:`), every such
finding is gated as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dbtgate.checks import CheckContext
from dbtgate.project import Project
from dbtgate.rules.registry import Rule, Violation
from dbtgate.select import Selection, Selector, SelectorError
from dbtgate.wording import against_base_build


class BaseSelections:
    """The base build's violations of rules on the whole selection, per policy selector."""

    def __init__(self, context: CheckContext) -> None:
        # Only where scope can apply: a base build and the change against it.
        self.base: Project | None = context.base if context.changed is not None else None
        self._selection: Selection | None = None

    def judge(
        self,
        rule: Rule,
        params: dict[str, Any],
        select: Selector,
        exclude: Selector | None,
        inputs: dict[str, Any],
    ) -> Callable[[Violation], tuple[bool, str]]:
        """For a violation of `rule` on the policy's selection: whether it is the change's, and
        the words to add to its message that say why."""
        if self.base is None:  # no change known: scope does not apply, nothing to say
            return lambda violation: (False, "")
        if select.uses_state or (exclude is not None and exclude.uses_state):
            return lambda violation: (True, "")  # the selection is (part of) the change
        if self._selection is None:
            self._selection = Selection(self.base)
        selection = self._selection
        try:
            selected = selection.select(select, exclude)
        except SelectorError:  # a selector the base build cannot answer: gated as it is
            return lambda violation: (True, "")
        types = rule.applies_to
        subjects = [selection.resources[uid] for uid in sorted(selected)]
        subjects = [resource for resource in subjects if resource.resource_type in types]
        inputs = {**inputs, "project": self.base, "base": None}
        then = {violation.key or "": violation for violation in rule.run(subjects, inputs, params)}
        return lambda violation: against_base(violation, then.get(violation.key or ""))


def against_base(now: Violation, then: Violation | None) -> tuple[bool, str]:
    """Whether the finding `now` is the change's, given the base build's finding of the same
    rule and key (`then`, None when the base build passes), and the words that say why."""
    if then is None:
        return True, "; the base build passes it: this change fails it"
    share, was = now.details.get("share"), then.details.get("share")
    if not isinstance(share, int | float) or not isinstance(was, int | float):
        return False, "; the base build fails it too"
    counts = None
    if "tested" in then.details and "total" in then.details:
        counts = (then.details["tested"], then.details["total"])
    return share < was, against_base_build(share, was, counts)
