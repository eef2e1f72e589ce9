"""Whether the baseline holds a waiver's findings once the waiver ends, a renamed resource's too.

`waiver.expired` and `waiver.expiring` say which of the findings no longer waived the baseline
holds, which do not block. A finding on a resource renamed since the baseline was written has
a new fingerprint: the gate pairs it with the entry under the old name later
(`gate.find_renames`, on the findings no waiver holds), so asked by fingerprint alone the notice
said "it no longer waives 1 finding" and "fix the findings, or renew the waiver" of a finding
the gate then baselined, and the expiring notice foretold a finding that would count again. The
rename pairing is asked here of the findings in question, as if no waiver held them, and the
old name kept for the notice: the entry holds it only while the rename is still told (an edit
to a file renamed without git's knowledge is a new model), so the notice says to prune the
baseline, which records it under the new name.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from dbtgate.checks import CheckContext
from dbtgate.findings import Finding, fingerprint


class BaselineHold:
    """What the baseline the run reads holds of the findings of ending waivers: by fingerprint,
    or under a renamed resource's (or column's) old name (`old_name`). The renames are looked
    for once, on the first finding the fingerprints do not hold, among `asked`: the findings
    of every waiver (an expired one's are not waived, an expiring one's are)."""

    def __init__(self, context: CheckContext, asked: Iterable[Finding]) -> None:
        self._context = context
        self._loaded = context.options.get("baseline")
        self._asked = asked
        self._old_names: dict[int, str] | None = None

    @property
    def prune(self) -> str:
        """The command that records the entries under the names the findings have now."""
        from dbtgate.baseline import prune_command

        return prune_command(self._loaded, self._context.config.baseline)

    def holds(self, finding: Finding) -> bool:
        if self._loaded is None:
            return False
        from dbtgate.baseline import can_baseline

        if not can_baseline(finding):
            return False
        if (finding.fingerprint or fingerprint(finding)) in self._loaded.fingerprints:
            return True
        return self.old_name(finding) is not None

    def old_name(self, finding: Finding) -> str | None:
        """The name the baseline holds `finding` under when it is not the finding's own: its
        resource's (`stg_customers`) or column's (`orders.amount_cents`) before a rename."""
        if self._loaded is None:
            return None
        if self._old_names is None:
            self._old_names = self._renamed()
        return self._old_names.get(id(finding))

    def _renamed(self) -> dict[int, str]:
        """id(finding) -> the old name its entry was recorded under, as the gate pairs renames
        (`gate.find_renames`) for the findings no waiver holds: asked of copies without their
        waiver, which the pairing leaves out."""
        from dbtgate.baseline import can_baseline
        from dbtgate.gate import find_renames

        loaded = self._loaded
        copies: dict[int, tuple[Finding, Finding]] = {}
        for finding in self._asked:
            if id(finding) in copies or not can_baseline(finding):
                continue
            copy = msgspec.structs.replace(finding, waiver=None)
            copy.fingerprint = finding.fingerprint or fingerprint(finding)
            if copy.fingerprint not in loaded.fingerprints:
                copies[id(finding)] = (finding, copy)
        if not copies:
            return {}
        by_copy = {id(copy): finding for finding, copy in copies.values()}
        renames = find_renames(loaded, [copy for _, copy in copies.values()], self._context)
        return {
            id(by_copy[key]): _old_name(carried.entry.unique_id, carried.entry.column_name)
            for key, carried in renames.carried.items()
            if key in by_copy
        }


def _old_name(unique_id: str | None, column: str | None) -> str:
    """`stg_customers`, `shop.orders` (a source), `orders.amount_cents` (a column): the entry's
    resource by the name its unique_id gives after its type and package."""
    name = (unique_id or "").split(".", 2)[-1]
    return f"{name}.{column}" if column else name
