"""Governance rules: models others build on are contracted, public ones are versioned, and
dashboards read public models.

A contract makes dbt refuse to build a model whose columns or types drifted from what consumers
were promised; a version lets a breaking change ship next to the old shape instead of over it.
These are the dbt-mesh guarantees the schema diff relies on to call a change breaking.
"""

from __future__ import annotations

from dbtgate.artifacts.manifest import Exposure, Node
from dbtgate.project import Project, display_name
from dbtgate.rules.registry import Violation, rule


@rule(
    "governance.contract_enforced",
    severity="error",
    applies_to=("model",),
    why="""
        Without an enforced contract, a renamed column or a changed type reaches every
        downstream model and dashboard at the next run. With it, dbt fails the build instead,
        and dbtgate can classify contract changes as breaking.
    """,
    failing="""
        models:
          - name: fct_orders
            config:
              meta: {tier: 1}
    """,
    passing="""
        models:
          - name: fct_orders
            config:
              contract: {enforced: true}
            columns:
              - name: order_id
                data_type: integer
    """,
    fix="Set `config: {contract: {enforced: true}}` and declare every column with its `data_type`.",
)
def contract_enforced(model: Node) -> Violation | None:
    """The model has an enforced contract (ephemeral models cannot have one and are skipped)."""
    config = model.config
    if config is not None and config.materialized == "ephemeral":
        return None
    if model.contract is not None and model.contract.enforced:
        return None
    return Violation(f"{model.name} has no enforced contract")


@rule(
    "governance.public_versioned",
    severity="warn",
    applies_to=("model",),
    why="""
        Any project or team may ref a public model. Once it is versioned, a breaking change
        ships as a new version with a deprecation date for the old one, instead of breaking
        consumers you cannot see.
    """,
    failing="""
        models:
          - name: orders_summary
            config:
              access: public
    """,
    passing="""
        models:
          - name: orders_summary
            latest_version: 1
            config:
              access: public
            versions:
              - v: 1
    """,
    fix="Add `versions:` (and `latest_version:`) to the model's YAML before its next breaking "
    "change.",
)
def public_versioned(model: Node) -> Violation | None:
    """A model with `access: public` is versioned."""
    if model.access != "public" or model.version is not None:
        return None
    return Violation(f"{model.name} is public but not versioned")


@rule(
    "governance.exposure_reads_public",
    severity="warn",
    applies_to=("exposure",),
    why="""
        A dashboard or application is a consumer outside dbt, like another team's project:
        it should read the models whose shape the team has promised (`access: public`, ideally
        contracted and versioned), not a private or protected model that may change any day.
    """,
    failing="""
        exposures:
          - name: revenue_dashboard
            depends_on: [ref('int_revenue')]   # access: protected (the default)
    """,
    passing="""
        exposures:
          - name: revenue_dashboard
            depends_on: [ref('fct_revenue')]   # config: {access: public}
    """,
    fix="Point the exposure at a public model (set `access: public` on the model it reads, with "
    "a contract), or publish one for it.",
)
def exposure_reads_public(exposure: Exposure, project: Project) -> Violation | None:
    """The models the exposure reads have `access: public`."""
    parents = exposure.depends_on.nodes if exposure.depends_on and exposure.depends_on.nodes else []
    private = sorted(
        uid
        for uid in set(parents)
        if (node := project.nodes.get(uid)) is not None
        and node.resource_type == "model"
        and node.access != "public"
    )
    if not private:
        return None
    names = ", ".join(
        f"{display_name(project.nodes[uid])} ({project.nodes[uid].access or 'protected'})"
        for uid in private
    )
    return Violation(
        f"exposure {exposure.name} reads models that are not public: {names}",
        details={"models": private},
    )
