"""Baseline entries that follow a renamed resource or column: which of this run's findings
match an entry recorded under an old name.

A renamed thing's findings carry new fingerprints (they hash its name), so without these every
rename would turn its legacy debt into new blocking findings, and the pull request that only
renamed would fail. Each way of telling a rename is evidence the build or git gives, never a
guess: a wrong carry hides a new finding. A model whose file dbt hashed the same (`git mv`), one
whose file git reads as renamed (edited too), a source reading the same table as in the base
build, a column the schema diff reads as renamed (on a resource renamed too). Each resource is
paired once; where the checksum and git disagree, git's reading of this change wins
(`one_pair_each`). The resources paired also judge the entries no finding matched
(`Renames`): fixed under the new name, not gone. The rename's own finding
(`breaking.column_renamed`, `risky.model_removed`) is this change's, never debt
(`can_baseline`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import msgspec

from dbtgate.baseline import (
    BaselineEntry,
    CarriedEntry,
    LoadedBaseline,
    can_baseline,
    file_checksum,
)
from dbtgate.diff.columns import column_key
from dbtgate.findings import Finding

if TYPE_CHECKING:
    from dbtgate.project import Project


@dataclass
class Renames:
    """What this run read as renamed since the baseline was written: the findings (by id) that
    an entry matched under a new name (`carried`), and the resources paired old -> new
    (`resources`), which also judge the entries no finding matched: one on a renamed model
    whose finding the rename's edit fixed was fixed, not deleted with its resource."""

    carried: dict[int, CarriedEntry] = field(default_factory=dict)
    resources: dict[str, str] = field(default_factory=dict)
    # (unique_id now, old column case-folded) -> the column's new name, as the schema diff
    # reads the renames (`SchemaDiff.renamed_columns`, `compare.renamed_columns_across`).
    columns: dict[tuple[str, str], str] = field(default_factory=dict)

    def add_pairs(self, pairs: Mapping[str, tuple[str, str]]) -> None:
        """Pairs of `same_file_pairs`, `moved_pairs` or `same_table_pairs` (new -> (old,
        evidence))."""
        self.resources.update({old: new for new, (old, _) in pairs.items()})

    def under_new_names(self, entry: BaselineEntry) -> BaselineEntry:
        """`entry` as it reads on its resource's and column's new names, to tell whether the
        build still has it and this run checked it there (`baseline.baseline_report`)."""
        if entry.unique_id is None:
            return entry
        uid = self.resources.get(entry.unique_id, entry.unique_id)
        column = entry.column_name
        if column is not None:
            column = self.columns.get((uid, column_key(column)), column)
        if (uid, column) == (entry.unique_id, entry.column_name):
            return entry
        return msgspec.structs.replace(entry, unique_id=uid, column_name=column)


def same_file_pairs(
    loaded: LoadedBaseline, project: Project, base: Project | None
) -> dict[str, tuple[str, str]]:
    """New unique_id -> (old unique_id, checksum) of the resources renamed without an edit
    (`git mv`): by the file dbt hashed as the entries' were hashed, without git (a shallow
    clone lacks the base branch), a resource the build no longer has and one of the same type
    and package that the baseline holds nothing of (and, with a base build, new there). Only
    one old and one new resource per checksum: a model renamed and an unchanged copy of its
    file added, or two models of one file both renamed, would otherwise hand the debt to
    whichever has findings left, a guess that hides a new finding. The resources paired carry
    their entries (`renamed_matches`) and judge those no finding matched under the new name:
    a pull request that fixed every finding of the model it renamed reads them fixed, not
    gone. Without a base build the new resource may be a copy of the old file older than the
    change, where git reads the old file renamed to another: git then wins (`one_pair_each`)."""
    old: dict[tuple, set[str]] = {}
    for entry in loaded.baseline.findings:
        uid = entry.unique_id
        if entry.checksum and uid and project.resource(uid) is None:
            old.setdefault((*uid.split(".")[:2], entry.checksum), set()).add(uid)
    if not old:
        return {}
    new: dict[tuple, list[str]] = {}
    for uid in project.nodes:
        if uid in loaded.unique_ids or (base is not None and base.resource(uid) is not None):
            continue
        checksum = file_checksum(project, uid)
        at = (*uid.split(".")[:2], checksum)
        if checksum and at in old:
            new.setdefault(at, []).append(uid)
    return {
        news[0]: (olds.pop(), at[2])
        for at, news in new.items()
        if len(news) == 1 and len(olds := old[at]) == 1
    }


def renamed_matches(
    loaded: LoadedBaseline, findings: list[Finding], pairs: Mapping[str, tuple[str, str]]
) -> dict[int, CarriedEntry]:
    """The findings (by id) that an entry matches under a renamed resource's new name where
    dbt hashed its file as the entry's was hashed (`pairs`, from `same_file_pairs`): the same
    rule, column and key, on the new resource, from the old one's entries of that checksum. A
    model renamed by `git mv` keeps its debt; one also edited only where git pairs its files
    (`moved_matches`)."""
    if not pairs:
        return {}
    entries: dict[tuple, BaselineEntry] = {}
    olds = {old_uid: (new_uid, checksum) for new_uid, (old_uid, checksum) in pairs.items()}
    for e in loaded.baseline.findings:
        new_uid, checksum = olds.get(e.unique_id or "", (None, None))
        if new_uid is not None and e.checksum == checksum:
            entries.setdefault((new_uid, e.code, e.column_name, e.key), e)
    carried: dict[int, CarriedEntry] = {}
    for finding in findings:
        if (
            finding.waiver is not None
            or finding.fingerprint in loaded.fingerprints
            or not can_baseline(finding)
        ):
            continue
        entry = entries.pop(
            (finding.unique_id, finding.code, finding.column_name, finding.key), None
        )
        if entry is not None:
            carried[id(finding)] = CarriedEntry(entry, finding.unique_id or "", finding.fingerprint)
    return carried


def orphaned(loaded: LoadedBaseline, project: Project, carried: Collection[CarriedEntry]) -> bool:
    """Whether an entry is on a resource the build no longer has and nothing carried it: only
    then is a renamed source looked for (`same_table_matches`)."""
    taken = {c.entry.fingerprint for c in carried}
    return any(
        entry.unique_id
        and entry.fingerprint not in taken
        and project.resource(entry.unique_id) is None
        for entry in loaded.baseline.findings
    )


def git_could_pair(
    loaded: LoadedBaseline,
    project: Project,
    base: Project | None,
    paired: Mapping[str, tuple[str, str]],
) -> bool:
    """Whether git's renamed files could change the pairs (`moved_pairs`, `one_pair_each`),
    so that a check asks git only then. Either an entry on a resource the build no longer has
    that the checksum did not pair (`paired`, from `same_file_pairs`) and, with a base build,
    that the base has (one deleted before the base, whose entries were not pruned, was not
    renamed by this change) while the build has a resource of its type new against it that
    the baseline holds nothing of (what it could have been renamed to); without a base build
    any resource may be the new name. Or, without a base build, a checksum's pair git could
    contradict: its new resource may be a copy of the old file older than this change (the
    baseline holds nothing of it), which git would not read as renamed, while the old file was
    renamed to another resource the baseline holds nothing of. With a base build the pair's new
    resource is new against it, and a file added with the old one's content is the rename git
    reads too."""
    olds = {old for old, _ in paired.values()}
    kinds = {
        entry.unique_id.split(".")[0]
        for entry in loaded.baseline.findings
        if entry.unique_id
        and entry.unique_id not in olds
        and project.resource(entry.unique_id) is None
        and (base is None or base.resource(entry.unique_id) is not None)
    }
    if base is None:
        return bool(kinds) or _elsewhere(loaded, project, paired)
    if not kinds:
        return False
    root = project.root_package
    return any(
        node.package_name == root
        and node.resource_type in kinds
        and uid not in loaded.unique_ids
        and base.resource(uid) is None
        for uid, node in project.nodes.items()
    )


def _elsewhere(
    loaded: LoadedBaseline, project: Project, paired: Mapping[str, tuple[str, str]]
) -> bool:
    """Whether the build has a resource of a checksum pair's type and package, other than the
    pairs' new ones, that the baseline holds nothing of: one the old file could have been
    renamed to instead, which only git can tell."""
    if not paired:
        return False
    groups = {tuple(new.split(".")[:2]) for new in paired}
    return any(
        tuple(uid.split(".")[:2]) in groups and uid not in paired and uid not in loaded.unique_ids
        for uid in project.nodes
    )


def moved_pairs(
    loaded: LoadedBaseline,
    project: Project,
    base: Project | None,
    moved: Mapping[str, str],
) -> dict[str, tuple[str, str]]:
    """New unique_id -> (old unique_id, old path) of the resources whose file git read as
    renamed (`moved`: new path -> old path, as the manifests name them;
    `git_renames.renamed_files`), edited or not, from a resource the baseline holds entries of
    and the build no longer has. The old resource is the base build's at the old path; without
    a base build, the one resource of the entries with the old file's name (a model is named by
    its file), of the new one's type and package. Only unambiguous pairs: a new resource the
    baseline already holds, or (with a base build) that the base had, pairs with nothing. The
    checksum's pairs are weighed against these by `one_pair_each`."""
    if not moved:
        return {}
    root = project.root_package
    new_ids = {
        node.original_file_path: uid
        for uid, node in project.nodes.items()
        if node.package_name == root and node.original_file_path in moved
    }
    orphans = {
        entry.unique_id
        for entry in loaded.baseline.findings
        if entry.unique_id and project.resource(entry.unique_id) is None
    }
    base_ids = (
        {
            node.original_file_path: uid
            for uid, node in base.nodes.items()
            if node.package_name == root
        }
        if base is not None
        else {}
    )
    pairs: dict[str, tuple[str, str]] = {}
    for new_path, new_uid in new_ids.items():
        if new_uid in loaded.unique_ids or (base is not None and base.resource(new_uid)):
            continue
        old_path = moved[new_path]
        if base is not None:
            old_uid = base_ids.get(old_path)
        else:
            kind, package = new_uid.split(".")[:2]
            named = [
                uid
                for uid in sorted(orphans)
                if uid.split(".")[:3] == [kind, package, Path(old_path).stem]
            ]
            old_uid = named[0] if len(named) == 1 else None
        if old_uid in orphans:
            pairs[new_uid] = (old_uid, old_path)
    return pairs


def one_pair_each(
    by_checksum: Mapping[str, tuple[str, str]], by_git: Mapping[str, tuple[str, str]]
) -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]]]:
    """The checksum's pairs (`same_file_pairs`) and git's (`moved_pairs`), each resource paired
    once, or one entry would carry to a finding on each of two resources. Where the two agree
    the checksum's pair stands (the file was not edited). Where they disagree, git's does: git
    reads this change, while a checksum without a base build cannot tell a copy of the old file
    that `main` had before the change (the baseline holds nothing of it) from the model
    renamed; a pair of the copy would hide the copy's own findings and leave the renamed
    model's debt blocking as new, which a base build (the copy in it) never pairs."""
    git_olds = {old: new for new, (old, _) in by_git.items()}
    checksum = {
        new: (old, evidence)
        for new, (old, evidence) in by_checksum.items()
        if git_olds.get(old, new) == new and by_git.get(new, (old,))[0] == old
    }
    git = {new: pair for new, pair in by_git.items() if new not in checksum}
    return checksum, git


def moved_matches(
    loaded: LoadedBaseline,
    findings: list[Finding],
    pairs: Mapping[str, tuple[str, str]],
    taken: Collection[int] = (),
) -> dict[int, CarriedEntry]:
    """The findings (by id) that an entry matches under a renamed resource's new name where
    git read the resource's file as renamed (`pairs`, from `moved_pairs`): the same rule, column
    and key, on the new resource, from the entries on the old one. None of `taken` (findings
    already carried) takes one."""
    if not pairs:
        return {}
    old_paths = {old_uid: (new_uid, old_path) for new_uid, (old_uid, old_path) in pairs.items()}
    entries: dict[tuple, tuple[BaselineEntry, str]] = {}
    for e in loaded.baseline.findings:
        if e.unique_id in old_paths:
            new_uid, old_path = old_paths[e.unique_id]
            entries[(new_uid, e.code, e.column_name, e.key)] = (e, old_path)
    carried: dict[int, CarriedEntry] = {}
    for finding in findings:
        if id(finding) in taken or finding.waiver is not None or not can_baseline(finding):
            continue
        at = (finding.unique_id, finding.code, finding.column_name, finding.key)
        found = entries.pop(at, None)
        if found is not None:
            entry, old_path = found
            carried[id(finding)] = CarriedEntry(
                entry, finding.unique_id or "", finding.fingerprint, moved_from=old_path
            )
    return carried


def same_table_pairs(
    loaded: LoadedBaseline, project: Project, base: Project | None
) -> dict[str, tuple[str, str]]:
    """New unique_id -> (old unique_id, table) of the sources new against the base build that
    read the same table (`relation_name`) as a source the baseline holds entries of and the
    build no longer has: a source or its table entry renamed in the YAML, `identifier:` keeping
    the table, is the same source. Only with a base build (an entry does not record its table)
    and one old and one new source per table; a source whose table changed is another
    source."""
    if base is None:
        return {}
    old: dict[str, list[str]] = {}
    for uid in sorted({e.unique_id for e in loaded.baseline.findings if e.unique_id}):
        source = base.sources.get(uid)
        if source is not None and project.resource(uid) is None and source.relation_name:
            old.setdefault(_table(source.relation_name), []).append(uid)
    if not old:
        return {}
    new: dict[str, list[str]] = {}
    for uid, source in project.sources.items():
        if uid not in base.sources and uid not in loaded.unique_ids and source.relation_name:
            new.setdefault(_table(source.relation_name), []).append(uid)
    return {
        new[table][0]: (old[table][0], table)
        for table in old.keys() & new.keys()
        if len(old[table]) == 1 and len(new[table]) == 1
    }


def same_table_matches(
    loaded: LoadedBaseline,
    findings: list[Finding],
    pairs: Mapping[str, tuple[str, str]],
    taken: Collection[int] = (),
) -> dict[int, CarriedEntry]:
    """The findings (by id) that an entry on a renamed source matches under its new name
    (`pairs`, from `same_table_pairs`): the same rule, column and key; its debt (no freshness
    threshold, no description) is the same. None of `taken` (findings already carried) takes
    one."""
    if not pairs:
        return {}
    entries = {
        (new_uid, e.code, e.column_name, e.key): (e, table)
        for new_uid, (old_uid, table) in pairs.items()
        for e in loaded.baseline.findings
        if e.unique_id == old_uid
    }
    carried: dict[int, CarriedEntry] = {}
    for finding in findings:
        if id(finding) in taken or finding.waiver is not None or not can_baseline(finding):
            continue
        found = entries.pop(
            (finding.unique_id, finding.code, finding.column_name, finding.key), None
        )
        if found is not None:
            entry, table = found
            carried[id(finding)] = CarriedEntry(
                entry, finding.unique_id or "", finding.fingerprint, relation=table
            )
    return carried


def _table(relation_name: str) -> str:
    """A relation as `db.schema.table`, unquoted and case-folded: how warehouses compare it."""
    return ".".join(column_key(part) for part in relation_name.split("."))


def renamed_column_matches(
    loaded: LoadedBaseline,
    findings: list[Finding],
    renamed: Mapping[tuple[str, str], str],
    resources: Mapping[str, str] | None = None,
) -> dict[int, CarriedEntry]:
    """The findings (by id) that an entry on a column since renamed matches under the new
    name: the same rule and key, on the same resource (or, renamed too, on its new name:
    `resources`, old unique_id -> new), whose column the schema diff read as renamed
    (`renamed`: (unique_id now, old column case-folded) -> new name, from
    `SchemaDiff.renamed_columns` and `compare.renamed_columns_across`). A column renamed with
    its undocumented or untested state kept is the same debt; the finding on the rename itself
    (`breaking.column_renamed`) is about this change, and never debt (`can_baseline`).
    Without a base build there is no diff, nothing is read as renamed, and the new column's
    findings are new."""
    if not renamed:
        return {}
    resources = resources or {}
    moved: dict[tuple, BaselineEntry] = {}
    for entry in loaded.baseline.findings:
        if entry.unique_id is None or entry.column_name is None:
            continue
        uid = resources.get(entry.unique_id, entry.unique_id)
        new = renamed.get((uid, column_key(entry.column_name)))
        if new is not None:
            at = (entry.code, uid, column_key(new), entry.key)
            moved.setdefault(at, entry)
    if not moved:
        return {}
    carried: dict[int, CarriedEntry] = {}
    for finding in findings:
        if (
            finding.unique_id is None
            or finding.column_name is None
            or finding.waiver is not None
            or finding.fingerprint in loaded.fingerprints
            or not can_baseline(finding)
        ):
            continue
        at = (finding.code, finding.unique_id, column_key(finding.column_name), finding.key)
        entry = moved.pop(at, None)
        if entry is not None:
            carried[id(finding)] = CarriedEntry(
                entry, finding.unique_id, finding.fingerprint, finding.column_name
            )
    return carried
