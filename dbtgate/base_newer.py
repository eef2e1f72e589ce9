"""A base build newer than the build it is compared with: said in a note, not judged.

The diff reads every difference between the two builds as the change's. When the base build
was made after the gated one (a saved `target/` of main rebuilt since, the release's build kept
from days before), whatever landed on the base in between is in the base and not in the gated
build, so it reads as this change undoing it: a column main added since reads as removed. That
can be legitimate (a base rebuilt with nothing merged since: the corpus's recce pair has a base
7 days newer than its pull request's), so it blocks nothing: one note says it, with both dates,
where a reader of a surprising breaking change looks for why, and the reports say it in short
where they say what the change was measured against (`base_built_after`, read from the dates
the report's inputs record: `view.compared_with`, the console's diff line).

Only for a base on disk: a `--base REF` is parsed by dbt when the gate runs, so its manifest is
always newer than the build, and says nothing of when the base's code landed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbtgate.status.timestamps import format_age, format_timestamp, parse_timestamp

if TYPE_CHECKING:
    from dbtgate.project import Project

# Builds of two machines, or of two jobs of one CI run, written minutes apart either way are
# of one moment: their clocks and their order say nothing of what landed between them.
SAME_MOMENT_SECONDS = 10 * 60


def base_built_after(base_at: str | None, built_at: str | None) -> float | None:
    """How many seconds after the gated build's manifest (`built_at`) the base's (`base_at`)
    was written, when more than `SAME_MOMENT_SECONDS`; None otherwise, or when either date is
    missing or unreadable. The note and the reports' short form of it both decide by this."""
    base_moment, built_moment = parse_timestamp(base_at), parse_timestamp(built_at)
    if base_moment is None or built_moment is None:
        return None
    newer = (base_moment - built_moment).total_seconds()
    return newer if newer > SAME_MOMENT_SECONDS else None


def newer_base_note(base_spec: str, base: Project, project: Project) -> str | None:
    """`--base X was built 7.0 days after this build (...): ...`, when the base's manifest was
    written more than `SAME_MOMENT_SECONDS` after this build's; None otherwise, or when
    either manifest does not say when it was written."""
    base_meta, meta = base.manifest.metadata, project.manifest.metadata
    base_at = base_meta.generated_at if base_meta else None
    built_at = meta.generated_at if meta else None
    newer = base_built_after(base_at, built_at)
    if newer is None:
        return None
    return (
        f"--base {base_spec} was built {format_age(newer)} after this build (its manifest "
        f"{format_timestamp(base_at)}, this one's {format_timestamp(built_at)}): what landed on "
        "the base after it reads as this change undoing it (a column added there reads as "
        "removed here); if the diff shows changes this build did not make, rebuild it on the "
        "base's latest (merge or rebase), or compare with the base build it started from"
    )
