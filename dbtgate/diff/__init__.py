"""Schema diff against the base build: what changed, what breaks, for whom, and the way out.

`diff_projects(base, pr)` compares two builds (columns from catalog, YAML or SQL; contracts,
constraints, versions, access, docs and tests) and classifies every change as breaking, risky or
safe with a stable code; `check` registers the `breaking` family that makes findings of them.
"""

from dbtgate.diff.changes import Change, SchemaDiff
from dbtgate.diff.compare import diff_projects

__all__ = ["Change", "SchemaDiff", "diff_projects"]
