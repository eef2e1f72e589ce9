"""Schema diff against the base build: what changed, what breaks, for whom, and the way out.

`compare.diff_projects(base, pr)` compares two builds (columns from catalog, YAML or SQL; contracts,
constraints, versions, access, docs and tests) and classifies every change as breaking, risky or
safe with a stable code; `check` registers the `breaking` family that makes findings of them.

Nothing is imported here: every `dbtgate check` imports `dbtgate.diff.check` (to register the
family) and `dbtgate.diff.labels`, and only a run with a base build needs the diff itself.
Its classes are msgspec Structs, not dataclasses, for the same reason: every run with a base
build creates them at import, a dataclass for ~4 M instructions and a Struct for ~0.4 M (ten
of them were 1.6% of `check --base` at 1,000 models).
"""
