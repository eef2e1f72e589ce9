"""A sqlfluff Linter that lints the dbt project's SQL files outside its folder with its config.

sqlfluff reads a file's config from the folders above the file (and between it and the working
directory), so a model of `model-paths: [models, ../shared_models]` would be linted with the
repository's config, not the project's `.sqlfluff`: other rules, no dialect, and, under the dbt
templater, no `project_dir` or `profiles_dir` (dbt then looks for the profile in `~/.dbt`, fails,
and its global settings fail every file after). dbtgate lints such a file as the project's: with
the project's config (the run's root config) and the file's own inline `-- sqlfluff:` settings.
Config files in the outside folder itself are not read.

Imported only when lint runs (it imports sqlfluff).
"""

from __future__ import annotations

from pathlib import Path

from sqlfluff.core import FluffConfig, Linter


class ProjectLinter(Linter):
    """sqlfluff's Linter, but a file outside `project_dir` gets the root config."""

    def __init__(self, *, config: FluffConfig, project_dir: Path) -> None:
        super().__init__(config=config)
        self.project_dir = project_dir.resolve()

    def load_raw_file_and_config(  # type: ignore[override]
        self, fname: str, root_config: FluffConfig
    ) -> tuple[str, FluffConfig, str]:
        """The file's text, its config and its encoding, as sqlfluff loads them for a file of
        the project's folder; for one outside, the project's config (`root_config`)."""
        raw, file_config, encoding = Linter.load_raw_file_and_config(fname, root_config)
        if Path(fname).resolve().is_relative_to(self.project_dir):
            return raw, file_config, encoding
        own = root_config.copy()
        own.process_raw_file_for_config(raw, fname)
        return raw, own, encoding
