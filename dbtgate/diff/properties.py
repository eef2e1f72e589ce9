"""Rules for everything about a relation besides its columns: how it is built, who may read it,
its docs, tests and meta, and whether its SQL moved its filters or grain.

Most of these are SAFE (docs, tests, meta, an added deprecation_date), listed so the diff is
complete; the exceptions are a contracted model with constraints that stops being a table
(BREAKING in dbt-core), a model that exposures, semantic models or other projects query made
ephemeral (BREAKING: no relation is built for them any more); access narrowed, a constraint-like
test removed, a latest_version moved, and a filter or grain change seen in the compiled SQL
(RISKY).
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any

from dbtgate.artifacts.manifest import NAMING_SETTINGS, granted
from dbtgate.diff.classify import (
    MATERIALIZATIONS_ENFORCING_CONSTRAINTS,
    DiffContext,
    Emitter,
    contract_policy,
)
from dbtgate.diff.columns import column_key
from dbtgate.diff.groups import moved_by_group
from dbtgate.diff.outside import outside_readers, undeclared_note
from dbtgate.diff.types import normalise_adapter
from dbtgate.project import display_name
from dbtgate.wording import code_span, counted, first_few, number

if TYPE_CHECKING:
    from dbtgate.artifacts.manifest import Node, Source
    from dbtgate.diff.changes import Change
    from dbtgate.project import Project

# What starts the clause a filter or a grain finding is about, on a line of SQL.
_FILTER_CLAUSE = re.compile(r"\b(?:where|having|qualify)\b", re.IGNORECASE)
_GRAIN_CLAUSE = re.compile(r"\b(?:group\s+by|distinct|join)\b", re.IGNORECASE)
_ACCESS_RANK = {"private": 0, "protected": 1, "public": 2}
# Generic tests that are a constraint by another name: removing one loosens the contract.
_CONSTRAINT_TESTS = frozenset({"not_null", "unique", "accepted_values", "relationships"})


def property_changes(
    ctx: DiffContext, emit: Emitter, old: Node | Source, new: Node | Source, contracted: bool
) -> None:
    """Everything but columns and constraints; sources have no materialization, access or SQL."""
    is_source = new.resource_type == "source"
    if not is_source:
        _materialization(ctx, emit, old, new, contracted)
        _relation_name(ctx, emit, old, new)
        _history_settings(ctx, emit, old, new)
        _grants(ctx, emit, old, new)
    if new.resource_type == "model":
        _access(emit, old, new)
        _deprecation(emit, old, new)
        _latest_version(ctx, emit, old, new)
    _descriptions(emit, old, new)
    _tests(ctx, emit, old, new)
    _meta(ctx, emit, old, new)
    if not is_source:
        _code(ctx, emit, old, new)


def _materialization(
    ctx: DiffContext, emit: Emitter, old: Node, new: Node, contracted: bool
) -> None:
    before = old.config.materialized if old.config else None
    after = new.config.materialized if new.config else None
    if before == after or before is None or after is None:
        return
    has_constraints = bool(old.constraints) or any(
        c.constraints for c in (old.columns or {}).values()
    )
    # Made ephemeral, the model is only a CTE inlined into its dbt readers: who queries the
    # relation itself loses it (the exposures and semantic models `outside_readers` counts, other
    # projects when it was public). The change's impact names them (`impact.relation_impact`);
    # the reason says only what the impact cannot, an exposure whose YAML the PR deletes.
    outside = outside_readers(ctx.base, ctx.pr, new.unique_id) if after == "ephemeral" else []
    queried = bool(outside) or (after == "ephemeral" and getattr(old, "access", None) == "public")
    if (
        contracted
        and before in MATERIALIZATIONS_ENFORCING_CONSTRAINTS
        and after not in MATERIALIZATIONS_ENFORCING_CONSTRAINTS
        and has_constraints
    ):
        # Made ephemeral, it takes the relation away too: the reason says both losses.
        relation = (
            ", and no relation is built any more for the readers that query it"
            f"{undeclared_note(outside)}"
            if queried
            else ""
        )
        emit(
            "breaking.materialization_changed",
            f"{display_name(new)}: materialized {before} -> {after}: its constraints are no longer "
            f"enforced{relation}",
            contract_policy(new),
            old=before,
            new=after,
            details={"lost": "constraints"},
        )
    elif queried:
        emit(
            "breaking.materialization_changed",
            f"{display_name(new)}: materialized {before} -> ephemeral: no relation is built any "
            f"more for the readers that query it{undeclared_note(outside)}",
            "uncontracted_with_consumers",
            old=before,
            new=after,
            details={"lost": "relation"},
        )
    elif after == "ephemeral":
        # As a model removed that nothing is known to query: no relation is built any more,
        # and the old one is left where it was, no longer updated.
        emit(
            "risky.materialization_changed",
            f"{display_name(new)}: materialized {before} -> ephemeral: no relation is built any "
            "more, and the old one is left in place, stale; tools outside dbt that query it read "
            "stale data",
            old=before,
            new=after,
        )
    else:
        emit(
            "safe.materialization_changed",
            f"{display_name(new)}: materialized {before} -> {after}",
            old=before,
            new=after,
        )


def _relation_name(ctx: DiffContext, emit: Emitter, old: Node, new: Node) -> None:
    """A configured `alias`, `schema` or `database` changed: dbt builds the relation under its
    new name and leaves the old one where it was, no longer updated. Models that ref() it
    follow, and so does the semantic layer (it reads the manifest); an exposure's dashboard
    or another project queries the old name, and reads stale data without an error."""
    if (new.config and new.config.materialized) == "ephemeral":
        return
    moved = []
    # (As configured: the node's own `schema` and `database` are what `generate_schema_name`
    # made of them for one environment, a CI build's `dbt_ci_123` against production's.)
    for setting in NAMING_SETTINGS:
        before = getattr(old.config, setting, None) if old.config else None
        after = getattr(new.config, setting, None) if new.config else None
        if before != after and not ctx.pr.written_alike(ctx.base, new.unique_id, setting):
            moved.append(f"{setting} {_setting_text(before)} -> {_setting_text(after)}")
    if not moved:
        return
    exposures = [
        r for r in outside_readers(ctx.base, ctx.pr, new.unique_id) if r.resource_type == "exposure"
    ]
    public = getattr(old, "access", None) == "public"
    what = f"{display_name(new)}: relation renamed ({', '.join(moved)})"
    stale = (
        "dbt builds it under the new name and leaves the old relation in place, no longer updated"
    )
    if new.resource_type == "snapshot":
        # Its table is the only copy of the history it recorded: a new one starts from today.
        stale += "; the new snapshot starts empty, the history recorded so far stays in the old one"
    if exposures or public:
        emit(
            "breaking.relation_renamed",
            f"{what}: {stale}, and the readers that query it read stale data"
            f"{undeclared_note(exposures)}",
            "uncontracted_with_consumers",
            details={"moved": moved},
        )
    else:
        emit(
            "risky.relation_renamed",
            f"{what}: {stale}; tools outside dbt that query the old name read stale data",
            details={"moved": moved},
        )


# The settings that decide how a table that keeps its rows across runs writes them: a
# snapshot's strategy and key, an incremental model's key and strategy.
_HISTORY_SETTINGS = {
    "snapshot": ("strategy", "unique_key"),
    "incremental": ("incremental_strategy", "unique_key"),
}


# The strategy an incremental model without `incremental_strategy` runs, by adapter (its
# `get_incremental_default_sql` macro, whatever the key): setting it is no change. Read in the
# adapters' source: dbt-duckdb's `duckdb__get_incremental_default_sql` returns
# `get_incremental_delete_insert_sql` (dbt/include/duckdb/macros/adapters.sql, 1.10 and 1.11),
# dbt-snowflake's `snowflake__get_incremental_default_sql` returns `get_incremental_merge_sql`
# (dbt-labs/dbt-snowflake, dbt/include/snowflake/macros/materializations/incremental.sql). No
# entry where the default hangs on the key (dbt-postgres's `postgres__get_incremental_default_sql`:
# delete+insert with a unique_key, else append) or is not known here: the message says
# "(default)".
_DEFAULT_STRATEGY = {"duckdb": "delete+insert", "snowflake": "merge"}


def _history_settings(ctx: DiffContext, emit: Emitter, old: Node, new: Node) -> None:
    """A snapshot's strategy or unique_key, or an incremental model's unique_key or strategy,
    changed: the rows already in the table were written under the old one, and the next run
    merges, dedupes or versions new rows by the new one (a timestamp snapshot made `check`
    records a change on every column it checks; a key changed matches rows it never wrote).
    It read as "SQL changed" or as nothing at all."""
    if old.config is None or new.config is None:
        return
    if new.resource_type == "snapshot":
        kind = "snapshot"
    elif old.config.materialized == new.config.materialized == "incremental":
        kind = "incremental"
    else:
        return
    default = _DEFAULT_STRATEGY.get(normalise_adapter(ctx.adapter))
    moved = []
    for setting in _HISTORY_SETTINGS[kind]:
        before, after = getattr(old.config, setting), getattr(new.config, setting)
        # `(default) -> delete+insert` on dbt-duckdb names the strategy it ran already.
        implied = default if setting == "incremental_strategy" else None
        if _setting_text(before or implied) != _setting_text(after or implied):
            moved.append(
                f"{setting} {_setting_text(before, implied)} -> {_setting_text(after, implied)}"
            )
    if moved:
        what = "snapshot" if kind == "snapshot" else "incremental model"
        emit(
            "risky.history_config_changed",
            f"{display_name(new)}: {what}'s {', '.join(moved)}: the rows already in its table "
            "were written under the old setting",
            details={"moved": moved},
        )


def _setting_text(value: Any, implied: str | None = None) -> str:
    """As text: a key of one column is `id` in one dbt version, `[id]` in another."""
    if value is None:
        return f"(default: {implied})" if implied else "(default)"
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _access(emit: Emitter, old: Node, new: Node) -> None:
    before, after = old.access or "protected", new.access or "protected"
    if before == after or before not in _ACCESS_RANK or after not in _ACCESS_RANK:
        return
    if before == "public":
        # As a public model removed: the other projects that ref it fail to compile.
        emit(
            "breaking.access_narrowed",
            f"{display_name(new)}: access narrowed public -> {after}; refs from other projects "
            "will fail",
            "uncontracted_with_consumers",
            old=before,
            new=after,
        )
    elif _ACCESS_RANK[after] < _ACCESS_RANK[before]:
        emit(
            "risky.access_narrowed",
            f"{display_name(new)}: access narrowed {before} -> {after}; refs from outside its "
            f"{'project' if before == 'public' else 'group'} will fail",
            old=before,
            new=after,
        )
    else:
        emit(
            "safe.access_widened",
            f"{display_name(new)}: access widened {before} -> {after}",
            old=before,
            new=after,
        )


def _grants(ctx: DiffContext, emit: Emitter, old: Node, new: Node) -> None:
    """Grants revoked (risky: the grantee loses access at the next build) and added (safe).
    Privileges and grantees are compared case-insensitively: warehouses fold unquoted role
    names, so `Reporter` -> `reporter` changes no access."""
    before, after = _grant_pairs(old), _grant_pairs(new)
    if before.keys() == after.keys() or _written_alike(ctx, new.unique_id):
        return
    revoked = sorted((before[pair] for pair in before.keys() - after.keys()), key=_pair_order)
    added = sorted((after[pair] for pair in after.keys() - before.keys()), key=_pair_order)
    # The grants before and after, as the diff's "change" column shows them.
    shown = {"old": _grants_text(old), "new": _grants_text(new)}
    if revoked:
        # dbt revokes only what a non-empty grants config leaves out: with none configured it
        # runs no grant statement, and only a rebuilt relation comes without the old grants.
        # `{select: []}` is a config, not none: dbt revokes every select grant (its docs' way to
        # revoke them all), though it leaves no grant pair.
        configured = bool(new.config.grants if new.config else None)
        verb = "revoked" if configured else "dropped from its config"
        how = "" if configured else _NO_GRANTS
        if normalise_adapter(ctx.adapter) == "duckdb":
            how += _DUCKDB_GRANTS
        _emit_grants(emit, "risky.grant_revoked", new, revoked, verb, "from", shown, how)
    if added:
        _emit_grants(emit, "safe.grant_added", new, added, "added", "to", shown)


_NO_GRANTS = (
    "; with no grants configured dbt revokes none: a table or view it rebuilds may come without "
    "them, an incremental model keeps them"
)
# dbt-duckdb's apply_grants only warns: the build the gate read applies no grants at all.
_DUCKDB_GRANTS = "; dbt-duckdb applies no grants: this matters where the project runs elsewhere"


def _emit_grants(
    emit: Emitter,
    code: str,
    node: Node,
    grants: list[tuple[str, str]],
    verb: str,
    word: str,
    shown: dict[str, str | None],
    how: str = "",
) -> None:
    """`fct_orders: grants revoked: select from reporter; select from bi`, then `how` dbt
    applies it when that is not what the words say."""
    text = "; ".join(f"{privilege} {word} {grantee}" for privilege, grantee in grants)
    emit(
        code,
        f"{display_name(node)}: grant{'s' if len(grants) > 1 else ''} {verb}: {text}{how}",
        details={"grants": [{"privilege": p, "grantee": g} for p, g in grants]},
        **shown,
    )


def _grants_text(node: Node) -> str | None:
    """`select: bi, reporter; insert: loader` (None for no grants)."""
    grants = granted(node)
    text = "; ".join(f"{p}: {', '.join(sorted(g))}" for p, g in sorted(grants.items()) if g)
    return text or None


# The sign each grant change puts before the grantees it names in the change column.
_GRANT_SIGNS = {"risky.grant_revoked": "-", "safe.grant_added": "+"}


def grants_moved(change: Change) -> str | None:
    """What a grant change did, for the change column of `dbtgate diff`: `select: -reporter`,
    `insert: +loader; select: +analyst, +finance` (privileges and grantees sorted). None for a
    change of another code.

    The whole grants before -> after named every grantee twice: a model granting select to 12
    roles that loses one showed 24 names to find the one gone. Those stay in the change's `old`
    and `new` (the JSON report and the finding's details)."""
    sign = _GRANT_SIGNS.get(change.code)
    if sign is None:
        return None
    by_privilege: dict[str, list[str]] = {}
    for grant in change.details.get("grants", []):
        by_privilege.setdefault(grant["privilege"], []).append(grant["grantee"])
    return "; ".join(
        f"{privilege}: {', '.join(sign + g for g in sorted(grantees, key=_grant_order))}"
        for privilege, grantees in sorted(
            by_privilege.items(), key=lambda item: _grant_order(item[0])
        )
    )


def _grant_order(name: str) -> tuple[str, str]:
    """Sorted as the warehouse compares them (case-insensitively), ties as written."""
    return name.casefold(), name


def _pair_order(grant: tuple[str, str]) -> tuple[tuple[str, str], tuple[str, str]]:
    """A (privilege, grantee) in the order the change column names it (`_grant_order`)."""
    return _grant_order(grant[0]), _grant_order(grant[1])


def _written_alike(ctx: DiffContext, unique_id: str) -> bool:
    """Whether both builds say what the node's grants config was before Jinja ran, and say the
    same. Then a difference in the grants dbt resolved comes from the environment, not the pull
    request: `select: "{{ ['reporter'] if target.name == 'prod' else [] }}"` resolves to
    reporter in a production base build and to no one in the CI build of the pull request.
    Read from the manifests only now, when resolved grants differ: the gate's decode leaves the
    unrendered config out."""
    return ctx.pr.written_alike(ctx.base, unique_id, "grants")


def _grant_pairs(node: Node) -> dict[tuple[str, str], tuple[str, str]]:
    """(privilege, grantee) lowered -> as written, for every grant of the node."""
    return {
        (privilege.lower(), grantee.lower()): (privilege, grantee)
        for privilege, grantees in granted(node).items()
        for grantee in grantees
    }


def _latest_version(ctx: DiffContext, emit: Emitter, old: Node, new: Node) -> None:
    """Said once, on the version that was the latest (every version node carries the model's
    `latest_version`), when it is in both builds, with who reads it without a version: they
    now read another version's columns."""
    before, after = old.latest_version, new.latest_version
    if before is None or after is None or str(before) == str(after):
        return
    if str(old.version) != str(before):
        return
    unversioned = code_span(f"ref('{new.name}')")
    readers = _unpinned_readers(ctx, new, str(after))
    who = f"; readers without a version: {', '.join(readers)}" if readers else ""
    if getattr(old, "access", None) == "public":
        who += "; other projects' refs without a version too (public model)"
    emit(
        "risky.latest_version_changed",
        f"{new.name}: latest_version {before} -> {after}; {unversioned} without a "
        f"version now reads v{after}, not v{before}{who}",
        old=str(before),
        new=str(after),
        details={"unpinned_readers": readers} if readers else {},
    )


def _unpinned_readers(ctx: DiffContext, new: Node, latest: str) -> list[str]:
    """The pull request's models and exposures that read the model's latest version without
    pinning one: dbt resolves their `ref('x')` to the new latest. A model's refs as written tell
    (`Project.refs`); an exposure pins none it can tell of, so each of the new latest's reads."""
    latest_uid = next(
        (
            node.unique_id
            for node in ctx.pr.relations()
            if (node.package_name, node.name) == (new.package_name, new.name)
            and str(node.version) == latest
        ),
        None,
    )
    if latest_uid is None:
        return []
    found = []
    for uid in sorted(ctx.pr.children.get(latest_uid, ())):
        exposure = ctx.pr.exposures.get(uid)
        if exposure is not None:
            found.append(f"{exposure.name} (exposure)")
            continue
        node = ctx.pr.nodes.get(uid)
        if node is None or node.resource_type not in ("model", "snapshot"):
            continue
        refs = [ref for ref in ctx.pr.refs(uid) if ref.name == new.name]
        if any(ref.version is None for ref in refs):
            found.append(display_name(node))
    return found


def _deprecation(emit: Emitter, old: Node | Source, new: Node | Source) -> None:
    before = getattr(old, "deprecation_date", None)
    after = getattr(new, "deprecation_date", None)
    if before != after and after:
        emit(
            "safe.deprecation_set",
            f"{display_name(new)}: deprecation_date set to {after}",
            old=before,
            new=after,
        )


def _text(value: str | None) -> str:
    return " ".join((value or "").split())


def _descriptions(emit: Emitter, old: Node | Source, new: Node | Source) -> None:
    columns = []
    # Each description that differs, as it was and as it is: whether the change removed the
    # docs, wrote them or rewrote them, which a release's reader weighs differently.
    texts = []
    new_columns = {column_key(k): c for k, c in (new.columns or {}).items()}
    for key, column in (old.columns or {}).items():
        after = new_columns.get(column_key(key))
        if after is not None and _text(column.description) != _text(after.description):
            columns.append(after.name or key)
            texts.append((_text(column.description), _text(after.description)))
    model = _text(old.description) != _text(new.description)
    if model:
        texts.append((_text(old.description), _text(new.description)))
    if model or columns:
        # "1 column's", "2 columns'": the possessive of the count as it is written.
        whose = f"{len(columns)} column's" if len(columns) == 1 else f"{len(columns)} columns'"
        own = f"the {new.resource_type or 'model'}'s"  # a seed's or a source's description too
        what = ([own] if model else []) + ([whose] if columns else [])
        noun = "description" if int(model) + len(columns) == 1 else "descriptions"
        emit(
            "safe.description_changed",
            f"{display_name(new)}: {' and '.join(what)} {noun} {_description_verb(texts)}",
            details={"model": model, "columns": sorted(columns, key=str.casefold)},
        )


def _description_verb(texts: list[tuple[str, str]]) -> str:
    """`removed` when every description that differs is gone now (docs deleted: a release's
    reader looks for who will write them again), `added` when each was empty before, else
    `changed`."""
    if all(before and not after for before, after in texts):
        return "removed"
    if all(after and not before for before, after in texts):
        return "added"
    return "changed"


def _test_signatures(project: Project, unique_id: str) -> set[tuple[str, str]]:
    """The data tests on the resource, and its unit tests by name: a unit test removed is
    coverage lost too, which the diff did not list."""
    unit_tests = project.manifest.unit_tests or {}
    node = project.nodes.get(unique_id)
    version = str(node.version) if node is not None and node.version is not None else None
    # Fusion lists the latest version among a unit test's depends_on too: its `version` says
    # which one it tests.
    tested = [
        unit_tests[uid]
        for uid in project.unit_tests_by_model.get(unique_id, ())
        if unit_tests[uid].version is None or str(unit_tests[uid].version) == version
    ]
    return {
        (test.qualified_kind, column_key(test.column_name) if test.column_name else "")
        for test in project.tests_on(unique_id)
    } | {(f"unit test {unit_test.name}", "") for unit_test in tested}


def _tests(ctx: DiffContext, emit: Emitter, old: Node | Source, new: Node | Source) -> None:
    before = _test_signatures(ctx.base, old.unique_id)
    after = _test_signatures(ctx.pr, new.unique_id)
    if before == after:
        return
    removed, added = sorted(before - after), sorted(after - before)
    plain_removed = []
    for kind, column in removed:
        if kind.rsplit(".", 1)[-1] in _CONSTRAINT_TESTS:
            where = f"column {column}" if column else "the model"
            emit(
                "risky.constraint_loosened",
                f"{display_name(new)}: {kind} test removed from {where}",
                column=column or None,
                key=f"test:{kind}",
                old=kind,
            )
        else:
            plain_removed.append((kind, column))
    if added or plain_removed:
        said = []
        if added:
            said.append(f"{counted(len(added), 'test')} added ({_tests_named(added)})")
        if plain_removed:
            gone = len(plain_removed)
            said.append(
                f"{number(gone) if added else counted(gone, 'test')} removed "
                f"({_tests_named(plain_removed)})"
            )
        emit(
            "safe.tests_changed",
            f"{display_name(new)}: {', '.join(said)}",
            details={
                "added": [f"{k}({c})" if c else k for k, c in added],
                "removed": [f"{k}({c})" if c else k for k, c in plain_removed],
            },
        )


def _tests_named(tests: list[tuple[str, str]]) -> str:
    """`not_null on order_id, unique on order_id and 2 more`: which tests, the first three."""
    return first_few([f"{kind} on {column}" if column else kind for kind, column in tests], 3)


def _stripped(value: Any) -> Any:
    """YAML block scalars end in a newline in one dbt engine and not in another."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {k: _stripped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stripped(v) for v in value]
    return value


def _meta(ctx: DiffContext, emit: Emitter, old: Node | Source, new: Node | Source) -> None:
    """Meta, tags and group; and, when the resource's owner moved with them, who owned it and
    who owns it now: `meta (owner) changed` did not say whom a release hands the model to. A
    move its group's new owner made alone is the group's line (`safe.group_owner_changed`)."""
    what = []
    before, after = _stripped(old.meta or {}), _stripped(new.meta or {})
    if before != after:
        keys = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        what.append(f"meta ({', '.join(keys)})")
    if sorted(old.tags or []) != sorted(new.tags or []):
        what.append("tags")
    said = [f"{' and '.join(what)} changed"] if what else []
    group_move = _group_move(getattr(old, "group", None), getattr(new, "group", None))
    if group_move:
        said.append(group_move)
    before_owner, after_owner = ctx.base.owner(old.unique_id), ctx.pr.owner(new.unique_id)
    # A move its group's owner made is said once, on the group (`groups.group_owner_changes`).
    moved = before_owner != after_owner and not moved_by_group(ctx, old, new)
    if said or moved:
        if moved:
            said.append(f"owner {before_owner or '(none)'} -> {after_owner or '(none)'}")
        emit(
            "safe.meta_changed",
            f"{display_name(new)}: {'; '.join(said)}",
            **({"details": {"owner": before_owner, "new_owner": after_owner}} if moved else {}),
        )


def _group_move(before: str | None, after: str | None) -> str | None:
    """`put in group revenue`, `taken out of group finance`, `moved from group finance to group
    revenue`; None when the group is the same. `group finance -> (none) changed` read as if
    the group itself had changed."""
    before, after = before or None, after or None  # an empty name is no group either
    if before == after:
        return None
    if before is None:
        return f"put in group {after}"
    if after is None:
        return f"taken out of group {before}"
    return f"moved from group {before} to group {after}"


_SAME_QUERY = "SQL changed in layout, comments or config only (the compiled query is the same)"


def _code(ctx: DiffContext, emit: Emitter, old: Node, new: Node) -> None:
    """Checksums are only comparable between builds of one dbt version (they change with it)."""
    if not ctx.same_dbt_version or old.checksum is None or new.checksum is None:
        return
    if (old.checksum.name, old.checksum.checksum) == (new.checksum.name, new.checksum.checksum):
        return
    name = display_name(new)
    if new.resource_type == "seed":
        emit("safe.code_changed", f"{name}: seed data changed")
        return
    if new.language == "python":
        emit("safe.code_changed", f"{name}: Python code changed")
        return
    same_text = ctx.base_sql and ctx.pr_sql and ctx.base_sql.text(old)
    if same_text and same_text == ctx.pr_sql.text(new):  # type: ignore[union-attr]
        # The same compiled query, to the character (the code's edits compiled away: a
        # comment, a config() call, Jinja): nothing to parse to say so.
        emit("safe.code_changed", f"{name}: {_SAME_QUERY}")
        return
    before = ctx.base_sql.shape(old) if ctx.base_sql else None
    after = ctx.pr_sql.shape(new) if ctx.pr_sql else None
    if before is None and ctx.base_parsed:
        emit("safe.code_changed", f"{name}: SQL changed")
        ctx.sql_not_compared.append(new.unique_id)
        return
    if before is None or after is None:
        absent = tuple(
            role
            for role, files, node in (("base", ctx.base_sql, old), ("PR", ctx.pr_sql, new))
            if files is None or files.absent(node)
        )
        if absent:  # said once for all such changes, with where the files should be
            emit("safe.code_changed", f"{name}: SQL changed")
            ctx.sql_not_on_disk.setdefault(absent, []).append(new.unique_id)
            return
        unread = " and ".join(
            role for role, shape in (("base", before), ("PR", after)) if shape is None
        )
        emit(
            "safe.code_changed",
            f"{name}: SQL changed (its filters and grain not compared: the {unread} build's "
            "compiled SQL could not be parsed)",
        )
        return
    if before.query == after.query:
        emit("safe.code_changed", f"{name}: {_SAME_QUERY}")
        return
    filters_differ = before.filters != after.filters and not _incremental_branch(ctx, old, new)
    if not filters_differ and before.grain == after.grain:
        emit(
            "safe.code_changed",
            f"{name}: SQL changed; grain did not, and its filters are not compared: its compiled "
            "SQL holds the `is_incremental()` branch in one build only (an incremental run "
            "against a full build)"
            if before.filters != after.filters
            else f"{name}: SQL changed; filters and grain did not",
        )
        return
    if filters_differ:
        emit(
            "risky.filter_changed",
            f"{name}: filters changed (WHERE/HAVING/QUALIFY): it may return other rows",
            details=_shape_details(before.filters, after.filters),
            line=_edited_line(ctx, old, new, _FILTER_CLAUSE),
        )
    if before.grain != after.grain:
        emit(
            "risky.grain_changed",
            f"{name}: grain changed (GROUP BY/DISTINCT/joins): one row may mean something else",
            details=_shape_details(before.grain, after.grain),
            line=_edited_line(ctx, old, new, _GRAIN_CLAUSE),
        )


def _incremental_branch(ctx: DiffContext, old: Node, new: Node) -> bool:
    """Whether an incremental model's filters differ because dbt compiled its
    `{% if is_incremental() %}` branch in one build only: production's incremental run adds the
    WHERE that a CI build of a fresh table leaves out, and every edit of the model read as a
    filter change. Then the filters are not compared (the code's own edits to them included)."""
    incremental = any(
        (node.config and node.config.materialized) == "incremental" for node in (old, new)
    )
    if not incremental:
        return False
    return any(
        "is_incremental" in project.all_code().get(new.unique_id, "")
        for project in (ctx.base, ctx.pr)
    )


def _edited_line(ctx: DiffContext, old: Node, new: Node, clause: re.Pattern[str]) -> int | None:
    """The line of the model's file the pull request edited for a finding on what the query
    does: the first edited line holding `clause` (a filter's WHERE, a grain's GROUP BY), else
    the first edited line. An annotation on the model's YAML entry would sit on a line the pull
    request did not touch (GitHub shows it off the diff, if at all). From dbt's code of both
    builds (a second decode of each manifest, made only when a check first asks for code),
    placed in the file. None when a build lacks the code, or the file changed since the
    manifest was written (a line of other text)."""
    before, after = ctx.base.code(old.unique_id), ctx.pr.code(new.unique_id)
    if before is None or after is None:
        return None
    start = ctx.pr.code_start(new.unique_id)
    if start is None or new.unique_id in ctx.pr.stale_code:
        return None
    lines = after.replace("\r\n", "\n").split("\n")
    edited = edited_lines(before, after)
    if not edited:
        return None
    found = next((number for number in edited if clause.search(lines[number - 1])), edited[0])
    return start + found


def edited_lines(before: str, after: str) -> list[int]:
    """The lines (1-based, ascending) of `after` that differ from `before`: replaced or added
    lines, and for lines only removed the line now where they were."""
    old_lines = before.replace("\r\n", "\n").split("\n")
    new_lines = after.replace("\r\n", "\n").split("\n")
    edited: list[int] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, _, _, first, last in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            edited.extend(range(first + 1, last + 1))
        elif tag == "delete":
            edited.append(min(first + 1, len(new_lines)))
    return sorted(set(edited))


def _shape_details(before: tuple[str, ...], after: tuple[str, ...]) -> dict[str, list[str]]:
    return {
        "removed": sorted(set(before) - set(after)),
        "added": sorted(set(after) - set(before)),
    }
