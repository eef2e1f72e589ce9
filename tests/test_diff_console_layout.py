"""How `dbtgate diff` lays its changes out for the terminal it prints to: a table where the
reason and the impact get room, names whole in it; one block a change where they would not."""

from __future__ import annotations

import io

from rich.console import Console

from dbtgate.diff.changes import Change, Consumer, Impact, SchemaDiff
from dbtgate.diff.console import change_statuses, change_table, print_changes
from dbtgate.findings import Finding


def changes() -> SchemaDiff:
    readers = [
        Consumer(
            unique_id="exposure.shop.revenue_dashboard",
            name="revenue_dashboard",
            resource_type="exposure",
            depth=1,
            selects_column="unknown",
        ),
        Consumer(
            unique_id="model.shop.finance_revenue",
            name="finance_revenue",
            resource_type="model",
            depth=1,
            selects_column="no",
        ),
    ]
    return SchemaDiff(
        changes=[
            Change(
                change_class="breaking",
                code="breaking.column_removed",
                unique_id="model.shop.orders_summary.v2",
                name="orders_summary",
                resource_type="model",
                reason="orders_summary v2: contracted column item_count removed",
                policy="contracted",
                version="2",
                column="item_count",
                old="integer",
                impact=Impact(models=readers, owners=["Finance Analytics"]),
            ),
            Change(
                change_class="safe",
                code="safe.column_added",
                unique_id="model.shop.customer_ltv",
                name="customer_ltv",
                resource_type="model",
                reason="customer_ltv: column avg_order_value added",
                policy="contracted",
                column="avg_order_value",
            ),
        ]
    )


def printed(width: int) -> list[str]:
    out = io.StringIO()
    console = Console(file=out, width=width, color_system=None, soft_wrap=True)
    print_changes(console, changes(), [])
    return out.getvalue().splitlines()


def test_a_wide_terminal_gets_the_table_with_every_resource_name_whole() -> None:
    lines = printed(160)
    assert lines[0].strip() == "Schema changes against the base build"
    assert lines[1].startswith("┏")
    text = "\n".join(lines)
    assert "customer_ltv.avg_order_value" in text
    assert "orders_summary v2.item_count" in text


def test_the_table_keeps_a_long_name_whole_up_to_its_cap() -> None:
    out = io.StringIO()
    Console(file=out, width=120, color_system=None).print(
        change_table(diff := changes(), change_statuses(diff, []))
    )
    assert "customer_ltv.avg_order_value" in out.getvalue()


def test_the_table_stays_within_the_width_whatever_the_consoles_soft_wrap() -> None:
    """The console soft-wraps (long lines left whole for the terminal), which let the table's
    cells run past its width: 164 columns at 160, with the status column filled. Laid out
    wider than the console, the table was cut at its edge, the status column's `blocking
    (erro` and no right border (between 152 and 170 columns)."""
    blocking = [
        Finding(
            code=change.code,
            severity="error",
            message="m",
            unique_id=change.unique_id,
            column_name=change.column,
            disposition="blocking",
        )
        for change in changes().changes
    ]
    for width in range(130, 176):
        out = io.StringIO()
        console = Console(file=out, width=width, color_system=None, soft_wrap=True)
        print_changes(console, changes(), blocking)
        lines = out.getvalue().splitlines()
        assert max(map(len, lines)) <= width, width
        if lines[1].startswith("┏"):
            assert all(line[-1] in "┓┃┩│┘" for line in lines[1:]), width
            assert lines[4].endswith(" blocking (error) │"), width


def test_a_narrow_terminal_gets_one_block_a_change_within_its_width() -> None:
    lines = printed(80)
    assert lines[0] == "Schema changes against the base build"
    assert not any(line.startswith(("┏", "│")) for line in lines)
    assert lines[1] == "breaking.column_removed  orders_summary v2.item_count  integer → ∅"
    assert lines[2] == "    contracted column item_count removed"
    # Each reader on a line of its own, wrapped under a hanging indent, never past the width.
    assert "    revenue_dashboard (exposure, direct reader; may use item_count)" in lines
    assert any(line.startswith("    finance_revenue (direct reader;") for line in lines)
    assert "    readers' owners: Finance Analytics" in lines
    assert lines[-2:] == [
        "safe.column_added  customer_ltv.avg_order_value",
        "    column avg_order_value added",
    ]
    assert all(len(line) <= 80 and line == line.rstrip() for line in lines)


def named_by_kind() -> SchemaDiff:
    """A group, a semantic model, a source and a model of one name, `customers`."""

    def change(code: str, uid: str, kind: str, reason: str) -> Change:
        return Change(
            change_class="safe",
            code=code,
            unique_id=uid,
            name=uid.rsplit(".", 1)[-1],
            resource_type=kind,
            reason=reason,
            policy="safe",
        )

    return SchemaDiff(
        changes=[
            change(
                "safe.group_owner_changed",
                "group.shop.customers",
                "group",
                "group customers: owner Sales -> Growth (1 model: customers)",
            ),
            change(
                "safe.semantic_added",
                "semantic_model.shop.customers",
                "semantic_model",
                "semantic model customers: dimension region added",
            ),
            change(
                "safe.description_changed",
                "source.shop.crm.customers",
                "source",
                "source crm.customers: description changed",
            ),
            change(
                "safe.description_changed",
                "model.shop.customers",
                "model",
                "customers: description changed",
            ),
        ]
    )


def test_a_resource_that_is_not_a_model_is_named_with_its_kind() -> None:
    """A group's row read `customers`, as the model of that name does: only its reason said
    it was a group. Named as their reasons name them, and the reason without it."""
    out = io.StringIO()
    Console(file=out, width=80, color_system=None, soft_wrap=True).print(
        change_table(diff := named_by_kind(), change_statuses(diff, []))
    )
    rows = [
        [cell.strip() for cell in line.split("│")[1:-1]]
        for line in out.getvalue().splitlines()
        if line.startswith("│") and line.split("│")[1].strip()
    ]
    assert [(code, resource) for code, resource, *_ in rows] == [
        ("safe.group_owner_changed", "group customers"),
        ("safe.semantic_added", "semantic model customers"),
        ("safe.description_changed", "source crm.customers"),
        ("safe.description_changed", "customers"),
    ]
    out = io.StringIO()
    print_changes(Console(file=out, width=60, color_system=None), named_by_kind(), [])
    assert out.getvalue().splitlines()[1:] == [
        "safe.group_owner_changed  group customers",
        "    owner Sales -> Growth (1 model: customers)",
        "safe.semantic_added  semantic model customers",
        "    dimension region added",
        "safe.description_changed  source crm.customers",
        "    description changed",
        "safe.description_changed  customers",
        "    description changed",
    ]
