"""Ownership rules: every gated resource has an owner, and the owner is one the team recognises.

An owner is who gets paged when a model breaks and who approves a breaking change; a typo in
`meta.owner` routes both to nobody. The owner comes from the project's owner settings (meta key,
then the group's owner), the same place the reports group findings by.
"""

from __future__ import annotations

from typing import Any

from dbtgate.artifacts.manifest import Node
from dbtgate.project import Project, display_name
from dbtgate.rules.codeowners import CodeOwners, same_owner
from dbtgate.rules.registry import ParamError, Violation, matches_glob, rule


@rule(
    "owner.present",
    severity="error",
    applies_to=("model", "seed", "snapshot"),
    why="""
        A model nobody owns is a model nobody fixes: failures, questions and breaking-change
        approvals need a name or a team to go to.
    """,
    failing="""
        models:
          - name: dim_products
            config:
              meta: {tier: 2}
    """,
    passing="""
        models:
          - name: dim_products
            config:
              meta: {tier: 2, owner: "@data-platform"}   # or: group: <a group with an owner>
    """,
    fix="Set `meta.owner` (in the model's config, or for a folder in dbt_project.yml), or put "
    "the model in a group that has an owner.",
)
def present(model: Node, project: Project) -> Violation | None:
    """The resource has an owner: `meta.owner`, else the owner of its group (configurable)."""
    if project.owner(model.unique_id):
        return None
    return Violation(
        f"{display_name(model)} has no owner (no meta.owner and no group with an owner)"
    )


def _owners_or_codeowners(params: dict[str, Any]) -> str | None:
    if params["owners"] or params["codeowners_match"]:
        return None
    return "set `owners: [...]` and/or `codeowners_match: true`"


@rule(
    "owner.allowed",
    severity="error",
    applies_to=("model", "seed", "snapshot"),
    why="""
        Free-text owners drift: "@finance", "finance-team", "Finance" all mean someone, and
        none can be paged. Checking the owner against a list (or against CODEOWNERS, which
        already decides who reviews the files) keeps the names real.
    """,
    failing="""
        # policy: owner.allowed: {owners: ["@data-platform", "@finance-eng"]}
        models:
          - name: fct_orders
            config:
              meta: {owner: "@finanse-eng"}
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              meta: {owner: "@finance-eng"}
    """,
    fix="Use one of the allowed owners (or add the owner to the list / to CODEOWNERS).",
    params_check=_owners_or_codeowners,
)
def allowed(
    model: Node,
    project: Project,
    codeowners: CodeOwners | None,
    *,
    owners: list[str] = [],  # noqa: B006 - never mutated; the default shows in the docs
    codeowners_match: bool = False,
) -> Violation | None:
    """The resource's owner is in `owners` (glob patterns, case-insensitive) or, with
    `codeowners_match`, is a CODEOWNERS owner of the model's SQL file.

    `@org/team` in CODEOWNERS matches an owner written `@org/team`, `@team` or `team`.
    Resources without an owner are left to owner.present.
    """
    if codeowners_match and codeowners is None:
        raise ParamError(
            "codeowners_match: true, but no CODEOWNERS file was found (looked in the dbt "
            "project directory and its parents: CODEOWNERS, .github/, docs/; or set "
            "owner.codeowners in the config)"
        )
    owner = project.owner(model.unique_id)
    if not owner:
        return None
    names = [name.strip() for name in owner.split(",") if name.strip()]
    file_owners: list[str] = []
    if codeowners_match and codeowners is not None:
        file_owners = codeowners.owners_of(model.original_file_path)
    for name in names:
        if matches_glob(name, owners):
            return None
        if any(same_owner(name, entry) for entry in file_owners):
            return None
    allowed_text = ", ".join(owners) if owners else ""
    if codeowners_match:
        listed = ", ".join(file_owners) if file_owners else "no CODEOWNERS entry"
        allowed_text = f"{allowed_text}; CODEOWNERS of {model.original_file_path}: {listed}".lstrip(
            "; "
        )
    return Violation(
        f"{display_name(model)}'s owner {owner!r} is not an allowed owner ({allowed_text})",
        details={"owner": owner, "allowed": owners, "codeowners": file_owners},
    )
