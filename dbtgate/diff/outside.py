"""Who queries a model's relation itself, not through ref(), and which build says so.

Two changes take a model's relation away: removing the model, and making it ephemeral (dbt then
inlines it as a CTE into the models that ref() it and builds no table or view). Its dbt readers
are not hurt by either; the readers hurt are those that query the warehouse: the dashboard behind
an exposure, the semantic layer, other projects. Both rules ask this module, so that one pull
request is judged alike whichever of the two it does.

Which build counts depends on where the reader's query lives:

- An exposure is a declaration of a dashboard that lives outside dbt. Its query does not change
  when the pull request cuts the exposure's ref or deletes its YAML, so an exposure that read the
  model in the base build counts even then (else deleting the declaration and making the model
  ephemeral in one pull request would pass unnoticed); one that reads it in the pull request
  counts too. A dashboard that is retired along with the model is acknowledged, not assumed.
- A semantic model is deployed from the manifest: the semantic layer queries what the pull
  request's build declares, so only its semantic models count.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    from dbtgate.project import Project


class OutsideReader(msgspec.Struct, frozen=True):
    """An exposure or semantic model that queries the relation."""

    unique_id: str
    name: str
    resource_type: str
    owner: str | None
    # False for an exposure the pull request deletes: its dashboard may still run.
    declared: bool = True


def outside_readers(base: Project, pr: Project, unique_id: str) -> list[OutsideReader]:
    """The exposures that read `unique_id` in either build and the semantic models that read it
    in the pull request's build, in id order."""
    found: dict[str, OutsideReader] = {}
    for project in (pr, base):
        for uid in project.children.get(unique_id, ()):
            exposure = project.exposures.get(uid)
            if exposure is not None and uid not in found:
                found[uid] = OutsideReader(
                    unique_id=uid,
                    name=exposure.name,
                    resource_type="exposure",
                    owner=(pr if uid in pr.exposures else base).owner(uid),
                    declared=uid in pr.exposures,
                )
    for semantic in pr.semantic_readers(unique_id):
        found[semantic.unique_id] = OutsideReader(
            unique_id=semantic.unique_id,
            name=semantic.name,
            resource_type="semantic_model",
            owner=None,
        )
    return [found[uid] for uid in sorted(found)]


def undeclared_note(readers: list[OutsideReader]) -> str:
    """What a change's impact cannot say of the readers that lose a relation (it names them, as
    it names every reader): the exposures counted though the pull request deletes their YAML,
    whose dashboards do not go with it. "" when there is none."""
    names = [reader.name for reader in readers if not reader.declared]
    if not names:
        return ""
    one = len(names) == 1
    return (
        f" (the YAML of {'exposure' if one else 'exposures'} {', '.join(names)} is deleted in "
        f"this pull request; {'its dashboard' if one else 'their dashboards'} may still query "
        "the relation)"
    )
