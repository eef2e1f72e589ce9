#!/usr/bin/env bash
# Installs the peer tools that run.py measures dbtgate against, in a venv of their own
# (benchmarks/.peers-venv), so their dependencies (dbt-core, pydantic, ...) never touch the
# project's environment and their versions are pinned to the ones the targets were set against.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.peers-venv"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet \
  "dbt-bouncer==4.3.0" \
  "dbt-score==0.19.0" \
  "dbt-coverage==0.5.0"
"$venv/bin/python" -m pip list --format=freeze | grep -Ei '^(dbt-bouncer|dbt-score|dbt-coverage|dbt-core)=='
