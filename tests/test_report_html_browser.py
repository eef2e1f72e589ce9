"""The HTML gate report opened in headless Chromium (Debian `chromium` + `chromium-driver`).

It must load with no console errors (a CSP violation or a script error is logged as SEVERE), the
findings filter must hide rows, and a description carrying a `<script>` must not run. A screenshot
of the page is saved in the test's tmp directory and its path printed (pytest -s, or -rA).
"""

from __future__ import annotations

import base64
import contextlib
import io
import itertools
import json
import math
import os
import re
import shutil
import unicodedata
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from cli_support import plain_env, run_dbtgate
from report_samples import scope_all_report
from test_report_html import injected_report

from dbtgate.report.html import render_html
from dbtgate.report.options import RenderOptions
from dbtgate.report.view import family_rank

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,2000",
)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("CI"):
            pytest.fail("CI must have chromium and chromium-driver (see .ci/run)")
        pytest.skip("Debian chromium / chromium-driver not installed (apt-get install them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def page(tmp_path: Path, browser) -> object:
    path = tmp_path / "gate.html"
    options = RenderOptions(blob_url="https://github.com/acme/shop/blob/abc123")
    path.write_text(render_html(injected_report(), options), encoding="utf-8")
    browser.get(path.as_uri())
    browser.get_log("browser")  # start each test with an empty log
    browser.refresh()
    return browser


def open_report(driver, path: Path, report: dict) -> None:
    """Render `report` into `path` and open it."""
    path.write_text(render_html(report), encoding="utf-8")
    driver.get(path.as_uri())


def resize_window(driver, width: int, height: int) -> None:
    """Resize the browser's window and wait until the page is as wide (headless, the window has
    no frame at its sides). WebDriver returns once the window has its new size; the page takes
    it a moment later: on a loaded host, measured right after a resize, a page was still laid
    out at the width before (at 1920 px, its 1280 px findings and graph)."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.set_window_size(width, height)
    WebDriverWait(driver, 10, poll_frequency=0.02).until(
        lambda driver: driver.execute_script("return innerWidth") == width
    )


def card_texts(driver) -> list[str]:
    """The cards beside the verdict as the reader sees them: count, then label, on two lines."""
    from selenium.webdriver.common.by import By

    return [card.text for card in driver.find_elements(By.CSS_SELECTOR, "header .card")]


def severe(driver) -> list[dict]:
    return [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def visible_rows(driver) -> list:
    """The finding rows the reader sees, asked in one call: asking each row's `is_displayed`
    over WebDriver took a minute for a large report's 1,200."""
    return driver.execute_script(
        "return [...document.querySelectorAll('tr.finding')].filter(r => r.checkVisibility());"
    )


def test_report_loads_without_console_errors_and_takes_a_screenshot(page, tmp_path) -> None:
    from selenium.webdriver.common.by import By

    assert severe(page) == []
    verdict = page.find_element(By.ID, "verdict").text
    assert verdict.startswith("dbtgate: FAIL")
    assert len(page.find_elements(By.CSS_SELECTOR, "svg.lineage g")) == 3
    shot = tmp_path / "gate-report.png"
    assert page.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")
    keep = os.environ.get("DBTGATE_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
    print(f"screenshot: {shot}")


def test_filters_hide_and_show_rows(page) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    assert len(visible_rows(page)) == 10
    page.find_element(By.ID, "filter-severity").click()
    Select(page.find_element(By.ID, "filter-severity")).select_by_value("warn")
    rows = visible_rows(page)
    assert len(rows) == 2
    assert {row.get_attribute("data-severity") for row in rows} == {"warn"}
    assert page.find_element(By.ID, "shown-count").text == "2"
    # The count is a live region: a screen reader announces it as the filter changes it.
    status = page.find_element(By.ID, "filter-status")
    assert status.aria_role == "status"
    assert status.text == "2 shown · filtered by severity: warn"

    Select(page.find_element(By.ID, "filter-severity")).select_by_value("")
    Select(page.find_element(By.ID, "filter-owner")).select_by_value("Finance Analytics")
    Select(page.find_element(By.ID, "filter-tier")).select_by_value("1")
    rows = visible_rows(page)
    assert [row.get_attribute("data-fingerprint") for row in rows] == [
        f["fingerprint"]
        for f in injected_report()["findings"]
        if f["owner"] == "Finance Analytics" and f["tier"] == 1
    ]
    page.find_element(By.ID, "reset-filters").click()
    assert len(visible_rows(page)) == 10
    assert severe(page) == []


def test_script_in_a_description_does_not_run(page) -> None:
    from selenium.webdriver.common.by import By

    assert page.execute_script("return window.__pwned === undefined")
    evil = next(f for f in injected_report()["findings"] if f["unique_id"] == "model.shop.evil")
    row = page.find_element(By.CSS_SELECTOR, f'tr[data-fingerprint="{evil["fingerprint"]}"]')
    assert "<script>window.__pwned = 1</script>" in row.text
    assert page.find_elements(By.CSS_SELECTOR, "tr.finding img") == []
    assert severe(page) == []


@pytest.mark.slow
def test_fixture_pr_report_opens_and_filters_in_chromium(shop_builds, browser, tmp_path) -> None:
    """The real gate report of the fixture PR, as `dbtgate check --out` writes it."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    out = tmp_path / "reports"
    base = str(shop_builds.base / "target")
    gate = run_dbtgate(
        *("check", "--base", base, "--out", str(out)),
        cwd=shop_builds.pr,
        env=plain_env(DBT_SEND_ANONYMOUS_USAGE_STATS="false"),
    )
    assert gate.returncode == 1, gate.stderr
    report = json.loads((out / "gate.json").read_text())
    assert report["inputs"]["scope"] == "changed"  # the fixture's dbtgate.yml
    browser.get((out / "gate.html").as_uri())
    assert severe(browser) == []
    assert browser.find_element(By.ID, "verdict").text.startswith("dbtgate: FAIL")
    outside = report["counts"]["by_disposition"]["out_of_scope"]
    assert f"{outside}\noutside the change" in card_texts(browser)
    for section in ("breaking", "lineage", "changes", "findings", "kpis", "waivers", "inputs"):
        assert browser.find_element(By.ID, section).is_displayed(), section
    # Every finding, the fixture's six lint.CP01 on one line in one row (`html._repeat_key`).
    assert len(row_fingerprints(visible_rows(browser))) == len(report["findings"])
    assert len(visible_rows(browser)) < len(report["findings"])
    Select(browser.find_element(By.ID, "filter-disposition")).select_by_value("blocking")
    # In the table's order: a breaking change, then a failed run, then policy and lint.
    blocking = [
        f["fingerprint"]
        for f in sorted(report["findings"], key=lambda f: family_rank(f["family"]))
        if f["disposition"] == "blocking"
    ]
    assert row_fingerprints(visible_rows(browser)) == blocking
    # The window is the module's: it is given back its size whatever fails, or the tests after
    # this one ran in a window as tall as this page, or 800 px wide.
    try:
        shot = tmp_path / "fixture-pr-gate-report.png"
        resize_window(browser, 1280, browser.execute_script("return document.body.scrollHeight"))
        assert browser.save_screenshot(str(shot))
        keep = os.environ.get("DBTGATE_SCREENSHOT_DIR")
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(keep) / shot.name)
        print(f"screenshot: {shot}")
        # On a laptop's half screen the page does not scroll sideways: its wide tables (findings,
        # KPIs by owner, the inputs' paths) scroll inside themselves.
        resize_window(browser, 800, 2000)
        width = browser.execute_script("return [document.documentElement.scrollWidth, innerWidth];")
        assert width[0] <= width[1], width
        resize_window(browser, 1280, 2000)
        # Printed, its pages are not shrunk to fit a table (its KPIs by owner printed A5 at 71%).
        assert {
            paper: printed_scale(browser, size) for paper, size in PAPERS_IN.items()
        } == dict.fromkeys(PAPERS_IN, 0.75)
        # Its graph of six layers printed on A5 at a third of its size, its labels 4 px high: a list
        # under it names each resource drawn, a team's handle on a line ("@finance-" / "eng").
        with laid_out_for_print(browser, page_width_in_px(PAPERS_IN["A5"])):
            lineage = printed_lineage(browser)
        assert lineage["label"] < READABLE_PX and lineage["list"], lineage
        assert len(lineage["list"]) == len(report["sections"]["lineage"]["nodes"]), lineage
        rows = zip(lineage["list"], lineage["owner_lines"], strict=True)
        handles = [lines for row, lines in rows if row[3].startswith("@")]
        assert handles and set(handles) == {1}, lineage
    finally:
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


@pytest.mark.slow
def test_fixture_pr_under_scope_all_filters_to_what_the_change_touched(
    shop_builds, browser, tmp_path
) -> None:
    """The fixture's pull request gated under `scope: all` (a release manager's whole project):
    nothing is outside the change, and the change filter shows a reviewer the findings gate.json
    marks `changed`, with their count, and every finding again when reset."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    config = tmp_path / "dbtgate.yml"
    written = (shop_builds.pr / "dbtgate.yml").read_text()
    assert "\nscope: changed" in written
    config.write_text(written.replace("\nscope: changed", "\nscope: all"))
    out = tmp_path / "reports"
    gate = run_dbtgate(
        *("check", "--config", str(config), "--base", str(shop_builds.base / "target")),
        *("--artifacts", str(shop_builds.pr / "target"), "--out", str(out)),
        cwd=shop_builds.pr,
        env=plain_env(DBT_SEND_ANONYMOUS_USAGE_STATS="false"),
    )
    assert gate.returncode == 1, gate.stderr
    report = json.loads((out / "gate.json").read_text())
    findings = report["findings"]
    assert "out_of_scope" not in {f["disposition"] for f in findings}
    assert "scope" not in report["inputs"]
    touched = sorted(f["fingerprint"] for f in findings if f["changed"])
    # Some findings are on what the change did not touch (fct_orders' policy findings, a
    # stale source): the reason for the filter.
    assert 0 < len(touched) < len(findings)
    browser.get((out / "gate.html").as_uri())
    # No "outside the change 0" card, which read as every finding being the change's.
    shown = card_texts(browser)
    assert shown[0] == f"{len(findings)}\nfindings"
    assert not [card for card in shown if card.endswith("outside the change")], shown
    change = Select(browser.find_element(By.ID, "filter-changed"))
    assert [option.text for option in change.options[1:]] == [
        f"on what it touched ({len(touched)})",
        f"elsewhere ({len(findings) - len(touched)})",
    ]
    change.select_by_value("touched")
    assert sorted(row_fingerprints(visible_rows(browser))) == touched
    assert browser.find_element(By.ID, "shown-count").text == str(len(touched))
    shot = tmp_path / "fixture-pr-scope-all-changed.png"
    assert browser.save_screenshot(str(shot))
    print(f"screenshot: {shot}")
    browser.find_element(By.ID, "reset-filters").click()
    assert len(row_fingerprints(visible_rows(browser))) == len(findings)
    assert severe(browser) == []


def row_fingerprints(rows: list) -> list[str]:
    """The fingerprints of the findings `rows` hold, in their order: a row of repeats names
    each of its findings (`data-fingerprint`, space-separated)."""
    return [found for row in rows for found in row.get_attribute("data-fingerprint").split()]


def open_large(driver, path: Path) -> None:
    """Open a report of more findings than its table holds and wait until the script has read
    their data (decompressed in the background): the filters are shown then."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(path.as_uri())
    WebDriverWait(driver, 60).until(lambda d: d.find_element(By.ID, "filter-owner").is_displayed())


@pytest.fixture
def big_page(tmp_path: Path, browser) -> object:
    """A report with more findings than the table holds at once (html.PAGE_ROWS), one of them
    carrying script payloads and placed beyond the first page, in the page's data."""
    from report_samples import many_findings, sample_report
    from test_report_html import data_block_payload

    evil = data_block_payload(owner="@team-evil</script>")
    path = tmp_path / "big.html"
    path.write_text(render_html(sample_report([*many_findings(1200), evil])), encoding="utf-8")
    open_large(browser, path)
    return browser


def row_names(rows: list) -> list[str]:
    """The models the finding rows are on, in their order (each message names its model)."""
    return [re.search(r"model_\d{5}|evil", row.text)[0] for row in rows]


def test_a_large_report_shows_a_page_at_a_time_and_filters_every_finding(big_page) -> None:
    """Each page of rows takes the place of the one before ("show 500 more" appended them, and
    each click took longer: Chromium lays the whole table out again), previous and next by
    keyboard too, and the live region says which rows."""
    from report_samples import many_findings, sample_report
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select
    from test_report_html import data_block_payload

    from dbtgate.report.html import PAGE_ROWS

    page = big_page
    assert severe(page) == []
    shown = page.find_element(By.ID, "shown-count")
    previous = page.find_element(By.ID, "previous-findings")
    following = page.find_element(By.ID, "next-findings")
    status = page.find_element(By.ID, "filter-status")
    # The report's order, blocking first, then the advisory ones and the payload's.
    findings = sample_report([*many_findings(1200), data_block_payload("@x")])["findings"]
    ordered = [f["unique_id"].split(".")[-1] for f in findings if f["disposition"] == "blocking"]
    ordered += [f["unique_id"].split(".")[-1] for f in findings if f["disposition"] != "blocking"]
    assert len(ordered) == 1201 and ordered[-1] == "evil"
    assert row_names(visible_rows(page)) == ordered[:PAGE_ROWS]
    # Counts grouped in thousands, by the script as by the page it rewrites.
    assert status.text == f"{PAGE_ROWS} of 1,201 shown"
    assert page.find_element(By.ID, "page-range").text == f"rows 1–{PAGE_ROWS} of 1,201"
    assert not previous.is_enabled() and following.is_enabled()
    rest = page.find_element(By.ID, "rest-count").text
    assert rest == f"{1201 - PAGE_ROWS:,} of 1,201 findings"
    following.click()
    assert row_names(visible_rows(page)) == ordered[PAGE_ROWS : 2 * PAGE_ROWS]
    assert shown.text == "500 of 1,201" and previous.is_enabled()
    assert page.find_element(By.ID, "rest-count").text == "701 of 1,201 findings"
    # By keyboard: Enter on next, to the last page, hands the focus to previous.
    following.send_keys(Keys.ENTER)
    assert row_names(visible_rows(page)) == ordered[2 * PAGE_ROWS :]
    assert status.text == "201 of 1,201 shown"
    assert not following.is_enabled()
    assert page.switch_to.active_element == previous
    page.switch_to.active_element.send_keys(Keys.ENTER)
    assert row_names(visible_rows(page)) == ordered[PAGE_ROWS : 2 * PAGE_ROWS]
    assert page.switch_to.active_element == previous

    # The filter reaches findings that were never in the first page: @team-7 owns every 25th.
    Select(page.find_element(By.ID, "filter-owner")).select_by_value("@team-7")
    rows = visible_rows(page)
    assert len(rows) == 48 and shown.text == "48"
    assert {row.get_attribute("data-owner") for row in rows} == {"@team-7"}
    Select(page.find_element(By.ID, "filter-owner")).select_by_value("@team-evil</script>")
    (row,) = visible_rows(page)
    assert "</script><script>window.__pwned = 3</script> <!--" in row.text
    assert page.execute_script("return window.__pwned === undefined")
    assert page.find_elements(By.CSS_SELECTOR, "tr.finding img, tr.finding script") == []

    assert not page.find_element(By.ID, "findings-pager").is_displayed()
    page.find_element(By.ID, "reset-filters").click()
    assert row_names(visible_rows(page)) == ordered[:PAGE_ROWS]
    assert shown.text == f"{PAGE_ROWS} of 1,201"
    assert severe(page) == []


def test_a_row_of_repeats_counts_for_its_findings_as_the_filters_show_them(
    tmp_path: Path, browser
) -> None:
    """Repeats of a lint rule on one file are one row (`html._repeat_key`): the count shown
    beside the filters is of findings, as each filter's choices count them, so picking the
    rule says 8 where it shows two rows (six on the changed line, two elsewhere); the change
    filter leaves the six."""
    from report_samples import lint_repeats, sample_findings, sample_report
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    elsewhere = lint_repeats(2, line=30, changed=False, disposition="out_of_scope")
    report = sample_report([*sample_findings(), *lint_repeats(6), *elsewhere])
    open_report(browser, tmp_path / "repeats.html", report)
    shown = browser.find_element(By.ID, "shown-count")
    assert len(visible_rows(browser)) == len(sample_findings()) + 2
    assert shown.text == str(len(report["findings"]))
    rule = Select(browser.find_element(By.ID, "filter-rule"))
    assert "lint.CP01 (8)" in [option.text for option in rule.options]
    rule.select_by_value("lint.CP01")
    assert [row.get_attribute("data-count") for row in visible_rows(browser)] == ["6", "2"]
    assert shown.text == "8"
    Select(browser.find_element(By.ID, "filter-changed")).select_by_value("touched")
    (row,) = visible_rows(browser)
    assert "(6×)" in row.text and shown.text == "6"
    browser.find_element(By.ID, "reset-filters").click()
    assert shown.text == str(len(report["findings"]))
    assert severe(browser) == []


def test_beyond_the_first_page_a_row_of_repeats_counts_for_its_findings(
    tmp_path: Path, browser
) -> None:
    """A large report's rows are paged and filtered from its data: there too what the table
    leaves out, and what a filter finds, is counted in findings, a row of six repeats six."""
    from report_samples import lint_repeats, many_findings, sample_report
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    from dbtgate.report.html import PAGE_ROWS

    path = tmp_path / "big-repeats.html"
    report = sample_report([*many_findings(1200), *lint_repeats(6)])
    path.write_text(render_html(report), encoding="utf-8")
    open_large(browser, path)
    assert browser.find_element(By.ID, "page-range").text == f"rows 1–{PAGE_ROWS} of 1,201"
    # Beside the filters, findings as the heading counts them, not rows: the page's rows hold
    # what the rest leaves of the 1,206.
    on_page = sum(int(row.get_attribute("data-count") or 1) for row in visible_rows(browser))
    shown = browser.find_element(By.ID, "shown-count")
    assert shown.text == f"{on_page:,} of 1,206"
    rest = browser.find_element(By.ID, "rest-count")
    assert rest.text == f"{1206 - on_page:,} of 1,206 findings"
    Select(browser.find_element(By.ID, "filter-rule")).select_by_value("lint.CP01")
    (row,) = visible_rows(browser)
    assert "(6×)" in row.text
    assert browser.find_element(By.ID, "shown-count").text == "6"
    assert severe(browser) == []


def test_the_rule_filter_picks_a_rules_findings_beyond_the_first_page_and_with_another(
    big_page,
) -> None:
    """At 10,000 models owner.present alone is 9,975 findings of 39,000: the rule filter lists
    each rule with its count, reaches the findings of the compressed data, and narrows with the
    others, the live region saying how many it shows."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    page = big_page
    rule = Select(page.find_element(By.ID, "filter-rule"))
    assert [option.text for option in rule.options] == [
        "any",
        "docs.column_coverage (400)",
        "docs.model_description (1)",
        "owner.present (400)",
        "tests.primary_key (400)",
    ]
    rule.select_by_value("docs.model_description")  # the 1,201st finding, in the data alone
    (row,) = visible_rows(page)
    assert row.get_attribute("data-rule") == "docs.model_description"
    assert row.get_attribute("data-owner") == "@team-evil</script>"
    status = page.find_element(By.ID, "filter-status")
    assert status.text == "1 shown · filtered by rule: docs.model_description"

    # owner.present is every third finding (index 2 mod 3), @team-7 every 25th (7 mod 25).
    rule.select_by_value("owner.present")
    Select(page.find_element(By.ID, "filter-owner")).select_by_value("@team-7")
    rows = visible_rows(page)
    expected = [f"model_{i:05d}" for i in range(1200) if i % 3 == 2 and i % 25 == 7]
    assert len(expected) == 16
    assert sorted(re.search(r"model_\d{5}", row.text)[0] for row in rows) == expected
    assert {row.get_attribute("data-rule") for row in rows} == {"owner.present"}
    assert status.text == "16 shown · filtered by owner: @team-7, rule: owner.present"
    page.find_element(By.ID, "reset-filters").click()
    assert rule.first_selected_option.text == "any"
    assert severe(page) == []


def test_each_filters_counts_are_the_rows_it_shows_beyond_the_first_page_too(big_page) -> None:
    """The owner, tier, severity and status filters list their choices with counts, as the rule
    filter does: each count is of every finding, the rows carried compressed beyond the first
    page too, and picking the choice shows as many, whichever page was open."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    page = big_page
    page.find_element(By.ID, "next-findings").click()  # on the second page: a pick starts anew
    assert page.find_element(By.ID, "shown-count").text == "500 of 1,201"
    # Each choice of each filter picked alone, as a reader's pick does (a change event), and
    # what the live region then says: "48", or "500 of 750".
    picked = page.execute_script(
        """
        const picks = [];
        for (const select of document.querySelectorAll("select[data-filter]")) {
          for (const option of [...select.options].slice(1)) {
            select.value = option.value;
            select.dispatchEvent(new Event("change"));
            const rows = document.querySelectorAll("#findings-table tr.finding").length;
            picks.push([select.id, option.text, document.getElementById("shown-count").textContent, rows]);
          }
          select.value = "";
          select.dispatchEvent(new Event("change"));
        }
        return picks;
        """
    )
    filters = {pick[0] for pick in picked}
    # The sample compared a base build: the change filter too.
    assert filters == {
        f"filter-{name}" for name in ("owner", "tier", "severity", "rule", "disposition", "changed")
    }
    for select, text, shown, rows in picked:
        count = int(re.fullmatch(r".* \(([\d,]+)\)", text)[1].replace(",", ""))
        assert shown.split(" of ")[-1] == f"{count:,}", (select, text, shown)
        assert rows == min(count, 500), (select, text, rows)
    # Every filter's counts add up to every finding, the 701 in the page's data among them.
    for name in filters:
        counts = [
            re.search(r"\(([\d,]+)\)$", text)[1] for select, text, _, _ in picked if select == name
        ]
        assert sum(int(count.replace(",", "")) for count in counts) == 1_201, name
    # A choice's count is no count of the rows shown: the live region, and the note of what the
    # table leaves out, name a choice without it.
    Select(page.find_element(By.ID, "filter-disposition")).select_by_value("blocking")
    status = page.find_element(By.ID, "filter-status").text
    assert status == "500 of 900 shown · filtered by status: blocking", status
    rest = page.find_element(By.ID, "rest-status").text
    assert rest == "400 blocking", rest
    assert severe(page) == []


def test_the_rule_filter_of_a_small_report_hides_the_other_rules_rows(page) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    codes = [f["code"] for f in injected_report()["findings"]]
    rule = Select(page.find_element(By.ID, "filter-rule"))
    assert [option.text for option in rule.options[1:]] == [
        f"{code} ({codes.count(code)})" for code in sorted(set(codes))
    ]
    code = max(set(codes), key=lambda code: (codes.count(code), code))
    rule.select_by_value(code)
    rows = visible_rows(page)
    assert len(rows) == codes.count(code) and len(rows) < len(codes)
    assert {row.get_attribute("data-rule") for row in rows} == {code}
    assert page.find_element(By.ID, "shown-count").text == str(len(rows))
    assert severe(page) == []


LONG_PATH = "../../tmp/demo-r/pr/project/models/marts/_orders_summary.yml"


def line_boxes(driver, selector: str) -> list[int]:
    """How many lines each element matching `selector` wraps over."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]))"
        ".map(function (e) { return e.getClientRects().length; });",
        selector,
    )


def test_paths_get_a_readable_width_and_a_narrow_screen_scrolls_tables_not_the_page(
    tmp_path: Path, browser
) -> None:
    from report_samples import sample_report

    report = sample_report()
    for finding in report["findings"]:
        if finding.get("path"):
            finding["path"] = LONG_PATH
    open_report(browser, tmp_path / "long-paths.html", report)
    try:
        # Wrapped at slashes only, over three lines at most (it was five, broken inside names).
        lines = line_boxes(browser, "td.where code")
        assert len(lines) == 9 and max(lines) <= 3, lines
        # A phone, and a laptop's half screen: the findings' columns need ~1,050 px.
        for screen in (420, 800, 1024):
            resize_window(browser, screen, 1600)
            width = browser.execute_script(
                "return [document.documentElement.scrollWidth, window.innerWidth];"
            )
            assert width[0] <= width[1], (screen, width)
        assert severe(browser) == []
    finally:
        resize_window(browser, 1280, 2000)


LONG_FILE = (
    "models/marts/finance/reporting/quarterly/"
    "fct_quarterly_revenue_by_region_and_product_category_with_adjustments.sql"
)


def test_a_long_file_name_leaves_the_findings_message_its_room(tmp_path: Path, browser) -> None:
    """A 90-character file name was one unbreakable word: its column took 590 px at 1280, the
    messages beside it were squeezed and the table ran off the screen. The location is now
    written under the message, across the columns from it on."""
    from report_samples import sample_report

    report = sample_report()
    for finding in report["findings"]:
        if finding.get("path"):
            finding["path"] = LONG_FILE
    open_report(browser, tmp_path / "long-file.html", report)
    message, page_width, screen = message_and_page_widths(browser)
    assert page_width <= screen and message >= 22, (message, page_width, screen)
    assert locations_under_their_text(browser) == [True] * 9
    # Wide enough for the whole path: nothing breaks inside a file or directory name.
    assert split_inside_words(browser, "td.where code") == []
    assert severe(browser) == []


def locations_under_their_text(driver) -> list[bool]:
    """Whether each finding's location (and each breaking change's) is below the text of its row
    and starts where that text does (the message's column, the change's)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('tr:has(> td.where code)')].map(row => {"
        " var where = row.querySelector('td.where').getBoundingClientRect();"
        " var text = row.cells[row.closest('#breaking') ? 0 : 3].getBoundingClientRect();"
        " return where.top >= text.bottom - 1 && Math.abs(where.left - text.left) < 1; });"
    )


def test_a_locations_line_and_column_stay_together(tmp_path: Path, browser) -> None:
    """Beside a long message the location cell is squeezed: it broke `sql:10:14` as
    `sql:10:1` / `4`. The line and column wrap as one, after the file name if they must."""
    from report_samples import sample_report

    report = sample_report()
    for finding in report["findings"]:
        finding.update(path="models/intermediate/int_order_payments.sql", line=10, column=14)
        finding["message"] += " and the rest of a long message that takes the room it is given" * 3
    open_report(browser, tmp_path / "lines.html", report)
    # The lines the text ":10:14" of each location takes, wherever its text nodes are.
    lines_per_suffix = browser.execute_script(
        "return [...document.querySelectorAll('td.where code')].map(code => {"
        " var walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT), nodes = [], n;"
        " while ((n = walker.nextNode())) nodes.push(n);"
        " var text = nodes.map(n => n.textContent).join(''), at = text.lastIndexOf(':10:14');"
        " var range = document.createRange(), seen = 0;"
        " for (var node of nodes) { var len = node.textContent.length;"
        "  if (seen <= at && at < seen + len) range.setStart(node, at - seen);"
        "  seen += len; range.setEnd(node, len); }"
        " return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; });"
    )
    assert lines_per_suffix and set(lines_per_suffix) == {1}, lines_per_suffix
    assert browser.execute_script("return document.querySelector('td.where code').textContent") == (
        "models/intermediate/int_order_payments.sql:10:14"
    )
    assert severe(browser) == []


def column_widths(driver, cells: str) -> list[float]:
    """The widths, in ems of the findings table's text, of the `cells` selected in the first
    finding's row and in the first breaking change's row (padding included)."""
    return driver.execute_script(
        "var em = parseFloat(getComputedStyle(document.querySelector('tr.finding td')).fontSize);"
        "return ['#findings-table tr.finding', '#breaking tbody tr'].map(row =>"
        " document.querySelector(row + ' ' + arguments[0]).getBoundingClientRect().width / em);",
        cells,
    )


def message_and_page_widths(driver) -> tuple[float, int, int]:
    """The first finding's message width in ems, and the page's width against the screen's."""
    return driver.execute_script(
        "var cell = document.querySelector('#findings-table tr.finding').cells[3];"
        "return [cell.getBoundingClientRect().width / parseFloat(getComputedStyle(cell).fontSize),"
        " document.documentElement.scrollWidth, window.innerWidth];"
    )


LONG_NAME = "customerlifetimevaluebyacquisitionchannelandregionandquarter"


def test_a_long_resource_name_leaves_the_findings_message_its_room(tmp_path: Path, browser) -> None:
    """A 60-letter name has no `_` or `.` to wrap at: one word, it widened the resource column
    to 460 px at 1280, squeezed the messages and pushed the table off the screen."""
    from report_samples import sample_report

    report = sample_report()
    report["findings"][0]["resource_name"] = LONG_NAME  # the breaking change: in both tables
    open_report(browser, tmp_path / "long-name.html", report)
    widths = column_widths(browser, "td.resource")
    assert max(widths) <= 15.2, widths  # 14em and the cell's padding (it was 32.6em)
    message, page_width, screen = message_and_page_widths(browser)
    assert page_width <= screen and message >= 22, (message, page_width, screen)
    # Only the long name breaks inside a word; the others wrap after their `_` and `.` first.
    pieces = split_inside_words(browser, "td.resource code")
    assert pieces == [f"{LONG_NAME}."] * 2, pieces
    assert severe(browser) == []


def test_on_screen_a_teams_handle_stays_whole_in_the_owners_column(tmp_path: Path, browser) -> None:
    """At 1280 px, beside messages of a line or two, the owners' column was given what was
    left (~110 px) and wrapped handles: "@data-" / "platform"."""
    from report_samples import sample_report

    owners = ["@finance-eng", "@data-platform", "Customer Success Operations"]
    owners += ["@acme-corp/data-platform", "analytics-engineering@acme.com"]
    report = sample_report()
    for index, finding in enumerate(report["findings"]):
        finding["owner"] = owners[index % len(owners)]
        finding["message"] += " (read by 12 models and 3 exposures downstream, owned by 4 teams)"
        if finding["code"] == "breaking.column_removed":  # a reader of another team's
            finding["details"]["impact"]["owners"].insert(0, "@finance-eng")
    open_report(browser, tmp_path / "owners-on-screen.html", report)
    breaks = line_breaks(browser, "#findings-table td.owners, #breaking td.owners")
    assert [found for found in breaks if (found[1] + found[2]).isalnum()] == [], breaks
    assert not [text for text, _, _ in breaks if text in owners[:2]], breaks
    # The breaking change's "@finance-eng, Finance Analytics" wraps between words only.
    between = line_breaks(browser, "#breaking td.owners")
    assert between and all(before == " " for _, before, _ in between), between
    message, page_width, screen = message_and_page_widths(browser)
    assert page_width <= screen and message >= 22, (message, page_width, screen)
    assert severe(browser) == []


TYPICAL_MESSAGE = (
    "fct_orders has no primary-key test: add unique and not_null tests on order_id in its YAML"
)
# The sample's rows with every message TYPICAL_MESSAGE: its 9 findings but the two lint.LT01
# on one file, which one message makes repeats, one row (`html._repeat_key`).
TYPICAL_ROWS = 8


def message_lines(driver) -> list[int]:
    """How many lines each finding's message takes (its own text, not its fix or details)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('tr.finding')].map(row => {"
        " var range = document.createRange(), cell = row.cells[3];"
        " var after = cell.querySelector(':scope > .fix, :scope > details');"
        " range.selectNodeContents(cell); if (after) range.setEndBefore(after);"
        " return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size; });"
    )


@pytest.mark.parametrize("screen", [1280, 1920])
def test_a_typical_message_takes_a_line_or_two_and_team_names_stay_whole(
    tmp_path: Path, browser, screen: int
) -> None:
    """At 1280 px the location (up to 22em), a status of "outside the change" (150 px) and the
    resource left a message ~360 px: 90 characters wrapped over three lines and more, and the
    breaking changes' owners wrapped "Finance" / "Analytics"."""
    from report_samples import sample_report

    report = sample_report()
    for finding in report["findings"]:
        finding["message"] = TYPICAL_MESSAGE
    open_report(browser, tmp_path / "messages.html", report)
    resize_window(browser, screen, 1000)
    try:
        lines = message_lines(browser)
        assert len(lines) == TYPICAL_ROWS and min(lines) >= 1 and max(lines) <= 2, lines
        breaks = line_breaks(browser, "#breaking td.owners, #findings-table td.owners")
        assert not [text for text, _, _ in breaks if text == "Finance Analytics"], breaks
        assert locations_under_their_text(browser) == [True] * TYPICAL_ROWS
        message, page_width, screen_width = message_and_page_widths(browser)
        assert page_width <= screen_width and message >= 30, (message, page_width)
    finally:
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


def narrow_screen_layout(driver) -> dict:
    """As the open page is laid out on screen: `past`, the cells of the findings and the
    breaking changes (and every other table's box) whose right edge is beyond the viewport's
    or left edge before it; `hidden`, the findings' status, owner and tier cells and the breaking
    changes' readers, owners and status that are not shown or have no size; `message`, each
    finding's message width over the window's; `gap`, per row of either table, how far the
    location starts below the lowest text on screen of the row's other cells; `scrolls`, the
    tables whose content is wider than their box; `sideways`, whether the page scrolls
    sideways."""
    return driver.execute_script(
        "var edge = document.documentElement.clientWidth, past = [], hidden = [];"
        "var name = e => e.textContent.trim().slice(0, 30);"
        "var shown = e => e.checkVisibility() && e.getBoundingClientRect().width > 0;"
        "var cells = [...document.querySelectorAll('#findings-table tr, #breaking tr')]"
        " .flatMap(row => [...row.cells]).filter(shown);"
        "var boxes = [...document.querySelectorAll('table')].filter(shown);"
        "for (var e of [...cells, ...boxes]) { var box = e.getBoundingClientRect();"
        " if (box.right > edge + 0.5 || box.left < -0.5) past.push([e.tagName, name(e)]); }"
        "var must = [...document.querySelectorAll('tr.finding')].flatMap(row =>"
        " [row.cells[4], row.cells[5], row.cells[6]]).concat("
        " [...document.querySelectorAll('#breaking tbody tr')].flatMap(row =>"
        "  [row.cells[2], row.cells[3], row.cells[4]]));"
        "for (var cell of must) if (!shown(cell)) hidden.push(name(cell));"
        "var lines = e => { var range = document.createRange(); range.selectNodeContents(e);"
        " return [...range.getClientRects()].filter(r => r.width && r.height); };"
        "var gap = [...document.querySelectorAll('tr:has(> td.where code)')].map(row => {"
        " var where = row.querySelector('td.where').getBoundingClientRect().top;"
        " var above = [...row.cells].filter(c => !c.matches('.where')).flatMap(lines)"
        "  .filter(r => r.right <= edge && r.bottom <= where + 1).map(r => r.bottom);"
        " return Math.round(where - Math.max(...above)); });"
        "return {past: past, hidden: hidden, gap: gap,"
        " message: [...document.querySelectorAll('tr.finding')].map(row =>"
        "  row.cells[3].getBoundingClientRect().width / innerWidth),"
        " scrolls: boxes.filter(t => t.scrollWidth > t.clientWidth + 1).map(t =>"
        "  t.closest('section').id + ': ' + name(t.querySelector('th, td'))),"
        " sideways: document.documentElement.scrollWidth > innerWidth};"
    )


def narrow_screen_report() -> dict:
    """The sample report with what squeezes a narrow screen: team names of three words and
    long handles, a 60-letter resource, long paths, a long message, statuses of three words."""
    from report_samples import sample_report

    owners = ["@finance-eng", "@data-platform", "Customer Success Operations"]
    owners += ["@acme-corp/data-platform", "analytics-engineering@acme.com"]
    report = sample_report()
    for index, finding in enumerate(report["findings"]):
        finding["owner"] = owners[index % len(owners)]
        if finding.get("path"):
            finding["path"] = LONG_FILE if index % 2 else LONG_PATH
    report["findings"][0]["resource_name"] = LONG_NAME  # the breaking change: in both tables
    report["findings"][1]["message"] = TYPICAL_MESSAGE * 3
    return report


@pytest.mark.parametrize("screen", [375, 768])
def test_on_a_phone_and_a_tablet_each_finding_and_breaking_change_is_a_card(
    tmp_path: Path, browser, screen: int
) -> None:
    """At 375 px the findings' table (~920 px) scrolled in a box of 327 px: ~40 px of a
    finding's message showed, its owner, tier and status were off-screen, and a breaking
    change's readers, owners and status too (743 px), its tall cells leaving a gap of a hundred
    px above its location. At 768 the tier and status were off-screen. Below 1000 px each is a
    card: the message across it, nothing beyond the screen, the location right under the text."""
    report = narrow_screen_report()
    open_report(browser, tmp_path / "narrow.html", report)
    resize_window(browser, screen, 2000)
    try:
        layout = narrow_screen_layout(browser)
        assert layout["past"] == [] and not layout["sideways"], layout
        assert layout["hidden"] == [], layout
        assert layout["scrolls"] == [], layout
        assert len(layout["message"]) == len(report["findings"]), layout
        assert min(layout["message"]) >= 0.8, layout
        under = locations_under_their_text(browser)
        assert len(under) == len(layout["gap"]) >= 9 and all(under), under
        assert max(layout["gap"]) <= 16, layout  # the cells' padding (it was 28 here)
        # Nothing breaks inside a word that has room: a team's handle stays whole.
        breaks = line_breaks(browser, "#findings-table td.owners, #breaking td.owners")
        assert not [text for text, _, _ in breaks if text in ("@finance-eng", "@data-platform")]
        # A tier is named as such, away from its column's header.
        tiers = browser.execute_script(
            "return [...document.querySelectorAll('tr.finding')].map(row =>"
            " getComputedStyle(row.cells[5], '::before').content);"
        )
        assert tiers and set(tiers) == {'"tier "'}, tiers
    finally:
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


def test_on_a_phone_a_note_naming_long_ids_does_not_widen_the_page(tmp_path: Path, browser) -> None:
    """The gate's notes, warnings and what it did not check name resources by their unique_id
    in code spans (`model.dbt_bouncer_test_project.int_disabled_model`, 57 characters): at
    390 px the 1,000-model report's notes ran 86 px past the screen, and the whole page
    scrolled sideways. Such a name wraps where it must."""
    from report_samples import sample_report

    ids = ", ".join(f"`model.dbt_bouncer_test_project.int_model_1_c00{n:02d}`" for n in range(3))
    report = sample_report()
    report["notes"].append(f"3 relations the run did not build ({ids}); build them")
    report["warnings"].append(f"catalog.json is older than the run ({ids})")
    report["not_checked"].append(f"the columns of {ids}")
    open_report(browser, tmp_path / "long-notes.html", report)
    resize_window(browser, 375, 2000)
    try:
        wide = browser.execute_script(
            # (a <pre> scrolls inside its box: the waiver entry to paste keeps its lines)
            "return [...document.querySelectorAll('body code:not(pre code)')].filter(c =>"
            " c.getBoundingClientRect().right > document.documentElement.clientWidth)"
            ".map(c => c.textContent);"
        )
        assert wide == [], wide
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 375
    finally:
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


def test_at_1000_px_the_findings_are_still_a_table_and_fit(tmp_path: Path, browser) -> None:
    """The cards start where the table no longer fits (~920 px of columns and 48 of margins):
    at 1000 px each finding is still one row of cells side by side, and nothing scrolls."""
    open_report(browser, tmp_path / "at-1000.html", narrow_screen_report())
    resize_window(browser, 1000, 2000)
    try:
        layout = narrow_screen_layout(browser)
        assert layout["past"] == [] and layout["scrolls"] == [], layout
        tops = browser.execute_script(
            "return [...document.querySelectorAll('tr.finding')].map(row =>"
            " new Set([...row.cells].slice(0, 7).map(c => c.getBoundingClientRect().top)).size);"
        )
        assert set(tops) == {1}, tops
    finally:
        resize_window(browser, 1280, 2000)


def test_on_a_phone_tables_of_many_columns_are_cards_named_by_column(
    tmp_path: Path, browser
) -> None:
    """At 375 px the KPIs' scorecard (472 px) and by owner, the waivers (531) and the inputs
    (654) scrolled in a box of 327 px, a waiver's reason and a KPI's status behind its edge.
    Each row is a card: its first cell heads it, the others under their column's name."""
    from report_samples import sample_report

    open_report(browser, tmp_path / "phone-tables.html", sample_report())
    resize_window(browser, 375, 2000)
    try:
        layout = narrow_screen_layout(browser)
        assert layout["past"] == [] and layout["scrolls"] == [], layout
        assert not layout["sideways"], layout
        # (a table of four columns or fewer, as the KPIs by tier here, stays a table: it fits)
        cards = browser.execute_script(
            "return ['#kpis', '#waivers', '#inputs'].map(id =>"
            " [...document.querySelectorAll(id + ' table:has(td[data-label])')]"
            " .filter(t => t.checkVisibility()).map(t => [t.rows.length > 1,"
            "  getComputedStyle(t.tHead).display, getComputedStyle(t.tBodies[0].rows[0]).display,"
            "  getComputedStyle(t.tBodies[0].rows[0].cells[1], '::before').content]));"
        )
        assert cards == [
            [[True, "none", "grid", '"value"']],
            [[True, "none", "grid", '"selection"']],
            [[True, "none", "grid", '"file"']],
        ], cards
    finally:
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


def test_a_table_that_scrolls_keeps_its_first_column_and_shows_that_it_scrolls(
    tmp_path: Path, browser
) -> None:
    """Between a phone and the desktop a table wider than the screen scrolls inside its box (at
    620 px the inputs' 645 px in 557): scrolled to its end, its rows keep their first cell at
    the box's left edge, and the box has a shadow at an edge with more beyond it."""
    from report_samples import sample_report

    open_report(browser, tmp_path / "scrolls.html", sample_report())
    resize_window(browser, 620, 2000)
    try:
        seen = browser.execute_script(
            "var table = document.querySelector('#inputs table');"
            "var wider = table.scrollWidth > table.clientWidth;"
            "table.scrollLeft = table.scrollWidth;"
            "var left = table.getBoundingClientRect().left + table.clientLeft;"
            "var firsts = [...table.rows].map(row => row.cells[0].getBoundingClientRect().left);"
            "return {wider: wider, scrolled: table.scrollLeft,"
            " offset: Math.max(...firsts.map(x => Math.abs(x - left))),"
            " shadows: getComputedStyle(table).backgroundImage.split('linear-gradient').length - 1,"
            " sideways: document.documentElement.scrollWidth > innerWidth};"
        )
        assert seen["wider"] and seen["scrolled"] > 0 and seen["offset"] < 1, seen
        assert seen["shadows"] == 4 and not seen["sideways"], seen
    finally:
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


def test_on_paper_details_open_controls_go_and_the_graph_fits_the_page(page) -> None:
    """A release's report gets printed or saved as PDF: folded details printed as their summary
    alone, the filters printed as dropdowns, and the lineage graph was cut at the right edge."""
    from selenium.webdriver.common.by import By

    details = page.find_elements(By.CSS_SELECTOR, "details:not(#findings-table details)")
    raw = page.find_elements(By.CSS_SELECTOR, "#findings-table details")  # pages of JSON
    assert details and raw and not any(d.get_property("open") for d in details + raw)
    page.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    assert all(d.get_property("open") for d in details)
    assert not any(d.get_property("open") for d in raw)
    page.execute_script("window.dispatchEvent(new Event('afterprint'))")
    assert not any(d.get_property("open") for d in details)

    resize_window(page, 700, 2000)
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not page.find_element(By.ID, "filter-owner").is_displayed()
        assert not page.find_element(By.ID, "reset-filters").is_displayed()
        fits = page.execute_script(
            "var svg = document.querySelector('svg.lineage');"
            "return svg.getBoundingClientRect().width <= svg.parentElement.clientWidth + 1"
            " && svg.getBoundingClientRect().width > 100;"
        )
        assert fits
        # No table runs past the paper's margin (a path or a code span stretched them).
        wide = page.execute_script(
            "return [...document.querySelectorAll('table')]"
            ".filter(t => t.scrollWidth > t.parentElement.clientWidth + 1)"
            ".map(t => t.closest('section').id);"
        )
        assert wide == []
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        resize_window(page, 1280, 2000)
    assert severe(page) == []


def test_a_findings_rule_code_opens_what_the_rule_checks(page) -> None:
    from selenium.webdriver.common.by import By

    link = page.find_element(By.CSS_SELECTOR, "tr.finding a.rule-link")
    code = link.text.replace("\n", "")
    entry = page.find_element(By.ID, f"rule-{code}")
    assert not entry.get_property("open")
    link.click()
    assert entry.get_property("open")
    assert page.execute_script("return location.hash") == f"#rule-{code}"
    assert severe(page) == []


def test_on_paper_a_filtered_table_says_so_beside_its_count(page) -> None:
    """The filters are not printed: the count stays, with the filters that hold, or a printed
    table of one team's findings passed for every finding of the release."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    Select(page.find_element(By.ID, "filter-owner")).select_by_value("Finance Analytics")
    Select(page.find_element(By.ID, "filter-disposition")).select_by_value("blocking")
    count = page.find_element(By.CSS_SELECTOR, ".filters > .muted")
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert count.is_displayed()
        assert len(visible_rows(page)) == 1
        assert count.text == "1 shown · filtered by owner: Finance Analytics, status: blocking"
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    page.find_element(By.ID, "reset-filters").click()
    assert count.text == "10 shown"
    assert severe(page) == []


def test_on_paper_the_verdict_and_the_legend_print_without_background_colours(page) -> None:
    """Browsers print no background colours by default: the verdict, white text on red, printed
    as a blank box, and the legend's swatches as empty squares."""
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        verdict, swatch = page.execute_script(
            "var v = getComputedStyle(document.getElementById('verdict'));"
            "var s = getComputedStyle(document.querySelector('.swatch.breaking'));"
            "return [[v.color, v.backgroundColor, v.borderTopWidth],"
            " s.printColorAdjust || s.webkitPrintColorAdjust];"
        )
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    # --fail on white, framed: white whether or not "background graphics" prints backgrounds
    assert verdict == ["rgb(180, 35, 24)", "rgb(255, 255, 255)", "3px"]
    assert swatch == "exact"
    # On screen it stays white on red.
    assert (
        page.find_element("id", "verdict").value_of_css_property("color")
        == "rgba(255, 255, 255, 1)"
    )


@pytest.fixture
def no_script(browser) -> Iterator[object]:
    """The browser with JavaScript off (a mail client's viewer, a locked-down machine)."""
    browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    try:
        yield browser
    finally:
        browser.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": False})


def test_without_javascript_no_dead_controls_and_the_page_says_where_the_rest_is(
    tmp_path: Path, no_script
) -> None:
    from report_samples import many_findings, sample_report
    from selenium.webdriver.common.by import By

    path = tmp_path / "big.html"
    path.write_text(render_html(sample_report(many_findings(800))), encoding="utf-8")
    no_script.get(path.as_uri())
    assert len(visible_rows(no_script)) == 500
    controls = no_script.find_elements(By.CSS_SELECTOR, ".filters label, .filters button")
    controls.append(no_script.find_element(By.ID, "findings-pager"))
    assert len(controls) == 8 and not any(control.is_displayed() for control in controls)
    rest = no_script.find_element(By.ID, "findings-rest")
    assert rest.text == (
        "Not in the table: 300 of 800 findings (100 blocking, 200 advisory); every finding is in"
        " the JSON gate report (gate.json, which --format json writes)."
    )
    assert no_script.find_element(By.ID, "shown-count").text == "500 of 800"


def test_a_browser_that_cannot_decompress_the_rows_shows_the_page_as_without_a_script(
    tmp_path: Path, browser
) -> None:
    """A large report's rows travel compressed, which a browser without DecompressionStream
    (before 2023's Firefox 113 and Safari 16.4) cannot read: its filters would reach the first
    page alone, so they stay hidden and the page says where every finding is."""
    from report_samples import many_findings, sample_report
    from selenium.webdriver.common.by import By

    path = tmp_path / "big.html"
    path.write_text(render_html(sample_report(many_findings(800))), encoding="utf-8")
    added = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument",
        {"source": "delete window.DecompressionStream;"},
    )
    try:
        browser.get(path.as_uri())
        assert browser.execute_script("return window.DecompressionStream === undefined")
        assert len(visible_rows(browser)) == 500
        controls = browser.find_elements(By.CSS_SELECTOR, ".filters label, .filters button")
        controls.append(browser.find_element(By.ID, "findings-pager"))
        assert len(controls) == 8 and not any(control.is_displayed() for control in controls)
        assert browser.find_element(By.ID, "findings-rest").text.startswith(
            "Not in the table: 300 of 800 findings (100 blocking, 200 advisory); every finding"
        )
        assert severe(browser) == []
    finally:
        browser.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]}
        )


def test_the_note_of_what_the_table_leaves_out_follows_the_page_and_the_filters(
    tmp_path: Path, browser
) -> None:
    """Printed after a page turned or a filter, the note counts what this table leaves out."""
    from report_samples import many_findings, sample_report
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    path = tmp_path / "big.html"
    path.write_text(render_html(sample_report(many_findings(1200))), encoding="utf-8")
    open_large(browser, path)
    rest = browser.find_element(By.ID, "findings-rest")
    assert rest.text.startswith(
        "Not in the table: 700 of 1,200 findings (400 blocking, 300 advisory)"
    )
    assert browser.find_element(By.ID, "filter-owner").is_displayed()
    Select(browser.find_element(By.ID, "filter-owner")).select_by_value("@team-7")
    assert not rest.is_displayed()  # 48 findings: all in the table
    Select(browser.find_element(By.ID, "filter-owner")).select_by_value("")
    Select(browser.find_element(By.ID, "filter-severity")).select_by_value("error")
    assert rest.text.startswith(
        "Not in the table: 400 of 900 findings that the filters keep (400 blocking);"
    )
    browser.find_element(By.ID, "next-findings").click()
    assert rest.text.startswith(
        "Not in the table: 500 of 900 findings that the filters keep (500 blocking);"
    )
    assert severe(browser) == []


def test_on_paper_without_javascript_folded_sections_print_open(page, no_script) -> None:
    """The script opens folded sections before printing; a viewer that runs no script printed
    each rule's entry and each other section as its summary alone."""
    page.refresh()  # loaded again with scripts off: nothing opened the sections
    shown = (
        "return [...document.querySelectorAll('details.rule, details.section')]"
        ".map(d => !d.open && d.lastElementChild.checkVisibility());"
    )
    folded = page.execute_script(shown)
    assert len(folded) > 5 and not any(folded)
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert page.execute_script(shown) == [True] * len(folded)
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def split_inside_words(driver, selector: str) -> list[str]:
    """The text pieces between the break points (<wbr>) of the `selector` code elements that
    wrap onto two lines: a code broken inside a word ("breaki / ng.column_remove / d")."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].flatMap(code =>"
        " [...code.childNodes].filter(n => n.nodeType === 3 && n.textContent).filter(n => {"
        "  var range = document.createRange(); range.selectNodeContents(n);"
        "  return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;"
        " }).map(n => n.textContent));",
        selector,
    )


def test_on_paper_a_findings_rule_code_wraps_at_its_dots_and_underscores_only(page) -> None:
    """On A4 the findings table's eight columns squeezed the rule's to a few letters a line, and
    a fix hint, sized against the page's text, printed larger than the table's."""
    resize_window(page, 718, 2000)  # A4 less Chromium's default margins, in CSS pixels
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert split_inside_words(page, "tr.finding td:nth-child(2) code") == []
        # A location is written under its finding's message, not squeezed beside the status,
        # where paths broke inside file names.
        assert split_inside_words(page, "td.where code") == []
        # So does a waiver's rule and selection (the rule printed as "docs.colum / n_coverage").
        assert page.execute_script("return document.querySelectorAll('#waivers td code').length")
        assert split_inside_words(page, "#waivers td code") == []
        below = page.execute_script(
            "return [...document.querySelectorAll('tr.finding')].filter(r => r.querySelector("
            "'td.where code')).map(r => r.querySelector('td.where').getBoundingClientRect().top"
            " >= r.cells[3].getBoundingClientRect().bottom - 1);"
        )
        assert below and all(below), below
        # A fix hint is no larger than the finding it belongs to.
        sizes = page.execute_script(
            "var fix = document.querySelector('tr.finding .fix');"
            "return [fix, fix.parentElement].map(e => parseFloat(getComputedStyle(e).fontSize));"
        )
        assert sizes[0] < sizes[1], sizes
        wide = page.execute_script(
            "return [...document.querySelectorAll('table')]"
            ".filter(t => t.scrollWidth > t.parentElement.clientWidth + 1).length;"
        )
        assert wide == 0
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        resize_window(page, 1280, 2000)


def test_on_paper_what_changed_keeps_a_class_a_type_and_a_state_whole(
    tmp_path: Path, browser
) -> None:
    """The tables of what changed break a cell's text anywhere on paper (a test's name of ~70
    letters would run past the page), and their one-word columns were squeezed to a few letters:
    "breakin" / "g", "mode" / "l", "modifi" / "ed". Words of ten letters or fewer stay whole."""
    from report_samples import sample_report

    open_report(browser, tmp_path / "changes-on-paper.html", sample_report())
    resize_window(browser, 718, 2000)  # A4 less Chromium's default margins, in CSS pixels
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        cells = browser.execute_script(
            "return [...document.querySelectorAll('#changes td')].map(td => td.textContent);"
        )
        assert {"breaking", "model", "new", "modified"} <= set(cells), cells
        split = split_inside_words(browser, "#changes td")
        assert [text for text in split if " " not in text and len(text) <= 10] == [], split
        # A resource's name and a rule's code wrap at their dots and underscores, as in the
        # findings table ("breaking.column_rem" / "oved" on A4 before).
        names = "#changes td:first-child, #changes td:last-child"
        assert [text for text in split_inside_words(browser, names) if " " not in text] == []
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


def test_on_screen_a_schema_changes_rule_stays_on_one_line_beside_a_long_change(
    tmp_path: Path, browser
) -> None:
    """One long change (a grain's GROUP BY and what it means) took the width of the schema
    changes, and the rules beside it wrapped at 1280 px, `breaking.column_` / `removed`, while
    the change column had room; a changed resource's name likewise, `customer_` / `segments`.
    From a tablet's width up they keep their line; a phone wraps them at their dots and
    underscores, and the page does not scroll sideways."""
    from report_samples import sample_report

    report = sample_report()
    report["sections"]["diff"]["changes"].append(
        {
            "change_class": "risky",
            "code": "risky.grain_changed",
            "unique_id": "model.shop.fct_orders",
            "reason": "fct_orders: grain changed (GROUP BY order_id -> GROUP BY order_id, "
            "customer_id, order_date): each row may now stand for another thing, and counts of "
            "it will change",
        }
    )
    open_report(browser, tmp_path / "long-change.html", report)
    rules = "table.schema-changes td:last-child"
    resources = "table.changed-resources td:first-child"
    try:
        for screen in (1280, 800):
            resize_window(browser, screen, 2000)
            # The long change does wrap: the table is at its width.
            assert line_breaks(browser, "table.schema-changes td:nth-child(2)"), screen
            assert line_breaks(browser, rules) == [], screen
            assert line_breaks(browser, resources) == [], screen
        resize_window(browser, 375, 2000)
        assert line_breaks(browser, rules)  # a phone has not the room
        assert {before for _, before, _ in line_breaks(browser, rules)} <= {".", "_"}
        width = browser.execute_script(
            "return [document.documentElement.scrollWidth, window.innerWidth];"
        )
        assert width[0] <= width[1], width
    finally:
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


def line_breaks(driver, selector: str) -> list[list[str]]:
    """Where the text of the `selector` elements wraps: [text, character before, character
    after] for each line break, over <wbr> and element boundaries."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].flatMap(cell => {"
        " var walk = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT), found = [];"
        " var node, before = null, top = null;"
        " while ((node = walk.nextNode())) for (var i = 0; i < node.length; i++) {"
        "  var range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);"
        "  var box = range.getClientRects()[0], ch = node.data[i];"
        "  if (!box || /\\s/.test(ch)) { before = ch; continue; }"
        "  if (top !== null && box.top > top + 2) found.push([cell.textContent, before, ch]);"
        "  top = box.top; before = ch; }"
        " return found; });",
        selector,
    )


def test_on_paper_owner_names_wrap_between_their_parts_never_inside_a_word(
    tmp_path: Path, browser
) -> None:
    """On A4 the owners' column was 6.5em and broke names anywhere: "@finance-" / "eng",
    "analytics-engineerin" / "g@acme.c" / "om"; the tier's printed "non" / "e"."""
    from report_samples import sample_report

    owners = ["@finance-eng", "@data-platform", "Customer Success Operations"]
    owners += ["@acme-corp/data-platform", "analytics-engineering@acme.com"]
    report = sample_report()
    for index, finding in enumerate(report["findings"]):
        finding["owner"] = owners[index % len(owners)]
    open_report(browser, tmp_path / "owners-on-paper.html", report)
    resize_window(browser, 718, 2000)  # A4 less Chromium's default margins, in CSS pixels
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        breaks = line_breaks(
            browser,
            "#breaking td:nth-child(4), #findings-table td:is(:nth-child(5), :nth-child(6))",
        )
        inside = [found for found in breaks if (found[1] + found[2]).isalnum()]
        assert inside == [], inside
        # A team's handle fits the column whole; a longer name wraps at its spaces, hyphens,
        # slashes or before its @ (two owners of a breaking change at the space between).
        assert not [text for text, _, _ in breaks if text in owners[:2]], breaks
        assert {(text, before) for text, before, _ in breaks if text == owners[4]} == {
            (owners[4], "-"),
            (owners[4], "g"),
        }, breaks
        assert severe(browser) == []
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        resize_window(browser, 1280, 2000)


def on_paper_layout(driver) -> list[dict]:
    """Per finding, under print media: the message's width in ems and lines, and where its
    status, owner and tier are against its severity, message and location (a px tolerance)."""
    return driver.execute_script(
        "var box = e => e.getBoundingClientRect();"
        "return [...document.querySelectorAll('tr.finding')].map((row, i) => {"
        " var c = row.cells, message = box(c[3]), where = row.querySelector('td.where');"
        " var em = parseFloat(getComputedStyle(c[3]).fontSize);"
        " var at = where.textContent ? box(where) : null, text = document.createRange();"
        " text.selectNodeContents(c[0]);"
        " var severity = box(text), status = box(c[6].querySelector('.disp'));"
        " return {width: message.width / em, lines: arguments[0][i],"
        "  status_under_severity: status.top >= severity.bottom && status.top < severity.bottom + 4"
        "   && Math.abs(status.left - severity.left) < 1,"
        "  owner_tier_under_message: [c[4], c[5]].every(cell => box(cell).top >= message.bottom"
        "   - 1 && box(cell).left >= message.left),"
        "  owner_tier_beside_location: !at || [c[4], c[5]].every(cell =>"
        "   Math.abs(box(cell).top - at.top) < 1 && box(cell).left >= at.right - 1),"
        "  location_under_message: !at || Math.abs(at.top - message.bottom) < 1,"
        "  unsplit: getComputedStyle(row).breakInside === 'avoid'}; });",
        message_lines(driver),
    )


def test_on_paper_a_findings_message_gets_the_pages_width(tmp_path: Path, browser) -> None:
    """On A4 the severity (5em), rule, resource, owner (9.5em), tier and status (5.8em) columns
    left a message ~190 px: 90 characters wrapped over three lines, a finding with its fix
    twelve. The status goes under the severity and the owner and tier on the location's line."""
    from report_samples import sample_report

    report = sample_report()
    for finding in report["findings"]:
        finding["message"] = TYPICAL_MESSAGE
    open_report(browser, tmp_path / "messages-on-paper.html", report)
    resize_window(browser, 718, 2000)  # A4 less Chromium's default margins, in CSS pixels
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        rows = on_paper_layout(browser)
        assert len(rows) == TYPICAL_ROWS, rows
        assert min(row["width"] for row in rows) >= 32, rows  # was 16em
        assert max(row["lines"] for row in rows) <= 2, rows  # was 3
        checks = [key for key in rows[0] if key not in ("width", "lines")]
        assert [(i, key) for i, row in enumerate(rows) for key in checks if not row[key]] == []
        assert locations_under_their_text(browser) == [True] * TYPICAL_ROWS
        wide = browser.execute_script(
            "return document.querySelector('#findings-table').scrollWidth"
            " - document.querySelector('#findings').clientWidth;"
        )
        assert wide <= 0, wide
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


def test_a_two_line_lineage_label_stays_inside_its_node(tmp_path: Path, browser) -> None:
    from test_report_html import long_named_lineage

    path = tmp_path / "lineage.html"
    path.write_text(render_html(long_named_lineage()), encoding="utf-8")
    browser.get(path.as_uri())
    outside = browser.execute_script(
        "return [...document.querySelectorAll('svg.lineage g')].filter(g => {"
        " var box = g.querySelector('rect').getBBox(), text = g.querySelector('text').getBBox();"
        " return text.y < box.y || text.y + text.height > box.y + box.height"
        "  || text.x + text.width > box.x + box.width; }).map(g => g.dataset.id);"
    )
    assert outside == []
    assert severe(browser) == []


def chain_lineage(report: dict, layers: int) -> None:
    """Give `report` a lineage of `layers` models in a line, each reading the one before."""
    ids = [f"model.shop.m{i}" for i in range(layers)]
    report["sections"]["lineage"] = {
        "nodes": [
            {"id": uid, "name": uid.rsplit(".", 1)[1], "resource_type": "model", "role": role}
            for uid, role in zip(ids, ["changed"] + ["consumer"] * (layers - 1), strict=True)
        ],
        "edges": [list(pair) for pair in itertools.pairwise(ids)],
        "omitted": 0,
    }


def wide_screen_layout(driver) -> dict:
    """How many characters of a typical message a line of the findings' message column holds,
    how wide the page's text and the lineage graph are, and whether the page scrolls sideways."""
    return driver.execute_script(
        "var cell = document.querySelector('tr.finding').cells[3], style = getComputedStyle(cell);"
        "var probe = document.createElement('span'); probe.textContent = arguments[0];"
        "probe.style.whiteSpace = 'nowrap'; cell.appendChild(probe);"
        "var each = probe.getBoundingClientRect().width / arguments[0].length; probe.remove();"
        "var text = cell.clientWidth - parseFloat(style.paddingLeft)"
        " - parseFloat(style.paddingRight);"
        "return {characters: Math.floor(text / each),"
        " prose: document.querySelector('#findings h2').getBoundingClientRect().width,"
        " graph: document.querySelector('svg.lineage').getBoundingClientRect().width,"
        " sideways: document.documentElement.scrollWidth > innerWidth};",
        TYPICAL_MESSAGE,
    )


def test_on_a_wide_screen_findings_and_the_graph_take_more_width_the_text_does_not(
    tmp_path: Path, browser
) -> None:
    """At 1920 px the page stayed 1200 px wide: a finding's message had ~63 characters a line
    (a fix hint four lines) and a graph of six layers (1,312 px drawn) was shrunk to 88%. The
    findings, the breaking changes and the graph now take up to 1400 px; the text stays 1200."""
    from report_samples import sample_report

    report = sample_report()
    chain_lineage(report, 6)
    open_report(browser, tmp_path / "wide.html", report)
    drawn = 32 + 6 * 180 + 5 * 40
    try:
        layout = {}
        for screen in (1920, 1500, 1280, 800):
            resize_window(browser, screen, 1200)
            layout[screen] = wide_screen_layout(browser)
        assert 80 <= layout[1920]["characters"] <= 95, layout  # was 63
        assert layout[1920]["graph"] == drawn, layout  # was 1150
        assert layout[1920]["prose"] == layout[1280]["prose"] == 1200, layout
        assert layout[1280]["characters"] >= 60, layout
        # Never more than drawn, nor on a narrow screen less than 3/4 of it (it scrolls).
        assert drawn * 0.75 <= layout[1280]["graph"] <= drawn, layout
        assert layout[800]["graph"] == math.ceil(drawn * 0.75), layout
        assert not any(seen["sideways"] for seen in layout.values()), layout
    finally:
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


def test_a_release_of_a_hundred_teams_keeps_each_owner_whole_and_the_header_short(
    tmp_path: Path, browser
) -> None:
    """120 owners were listed in full above the cards (75 lines at 1280 px), a long team
    name broken over two lines as if it were two owners ("@acme-" / "corp/data-...")."""
    from report_samples import blocking_owned_by, sample_report

    team = "@acme-corp/data-platform-analytics-engineering-team"
    blocking = blocking_owned_by([f"{team}-{i:04d}" for i in range(120)])
    path = tmp_path / "owners.html"
    path.write_text(render_html(sample_report(blocking)), encoding="utf-8")
    browser.get(path.as_uri())
    try:
        for media, width in (("", 1280), ("print", 718)):
            resize_window(browser, width, 2000)
            browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": media})
            assert max(line_boxes(browser, ".why .owner")) == 1, media
            lines = browser.execute_script(
                "var p = [...document.querySelectorAll('p.why')].pop();"
                "return p.getBoundingClientRect().height"
                " / parseFloat(getComputedStyle(p).lineHeight);"
            )
            assert lines <= 14, (media, lines)  # was 120 on paper, 75 on screen
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


A4_WIDTH_IN, A5_WIDTH_IN, MARGIN_IN, CSS_PX_IN = 8.27, 5.83, 0.4, 96


def printed_pages(driver, height: float) -> list[str]:
    """The open page printed by Chromium on paper A4 wide with `height` CSS px of room a page
    inside 0.4in margins, read back (pypdf) as the text of its first three pages."""
    from pypdf import PdfReader

    margins = {f"margin{side}": MARGIN_IN for side in ("Top", "Bottom", "Left", "Right")}
    pdf = driver.execute_cdp_cmd(
        "Page.printToPDF",
        {
            "paperWidth": A4_WIDTH_IN,
            "paperHeight": height / CSS_PX_IN + 2 * MARGIN_IN,
            "pageRanges": "1-3",
            **margins,
        },
    )
    reader = PdfReader(io.BytesIO(base64.b64decode(pdf["data"])))
    return [page.extract_text() for page in reader.pages]


def middles_on_paper(driver, selectors: dict[str, str]) -> dict[str, float]:
    """Under print media on a viewport as wide as an A4 page's text, how far down the page the
    middle of the first element each selector picks is: a page that ends there splits what is
    above it from what follows."""
    width = round((A4_WIDTH_IN - 2 * MARGIN_IN) * CSS_PX_IN)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
    )
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        return driver.execute_script(
            "return Object.fromEntries(Object.entries(arguments[0]).map(([name, selector]) => {"
            " var box = document.querySelector(selector).getBoundingClientRect();"
            " return [name, window.scrollY + (box.top + box.bottom) / 2]; }));",
            selectors,
        )
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def squeezed(text: str) -> str:
    """`text` without its spaces, ligatures ("ﬁ") and ellipses spelled out: as it compares with
    the text read back from a PDF, whose lines break elsewhere."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def pages_cut_at(driver, selectors: dict[str, str], heading: str) -> dict[str, str]:
    """For each cut (a page ending in the middle of an element `selectors` names), the text
    that follows `heading` on the printed page that holds it, `squeezed`."""
    after = {}
    for cut, height in middles_on_paper(driver, selectors).items():
        pages = [squeezed(text) for text in printed_pages(driver, height)]
        held = next(text for text in pages if heading in text)
        after[cut] = held.split(heading, 1)[1]
    return after


def test_on_paper_the_findings_heading_and_header_row_stay_with_the_first_finding(
    tmp_path: Path, browser
) -> None:
    """A page that ended after the findings' header row printed it alone at the bottom, its
    findings overleaf; one that ended after the heading or the count line, those alone. Printed
    on paper cut at each of those places, the heading, the count, the header row and the first
    finding share a page."""
    from report_samples import sample_report

    open_report(browser, tmp_path / "findings-on-paper.html", sample_report())
    browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    first = browser.execute_script(
        "return document.querySelector('tr.finding').cells[3].firstChild.textContent;"
    )
    first = squeezed(first)[:30]
    cuts = {
        "count": "#findings .filters",
        "header": "#findings-table thead tr",
        "first": "tr.finding",
    }
    after = pages_cut_at(browser, cuts, "Findings(9)")
    split = {
        cut: text[-60:]
        for cut, text in after.items()
        if not ("9shown" in text and "severity" in text and first in text)
    }
    assert split == {}
    assert severe(browser) == []


def test_on_paper_a_status_and_a_teams_name_take_two_lines_at_most(tmp_path: Path, browser) -> None:
    """Under the severity in its 5.8em column a status of "outside the change" printed over
    three lines, and in the 9.5em owners' column "Customer Success Operations" one word a line.
    The messages keep their width (32em of A4's 55)."""
    from report_samples import sample_report

    report = sample_report()
    teams = ["Customer Success Operations", "Marketing Analytics", "@data-platform"]
    for index, finding in enumerate(report["findings"]):
        finding["owner"] = teams[index % len(teams)]
    open_report(browser, tmp_path / "statuses-on-paper.html", report)
    resize_window(browser, 718, 2000)  # A4 less Chromium's default margins, in CSS pixels
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        rows = browser.execute_script(
            "var lines = e => Math.round(e.getBoundingClientRect().height"
            " / parseFloat(getComputedStyle(e.parentElement).lineHeight));"
            "return [...document.querySelectorAll('tr.finding')].map(row => [row.cells[6]"
            ".textContent, row.cells[6].querySelector('.disp').getClientRects().length,"
            " row.cells[4].textContent, lines(row.cells[4].querySelector('.owner'))]);"
        )
        statuses = {status: lines for status, lines, _, _ in rows}
        named = {"blocking", "advisory", "outside the change", "waived", "in the baseline"}
        assert set(statuses) == named
        assert max(statuses.values()) <= 2, statuses  # "outside the change" was 3
        owners = {owner: lines for _, _, owner, lines in rows}
        assert owners["Customer Success Operations"] == 2, owners  # was 3
        assert max(owners.values()) <= 2, owners
        assert min(row["width"] for row in on_paper_layout(browser)) >= 32
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


def test_on_paper_the_lineages_heading_and_legend_stay_with_the_graph(page) -> None:
    """A page that ended in the graph printed the lineage's heading and legend alone at its
    foot, the graph overleaf."""
    page.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    label = page.execute_script("return document.querySelector('svg.lineage text').textContent;")
    label = squeezed(label)
    after = pages_cut_at(page, {"graph": "svg.lineage"}, "Lineageofthechangedresources")
    assert "directparent(context)" in after["graph"] and label in after["graph"], after
    assert severe(page) == []


def test_on_paper_a_lineage_taller_than_a_page_fits_one_under_its_heading_and_is_listed(
    tmp_path: Path, browser
) -> None:
    """A graph is one box, which a page does not split: one taller than the rest of its page
    (1,000 models: 34 changed resources a column, 2,000 px) went whole to the next page, its
    heading and legend alone at the foot of theirs and half a page blank before them. Printed
    on A4 and Letter, such a graph shares the page of its heading, whole (every label between
    the heading and the list under it), and, shrunk below 3/4 of its size, is listed too."""
    from pypdf import PdfReader
    from report_samples import sample_report

    names = [f"tall_node_{i:02d}" for i in range(40)]
    report = sample_report()
    report["sections"]["lineage"] = {
        "nodes": [
            {"id": f"model.shop.{name}", "name": name, "resource_type": "model", "role": "changed"}
            for name in names
        ],
        "edges": [],
        "omitted": 0,
    }
    open_report(browser, tmp_path / "tall-lineage.html", report)
    browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    margins = {f"margin{side}": MARGIN_IN for side in ("Top", "Bottom", "Left", "Right")}
    for paper, (width, height) in PAPERS_IN.items():
        if paper == "A5":
            continue
        pdf = browser.execute_cdp_cmd(
            "Page.printToPDF", {"paperWidth": width, "paperHeight": height, **margins}
        )
        pages = [
            squeezed(page.extract_text())
            for page in PdfReader(io.BytesIO(base64.b64decode(pdf["data"]))).pages
        ]
        (held,) = [text for text in pages if "Lineageofthechangedresources" in text]
        graph = held.split("Lineageofthechangedresources", 1)[1].split("drawnas", 1)[0]
        assert [name for name in names if name not in graph] == [], (paper, graph[:200])
        assert any("drawnas" in text for text in pages), paper  # the list's header row
    assert severe(browser) == []


def location_lines(driver) -> list[dict]:
    """Per location shown (a finding's, a breaking change's): the text of each line it wraps
    over (read a character at a time, whatever elements hold it), its line suffix (`:46`,
    `:11:63`), and whether it stays inside its cell and clear of the cells beside it."""
    return driver.execute_script(
        "var box = e => e.getBoundingClientRect();"
        "return [...document.querySelectorAll('td.where code')].map(code => {"
        " var walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT), nodes = [], n;"
        " while ((n = walker.nextNode())) nodes.push(n);"
        " var lines = new Map();"
        " for (var node of nodes) for (var i = 0; i < node.textContent.length; i++) {"
        "  var range = document.createRange(); range.setStart(node, i); range.setEnd(node, i + 1);"
        "  var top = Math.round(range.getClientRects()[0].top);"
        "  lines.set(top, (lines.get(top) || '') + node.textContent[i]); }"
        " var cell = code.closest('td'), where = box(code), inside = box(cell);"
        " var others = [...cell.parentElement.cells].filter(c => c !== cell && c.textContent);"
        " return {text: code.textContent, lines: [...lines.entries()].sort((a, b) => a[0] - b[0])"
        "  .map(entry => entry[1]), suffix: (code.textContent.match(/(:\\d+)+$/) || [''])[0],"
        "  inside: where.left >= inside.left - 1 && where.right <= inside.right + 1,"
        "  clear: others.every(c => { var o = box(c); return o.right <= where.left + 1"
        "   || o.left >= where.right - 1 || o.bottom <= where.top + 1"
        "   || o.top >= where.bottom - 1; })}; });"
    )


@pytest.mark.parametrize("width", [420, 480, 520, 559, 580, 600, 620, 640, 660, 680, 718, 760, 800])
def test_on_paper_a_locations_line_number_stays_with_its_file_name(page, width) -> None:
    """A location broke after its file name and printed its line number alone: on A4 a 35-38
    character one (`models/marts/_orders_summary.yml` / `:46`), on paper narrower than ~600 px
    (A5, a narrow preview) one of 14 (`_marts.yml` / `:123`). The line number is one box with
    the name's extension, and the path wraps at its directories, so the number shares its
    line with the file name at every width (`_marts` / `.yml:123` when the name must break).
    Below 640 px the owner and tier had left the location the message column's few pixels
    beyond them (8 px of A5, a character a line): there the message takes the row's width and
    the location too, less the owner and tier at its end."""
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    page.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 2000, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        places = [place for place in location_lines(page) if place["suffix"]]
        assert len(places) == 10, places
        alone = [
            place["lines"]
            for place in places
            if not any(
                line.endswith(place["suffix"]) and len(line) > len(place["suffix"])
                for line in place["lines"]
            )
        ]
        assert alone == [], width
        spilt = [place["text"] for place in places if not (place["inside"] and place["clear"])]
        assert spilt == [], width
        # Wide enough for the name and its line: the path breaks at a directory only.
        for place in places:
            name = place["text"].rsplit("/", 1)[-1]
            if width >= 480 and len(name) <= 22:
                assert any(line.endswith(name) for line in place["lines"]), (width, place)
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        page.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert severe(page) == []


def test_on_a5_paper_no_line_number_is_printed_alone(tmp_path: Path, browser) -> None:
    """Printed by Chromium on A5 (and on a paper between A5 and A4), read back from the PDF:
    each location's line number is printed on the line of its file name's end (it was
    `_marts.yml` / `:123`, and 8 px wide on A5, a character a line)."""
    from pypdf import PdfReader
    from report_samples import sample_report

    report = sample_report()
    open_report(browser, tmp_path / "a5.html", report)
    ends = {
        f"{f['path'].rsplit('.', 1)[-1]}:{f['line']}"
        + (f":{f['column']}" if f.get("column") else "")
        for f in report["findings"]
        if f.get("path") and f.get("line")
    }
    margins = {f"margin{side}": MARGIN_IN for side in ("Top", "Bottom", "Left", "Right")}
    for paper_width in (A5_WIDTH_IN, 6.5):
        pdf = browser.execute_cdp_cmd(
            "Page.printToPDF", {"paperWidth": paper_width, "paperHeight": A4_WIDTH_IN, **margins}
        )
        reader = PdfReader(io.BytesIO(base64.b64decode(pdf["data"])))
        lines = [line.strip() for p in reader.pages for line in p.extract_text().splitlines()]
        alone = [line for line in lines if re.fullmatch(r"(:\d+)+", line)]
        assert alone == [], paper_width
        missing = {end for end in ends if not any(f".{end}" in line for line in lines)}
        assert missing == set(), (paper_width, missing)
    assert severe(browser) == []


PAPERS_IN = {"A5": (A5_WIDTH_IN, A4_WIDTH_IN), "A4": (A4_WIDTH_IN, 11.69), "Letter": (8.5, 11.0)}


def long_words_report() -> dict:
    """The sample report with the long words a findings table meets (a 60-letter resource name,
    a 90-character file name, a team's long handle and a three-word name, a URL in a message and
    a long rule code), and the wide tables of a real report's KPIs and policies."""
    from report_samples import sample_report

    report = sample_report()
    findings = report["findings"]
    findings[1]["resource_name"] = LONG_NAME
    findings[2]["path"] = LONG_FILE
    findings[3]["owner"] = "@acme-corp/data-platform-analytics-engineering-team-0001"
    findings[4]["message"] += " (see https://example.com/runs/0123456789abcdef0123456789abcdef)"
    findings[6]["code"] = "governance.semantic_model_public_parents"
    findings[7]["owner"] = "Customer Success Operations"
    # The KPIs by owner of the fixture's eight measures (nine columns), and its policies, whose
    # rules are `code: severity` words.
    measure = {"value": 0.75, "numerator": 3, "denominator": 4}
    metrics = ["test_coverage", "pk_tested", "docs_models", "docs_columns", "owner_coverage"]
    metrics += ["contracts", "test_pass_rate", "source_freshness"]
    owners = ["@finance-eng", "Marketing Analytics", "@acme-corp/data-platform"]
    report["sections"]["kpis"]["by_owner"] = {o: dict.fromkeys(metrics, measure) for o in owners}
    rules = {"tests.primary_key": "error", "governance.contract_enforced": "error"}
    report["sections"]["policies"] = [
        {"select": "resource_type:model", "line": 9, "selected": 4, "rules": rules}
    ]
    return report


def page_width_in_px(paper: tuple[float, float]) -> int:
    """The width of `paper` (width, height in inches) within 0.4in margins, in CSS pixels."""
    return round((paper[0] - 2 * MARGIN_IN) * CSS_PX_IN)


def printed_scale(driver, paper: tuple[float, float]) -> float:
    """Printed by Chromium on `paper` (width, height in inches, 0.4in margins): the scale of the
    report's title, in points per CSS pixel (0.75 at full size; less where Chromium shrank every
    page to fit what ran past the margin), read back from the PDF (pypdf)."""
    from pypdf import PdfReader

    width, height = paper
    margins = {f"margin{side}": MARGIN_IN for side in ("Top", "Bottom", "Left", "Right")}
    pdf = driver.execute_cdp_cmd(
        "Page.printToPDF",
        {"paperWidth": width, "paperHeight": height, "pageRanges": "1", **margins},
    )
    scales = []
    first = PdfReader(io.BytesIO(base64.b64decode(pdf["data"]))).pages[0]
    first.extract_text(
        visitor_text=lambda text, cm, *_: (
            text.startswith("dbtgate gate report") and scales.append(cm[0])
        )
    )
    assert len(scales) == 1, scales
    return round(scales[0], 3)


@contextlib.contextmanager
def laid_out_for_print(driver, width: int) -> Iterator[None]:
    """The open page laid out for print on a page `width` CSS px wide (the paper within its
    margins), as Chromium prints it (no scrollbar)."""
    driver.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": True})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 1000, "deviceScaleFactor": 1, "mobile": False},
    )
    try:
        yield
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        driver.execute_cdp_cmd("Emulation.setScrollbarsHidden", {"hidden": False})


def printed_layout(driver) -> dict:
    """As the page is laid out (`laid_out_for_print`): `past`, what runs past the page's right
    edge (a box or a line of its own text); `message` and `readers`, the width in ems of the
    table's text of the first finding's message and of the first breaking change's readers;
    `spilt`, in each row of the findings and the breaking changes (and their header rows) the
    cells whose text leaves the cell or lies under another cell's text, or under a later cell's
    background (a px tolerance); `askew`, the tables printed as tables whose header cells do not
    start where their first row's cells do."""
    return driver.execute_script(
        "var edge = document.documentElement.clientWidth, past = [], spilt = [];"
        "var texts = e => { var range = document.createRange(); range.selectNodeContents(e);"
        " return [...range.getClientRects()].filter(r => r.width && r.height); };"
        "var meet = (a, b) => a.left < b.right - 1 && b.left < a.right - 1"
        " && a.top < b.bottom - 1 && b.top < a.bottom - 1;"
        "var name = e => e.textContent.trim().slice(0, 40);"
        "for (var e of document.body.querySelectorAll('*')) {"
        " var box = e.getBoundingClientRect(), own = [...e.childNodes].some(n =>"
        "  n.nodeType === 3 && n.textContent.trim() && texts(n).some(r => r.right > edge + 1));"
        " if ((box.width && box.right > edge + 1) || own) past.push([e.tagName, name(e)]); }"
        "for (var row of document.querySelectorAll('#findings-table tr, #breaking tr')) {"
        " var cells = [...row.cells].filter(c => c.textContent.trim() && c.checkVisibility());"
        " var lines = cells.map(texts);"
        " cells.forEach((cell, i) => { var box = cell.getBoundingClientRect();"
        "  if (lines[i].some(r => r.left < box.left - 1 || r.right > box.right + 1"
        "   || r.top < box.top - 1 || r.bottom > box.bottom + 1))"
        "   spilt.push(['outside its cell', name(cell)]);"
        "  cells.forEach((other, j) => {"
        "   if (j > i && lines[i].some(a => lines[j].some(b => meet(a, b))))"
        "    spilt.push(['text on text', name(cell), name(other)]);"
        "   var paints = getComputedStyle(other).backgroundColor !== 'rgba(0, 0, 0, 0)';"
        "   if (j > i && paints && lines[i].some(a => meet(a, other.getBoundingClientRect())))"
        "    spilt.push(['under a background', name(cell), name(other)]); }); }); }"
        "var askew = [...document.querySelectorAll('table')].filter(t =>"
        " t.tHead && t.tHead.checkVisibility() && t.tBodies[0].rows.length"
        " && getComputedStyle(t.tHead.rows[0]).display === 'table-row'"
        " && [...t.tHead.rows[0].cells].some((th, i) => Math.abs(th.getBoundingClientRect().left"
        "  - t.tBodies[0].rows[0].cells[i].getBoundingClientRect().left) > 1)).map(name);"
        "var ems = cell => cell.getBoundingClientRect().width"
        " / parseFloat(getComputedStyle(cell).fontSize);"
        "return {past: past, spilt: spilt, askew: askew,"
        " message: ems(document.querySelector('tr.finding').cells[3]),"
        " readers: ems(document.querySelector('#breaking tbody tr').cells[2])};"
    )


def test_printed_on_a5_a4_and_letter_nothing_runs_past_the_page_and_it_prints_full_size(
    tmp_path: Path, browser
) -> None:
    """A rule's help naming `dbt_expectations.expect_compound_columns_to_be_unique` ran 49 px
    past A5's margin, and Chromium printed every page of the report at 96% to fit it; a real
    report's KPIs by owner (nine columns, 653 px) at 71%, its policies' rules at 93%. Printed on
    A5, A4 and Letter (portrait), with long names, paths, owners and codes, nothing runs past
    the page and its pages print at full size."""
    open_report(browser, tmp_path / "papers.html", long_words_report())
    browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    for paper, size in PAPERS_IN.items():
        assert printed_scale(browser, size) == 0.75, paper  # was 0.717 on A5
        with laid_out_for_print(browser, page_width_in_px(size)):
            past = printed_layout(browser)["past"]
        assert past == [], (paper, past)
    assert severe(browser) == []


def test_on_a5_paper_a_findings_message_takes_the_pages_width(tmp_path: Path, browser) -> None:
    """On A5 the findings' fixed columns took 427 px of the page's 435 and left a message the
    168 px under the owner and tier (14em, some 25 characters a line). There the rule and the
    resource go beside the severity and status and the message under them, across the row
    (36em); A4 and Letter keep their columns (the message 32em). A breaking change's readers
    (5.8em on A5: "revenue_d" / "ashboard") go under the change, in its width. An input's path
    wraps at its directories (it broke inside its names, on A5 every four letters), and a table
    of more than four columns prints as cards on A5, a table on A4 and Letter (and on screen)
    with its header over its columns. On each paper, with long names, paths, owners and codes,
    no cell's text leaves its cell or lies on another's, nor under another's background (the
    status header's, laid over the severity's a line down, covered the foot of its "y":
    "severitv")."""
    open_report(browser, tmp_path / "papers.html", long_words_report())
    for paper, size in PAPERS_IN.items():
        with laid_out_for_print(browser, page_width_in_px(size)):
            seen = printed_layout(browser)
            paths = split_inside_words(browser, "#inputs td:nth-child(3) code")
        assert seen["spilt"] == [], (paper, seen["spilt"])
        assert seen["message"] >= (34 if paper == "A5" else 32), (paper, seen)  # A5: was 14
        assert seen["readers"] >= (18 if paper == "A5" else 14), (paper, seen)  # A5: was 5.8
        assert paths == [], (paper, paths)
        assert seen["askew"] == [], (paper, seen["askew"])
    assert printed_layout(browser)["askew"] == []  # on screen
    assert severe(browser) == []


def test_printed_a_fix_commands_options_stay_whole(tmp_path: Path, browser) -> None:
    """A fix that is a command (lint's `dbtgate lint --fix LT01 <file> --base <dir>`) broke
    after a hyphen on A5: `... --` / `base ../../base/project/target`. On every paper its
    options stay whole; the command wraps at its spaces and inside its paths."""
    from report_samples import sample_report

    report = sample_report()
    command = (
        "dbtgate lint --fix LT01 models/intermediate/int_order_payments_by_customer_and_day.sql"
        " --base ../../base/project/target --max-findings 50"
    )
    for finding in report["findings"]:
        finding["fix"] = command
    open_report(browser, tmp_path / "fix-commands.html", report)
    wrapped = {}
    for paper, size in PAPERS_IN.items():
        with laid_out_for_print(browser, page_width_in_px(size)):
            wrapped[paper] = line_breaks(browser, "#findings-table .fix code")
    assert wrapped["A5"], "the command fits A5 on one line: nothing tested"
    after_hyphen = {paper: [b for b in breaks if b[1] == "-"] for paper, breaks in wrapped.items()}
    assert after_hyphen == {paper: [] for paper in PAPERS_IN}, after_hyphen
    assert severe(browser) == []


# The smallest label that can be read (px): the graph's 12 px at 3/4, where the screen stops
# shrinking it (`html._MIN_SCALE`).
READABLE_PX = 9


def printed_lineage(driver) -> dict:
    """As the page is laid out (`laid_out_for_print`): the size in px that the graph's labels
    print at (their font size times the graph's scale), and the list under the graph as printed
    (`None` when it is not), its rows' cells' text, the lines each row's kind ("drawn as") and
    owner take, whether each kind's swatch is on its words' first line, and the list's font
    size in px."""
    return driver.execute_script(
        "var svg = document.querySelector('svg.lineage');"
        "var list = document.querySelector('table.lineage-list');"
        "var scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;"
        "var lines = e => { var tops = new Set(), text = document.createTreeWalker(e, 4), n;"
        " while ((n = text.nextNode())) { var range = document.createRange();"
        "  range.selectNodeContents(n);"
        "  for (var r of range.getClientRects()) if (r.width) tops.add(Math.round(r.top)); }"
        " return tops.size; };"
        "var rows = list && list.checkVisibility() ? [...list.tBodies[0].rows] : null;"
        "return {label: parseFloat(getComputedStyle(svg.querySelector('text')).fontSize) * scale,"
        " list: rows && rows.map(row => [...row.cells].map(cell => cell.textContent)),"
        " kind_lines: rows && rows.map(row => lines(row.cells[1])),"
        " swatch_beside: rows && rows.map(row => { var kind = row.cells[1].querySelector('.kind');"
        "  var swatch = kind.querySelector('.swatch').getBoundingClientRect();"
        "  var words = document.createRange(); words.selectNodeContents(kind.lastChild);"
        "  var line = words.getClientRects()[0], middle = swatch.top + swatch.height / 2;"
        "  return middle >= line.top && middle <= line.bottom; }),"
        " owner_lines: rows && rows.map(row => lines(row.cells[3])),"
        " size: list && parseFloat(getComputedStyle(list).fontSize)};"
    )


def test_printed_a_lineage_too_small_to_read_is_listed_under_its_graph(
    tmp_path: Path, browser
) -> None:
    """Printed on A5, a graph of six layers (1,312 px drawn) came out at a third of its size,
    its labels 4 px high (on A4 and Letter, 6 px). Where the page shrinks the graph below 3/4
    (labels of 9 px), a list under it names each resource upstream first, what it reads and its
    owner, at the size of the findings, a team's handle whole; where the graph can be read, and
    on screen, no list. With long names and owners, nothing runs past the page, and its pages print at full
    size."""
    from report_samples import sample_report

    long_name = "stg_tiktok_ads__ad_history_report_hourly_by_country_and_campaign"
    long_team = "@acme-corp/data-platform-analytics-engineering-team-0001"
    listed = {}
    # (a long team's name widens the owners' column: beside one a handle has room)
    for layers, team in ((3, "@data-platform"), (6, long_team)):
        report = sample_report()
        chain_lineage(report, layers)
        nodes = report["sections"]["lineage"]["nodes"]
        nodes[0]["role"] = "parent"  # what the change reads, drawn for context
        nodes[1]["name"], nodes[1]["owner"] = long_name, team
        nodes[2]["owner"] = "@finance-eng"
        names = [node["name"] for node in nodes]
        expected = [
            [name, "direct consumer", names[i - 1] if i else "–", "–"]
            for i, name in enumerate(names)
        ]
        expected[0][1] = "direct parent (context)"
        expected[1][3], expected[2][3] = team, "@finance-eng"
        open_report(browser, tmp_path / f"lineage-{layers}.html", report)
        browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
        for paper, size in PAPERS_IN.items():
            assert printed_scale(browser, size) == 0.75, (layers, paper)
            with laid_out_for_print(browser, page_width_in_px(size)):
                seen = printed_lineage(browser)
                past = printed_layout(browser)["past"]
            assert past == [], (layers, paper, past)
            assert (seen["list"] is not None) == (seen["label"] < READABLE_PX), (layers, paper)
            if seen["list"] is not None:
                listed[layers, paper] = seen["label"]
                assert seen["list"] == expected, (layers, paper)
                # a team's handle whole: A5 printed "@finance-" / "eng"
                assert seen["owner_lines"][2] == 1, (layers, paper)
                # a kind's words together, beside its swatch: A5 printed "direct / parent /
                # (context)", then a swatch alone over "direct consumer"
                assert seen["kind_lines"][0] <= 2 and set(seen["kind_lines"][1:]) == {1}, (
                    layers,
                    paper,
                    seen["kind_lines"],
                )
                assert set(seen["swatch_beside"]) == {True}, (layers, paper)
                assert seen["size"] >= 12, (layers, paper)  # the findings' size on paper
    # Six layers print at a third of their size on A5, at half on A4 and Letter; three at
    # 2/3 on A5, whole on A4 and Letter.
    assert {key: round(label) for key, label in listed.items()} == {
        (3, "A5"): 8,
        (6, "A5"): 4,
        (6, "A4"): 6,
        (6, "Letter"): 6,
    }
    assert printed_lineage(browser)["list"] is None  # a screen scrolls the graph instead
    assert severe(browser) == []


def as_printed(page, script: str):
    """What `script` returns with the page as the script leaves it before printing, under its
    print styles (the page goes back to the screen's after)."""
    page.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        return page.execute_script(script)
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_printed_the_suggested_waivers_fold_is_the_size_of_the_findings(page) -> None:
    """On paper the findings print at 12 px (their code at 10.2), and the fold of the waiver
    entry to paste, under them, printed its paragraph at 16 px and its summary at 13.6: larger
    than any text of the pages around it. Now its text prints at the findings' size, its code
    as theirs; on screen it keeps its own."""
    sizes = (
        "var size = e => getComputedStyle(e).fontSize, row = document.querySelector('tr.finding');"
        "return {text: [...document.querySelectorAll('.waiver-hint :is(summary, p, pre)')]"
        " .map(size), code: [...document.querySelectorAll('.waiver-hint code')].map(size),"
        " finding: size(row.cells[3]), findings_code: size(row.querySelector('code'))};"
    )
    printed = as_printed(page, sizes)
    assert len(printed["text"]) == 3 and len(printed["code"]) >= 2, printed
    assert set(printed["text"]) == {printed["finding"]} == {"12px"}, printed  # was 13.6, 16
    assert set(printed["code"]) == {printed["findings_code"]}, printed
    on_screen = page.execute_script(sizes)
    assert on_screen["text"] == ["13.6px", "16px", "12.8px"], on_screen
    assert severe(page) == []


def test_printed_the_rules_help_is_the_size_of_the_findings(page) -> None:
    """ "Rules in this report" printed each rule's help at 16 px under a summary of 13.6 px (ten
    A5 pages for the demo's rules), larger than the findings it explains."""
    sizes = (
        "var size = e => getComputedStyle(e).fontSize;"
        "return {help: [...document.querySelectorAll('details.rule :is(summary, p)')].map(size),"
        " finding: size(document.querySelector('tr.finding').cells[3])};"
    )
    printed = as_printed(page, sizes)
    assert len(printed["help"]) >= 4, printed
    assert set(printed["help"]) == {printed["finding"]} == {"12px"}, printed
    on_screen = page.execute_script(sizes)
    assert set(on_screen["help"]) == {"13.6px", "16px"}, on_screen  # the screen keeps its own
    assert severe(page) == []


def test_printed_the_lines_about_a_table_are_the_size_of_its_rows(tmp_path: Path, browser) -> None:
    """ "What changed" counts its rows in a line over the table, and a note under the KPIs'
    scorecard says what its "vs base build" column compares: on paper they printed at 13.6 px
    by rows of 12."""
    from report_samples import sample_report

    report = sample_report()
    note = "vs base build: test pass rate compared without the tests this build's run left out: ..."
    report["sections"]["kpis"]["notes"] = [note]
    open_report(browser, tmp_path / "gate.html", report)
    sizes = (
        "var size = e => getComputedStyle(e).fontSize;"
        "return {changes: size(document.querySelector('#changes .meta')),"
        " changed_row: size(document.querySelector('#changes td')),"
        " kpi_note: size(document.querySelector('#kpis p.meta')),"
        " kpi_row: size(document.querySelector('#kpis td'))};"
    )
    printed = as_printed(browser, sizes)
    assert set(printed.values()) == {"12px"}, printed
    on_screen = browser.execute_script(sizes)  # the screen keeps its own
    assert (on_screen["changes"], on_screen["kpi_note"]) == ("13.6px", "13.6px"), on_screen
    assert severe(browser) == []


def _contrast(driver, selector: str) -> float:
    """WCAG contrast of the first `selector`'s text against the page's background."""
    return driver.execute_script(
        """
        const parse = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
        const lum = rgb => {
          const [r, g, b] = rgb.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
          return 0.2126 * r + 0.7152 * g + 0.0722 * b;
        };
        const text = lum(parse(getComputedStyle(document.querySelector(arguments[0])).color));
        const page = lum(parse(getComputedStyle(document.body).backgroundColor));
        return (Math.max(text, page) + 0.05) / (Math.min(text, page) + 0.05);
        """,
        selector,
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_page_follows_the_readers_colour_scheme_with_readable_text(page, scheme) -> None:
    """A reader whose system is dark gets a dark page (a white page at night was the one
    bright thing on the screen); in both schemes the text, the muted text and the severity
    marks keep WCAG AA contrast (4.5:1) with the page. Paper is light whatever the screen."""
    features = [{"name": "prefers-color-scheme", "value": scheme}]
    page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})
    try:
        background = page.execute_script("return getComputedStyle(document.body).backgroundColor")
        assert background == ("rgb(16, 24, 40)" if scheme == "dark" else "rgb(255, 255, 255)")
        for selector in ("body", ".muted", ".sev-error", ".sev-warn", "a"):
            assert _contrast(page, selector) >= 4.5, selector
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print", "features": features})
        assert (
            page.execute_script("return getComputedStyle(document.body).backgroundColor")
            == "rgb(255, 255, 255)"
        )
    finally:
        page.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})


def _pixel(driver, x: float, y: float) -> tuple[int, int, int]:
    """The colour Chromium painted at page point (x, y), on the screen: a screenshot of that one
    pixel (of the window as laid out: one beyond it lays the page out again, without its scroll
    bar). A PNG of one pixel needs no unfiltering (every filter predicts it from zeros): its RGB
    follow the filter byte of its one row."""
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": False,
            "clip": {"x": x, "y": y, "width": 1, "height": 1, "scale": 1},
        },
    )
    png = base64.b64decode(shot["data"])
    data, at = b"", 8
    while at < len(png):
        size = int.from_bytes(png[at : at + 4], "big")
        if png[at + 4 : at + 8] == b"IDAT":
            data += png[at + 8 : at + 8 + size]
        at += size + 12
    r, g, b = zlib.decompress(data)[1:4]
    return r, g, b


def _rgb_contrast(one: tuple[float, ...], other: tuple[float, ...]) -> float:
    """WCAG contrast of two sRGB colours (0-255)."""

    def luminance(rgb: tuple[float, ...]) -> float:
        linear = [v / 255 for v in rgb]
        linear = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in linear]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_in_either_colour_scheme_a_scrolling_edge_and_the_last_runs_marks_show(
    tmp_path: Path, browser, scheme
) -> None:
    """On the dark page the shade at the edge of a box that scrolls was the light page's dark
    shade, the dark page's own colour: on a phone nothing showed that the graph went on. The
    legend's marks of the last run (drawn on the page, not on a box) were dark red, 2.7:1, and a
    faded grey, 2.1:1. Each shows in both schemes: the shade (1.3:1 on the light page, 1.5:1 on
    the dark), an errored or failed resource's mark at 3:1 or more, a skipped one's faded on
    purpose, at 2:1 or more (2.3:1 on the light page, 3.3:1 on the dark)."""
    from report_samples import sample_report

    report = sample_report()
    lineage = report["sections"]["lineage"]
    upstream = ["model.shop.stg_orders", "model.shop.int_orders"]  # four layers: wider than 390
    for uid, role in zip(upstream, ["parent", "changed"], strict=True):
        name = uid.rsplit(".", 1)[1]
        lineage["nodes"].append(
            {"id": uid, "name": name, "resource_type": "model", "role": role, "owner": None}
        )
    lineage["edges"] += [[*upstream], [upstream[1], "model.shop.orders_summary.v2"]]
    runs = itertools.cycle(["errored", "test failed", "skipped"])
    for node in lineage["nodes"]:
        node["run"] = next(runs)
    open_report(browser, tmp_path / "runs.html", report)
    features = [{"name": "prefers-color-scheme", "value": scheme}]
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})
    resize_window(browser, 390, 2000)
    try:
        seen = browser.execute_script(
            "var box = document.querySelector('.lineage-scroll');"
            "box.scrollIntoView(); var edge = box.getBoundingClientRect(), x = edge.right - 4;"
            # (a point of the box's own background: no node, label or arrow drawn over it)
            "var y = edge.top + 12; while (!(document.elementFromPoint(x, y) || {}).matches("
            " 'svg.lineage, .lineage-scroll') && y < edge.bottom - 12) y += 2;"
            "var rgb = c => c.match(/[\\d.]+/g).map(Number);"
            "return {wider: box.scrollWidth > box.clientWidth, edge: [x + scrollX, y + scrollY],"
            " page: rgb(getComputedStyle(document.body).backgroundColor),"
            " marks: [...document.querySelectorAll('.legend .swatch[class*=run-]')].map(m =>"
            "  [m.className, rgb(getComputedStyle(m).borderTopColor),"
            "   Number(getComputedStyle(m).opacity)])};"
        )
        assert seen["wider"], seen
        page = seen["page"][:3]
        edge = _pixel(browser, *seen["edge"])
        assert _rgb_contrast(edge, page) >= 1.2, (edge, page)
        contrasts = {}
        for name, colour, opacity in seen["marks"]:
            alpha = opacity * (colour[3] if len(colour) > 3 else 1)
            shown = tuple(
                alpha * c + (1 - alpha) * p for c, p in zip(colour[:3], page, strict=True)
            )
            contrasts[name.split()[-1]] = round(_rgb_contrast(shown, page), 2)
        assert set(contrasts) == {"run-errored", "run-test-failed", "run-skipped"}, contrasts
        assert contrasts["run-errored"] >= 3 and contrasts["run-test-failed"] >= 3, contrasts
        assert contrasts["run-skipped"] >= 2, contrasts
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []


def test_a_name_holding_backticks_is_shown_and_copied_as_it_is(tmp_path: Path, browser) -> None:
    """A test `nn_`bt`` and a column `a`b`c`, named in messages as plain text, showed as `nn_`
    and a code chip `bt`: a copied name lost its backticks. What the page shows of each message
    and fix is the text itself, the fix's `not_null` and command as code."""
    from report_samples import backtick_named, sample_report
    from test_report_code_spans import SHOWN

    open_report(browser, tmp_path / "backticks.html", sample_report(backtick_named()))
    rows = browser.execute_script(
        "return [...document.querySelectorAll('tr.finding')].map(row => {"
        " var cell = row.cells[3], fix = cell.querySelector('div.fix');"
        " var message = cell.cloneNode(true);"
        " message.querySelectorAll('div, details').forEach(e => e.remove());"
        " return [message.innerText.trim(), fix.innerText.replace(/^fix: /, ''),"
        "  [...cell.querySelectorAll('code')].map(c => c.innerText)]; });"
    )
    assert sorted((message, fix) for message, fix, _ in rows) == sorted(SHOWN)
    assert sorted(codes for *_, codes in rows) == [[], ["dbt build --select `x`y`"], ["not_null"]]
    assert severe(browser) == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_trend_page_follows_the_readers_colour_scheme(browser, tmp_path, scheme) -> None:
    """`dbtgate trend --html` beside gate.html: a dark system got a white trend page after a
    dark gate report. Its text, notes and below/met marks keep AA contrast in both schemes."""
    from corpus import CORPUS

    builds = [CORPUS / name for name in ("bouncer-dbt111", "bouncer-dbt112")]
    if not all(build.is_dir() for build in builds):
        pytest.skip(f"corpus absent: {CORPUS}")
    reports = []
    for build in builds:
        reports.append(tmp_path / f"{build.name}.json")
        check = ["check", "-q", "--artifacts", str(build), "--json", str(reports[-1])]
        done = run_dbtgate(*check, cwd=tmp_path, env=plain_env())
        assert done.returncode in (0, 1), done.stderr
    page = tmp_path / "trend.html"
    done = run_dbtgate(
        "trend", *map(str, reports), "--html", str(page), cwd=tmp_path, env=plain_env()
    )
    assert done.returncode == 0, done.stderr
    features = [{"name": "prefers-color-scheme", "value": scheme}]
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})
    try:
        browser.get(page.as_uri())
        background = browser.execute_script(
            "return getComputedStyle(document.body).backgroundColor"
        )
        assert background == ("rgb(16, 24, 40)" if scheme == "dark" else "rgb(255, 255, 255)")
        for selector in ("body", "p.note", "td.below, td.met"):
            if browser.execute_script(f"return document.querySelector({selector!r}) !== null"):
                assert _contrast(browser, selector) >= 4.5, selector
        assert severe(browser) == []
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})


def test_on_paper_the_kpi_scorecards_heading_stays_with_its_rows(tmp_path: Path, browser) -> None:
    """A page that ended inside the KPI scorecard printed its heading, header row and first KPI
    at the foot of the page, the other KPIs overleaf: a release manager read one KPI as the
    scorecard. Cut at each of those places, the heading and every KPI share a page."""
    from report_samples import sample_report

    open_report(browser, tmp_path / "kpis-on-paper.html", sample_report())
    browser.execute_script("window.dispatchEvent(new Event('beforeprint'))")
    labels = browser.execute_script(
        "return [...document.querySelectorAll('#kpis table.named tbody tr')]"
        ".map(row => row.cells[0].textContent);"
    )
    assert len(labels) == 2
    cuts = {
        "heading": "#kpis h3",
        "header": "#kpis table.named thead tr",
        "first": "#kpis table.named tbody tr",
        "last": "#kpis table.named tbody tr:last-child",
    }
    after = pages_cut_at(browser, cuts, "Scorecard")
    split = {
        cut: text[:120]
        for cut, text in after.items()
        if not all(squeezed(label) in text for label in labels)
    }
    assert split == {}
    assert severe(browser) == []


def test_the_change_filter_shows_a_reviewer_the_findings_on_what_the_change_touched(
    tmp_path: Path, browser
) -> None:
    """Under `scope: all` the status filter cannot tell a pull request's findings from the
    project's (none is "outside the change"): the change filter can, by keyboard, with counts,
    and says so beside the count on screen and on paper; reset, every finding is back."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    report = scope_all_report()
    assert "out_of_scope" not in {f["disposition"] for f in report["findings"]}
    touched = [f["fingerprint"] for f in report["findings"] if f["changed"]]
    assert 0 < len(touched) < len(report["findings"])
    open_report(browser, tmp_path / "gate.html", report)
    change = browser.find_element(By.ID, "filter-changed")
    assert change.is_displayed()
    assert change.find_element(By.XPATH, "..").text.startswith("the change")
    assert [option.text for option in Select(change).options] == [
        "any",
        f"on what it touched ({len(touched)})",
        f"elsewhere ({len(report['findings']) - len(touched)})",
    ]
    # By keyboard: focused, the next choice is a key away.
    change.send_keys(Keys.ARROW_DOWN)
    assert browser.switch_to.active_element == change
    assert change.get_attribute("value") == "touched"
    rows = visible_rows(browser)
    assert sorted(row.get_attribute("data-fingerprint") for row in rows) == sorted(touched)
    assert {row.get_attribute("data-changed") for row in rows} == {"touched"}
    status = browser.find_element(By.ID, "filter-status")
    assert status.text == f"{len(touched)} shown · filtered by the change: on what it touched"
    shot = tmp_path / "gate-report-change-filter.png"
    assert browser.save_screenshot(str(shot))
    keep = os.environ.get("DBTGATE_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(shot, Path(keep) / shot.name)
    print(f"screenshot: {shot}")
    # With another filter: the blocking findings on what the change touched.
    Select(browser.find_element(By.ID, "filter-disposition")).select_by_value("blocking")
    blocking = [
        f["fingerprint"]
        for f in report["findings"]
        if f["changed"] and f["disposition"] == "blocking"
    ]
    assert sorted(r.get_attribute("data-fingerprint") for r in visible_rows(browser)) == sorted(
        blocking
    )
    # Printed, the controls are not, the filter is named beside the count.
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not change.is_displayed()
        assert status.is_displayed()
        assert status.text == (
            f"{len(blocking)} shown · filtered by status: blocking, the change: on what it touched"
        )
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    Select(change).select_by_value("untouched")
    Select(browser.find_element(By.ID, "filter-disposition")).select_by_value("")
    elsewhere = [r.get_attribute("data-fingerprint") for r in visible_rows(browser)]
    assert sorted(elsewhere + touched) == sorted(f["fingerprint"] for f in report["findings"])
    browser.find_element(By.ID, "reset-filters").click()
    assert len(visible_rows(browser)) == len(report["findings"])
    assert severe(browser) == []


def test_without_javascript_the_change_filter_is_not_shown_and_every_finding_is(
    tmp_path: Path, no_script
) -> None:
    from selenium.webdriver.common.by import By

    report = scope_all_report()
    open_report(no_script, tmp_path / "gate.html", report)
    assert len(visible_rows(no_script)) == len(report["findings"])
    assert not no_script.find_element(By.ID, "filter-changed").is_displayed()


def test_without_a_base_build_there_is_no_change_filter(tmp_path: Path, browser) -> None:
    """Without a change set every finding's `changed` is false and says nothing: a filter on it
    would show none of them as the change's."""
    report = scope_all_report()
    del report["sections"]["changes"]
    open_report(browser, tmp_path / "gate.html", report)
    assert browser.find_elements("id", "filter-changed") == []
    assert browser.execute_script("return document.querySelectorAll('[data-changed]').length") == 0
    assert browser.find_element("id", "filter-disposition").is_displayed()
    assert severe(browser) == []


# A chip after "(" in each place text from a message is shown: a finding's message and fix, the
# verdict's notes (in a box of the page's --bg) and a warning.
_CHIPS = ["model.shop.orders", "meta.owner", "policies.yml", "tag:x", "catalog.json"]


def _chips_report() -> dict:
    from report_samples import finding, sample_report

    chipped = finding(
        code="owner.present",
        severity="error",
        message=f"model x (`{_CHIPS[0]}`) has no owner",
        unique_id="model.shop.x",
        fix=f"Set an owner (`{_CHIPS[1]}`).",
        disposition="blocking",
    )
    return sample_report(
        [chipped],
        not_checked=[f"policies (`{_CHIPS[2]}` has none)"],
        partly_checked=[f"a policy (`{_CHIPS[3]}`) selects nothing"],
        warnings=[f"the catalog (`{_CHIPS[4]}`) is older than the manifest"],
    )


# Each chip after "(": its text, the gap between the "(" and the chip's text, and a point of
# the chip's padding (before its first letter) and one of what it stands on just above it
# (page coordinates, as `_pixel` takes them).
_CHIP_GAPS = """
return [...document.querySelectorAll('code')].filter(code => {
  var before = code.previousSibling;
  return before && before.nodeType === 3 && before.textContent.endsWith('(');
}).map(code => {
  var before = code.previousSibling, paren = document.createRange();
  paren.setStart(before, before.textContent.length - 1);
  paren.setEnd(before, before.textContent.length);
  var text = document.createRange();
  text.selectNodeContents(code);
  var box = code.getBoundingClientRect(), at = text.getClientRects()[0];
  return [code.textContent, at.left - paren.getBoundingClientRect().right,
          [box.left + 1 + scrollX, box.top + box.height / 2 + scrollY],
          [box.left + 1 + scrollX, box.top - 1 + scrollY]];
});
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_code_chip_hugs_the_parenthesis_before_it_on_screen_and_on_paper(
    tmp_path: Path, browser, scheme
) -> None:
    """ "(`x`)" read "( x )": the chip's background, #f9fafb on a white page (and the very
    colour of the notes' box under the verdict), did not show, and its 4 px padding read as a
    space. On screen the chip shows as a chip in both schemes, wherever it stands, its padding
    inside it; on paper, which prints no background, it has none."""
    open_report(browser, tmp_path / "chips.html", _chips_report())
    features = [{"name": "prefers-color-scheme", "value": scheme}]
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})
    try:
        chips = browser.execute_script(_CHIP_GAPS)
        assert sorted(chip[0] for chip in chips) == sorted(_CHIPS)
        for name, gap, inside, outside in chips:
            assert 0 < gap <= 3, (name, gap)  # its padding: a fifth of its letters' size
            chip, ground = _pixel(browser, *inside), _pixel(browser, *outside)
            assert _rgb_contrast(chip, ground) >= 1.08, (name, chip, ground)
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        gaps = {name: round(gap, 1) for name, gap, *_ in browser.execute_script(_CHIP_GAPS)}
        assert gaps == dict.fromkeys(_CHIPS, 0), gaps
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})
    assert severe(browser) == []


def test_the_headers_waivers_line_fits_a_phone_and_leads_to_the_waivers_table(
    tmp_path: Path, browser
) -> None:
    """Under the verdict, the waivers expired and expiring name their rule and selection in
    code spans (`source.shop.shop_raw.raw_payments`): on a phone they wrap, the page does not
    scroll sideways, and its link reaches the waivers table."""
    from report_samples import expired_waiver, expiring_waiver, sample_findings, sample_report
    from selenium.webdriver.common.by import By

    expiring = expiring_waiver(3)
    expiring.details["select"] = "source.dbt_bouncer_test_project.raw_payments_loaded_daily"
    report = sample_report([*sample_findings(), expired_waiver(), expiring])
    open_report(browser, tmp_path / "waivers.html", report)
    line = browser.find_element(By.XPATH, "//header/p[b[text()='waivers:']]")
    assert "1 expired: owner.present on dim_products (2026-11-01, @crm)" in line.text
    resize_window(browser, 375, 2000)
    try:
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 375
        right = browser.execute_script("return arguments[0].getBoundingClientRect().right", line)
        assert right <= 375
    finally:
        resize_window(browser, 1280, 2000)
    resize_window(browser, 1280, 500)
    try:
        line.find_element(By.LINK_TEXT, "the waivers").click()
        assert browser.execute_script("return location.hash") == "#waivers"
        top = browser.execute_script(
            "return document.getElementById('waivers').getBoundingClientRect().top"
        )
        assert 0 <= top < 500  # on the screen, where it was pages below
    finally:
        resize_window(browser, 1280, 2000)
    assert severe(browser) == []
