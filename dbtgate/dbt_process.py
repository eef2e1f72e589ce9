"""Running the `dbt` executable as a subprocess: the one way dbtgate uses dbt-core.

dbt-core is never imported (the gate must work with whatever dbt version the team runs); the two
places that need dbt (parsing a base git ref, building the fixture) run it the same way: no stdin
(CI has none), output captured as text with the log merged in, never raising on dbt's exit code.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from dbtgate.secrets import without_tokens


def run_dbt(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `args` (the dbt executable first) in `env` without its GitHub tokens (dbt runs the
    pull request's profile and packages: see dbtgate.secrets); OSError when it cannot be
    started."""
    return subprocess.run(
        args,
        cwd=cwd,
        env=without_tokens(env),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        check=False,
    )
