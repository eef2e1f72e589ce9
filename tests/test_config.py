"""dbtgate.yml: typed settings with defaults; every mistake named with its file and line."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from cli_support import dbtgate

from dbtgate.config import Config, find_config, load_config
from dbtgate.errors import DbtgateError


def write(tmp_path, text, name="dbtgate.yml"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_no_config_gives_the_defaults():
    config = load_config(None)
    assert config == Config()
    assert config.scope == "all"
    assert config.tier.from_ == ["meta.tier", "tag"]


def test_the_design_example_loads_into_typed_settings(tmp_path):
    path = write(
        tmp_path,
        """\
        version: 1
        artifacts: target
        tier: {from: meta.tier, default: 3}
        scope: changed
        policies:
          - select: "tier:1"
            rules:
              tests.primary_key: error
              tests.min_per_model: {severity: error, min: 2}
        waivers:
          - {rule: docs.column_coverage, select: "model.shop.legacy", reason: "r", owner: "@dp", expires: 2027-01-31}
        """,
    )
    config = load_config(path)
    assert config.scope == "changed"
    rule = config.policies[0].rules["tests.min_per_model"]
    assert (rule.code, rule.severity, rule.params, rule.line) == (
        "tests.min_per_model",
        "error",
        {"min": 2},
        9,
    )
    assert config.policies[0].rules["tests.primary_key"].line == 8
    assert config.waivers[0].expires == dt.date(2027, 1, 31)
    assert config.waivers[0].line == 11
    assert config.digest


def test_a_single_string_is_accepted_where_a_list_is_expected_only_if_typed(tmp_path):
    # `from: meta.tier` is a common shorthand for a one-item list
    path = write(tmp_path, "tier: {from: meta.tier}\n")
    assert load_config(path).tier.from_ == ["meta.tier"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("scope: changd\n", r"dbtgate.yml:1: scope: expected one of 'changed' \| 'all'"),
        (
            "version: 1\nscpoe: all\n",
            r"dbtgate.yml:2: unknown key 'scpoe' \(did you mean scope\? known: artifacts, base,",
        ),
        (
            "lint: {dialct: duckdb}\n",
            r"dbtgate.yml:1: unknown key 'lint.dialct' \(did you mean dialect\? known: base_ref,",
        ),
        ("xyzzy: 1\n", r"dbtgate.yml:1: unknown key 'xyzzy' \(known: artifacts, base,"),
        # A team moving from dbt-bouncer pastes its check lists first.
        (
            "manifest_checks:\n  - name: check_model_names\n",
            r"dbtgate.yml:1: unknown key 'manifest_checks' \(dbt-bouncer's checks are rules "
            r"under `policies:` here \(`dbtgate rules`; docs/coming-from.md maps each check\); "
            r"known: artifacts,",
        ),
        (
            "scope: all\nversion: 2\n",
            r"dbtgate.yml:2: version: 2 is newer than this dbtgate .*"
            r"understands \(1\): upgrade dbtgate",
        ),
        ("version: 0\n", r"dbtgate.yml:1: version: expected one of 1, got 0"),
        (
            'version: "1"\n',
            r"dbtgate.yml:1: version: expected one of 1, got '1' \(a number: remove the quotes\)",
        ),
        (
            "policies:\n  - select: x\n    rulez: {}\n",
            r"dbtgate.yml:3: unknown key 'policies\[0\].rulez'",
        ),
        (
            "policies:\n  - rules:\n      a.b: fatal\n",
            r"dbtgate.yml:3: policies\[0\].rules.a.b: expected a severity",
        ),
        (
            "policies:\n  - rules:\n      a.b: off\n",
            r"dbtgate.yml:3: policies\[0\].rules.a.b: expected a severity \('error' \| 'warn' \| 'info'\), "
            r"got False \(YAML reads off/no/on/yes as true or false\)",
        ),
        (
            "waivers:\n  - {rule: a, select: b, reason: c, owner: d, expires: soon}\n",
            r"dbtgate.yml:2: .*expected a date",
        ),
        (
            "waivers:\n  - {rule: a, select: b}\n",
            r"dbtgate.yml:2: waivers\[0\]: missing required keys: reason, owner, expires \(a "
            r"waiver needs rule, select, reason, owner and expires: the reason it is accepted, "
            r"the owner who answers for it, its last day as YYYY-MM-DD\)$",
        ),
        # `owner:` with nothing after it is YAML's null, which no reader calls None.
        (
            "waivers:\n  - rule: a\n    select: b\n    reason: c\n    owner:\n"
            "    expires: 2099-01-01\n",
            r"dbtgate.yml:5: waivers\[0\].owner: expected a string, got no value$",
        ),
        ("lint: {enabled: yes please}\n", r"dbtgate.yml:1: lint.enabled: expected true or false"),
        # A quote or bracket left open is found at the end of the file: the line it opened on
        # is named; a line indented out of its mapping, with the mapping's line.
        (
            "a: [1\n",
            r"dbtgate.yml:1: not valid YAML: .* \(the \[ opened on line 1 is not closed\)$",
        ),
        (
            'scope: all\npolicies:\n  - select: "tag:x\n    rules: {owner.present: error}\n',
            r"dbtgate.yml:3: not valid YAML: found unexpected end of stream \(the quote opened on "
            r"line 3 is not closed\)$",
        ),
        (
            "lint:\n  enabled: true\n dialect: duckdb\n",
            r"dbtgate.yml:3: not valid YAML: .* \(check its indentation against the mapping that "
            r"starts on line 1\)$",
        ),
        ("a: [1\nb: 2\n", r"dbtgate.yml:2: not valid YAML: .* \(inside the \[ opened on line 1\)$"),
        # PyYAML's `mapping values are not allowed here` names the line after a key one space
        # short (or a value's `: `), with no cause: the gate says which.
        (
            "policies:\n  - select: x\n    rules:\n     owner.present: error\n"
            "      docs.model_description: warn\n",
            r"dbtgate.yml:5: not valid YAML: mapping values are not allowed here \(line 5 is "
            r"indented deeper than line 4, so it reads as the rest of line 4's value: keys of one "
            r"mapping start in one column\)$",
        ),
        (
            "scope: changed\n\n  fail_on: warn\n",
            r"dbtgate.yml:3: .* \(line 3 is indented deeper than line 1, so it reads as the rest",
        ),
        (
            "waivers:\n  - rule: a\n    reason: kept: see the ticket\n",
            r"dbtgate.yml:3: not valid YAML: mapping values are not allowed here \(quote a value "
            r'that holds ": ": reason: "kept: see the ticket"\)$',
        ),
        # The usual YAML mistakes get the fix, not only the parser's word for them.
        (
            "waivers:\n  - owner: @me\n",
            r"dbtgate.yml:2: not valid YAML: found character '@' that cannot start any token "
            r'\(quote values that start with @ or `: owner: "@me"\)$',
        ),
        (
            "policies:\n  - select: *\n",
            r"dbtgate.yml:2: not valid YAML: .* \(quote values that start with \* or &, which "
            r'mark YAML anchors: select: "\*"\)$',
        ),
        ("policies: [{select: *}]\n", r'dbtgate.yml:1: not valid YAML: .*select: "\*"\)$'),
        (
            "scope: all\nlint:\n\tenabled: true\n",
            r"dbtgate.yml:3: not valid YAML: .* \(YAML indents with spaces, not tabs\)$",
        ),
        (
            "policies:\n  - select: x\n    rules: [owner.present]\n",
            r"dbtgate.yml:3: policies\[0\].rules: expected a mapping, got \['owner.present'\] "
            r"\(a mapping of code: severity: \{owner.present: error\}\)$",
        ),
        ("scope: all\nscope: changed\n", r"dbtgate.yml:2: duplicate key 'scope'"),
        ("- 1\n", r"dbtgate.yml:1: config: expected a mapping, got \[1\]$"),
        # Values are shown as written, without the loader's line bookkeeping.
        (
            "policies: {select: x}\n",
            r"dbtgate.yml:1: policies: expected a list, got \{'select': 'x'\}$",
        ),
        ("waivers: none\n", r"dbtgate.yml:1: waivers: expected a list, got 'none'$"),
        (
            "policies:\n  - select: [dim_products, fct_orders]\n",
            r"dbtgate.yml:2: policies\[0\].select: expected a string, got \['dim_products', "
            r"'fct_orders'\] \(one selector string; space-separated for a union: "
            r'select: "dim_products fct_orders"\)$',
        ),
        (
            "waivers:\n  - {rule: a, select: [1], reason: c, owner: d, expires: 2099-01-01}\n",
            r"waivers\[0\].select: expected a string, got \[1\] \(one selector string; "
            r"space-separated for a union\)$",
        ),
        ("waiver_notice_days: [14]\n", r"waiver_notice_days: expected an integer, got \[14\]$"),
        ("fail_on: [warn]\n", r"fail_on: expected one of 'error' \| 'warn', got \['warn'\]$"),
        (
            "waivers:\n  - {rule: a, select: b, reason: c, owner: d, expires: [2099-01-01]}\n",
            r"expires: expected a date \(YYYY-MM-DD\), got \['2099-01-01'\]$",
        ),
        (
            "policies:\n  - select: x\n    rules: {a.b: {severity: [error]}}\n",
            r"a.b.severity: expected one of 'error' \| 'warn' \| 'info', got \['error'\]$",
        ),
        (
            "policies:\n  core:\n    - select: tier:1\n      rules: {owner.present: error, "
            "docs.model_description: error, tests.primary_key: error}\n",
            r"dbtgate.yml:1: policies: expected a list, got a mapping \(keys: core\)$",
        ),
        # What YAML's own types refuse is an error at its line, not a crash.
        (
            "waivers:\n  - {rule: a, select: b, reason: c, owner: d, expires: 2099-02-30}\n",
            r"dbtgate.yml:2: waivers\[0\].expires: expected a date \(YYYY-MM-DD\), got '2099-02-30': "
            r"day is out of range for month$",
        ),
        ("? [a, b]\n: 1\n", r"dbtgate.yml:1: a key must be a name, not a list$"),
        # breaking.acknowledge is checked when read, not only when a base build is given.
        (
            "breaking:\n  acknowledge:\n    - {change: breaking.colum_removed, select: orders,"
            " reason: r, owner: me}\n",
            r"dbtgate.yml:3: breaking.acknowledge\[0\]: change 'breaking.colum_removed' matches "
            r"no change code",
        ),
        (
            "breaking:\n  acknowledge:\n    - change: breaking.*\n      select: 'tierr:1'\n"
            "      reason: r\n      owner: me\n",
            r"dbtgate.yml:4: breaking.acknowledge\[0\]: select 'tierr:1': unknown selector method",
        ),
        (
            "breaking:\n  acknowledge:\n    - {change: breaking.*, reason: r, owner: me}\n",
            r"dbtgate.yml:3: breaking.acknowledge\[0\]: name the resource with `select` or",
        ),
        ("tier: {default: one}\n", r"dbtgate.yml:1: tier.default: expected an integer or null"),
        # Values the types allow and the settings cannot mean.
        (
            "tier:\n  from: [meta.tier, tags]\n",
            r"dbtgate.yml:2: tier.from: expected one of 'meta.<key>' \| 'tag', got 'tags'",
        ),
        (
            "owner: {from: [meta.owner, email]}\n",
            r"dbtgate.yml:1: owner.from: expected one of 'meta.<key>' \| 'group', got 'email'",
        ),
        (
            "owner: {from: meta.}\n",
            r"owner.from: expected one of 'meta.<key>' \| 'group', got 'meta.'",
        ),
        (
            "run:\n  stale_tolerance_minutes: -5\n",
            r"dbtgate.yml:2: run.stale_tolerance_minutes: expected a number of at least 0, got -5",
        ),
        (
            "run: {slower: {enabled: true, ratio: 0.5}}\n",
            r"dbtgate.yml:1: run.slower.ratio: expected a number above 1, got 0.5",
        ),
        ("run: {slower: {min_seconds: -1}}\n", r"run.slower.min_seconds: expected a number of at"),
        (
            "kpi:\n  targets: {}\n  gate: [owner_coverage]\n",
            r"dbtgate.yml:3: kpi: gate names owner_coverage, which has no target",
        ),
    ],
)
def test_mistakes_are_named_with_file_and_line(tmp_path, text, expected):
    with pytest.raises(DbtgateError, match=expected):
        load_config(write(tmp_path, text))


@pytest.mark.parametrize(
    ("setting", "key", "fix"),
    [
        ('base: ""', "base", "give the base build's directory or a git ref"),
        ('artifacts: ""', "artifacts", "give the build's directory"),
        ("baseline: ' '", "baseline", "give the baseline file"),
        ('project_dir: ""', "project_dir", "give the dbt project's directory"),
        ('owner: {codeowners: ""}', "owner.codeowners", "give the CODEOWNERS file"),
        ('plugins: [rules.py, ""]', "plugins", "give each plugin's file or module"),
    ],
)
def test_an_empty_path_setting_is_an_error_not_unset(tmp_path, setting, key, fix):
    """`base: ${BASE}` templated to "" was read as no base (breaking changes not gated, and
    `--base ""` is refused), `artifacts: ""` as the config's folder, `baseline: ""` as none."""
    write(tmp_path, f"version: 1\n{setting}\n")
    for command in ("check", "validate"):
        result = dbtgate(command, cwd=tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.splitlines()[0] == (
            f"dbtgate: error: dbtgate.yml:2: {key}: empty: {fix}, or leave it out"
        )


@pytest.mark.parametrize("written", ["true", "yes", "on"])
def test_a_boolean_version_is_not_version_1(tmp_path, written):
    """YAML reads `version: yes` as true, which equals 1 in Python: it passed for version 1."""
    write(tmp_path, f"version: {written}\n")
    result = dbtgate("validate", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines()[0] == (
        "dbtgate: error: dbtgate.yml:1: version: expected one of 1, got True"
    )


def test_waivers_share_their_reason_owner_and_expiry_through_yaml_merge_keys(tmp_path):
    config = load_config(
        write(
            tmp_path,
            """\
            waivers:
              - &crm {rule: owner.present, select: dim_products, reason: CRM, owner: "@crm",
                      expires: 2027-01-31}
              - {<<: *crm, select: customer_ltv}
              - <<: *crm
                select: fct_orders
                expires: 2027-02-28
              - {<<: [*crm], rule: "owner.*"}
            """,
        )
    )
    shared = ("@crm", "CRM")
    assert [(w.rule, w.select, w.expires.isoformat(), w.line) for w in config.waivers] == [
        ("owner.present", "dim_products", "2027-01-31", 2),
        ("owner.present", "customer_ltv", "2027-01-31", 4),  # the keys written win
        ("owner.present", "fct_orders", "2027-02-28", 5),
        ("owner.*", "dim_products", "2027-01-31", 8),
    ]
    assert {(w.owner, w.reason) for w in config.waivers} == {shared}


def test_a_merge_key_that_names_no_mapping_is_an_error_at_its_line(tmp_path):
    path = write(tmp_path, "waivers:\n  - {rule: a, <<: 3}\n")
    with pytest.raises(DbtgateError, match=r"dbtgate.yml:2: <<: expected a mapping or a list of "):
        load_config(path)


def test_settings_at_their_limits_are_accepted(tmp_path):
    config = load_config(
        write(
            tmp_path,
            """\
            tier: {from: [tag, meta.governance.tier]}
            owner: {from: [group, meta.owner]}
            run: {stale_tolerance_minutes: 0, slower: {ratio: 1.01, min_seconds: 0}}
            """,
        )
    )
    assert config.tier.from_ == ["tag", "meta.governance.tier"]
    assert config.run.slower.ratio == 1.01
    assert config.lines == {"tier": 1, "owner": 2, "run": 3}


def test_pyproject_tool_table_is_found_and_read(tmp_path):
    write(
        tmp_path, '[project]\nname = "x"\n\n[tool.dbtgate]\nscope = "changed"\n', "pyproject.toml"
    )
    path = find_config(tmp_path)
    assert path is not None and path.name == "pyproject.toml"
    assert load_config(path).scope == "changed"


PROJECT = '[project]\nname = "x"\ndependencies = ["dbtgate"]\n'

# Run at the child's start (on its PYTHONPATH): says on stderr each time the run opens a
# pyproject.toml, as Python's audit hook sees every open() of the process.
COUNT_OPENS = """\
import os, sys

def _said_open(event, args):
    if event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        if os.path.basename(os.fsdecode(args[0])) == "pyproject.toml":
            sys.stderr.write("opened pyproject.toml\\n")

sys.addaudithook(_said_open)
"""


@pytest.mark.parametrize(
    "table",
    ['[tool.dbtgate]\nversion = 1\nfail_on = "warn"\n', '[tool]\ndbtgate.fail_on = "warn"\n'],
    ids=["table", "dotted-keys"],
)
def test_a_pyproject_config_found_is_opened_once(tmp_path, table):
    """The pyproject.toml read to tell it configures dbtgate was opened again to load it (and
    parsed again, written as dotted keys): loaded from what was read to find it."""
    from corpus import corpus_dir
    from policy_support import manifest_only_copy

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(COUNT_OPENS)
    project = tmp_path / "project"
    manifest_only_copy(corpus_dir("bouncer-dbt112"), project / "target")
    write(project, PROJECT + table, "pyproject.toml")
    env = {"PYTHONPATH": str(hook)}
    for command in (["validate"], ["check", "--artifacts", "target"]):
        result = dbtgate(*command, cwd=project, env=env)
        assert result.returncode == 0, result.stdout + result.stderr
        opened = result.stderr.splitlines().count("opened pyproject.toml")
        assert (command[0], opened) == (command[0], 1), result.stderr
        if command == ["validate"]:  # loaded from what was read: its setting, no default
            assert "fail_on: warn" in result.stdout, result.stdout


def test_a_pyproject_config_beside_no_dbt_project_is_opened_once(tmp_path):
    """A repository's root holding pyproject.toml, the dbt project in a folder of it: where
    there is no dbt project nor build, the root was looked at for a config to tell whether to
    look for the project above, then again to read it (two opens)."""
    from corpus import corpus_dir
    from policy_support import manifest_only_copy

    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(COUNT_OPENS)
    root = tmp_path / "repo"
    manifest_only_copy(corpus_dir("bouncer-dbt112"), root / "analytics" / "target")
    (root / "analytics" / "dbt_project.yml").write_text('name: p\nprofile: p\nversion: "1"\n')
    table = '[tool.dbtgate]\nversion = 1\nproject_dir = "analytics"\nfail_on = "warn"\n'
    write(root, PROJECT + table, "pyproject.toml")
    for command in ("validate", "check"):
        result = dbtgate(command, cwd=root, env={"PYTHONPATH": str(hook)})
        assert result.returncode == 0, result.stdout + result.stderr
        opened = result.stderr.splitlines().count("opened pyproject.toml")
        assert (command, opened) == (command, 1), result.stderr


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (PROJECT + '[tool]\ndbtgate.version = 1\ndbtgate.scope = "bogus"\n', 6),
        ('tool.dbtgate = {version = 1, scope = "bogus"}\n' + PROJECT, 1),
        (PROJECT + '[tool]\ndbtgate = {version = 1, scope = "bogus"}\n', 5),
    ],
    ids=["dotted-keys", "inline-table", "inline-under-tool"],
)
def test_a_dbtgate_table_written_in_any_toml_form_is_found(tmp_path, text, line):
    """The same table as dotted keys or inline was passed over (only `[tool.dbtgate` was looked
    for): `validate` said there was no config and `check` gated with no policies."""
    write(tmp_path, text, "pyproject.toml")
    for command in ("validate", "check"):
        result = dbtgate(command, cwd=tmp_path)
        assert result.returncode == 2, result.stdout + result.stderr
        assert result.stderr.splitlines()[0] == (
            f"dbtgate: error: pyproject.toml:{line}: scope: expected one of 'changed' | 'all', "
            "got 'bogus'"
        )


@pytest.mark.parametrize("tool", ["5", "[1]"])
def test_a_pyproject_whose_tool_is_no_table_holds_no_dbtgate_config(tmp_path, tool):
    """`tool = 5` was an internal AttributeError with --config, and a pyproject.toml that only
    depends on dbtgate is no config of it."""
    write(tmp_path, f"tool = {tool}\n{PROJECT}", "pyproject.toml")
    named = dbtgate("validate", "-c", "pyproject.toml", cwd=tmp_path)
    assert named.returncode == 2
    assert named.stderr.splitlines()[0] == "dbtgate: error: pyproject.toml: no [tool.dbtgate] table"
    found = dbtgate("validate", cwd=tmp_path)
    assert found.returncode == 2
    assert found.stderr.startswith("dbtgate: error: no dbtgate.yml (or [tool.dbtgate] in")


def test_unknown_key_in_pyproject_names_its_line(tmp_path):
    path = write(tmp_path, '[tool.dbtgate]\nscpoe = "x"\n', "pyproject.toml")
    with pytest.raises(DbtgateError, match=r"pyproject.toml:2: unknown key 'scpoe'"):
        load_config(path)


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("[tool.dbtgate.kpi.targets]\ntier1_test_coverage = 80\n", r":9: kpi.targets.tier1"),
        (
            '[[tool.dbtgate.policies]]\nselect = "*"\n\n[[tool.dbtgate.policies]]\n'
            'select = "tier:1"\nrules = { "owner.present" = "fatal" }\n',
            r":13: policies\[1\].rules.owner.present: expected a severity",
        ),
        # An item of a multi-line array is placed at the key that holds it.
        ('waivers = [\n  { rule = "a" },\n]\n', r":8: waivers\[0\]: missing required key"),
    ],
)
def test_pyproject_errors_name_the_line_of_the_key(tmp_path, table, expected):
    text = '[project]\nname = "x"\n\n[tool.dbtgate]\nversion = 1\nscope = "all"\n# more\n'
    path = write(tmp_path, text + table, "pyproject.toml")
    with pytest.raises(DbtgateError, match=rf"pyproject.toml{expected}"):
        load_config(path)


def test_a_toml_syntax_error_names_its_line_as_every_error_does(tmp_path):
    path = write(
        tmp_path, '[project]\nname = "x"\n\n[tool.dbtgate]\nfail_on = warn\n', "pyproject.toml"
    )
    with pytest.raises(DbtgateError) as raised:
        load_config(path)
    assert str(raised.value) == f"{path}:5: not valid TOML: Invalid value (column 11)"


def test_dbtgate_yml_beside_a_pyproject_dbtgate_table_is_an_error(tmp_path):
    """One of them would be ignored, settings and all, without a word."""
    write(tmp_path, "[tool.dbtgate]\n", "pyproject.toml")
    write(tmp_path, "scope: all\n")
    with pytest.raises(DbtgateError, match="two dbtgate configs in one folder"):
        find_config(tmp_path)
    write(tmp_path, "[tool.ruff]\n", "pyproject.toml")
    assert find_config(tmp_path).name == "dbtgate.yml"


def test_a_config_not_in_utf8_is_one_line_naming_the_file_and_line(tmp_path):
    """A waiver's reason typed in a Latin-1 editor, or the file re-saved as UTF-16 by Windows
    PowerShell: an error naming the file (and the line of the first byte that is not UTF-8),
    not a decoding traceback; `dbtgate validate` and `check` exit 2 with it."""
    path = tmp_path / "dbtgate.yml"
    path.write_bytes("version: 1\nscope: all\nwaivers: []  # café\n".encode("latin-1"))
    with pytest.raises(DbtgateError) as raised:
        load_config(path)
    assert str(raised.value).startswith(f"{path}:3: not UTF-8 (byte 0xe9,")
    path.write_text("version: 1\nscope: all\n", encoding="utf-16")
    with pytest.raises(DbtgateError) as raised:
        load_config(path)
    # With the tool that writes it, as the JSON files' error says it.
    assert str(raised.value) == (
        f"{path}: encoded as UTF-16LE, not UTF-8: re-save it as UTF-8 (Windows PowerShell's `>` "
        "and `Out-File` write UTF-16)"
    )
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_bytes(b'[tool.dbtgate]\nscope = "all"  # \xe9\n')
    path.unlink()
    with pytest.raises(DbtgateError, match=r"pyproject.toml:2: not UTF-8"):
        find_config(tmp_path)
