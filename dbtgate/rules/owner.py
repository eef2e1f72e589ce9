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

    `@org/team` in CODEOWNERS matches an owner written `@org/team`, `@team` or `team`. An
    installed package's file is matched by where it really is in the repository
    (`analytics/dbt_packages/pkg/models/x.sql`, a `local:` package's own folder), never by its
    path in the package (`models/x.sql` would name the root project's file); a package that is
    not installed where dbtgate runs, or whose files are outside the repository, has no
    CODEOWNERS owner.
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
    said = ""
    if codeowners_match and codeowners is not None:
        said, file_owners = _code_owners(model, project, codeowners)
    for name in names:
        if matches_glob(name, owners):
            return None
        if any(same_owner(name, entry) for entry in file_owners):
            return None
    allowed_text = "; ".join(part for part in (", ".join(owners), said) if part)
    return Violation(
        f"{display_name(model)}'s owner {owner!r} is not an allowed owner ({allowed_text})",
        details={"owner": owner, "allowed": owners, "codeowners": file_owners},
    )


def _code_owners(model: Node, project: Project, codeowners: CodeOwners) -> tuple[str, list[str]]:
    """What CODEOWNERS says of the model's file (`CODEOWNERS of models/x.sql: @a`), and its
    owners. The root project's file goes by its path in the project. An installed package's
    goes by where it really is in the repository (`analytics/dbt_packages/pkg/models/x.sql`, a
    `local:` package's own folder): its path in the package is no path of the repository, and
    matching it would hand the package's model to whoever owns the root's file of that name.
    A package not installed where dbtgate runs, or whose files really are outside the
    repository, has no owner in CODEOWNERS, and the message says why."""
    files = project.files
    package = files.package_of(model)
    relative = model.original_file_path
    if not package:
        path, found = relative, codeowners.owners_of(relative)
    else:
        installed = files.path(package, relative)
        if installed is None:
            return (
                f"no CODEOWNERS owner: package {package} is not installed here, so its "
                f"{relative} has no path in the repository (`dbt deps` installs it)"
            ), []
        repository_path = codeowners.path_of(installed)
        if repository_path is None:
            return (
                f"no CODEOWNERS owner: {installed.resolve().as_posix()} is outside the "
                f"repository CODEOWNERS covers ({codeowners.root})"
            ), []
        path, found = repository_path, codeowners.owners_at(repository_path)
    return f"CODEOWNERS of {path}: {', '.join(found) if found else 'no CODEOWNERS entry'}", found
