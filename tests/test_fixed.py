"""What a change fixed (`dbtgate.status.fixed`): the tests that failed in the base build's run and
pass in this one, and the models that errored there and build here, on builds written as real
artifact files (tests/diff_support.py), through the real command line for the reports."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from cli_support import dbtgate
from diff_support import data_test, model, write_build

from dbtgate.report.json_report import report_schema
from dbtgate.status.fixed import fixed_since_base

ORDERS = "model.proj.orders"
CUSTOMERS = "model.proj.customers"
PAYMENTS = "model.proj.payments.v2"
RAW = "seed.proj.raw_orders"
HISTORY = "snapshot.proj.orders_history"


def nodes(*tests: dict) -> list[dict]:
    return [
        model("orders", depends_on=[RAW]),
        model("customers"),
        model("payments", version=2),
        model("raw_orders", resource_type="seed", materialized="seed"),
        model("orders_history", resource_type="snapshot", materialized="snapshot"),
        *tests,
    ]


def test_what_failed_in_the_base_and_passes_now_is_listed_and_nothing_else(tmp_path) -> None:
    """A test failing or erroring there and passing here is fixed; one failing in both, one
    passing in both, one failing there and only warning here, or one the change deleted, is
    not. A model, seed or snapshot errored there and built here is fixed, each listed as what
    it is; a model skipped here is not."""
    fixed_test = data_test("not_null", ORDERS, "id")
    errored_test = data_test("unique", CUSTOMERS, "id")
    still = data_test("not_null", CUSTOMERS, "name")
    passing = data_test("unique", ORDERS, "id")
    warns = data_test("not_null", ORDERS, "status")
    deleted = data_test("not_null", ORDERS, "amount")
    base_results = {
        ORDERS: "error",
        CUSTOMERS: "error",
        PAYMENTS: "success",
        RAW: "error",
        HISTORY: "error",
        fixed_test["unique_id"]: "fail",
        errored_test["unique_id"]: "error",
        still["unique_id"]: "fail",
        passing["unique_id"]: "pass",
        warns["unique_id"]: "fail",
        deleted["unique_id"]: "fail",
    }
    tests = (fixed_test, errored_test, still, passing, warns)
    base = write_build(tmp_path / "base", [*nodes(*tests), deleted], results=base_results)
    pr_results = {
        ORDERS: "success",
        CUSTOMERS: "skipped",
        PAYMENTS: "success",
        RAW: "success",
        HISTORY: "success",
        fixed_test["unique_id"]: "pass",
        errored_test["unique_id"]: "pass",
        still["unique_id"]: "fail",
        passing["unique_id"]: "pass",
        warns["unique_id"]: "warn",
    }
    pr = write_build(tmp_path / "pr", nodes(*tests), results=pr_results)
    assert fixed_since_base(pr, base) == {
        "tests": [
            {"unique_id": fixed_test["unique_id"], "name": "not_null_orders_id", "was": "fail"},
            {"unique_id": errored_test["unique_id"], "name": "unique_customers_id", "was": "error"},
        ],
        "models": [{"unique_id": ORDERS, "name": "orders", "was": "error"}],
        "seeds": [{"unique_id": RAW, "name": "raw_orders", "was": "error"}],
        "snapshots": [{"unique_id": HISTORY, "name": "orders_history", "was": "error"}],
    }
    # A versioned model is named with its version, as the findings name it.
    base = write_build(tmp_path / "base2", nodes(), results={PAYMENTS: "error"})
    pr = write_build(tmp_path / "pr2", nodes(), results={PAYMENTS: "success"})
    assert fixed_since_base(pr, base) == {
        "tests": [],
        "models": [{"unique_id": PAYMENTS, "name": "payments v2", "was": "error"}],
        "seeds": [],
        "snapshots": [],
    }
    # Without the base's run_results.json there is nothing to compare.
    assert fixed_since_base(pr, write_build(tmp_path / "none", nodes())) is None


def test_the_reports_list_what_the_release_fixed_a_few_by_name(tmp_path) -> None:
    """A release that fixed twelve failing tests and an erroring model: gate.json lists them
    all, the PR comment and the HTML page the first ten of each by name and how many more,
    escaped (a test's name is the project's text). Without --base nothing is said."""
    tests = [data_test("not_null", ORDERS, f"c{index:02}") for index in range(12)]
    tests[0]["name"] = "odd_<b>_`name`"
    base_results = {ORDERS: "error", **{test["unique_id"]: "fail" for test in tests}}
    pr_results = {ORDERS: "success", **{test["unique_id"]: "pass" for test in tests}}
    write_build(tmp_path / "base", nodes(*tests), results=base_results)
    write_build(tmp_path / "pr", nodes(*tests), results=pr_results)
    out = tmp_path / "reports"
    args = ["--artifacts", "pr/target", "--out", str(out), "--format", "json,md,html"]
    done = dbtgate("check", "-q", *args, "--base", "base/target", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    report = json.loads((out / "gate.json").read_text())
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    fixed = report["sections"]["fixed"]
    assert [entry["name"] for entry in fixed["tests"]][-2:] == [
        "not_null_orders_c11",
        "odd_<b>_`name`",
    ]
    assert len(fixed["tests"]) == 12 and fixed["models"][0]["name"] == "orders"
    markdown = (out / "gate.md").read_text()
    assert "#### Fixed since the base build\n\n" in markdown
    listed = ", ".join(f"`not_null_orders_c{index:02}`" for index in range(1, 11))
    assert f"- 12 tests that failed in the base build pass now: {listed} and 2 more\n" in markdown
    assert "- 1 model that errored in the base build builds now: `orders`\n" in markdown
    page = (out / "gate.html").read_text()
    section = page[page.index('<section id="fixed">') :]
    section = section[: section.index("</section>")]
    assert "<h2>Fixed since the base build</h2>" in section
    assert "12 tests that failed in the base build pass now: " in section
    assert section.count("<code>") == 11 and "and 2 more</li>" in section
    assert "1 model that errored in the base build builds now: <code>orders</code>" in section
    assert '<a href="#fixed">' in page
    # A release fixing nothing, or gated without a base build, says nothing of it.
    alone = dbtgate("check", "-q", *args[:4], "--format", "json,md", cwd=tmp_path)
    assert alone.returncode in (0, 1), alone.stdout + alone.stderr
    assert "fixed" not in json.loads((out / "gate.json").read_text())["sections"]
    assert "Fixed since" not in (out / "gate.md").read_text()


def test_a_saved_report_renders_its_fixed_section_escaped(tmp_path: Path) -> None:
    """`dbtgate report` renders a saved gate.json's section again: a name with markup stays
    text in the page and a code span in the comment."""
    tests = [data_test("not_null", ORDERS, "id")]
    tests[0]["name"] = "odd_<b>_`name`"
    write_build(tmp_path / "base", nodes(*tests), results={tests[0]["unique_id"]: "fail"})
    write_build(tmp_path / "pr", nodes(*tests), results={tests[0]["unique_id"]: "pass"})
    out = tmp_path / "reports"
    args = ["--artifacts", "pr/target", "--base", "base/target", "--out", str(out)]
    done = dbtgate("check", "-q", *args, "--format", "json", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    again = dbtgate("report", str(out / "gate.json"), "--out", str(out), cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    page = (out / "gate.html").read_text()
    assert "passes now: <code>odd_<wbr>&lt;b&gt;_<wbr>`name`</code></li>" in page
    assert "1 test that failed in the base build passes now: `` odd_<b>_`name` ``\n" in (
        (out / "gate.md").read_text()
    )


@pytest.mark.slow
def test_a_failing_test_the_next_release_deleted_is_no_fix(shop_builds) -> None:
    """The fixture's pull request plants a failing test (fixtures/README.md, change 5); the base
    build has no such test. Gated with the PR's build as the base, the base build's run (all
    passing) fixes nothing: the test is gone, not passing. The PR gated against the base fixed
    nothing either: its one failure is new."""
    from dbtgate.artifacts import load_artifacts
    from dbtgate.project import Project

    base = Project.from_artifacts(load_artifacts(shop_builds.base / "target"), shop_builds.base)
    pr = Project.from_artifacts(load_artifacts(shop_builds.pr / "target"), shop_builds.pr)
    failing = "test.shop.not_null_customer_ltv_avg_order_value.d09aefd175"
    assert pr.run_index().results[failing].status == "fail"
    nothing = {"tests": [], "models": [], "seeds": [], "snapshots": []}
    assert fixed_since_base(base, pr) == nothing
    assert fixed_since_base(pr, base) == nothing


def test_the_fixes_are_those_of_the_selection_and_the_console_counts_them(tmp_path) -> None:
    """`check --select` keeps the fixes of the selected resources and their tests, as it keeps
    their findings; the console says in one line how many of each kind, the reports name them
    (a seed loads now, a snapshot runs now)."""
    on_orders = data_test("not_null", ORDERS, "id")
    on_customers = data_test("not_null", CUSTOMERS, "id")
    tests = (on_orders, on_customers)
    broken = [ORDERS, CUSTOMERS, RAW, HISTORY]
    base_results = {
        **dict.fromkeys(broken, "error"),
        **dict.fromkeys((t["unique_id"] for t in tests), "fail"),
    }
    pr_results = {
        **dict.fromkeys(broken, "success"),
        **dict.fromkeys((t["unique_id"] for t in tests), "pass"),
    }
    write_build(tmp_path / "base", nodes(*tests), results=base_results)
    write_build(tmp_path / "pr", nodes(*tests), results=pr_results)
    out = tmp_path / "reports"
    gate = ("check", "--artifacts", "pr/target", "--base", "base/target")

    def fixed_names(*selection: str) -> dict[str, list[str]]:
        args = [*gate, *selection, "--out", str(out), "--format", "json,md"]
        done = dbtgate(*args, "-q", cwd=tmp_path)
        assert done.returncode in (0, 1), done.stdout + done.stderr
        fixed = json.loads((out / "gate.json").read_text())["sections"]["fixed"]
        return {kind: [entry["name"] for entry in entries] for kind, entries in fixed.items()}

    assert fixed_names() == {
        "tests": ["not_null_customers_id", "not_null_orders_id"],
        "models": ["customers", "orders"],
        "seeds": ["raw_orders"],
        "snapshots": ["orders_history"],
    }
    markdown = (out / "gate.md").read_text()
    assert "- 1 seed that errored in the base build loads now: `raw_orders`\n" in markdown
    assert "- 1 snapshot that errored in the base build runs now: `orders_history`\n" in markdown
    nothing_else = {"seeds": [], "snapshots": []}
    assert fixed_names("--select", "orders") == {
        "tests": ["not_null_orders_id"],
        "models": ["orders"],
        **nothing_else,
    }
    assert "customers" not in (out / "gate.md").read_text()
    assert fixed_names("--select", "+orders", "--exclude", "orders") == {
        "tests": [],
        "models": [],
        "seeds": ["raw_orders"],
        "snapshots": [],
    }
    assert fixed_names("--exclude", "orders", "orders_history") == {
        "tests": ["not_null_customers_id"],
        "models": ["customers"],
        "seeds": ["raw_orders"],
        "snapshots": [],
    }
    # The console: one line counting them, of the selection too; nothing when none was fixed.
    whole = dbtgate(*gate, cwd=tmp_path)
    said = "fixed since the base build: 2 tests, 2 models, 1 seed, 1 snapshot\n"
    assert said in whole.stdout, whole.stdout
    selected = dbtgate(*gate, "--select", "orders", cwd=tmp_path)
    assert "fixed since the base build: 1 test, 1 model\n" in selected.stdout, selected.stdout
    alone = dbtgate(*gate[:3], "--base", "pr/target", cwd=tmp_path)
    assert alone.returncode in (0, 1) and "fixed since" not in alone.stdout, alone.stdout


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("where", "created_at > '2024-01-01'"),
        ("error_if", "> 100"),
        ("fail_calc", "0"),
        ("limit", 5),
    ],
)
def test_a_test_the_change_loosened_is_marked_edited_and_counts_as_modified(
    tmp_path: Path, setting: str, value: object
) -> None:
    """A test keeps its unique_id when its `where`, thresholds or `limit` change: one failing in
    the base build that passes after `error_if: "> 100"` may pass because it was loosened. The
    change set lists it as modified (config.<setting>), and the fixed section marks it edited
    and says to check it, beside a test fixed by the data alone."""
    loosened, fixed_by_data = data_test("unique", ORDERS, "id"), data_test("not_null", ORDERS, "id")
    for test in (loosened, fixed_by_data):  # in a file: a test of this project, compared
        test["original_file_path"] = "models/orders.yml"
    edited = {**loosened, "config": {**loosened["config"], setting: value}}
    failing = {test["unique_id"]: "fail" for test in (loosened, fixed_by_data)}
    passing = dict.fromkeys(failing, "pass")
    write_build(tmp_path / "base", nodes(loosened, fixed_by_data), results=failing)
    write_build(tmp_path / "pr", nodes(edited, fixed_by_data), results=passing)
    out = tmp_path / "reports"
    args = ["--artifacts", "pr/target", "--base", "base/target", "--out", str(out)]
    done = dbtgate("check", "-q", *args, "--format", "json,md,html", cwd=tmp_path)
    assert done.returncode in (0, 1), done.stdout + done.stderr
    report = json.loads((out / "gate.json").read_text())
    jsonschema.Draft202012Validator(report_schema()).validate(report)
    assert report["sections"]["changes"]["modified"][loosened["unique_id"]] == [f"config.{setting}"]
    assert fixed_by_data["unique_id"] not in report["sections"]["changes"]["modified"]
    assert report["sections"]["fixed"]["tests"] == [
        {"unique_id": fixed_by_data["unique_id"], "name": "not_null_orders_id", "was": "fail"},
        {
            "unique_id": loosened["unique_id"],
            "name": "unique_orders_id",
            "was": "fail",
            "changed": True,
        },
    ]
    markdown = (out / "gate.md").read_text()
    assert (
        "- 2 tests that failed in the base build pass now: `not_null_orders_id`, "
        "`unique_orders_id` (edited)\n"
    ) in markdown, markdown
    assert (
        "- 1 test (edited) was changed itself (a `where`, a threshold, an argument or the SQL): "
        "check that the data was fixed, not the test loosened\n"
    ) in markdown
    page = (out / "gate.html").read_text()
    assert "<code>unique_<wbr>orders_<wbr>id</code> (edited)" in page
