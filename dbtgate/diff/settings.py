"""Which config setting a config-level change is about: its finding is located on the line that
sets it (`Locator.locate_setting`), the line the pull request edited, not on the model's entry."""

from __future__ import annotations

from dbtgate.findings import Finding

# The codes of findings whose change is one config setting of the resource. Their safe twins
# (safe.grant_added, safe.materialization_changed, ...) are listed in the diff, never findings:
# they have no file and line to place.
SETTINGS = {
    "breaking.materialization_changed": "materialized",
    "risky.access_narrowed": "access",
    "risky.materialization_changed": "materialized",
    "breaking.access_narrowed": "access",
    "risky.grant_revoked": "grants",
    "breaking.contract_removed": "contract",
}


def setting_of(finding: Finding) -> tuple[str, str | None] | None:
    """(setting, detail) of a config-level finding, None for any other. The detail is the
    privilege when every grant the finding names has the same one: then its line is the edit.
    A policy rule's finding names its own (`Finding.setting`: governance.allowed_meta_values,
    governance.group, naming.location_case), with the key in it that is wrong: on the line that sets that key, else
    the setting."""
    if finding.setting is not None:
        return finding.setting
    details = finding.details or {}
    if finding.code.endswith((".relation_renamed", ".history_config_changed")):
        # The first setting the change names (`alias`, `strategy`, ...: `details.moved`).
        moved = details.get("moved") or []
        return (str(moved[0]).split()[0], None) if moved else None
    setting = SETTINGS.get(finding.code)
    if setting != "grants":
        return None if setting is None else (setting, None)
    grants = details.get("grants") or []
    privileges = {str(grant["privilege"]).lower() for grant in grants}
    return (setting, privileges.pop() if len(privileges) == 1 else None)
