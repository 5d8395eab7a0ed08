"""Column-precise lineage of one compiled model (metric_ledger.lineage), on small SQL.

Each case states what a column depends on, or which two texts must slice to the same (or a
different) canonical SQL. The models read two relations, ``db.main.tickets`` and
``db.main.events``, whose columns are given as the parents' columns.
"""

from __future__ import annotations

import pytest

from metric_ledger.lineage import ColumnGraph, LineageUnresolved, analyse, expression_columns

RELATIONS = {'"db"."main"."tickets"': "model.p.tickets", '"db"."main"."events"': "model.p.events"}
COLUMNS = {
    "model.p.tickets": ["ticket_id", "channel", "created_at", "is_included", "note"],
    "model.p.events": ["event_id", "ticket_id", "kind", "occurred_at"],
}
T = '"db"."main"."tickets"'
E = '"db"."main"."events"'


def _lineage(sql: str):  # type: ignore[no-untyped-def]
    return analyse(sql, RELATIONS, COLUMNS.get, "duckdb")


def _slice(sql: str, *columns: str) -> str:
    return _lineage(sql).sliced_sql(columns, "duckdb")


def test_a_column_depends_on_what_its_expression_reads_through_ctes() -> None:
    lineage = _lineage(
        f"with t as (select * from {T}), f as (select ticket_id, channel || note as label "
        "from t) select * from f"
    )
    assert lineage.columns == ["ticket_id", "label"]
    assert lineage.parent_columns(["label"]) == {
        ("model.p.tickets", "channel"),
        ("model.p.tickets", "note"),
    }
    assert lineage.parent_columns(["ticket_id"]) == {("model.p.tickets", "ticket_id")}


def test_where_join_and_group_by_count_for_every_column_that_passes_through() -> None:
    lineage = _lineage(
        f"select t.channel, count(*) as events from {T} as t join {E} as e "
        "on t.ticket_id = e.ticket_id where e.kind = 'reply' group by t.channel"
    )
    row_columns = {
        ("model.p.tickets", "ticket_id"),
        ("model.p.events", "ticket_id"),
        ("model.p.events", "kind"),
        ("model.p.tickets", "channel"),
    }
    assert lineage.parent_columns(["events"]) == row_columns
    assert lineage.parent_columns(["channel"]) == row_columns


def test_a_filter_in_a_cte_a_column_does_not_flow_through_does_not_count() -> None:
    lineage = _lineage(
        f"with replies as (select ticket_id from {E} where kind = 'reply'), "
        f"t as (select ticket_id, channel from {T}) "
        "select t.ticket_id, t.channel, (select count(*) from replies) as replies from t"
    )
    assert ("model.p.events", "kind") not in lineage.parent_columns(["channel"])
    assert ("model.p.events", "kind") in lineage.parent_columns(["replies"])


def test_union_branches_and_window_functions() -> None:
    lineage = _lineage(
        f"with u as (select ticket_id, created_at as at from {T} union all "
        f"select ticket_id, occurred_at from {E}) "
        "select ticket_id, row_number() over (partition by ticket_id order by at) as n from u"
    )
    assert lineage.parent_columns(["n"]) == {
        ("model.p.tickets", "ticket_id"),
        ("model.p.tickets", "created_at"),
        ("model.p.events", "ticket_id"),
        ("model.p.events", "occurred_at"),
    }


def test_a_slice_keeps_only_what_the_columns_read() -> None:
    base = f"with t as (select ticket_id, channel, note from {T}) select * from t"
    edited = f"with t as (select ticket_id, channel, upper(note) as note from {T}) select * from t"
    assert _slice(base, "channel") == _slice(edited, "channel")
    assert _slice(base, "note") != _slice(edited, "note")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        pytest.param(
            f"select t.channel from {T} as t", f"select channel as channel from {T}", id="as_same"
        ),
        pytest.param(
            f"select a.channel from {T} as a", f"select b.channel from {T} as b", id="table_alias"
        ),
        pytest.param(
            f"with x as (select channel from {T}) select channel from x",
            f"with renamed as (select channel from {T}) select renamed.channel from renamed",
            id="cte_renamed",
        ),
        pytest.param(
            f"select channel from {T} where ((channel) = ('email')) and (is_included)",
            f"select channel from {T} where is_included and channel = 'email'",
            id="parentheses_and_predicate_order",
        ),
    ],
)
def test_cosmetic_edits_slice_to_the_same_sql(left: str, right: str) -> None:
    assert _slice(left, "channel") == _slice(right, "channel")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        pytest.param(
            f"select t.channel from {T} t join {E} e on t.ticket_id = e.ticket_id",
            f"select t.channel from {T} t left join {E} e on t.ticket_id = e.ticket_id",
            id="join_type",
        ),
        pytest.param(
            f"select channel from {T} where is_included",
            f"select channel from {T}",
            id="filter_removed",
        ),
        pytest.param(
            f"select distinct channel from {T}", f"select channel from {T}", id="distinct"
        ),
        pytest.param(
            f"select (created_at + 1) * 2 as channel from {T}",
            f"select created_at + 1 * 2 as channel from {T}",
            id="arithmetic_parentheses",
        ),
    ],
)
def test_semantic_edits_slice_differently(left: str, right: str) -> None:
    assert _slice(left, "channel") != _slice(right, "channel")


@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        pytest.param("select from where", "does not parse", id="unparseable"),
        pytest.param(f"select 1; select * from {T}", "single select", id="two_statements"),
        pytest.param(
            'select * from "db"."main"."unknown_parent"',
            "star that cannot be expanded",
            id="unknown",
        ),
        pytest.param(f"select nothing_here from {T}", "cannot be qualified", id="bad_column"),
    ],
)
def test_what_cannot_be_resolved_says_why(sql: str, reason: str) -> None:
    with pytest.raises(LineageUnresolved, match=reason):
        _lineage(sql)


def test_the_graph_closure_walks_columns_and_falls_back_to_whole_nodes() -> None:
    code = {
        "model.p.facts": 'select ticket_id, channel from "db"."main"."staged"',
        "model.p.staged": f"select ticket_id, channel, note from {T} where is_included",
        "model.p.broken": f"select ticket_id from {T} where (((",
        "model.p.uses_broken": 'select ticket_id from "db"."main"."broken"',
    }
    relations = {
        **RELATIONS,
        '"db"."main"."staged"': "model.p.staged",
        '"db"."main"."broken"': "model.p.broken",
    }
    graph = ColumnGraph(
        relations=relations,
        compiled=code.get,
        declared=lambda node: COLUMNS.get(node) or (["ticket_id"] if "broken" in node else None),
        dialect="duckdb",
    )
    required = graph.closure({"model.p.facts": {"channel"}})
    assert required == {
        "model.p.facts": {"channel"},
        "model.p.staged": {"channel"},
        "model.p.tickets": {"channel", "is_included"},
    }
    assert graph.unresolved("model.p.broken") is not None
    required = graph.closure({"model.p.uses_broken": {"ticket_id"}})
    assert required["model.p.broken"] is None  # whole node
    assert required["model.p.tickets"] is None  # every column of an unresolved node's parents


def test_expression_columns() -> None:
    assert expression_columns("case when is_included then 1 else 0 end") == {"is_included"}
    assert expression_columns("logged_in_minutes / 60.0") == {"logged_in_minutes"}
    assert expression_columns("1") == set()
