"""SQL lint with sqlfluff on the files a change touched, as one check family of the gate.

The work is split so the gate stays pure and fast: `changes` asks git which files and lines
changed (and `macro_change` which files a macro it edited re-renders), `templater` gives
sqlfluff's jinja templater a context where dbt's macros are stubbed, `run` lints the files once
with one sqlfluff `Linter` (this is where files are read), and `check` turns the result into
findings. Only `check` is imported by the gate; sqlfluff and git
are imported when a lint actually runs.
"""
