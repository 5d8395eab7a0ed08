"""`metric-ledger gate` end to end, on temporary copies of the real project with a real
`dbt compile` (governance.md §2-3).

A session fixture copies the project into ``base`` and compiles it (production's manifest).
Each case copies ``base`` into its own directory, applies ONE edit, compiles again and runs
`metric-ledger gate --base base/target/manifest.json --format json` there. The metrics the gate
must name are derived independently of metric-ledger: from dbt's own ``child_map`` (every governed
metric downstream of the node the edit touches), or by hand for edits of a single metric.

With METRIC_LEDGER_COMPARE_DBT=1 (about 3 s more per case), each case also runs
`dbt ls --select state:modified+ --resource-type metric --state base/target` in the edited copy
and records which governed metrics dbt selects (``record_property`` ``dbt_state_modified``, e.g.
in ``--junitxml``) next to the gate's verdict (``gate_exit_code``, ``gate_named``), without
asserting anything about dbt: the point is to document where the two disagree.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import (
    REPO,
    copy_project,
    edit_semantic_item,
    run_in_project,
    semantic_metrics,
    semantic_yaml_file,
)

from metric_ledger.approval import bump_ledger_version
from metric_ledger.ledger_docs import DOCS_FILE

CHANGELOG = Path("seeds/metric_changelog.csv")
MANIFEST = Path("target/manifest.json")
PROJECT = "metric_ledger"
COMPARE_DBT_ENV = "METRIC_LEDGER_COMPARE_DBT"
#: `dbt compile` of what the gate reads (models, snapshots, seeds, the semantic layer): the data
#: and unit tests' compiled SQL is never fingerprinted, and compiling them is a third of the time.
COMPILE = ["compile", "--exclude", "resource_type:test", "resource_type:unit_test"]


# --- helpers ------------------------------------------------------------------------------------


def _copy_from(source: Path, destination: Path) -> Path:
    """Copy a project copy (not its target/, logs/ or warehouse) to ``destination``, so every
    edited copy differs from ``base`` by its edit only, even if the repo changes meanwhile; with
    its saved parse, so that dbt re-parses the edited files only."""
    return copy_project(destination, parsed=source, source=source)


def _metric_ledger(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run_in_project(project, list(args), tool="metric-ledger", check=False)


def _gate_json(
    project: Path, base: Path | None = None, changelog: Path | None = None
) -> tuple[int, dict[str, Any]]:
    args = [
        "gate",
        "--target",
        str(project / MANIFEST),
        "--changelog",
        str(changelog or project / CHANGELOG),
        "--format",
        "json",
    ]
    if base is not None:
        args += ["--base", str(base / MANIFEST)]
    proc = _metric_ledger(project, *args)
    assert proc.returncode in (0, 1), f"gate exited {proc.returncode}: {proc.stderr}"
    return proc.returncode, json.loads(proc.stdout)


def _load_manifest(project: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((project / MANIFEST).read_text())
    return data


def _governed(manifest: dict[str, Any]) -> set[str]:
    return {
        metric["name"]
        for metric in manifest["metrics"].values()
        if metric.get("package_name") == PROJECT
        and ((metric.get("config") or {}).get("meta") or {}).get("governed")
    }


def _governed_downstream(manifest: dict[str, Any], start: Iterable[str]) -> set[str]:
    """Governed metrics downstream of ``start`` in dbt's own graph (``child_map``)."""
    seen: set[str] = set()
    pending = list(start)
    while pending:
        for child in manifest["child_map"].get(pending.pop(), []):
            if child not in seen:
                seen.add(child)
                pending.append(child)
    governed = _governed(manifest)
    return {
        node.split(".")[-1]
        for node in seen
        if node.startswith("metric.") and node.split(".")[-1] in governed
    }


def _nodes_whose_raw_code_contains(manifest: dict[str, Any], text: str) -> list[str]:
    return sorted(
        unique_id
        for unique_id, node in manifest["nodes"].items()
        if node.get("resource_type") == "model" and text in (node.get("raw_code") or "")
    )


def _ledger_approvers(manifest: dict[str, Any], metric: str) -> list[str]:
    node = manifest["metrics"][f"metric.{PROJECT}.{metric}"]
    return [str(name) for name in node["config"]["meta"]["ledger"]["approvers"]]


def _edit_text(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{path}: expected {old!r} exactly once"
    path.write_text(text.replace(old, new))


def _ledger(metric: dict[str, Any]) -> dict[str, Any]:
    ledger: dict[str, Any] = metric["config"]["meta"]["ledger"]
    return ledger


def _changelog_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def _dbt_state_modified(project: Path, base: Path, governed: set[str]) -> list[str]:
    """Governed metrics `dbt ls --select state:modified+` selects in ``project`` against base.

    dbt writes its manifest to a separate target path, so it does not replace the compiled one.
    """
    target = project / "target_state"
    target.mkdir(exist_ok=True)
    partial = project / "target" / "partial_parse.msgpack"
    if partial.exists():
        shutil.copy2(partial, target / partial.name)
    proc = run_in_project(
        project,
        [
            "ls",
            "--select",
            "state:modified+",
            "--resource-type",
            "metric",
            "--state",
            str(base / "target"),
            "--output",
            "name",
            "--quiet",
            "--target-path",
            str(target),
        ],
    )
    return sorted(set(proc.stdout.split()) & governed)


# --- the base project (production) --------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    root: Path
    manifest: dict[str, Any]
    governed: set[str]
    repo_findings: list[dict[str, Any]]  # the repo's own gate findings, before any sealing


@pytest.fixture(scope="session")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    """The project, copied and compiled once per session (per xdist worker).

    The cases assume every governed metric is approved on the unmodified project. When the
    repo's changelog lags its YAML, this copy's stale metrics are re-approved with
    `metric-ledger approve` (and compiled again) so the cases still test one edit each;
    ``test_unmodified_project_passes_gate`` reports the repo's own findings.
    """
    root = copy_project(tmp_path_factory.mktemp("gate") / "base")
    run_in_project(root, COMPILE)
    code, result = _gate_json(root)
    repo_findings = result["findings"]
    stale = sorted(
        {
            finding["metric"]
            for finding in repo_findings
            if finding["problem"] in ("definition_changed", "governance_changed")
        }
    )
    others = [
        f for f in repo_findings if f["problem"] not in ("definition_changed", "governance_changed")
    ]
    if others:
        pytest.fail(f"the project's changelog is inconsistent: {others}", pytrace=False)
    if stale:
        manifest = _load_manifest(root)
        for metric in stale:
            _metric_ledger(
                root,
                "approve",
                metric,
                "--by",
                _ledger_approvers(manifest, metric)[0],
                "--reason",
                "test baseline",
                "--target",
                str(root / MANIFEST),
                "--changelog",
                str(root / CHANGELOG),
            ).check_returncode()
        run_in_project(root, COMPILE)
        code, result = _gate_json(root)
    if code != 0:
        pytest.fail(f"gate fails on the unmodified project: {result['findings']}", pytrace=False)
    manifest = _load_manifest(root)
    return Base(root, manifest, _governed(manifest), repo_findings)


def test_unmodified_project_passes_gate(base: Base) -> None:
    """The repo's own changelog approves every governed metric as it is (exit 0)."""
    assert len(base.governed) >= 15
    problems = [(f["metric"], f["problem"], f["message"]) for f in base.repo_findings]
    assert problems == [], "seeds/metric_changelog.csv does not approve the current YAML"


# --- the edits ------------------------------------------------------------------------------------


def _narrow_filter(project: Path) -> None:
    def edit(metric: dict[str, Any]) -> None:
        metric["filter"] += " and {{ Dimension('ticket__priority') }} <> 'p4'"

    edit_semantic_item(project, "metrics", "first_response_minutes_p50", edit)


def _narrow_input_metric_filter(project: Path) -> None:
    def edit(metric: dict[str, Any]) -> None:
        metric["filter"] += " and {{ Dimension('ticket__priority') }} <> 'p4'"

    edit_semantic_item(project, "metrics", "reopened_tickets", edit)


def _median_to_average(project: Path) -> None:
    def edit(semantic_model: dict[str, Any]) -> None:
        measure = next(
            m for m in semantic_model["measures"] if m["name"] == "first_response_minutes_median"
        )
        assert measure["agg"] == "median"
        measure["agg"] = "average"

    edit_semantic_item(project, "semantic_models", "tickets", edit)


def _include_merged_tickets(project: Path) -> None:
    _edit_text(
        project / "models/intermediate/support/int_tickets_population.sql",
        "            and primary_rows.merged_into_ticket_id is null\n",
        "",
    )


def _add_acknowledgement_macro(project: Path) -> None:
    path = project / "seeds/acknowledgement_macros.csv"
    text = path.read_text()
    path.write_text(text + ("" if text.endswith("\n") else "\n") + 'mac_ack_new,"On it."\n')


def _widen_reopen_window(project: Path) -> None:
    _edit_text(project / "dbt_project.yml", "reopen_window_days: 14", "reopen_window_days: 21")


def _on_hold_not_open(project: Path) -> None:
    _edit_text(
        project / "macros/definitions/helpdesk_enums.sql",
        "'open_status': ['new', 'open', 'pending', 'on_hold']",
        "'open_status': ['new', 'open', 'pending']",
    )


def _csat_threshold(project: Path) -> None:
    def edit(metric: dict[str, Any]) -> None:
        limits = _ledger(metric)["stop_the_line"]["counter_metric_limits"]
        assert limits["csat_response_rate"] == 0.2
        limits["csat_response_rate"] = 0.25

    edit_semantic_item(project, "metrics", "csat_score", edit)


BUSINESS_MINUTES_SQL = "models/intermediate/support/int_tickets_business_minutes.sql"


def _cosmetic_sql(project: Path) -> None:
    """Aliases renamed consistently, comments, blank lines, re-indentation, keyword case and
    the order of the ANDed join predicates: nothing the model computes."""
    path = project / BUSINESS_MINUTES_SQL
    text = path.read_text()
    text = re.sub(r"\bpopulation\b", "pop", text)
    text = re.sub(r"\bfirst_responses\b", "fr", text)
    text = text.replace("with\n", "-- note: cosmetic edit\nwith\n\n", 1)
    text = text.replace("    select\n", "    SELECT -- note\n\n")
    text = text.replace("\n        ", "\n            ")
    old_join = (
        "tickets.region = windows.region\n"
        "                and tickets.first_response_at > windows.window_start_at\n"
        "                and tickets.created_at < windows.window_end_at"
    )
    new_join = (
        "tickets.created_at < windows.window_end_at\n"
        "  and tickets.region = windows.region   -- same region\n"
        "  and tickets.first_response_at > windows.window_start_at"
    )
    assert old_join in text
    path.write_text(text.replace(old_join, new_join))


def _documentation(project: Path) -> None:
    def edit(metric: dict[str, Any]) -> None:
        metric["label"] = "Median first response (minutes)"
        metric["description"] = "Median wall-clock minutes to the first human reply."
        _ledger(metric)["known_biases"] = "Acknowledgement macros stop the clock."

    edit_semantic_item(project, "metrics", "first_response_minutes_p50", edit)


def _dev_schema(project: Path) -> None:
    _edit_text(project / "profiles/profiles.yml", "schema: main", "schema: dev_someone")


def _swap_or_operands(project: Path) -> None:
    _edit_text(
        project / "models/intermediate/support/int_ticket_open_intervals.sql",
        "(open_until_at is null or open_until_at > open_from_at)",
        "(open_until_at > open_from_at or open_until_at is null)",
    )


FCT_TICKETS_SQL = "models/marts/support/fct_tickets.sql"
REOPENS_SQL = "models/intermediate/support/int_tickets_reopens.sql"


def _alias_as_same_name(project: Path) -> None:
    """`left join reopens` -> `left join reopens as reopens`: the same relation, named twice."""
    _edit_text(
        project / FCT_TICKETS_SQL, "    left join reopens\n", "    left join reopens as reopens\n"
    )


def _table_alias_renamed(project: Path) -> None:
    """A table alias introduced and every reference to it renamed."""
    path = project / FCT_TICKETS_SQL
    text = path.read_text()
    assert "left join reopens\n" in text
    text = text.replace("left join reopens\n", "left join reopens as r\n")
    text = re.sub(r"\breopens\.", "r.", text)
    path.write_text(text)


def _cte_renamed(project: Path) -> None:
    """A CTE renamed, with every reference to it."""
    path = project / REOPENS_SQL
    text = path.read_text()
    assert "status_changes as (" in text
    path.write_text(re.sub(r"\bstatus_changes\b", "ticket_status_history", text))


def _parenthesised(project: Path) -> None:
    """Parentheses around a whole condition and around single terms."""
    path = project / REOPENS_SQL
    text = path.read_text()
    old = "previous_status = 'solved'"
    assert old in text
    path.write_text(text.replace(old, "((previous_status) = ('solved'))", 1))


def _covered_channels_narrowed(project: Path) -> None:
    """One metric stops covering social: its filter and its ledger's covered_channels (which the
    coverage models read) change together."""

    def edit(metric: dict[str, Any]) -> None:
        metric["filter"] = metric["filter"].replace(", 'social'", "")
        ledger = _ledger(metric)
        ledger["covered_channels"] = [c for c in ledger["covered_channels"] if c != "social"]

    edit_semantic_item(project, "metrics", FRT, edit)


# --- the cases ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExpectedChange:
    metric: str
    component: str
    summary: str  # a prefix of the change's summary
    chain_start: str  # a prefix of the cause chain; the chain always ends at the metric
    detail: str | None = None  # text of a removed (-) line of the SQL diff


@dataclass(frozen=True)
class Case:
    edit: Callable[[Path], None]
    exit_code: int
    problem: str | None = None
    named: frozenset[str] | None = None  # exactly these metrics
    downstream_of: Callable[[dict[str, Any]], list[str]] | None = None  # or: governed below these
    must_name: frozenset[str] = frozenset()
    must_not_name: frozenset[str] = frozenset()
    # column-precise lineage: the gate may name fewer metrics than the model-level lineage
    # (``downstream_of``), never more, and always ``must_name``
    within_downstream: bool = False
    changes: tuple[ExpectedChange, ...] = ()
    documentation: frozenset[str] = frozenset()
    documentation_summaries: frozenset[str] = frozenset()
    compiled_differs: str | None = None  # a node whose compiled SQL the edit really changes


FRT = "first_response_minutes_p50"
FMRT = "first_meaningful_response_minutes_p50"
UNRELATED = frozenset({"schedule_adherence"})  # agent shifts only: no ticket lineage

CASES: dict[str, Case] = {
    "filter_narrowed": Case(
        _narrow_filter,
        1,
        "definition_changed",
        named=frozenset({FRT}),
        changes=(
            ExpectedChange(
                FRT,
                f"metric:{FRT}",
                f"metric {FRT}: filter narrowed: + {{{{ Dimension('ticket__priority') }}}} <> 'p4'",
                f"metric {FRT}",
            ),
        ),
    ),
    "input_metric_filter_narrowed": Case(
        _narrow_input_metric_filter,
        1,
        "definition_changed",
        named=frozenset({"reopen_rate"}),
        changes=(
            ExpectedChange(
                "reopen_rate",
                "metric:reopened_tickets",
                "metric reopened_tickets: filter narrowed: + "
                "{{ Dimension('ticket__priority') }} <> 'p4'",
                "metric reopened_tickets -> metric reopen_rate",
            ),
        ),
    ),
    "measure_aggregation_changed": Case(
        _median_to_average,
        1,
        "definition_changed",
        named=frozenset({FRT}),
        changes=(
            ExpectedChange(
                FRT,
                "measure:first_response_minutes_median",
                "measure first_response_minutes_median: aggregation changed from median to average",
                f"measure first_response_minutes_median -> semantic model tickets -> metric {FRT}",
            ),
        ),
    ),
    "upstream_exclusion_removed": Case(
        _include_merged_tickets,
        1,
        "definition_changed",
        downstream_of=lambda m: [f"model.{PROJECT}.int_tickets_population"],
        must_name=frozenset({FRT, FMRT, "reopen_rate", "contacts", "coverage_rate"}),
        must_not_name=UNRELATED,
        within_downstream=True,
        changes=tuple(
            ExpectedChange(
                metric,
                f"sql:model.{PROJECT}.int_tickets_population",
                "upstream model int_tickets_population logic changed",
                "int_tickets_population.",
                "merged_into_ticket_id is null",
            )
            for metric in (FRT, "reopen_rate", "backlog_open")
        ),
    ),
    "upstream_seed_row_added": Case(
        _add_acknowledgement_macro,
        1,
        "definition_changed",
        downstream_of=lambda m: [f"seed.{PROJECT}.acknowledgement_macros"],
        must_name=frozenset({FMRT, FRT}),
        must_not_name=UNRELATED,
        within_downstream=True,
        changes=(
            ExpectedChange(
                FMRT,
                f"seed:seed.{PROJECT}.acknowledgement_macros",
                "seed acknowledgement_macros rows: 1 added, 0 removed, 0 changed",
                "seed acknowledgement_macros -> model int_ticket_messages_classified -> ",
            ),
        ),
    ),
    "var_changed": Case(
        # only reopen_rate reads reopen_count; the 17 other ticket metrics are not named
        _widen_reopen_window,
        1,
        "definition_changed",
        named=frozenset({"reopen_rate"}),
        changes=(
            ExpectedChange(
                "reopen_rate",
                "var:reopen_window_days",
                "var reopen_window_days changed: 14 -> 21",
                "var reopen_window_days -> metric reopen_rate",
            ),
            ExpectedChange(
                "reopen_rate",
                f"sql:model.{PROJECT}.int_tickets_reopens",
                "upstream model int_tickets_reopens logic changed (columns: reopen_count)",
                "var reopen_window_days -> int_tickets_reopens.reopen_count -> "
                "fct_tickets.is_reopened -> measure reopened_count -> metric reopened_tickets "
                "-> metric reopen_rate",
                "cast(14 as bigint)",
            ),
        ),
    ),
    "macro_body_changed": Case(
        _on_hold_not_open,
        1,
        "definition_changed",
        downstream_of=lambda m: _nodes_whose_raw_code_contains(m, "'open_status'"),
        must_name=frozenset({"reopen_rate", "backlog_open", "backlog_older_than_72h"}),
        must_not_name=UNRELATED,
        within_downstream=True,
        changes=(
            ExpectedChange(
                "backlog_open",
                f"sql:model.{PROJECT}.int_ticket_open_intervals",
                "upstream model int_ticket_open_intervals logic changed",
                "int_ticket_open_intervals.",
                "'on_hold'",
            ),
            ExpectedChange(
                "reopen_rate",
                f"sql:model.{PROJECT}.int_tickets_reopens",
                "upstream model int_tickets_reopens logic changed",
                "int_tickets_reopens.reopen_count -> fct_tickets.is_reopened -> ",
                "'on_hold'",
            ),
        ),
    ),
    "governance_threshold_changed": Case(
        _csat_threshold,
        1,
        "governance_changed",
        named=frozenset({"csat_score"}),
        changes=(
            ExpectedChange(
                "csat_score",
                "ledger.stop_the_line",
                "stop_the_line.counter_metric_limits.csat_response_rate changed: 0.2 -> 0.25",
                "ledger stop_the_line -> metric csat_score",
            ),
        ),
    ),
    "cosmetic_sql_edit": Case(
        _cosmetic_sql,
        0,
        named=frozenset(),
        compiled_differs=f"model.{PROJECT}.int_tickets_business_minutes",
    ),
    "documentation_edit": Case(
        _documentation,
        0,
        named=frozenset(),
        documentation=frozenset({FRT}),
        documentation_summaries=frozenset(
            {"label edited", "description edited", "known_biases edited"}
        ),
    ),
    "dev_schema": Case(
        _dev_schema,
        0,
        named=frozenset(),
        compiled_differs=f"model.{PROJECT}.fct_tickets",
    ),
}

# Canonical SQL completes its promise (issue 10): `as <same name>`, a renamed table alias or CTE
# and redundant parentheses are cosmetic. A channel list that a model reads is never
# documentation.
CASES.update(
    {
        "alias_as_same_name": Case(
            _alias_as_same_name,
            0,
            named=frozenset(),
            compiled_differs=f"model.{PROJECT}.fct_tickets",
        ),
        "table_alias_renamed": Case(
            _table_alias_renamed,
            0,
            named=frozenset(),
            compiled_differs=f"model.{PROJECT}.fct_tickets",
        ),
        "cte_renamed": Case(
            _cte_renamed,
            0,
            named=frozenset(),
            compiled_differs=f"model.{PROJECT}.int_tickets_reopens",
        ),
        "parenthesised": Case(
            _parenthesised,
            0,
            named=frozenset(),
            compiled_differs=f"model.{PROJECT}.int_tickets_reopens",
        ),
        "covered_channels_narrowed": Case(
            _covered_channels_narrowed,
            1,
            "definition_changed",
            named=frozenset({FRT}),
            changes=(
                ExpectedChange(
                    FRT,
                    "ledger.covered_channels",
                    "covered_channels changed: ['email', 'web_form', 'chat', 'social'] -> "
                    "['email', 'web_form', 'chat']",
                    f"ledger covered_channels -> metric {FRT}",
                ),
            ),
        ),
    }
)

# Canonical SQL ignores predicate order at any depth (governance.md §2): swapping the operands of
# an OR chain nested in an AND needs no re-approval (a regression test of a fixed bug).
NESTED_PREDICATE_CASES: dict[str, Case] = {
    "predicate_order_in_nested_or": Case(
        _swap_or_operands,
        0,
        named=frozenset(),
        compiled_differs=f"model.{PROJECT}.int_ticket_open_intervals",
    ),
}


def _case_params() -> list[Any]:
    params: list[Any] = [pytest.param(name, CASES[name], id=name) for name in CASES]
    params += [pytest.param(name, case, id=name) for name, case in NESTED_PREDICATE_CASES.items()]
    return params


@pytest.mark.parametrize(("name", "case"), _case_params())
def test_gate_after_one_edit(
    base: Base,
    tmp_path: Path,
    name: str,
    case: Case,
    record_property: Callable[[str, object], None],
) -> None:
    work = _copy_from(base.root, tmp_path / "work")
    case.edit(work)
    run_in_project(work, COMPILE)
    code, result = _gate_json(work, base=base.root)
    named = sorted({finding["metric"] for finding in result["findings"]})
    record_property("gate_exit_code", code)
    record_property("gate_named", named)
    if os.environ.get(COMPARE_DBT_ENV):
        record_property("dbt_state_modified", _dbt_state_modified(work, base.root, base.governed))

    current = _load_manifest(work)
    if case.compiled_differs:  # the edit is real: dbt compiles different SQL
        node = case.compiled_differs
        assert (
            current["nodes"][node]["compiled_code"] != base.manifest["nodes"][node]["compiled_code"]
        )

    assert code == case.exit_code, result["findings"]
    assert result["passed"] is (case.exit_code == 0)
    assert {finding["problem"] for finding in result["findings"]} <= {case.problem}

    if case.named is not None:
        assert set(named) == set(case.named)
    else:
        assert case.downstream_of is not None
        start = case.downstream_of(current)
        assert start, "the edit touches no node of the project"
        expected = _governed_downstream(current, start)
        if case.within_downstream:
            assert set(named) <= expected
        else:
            assert set(named) == expected
    assert case.must_name <= set(named)
    assert not case.must_not_name & set(named)

    by_metric = {finding["metric"]: finding for finding in result["findings"]}
    for finding in result["findings"]:
        assert finding["changes"], f"{finding['metric']}: no explanation of the change"
        assert finding["reapprove_command"].startswith(
            f"metric-ledger approve {finding['metric']} --by "
        )
        for change in finding["changes"]:
            assert change["cause_chain"].endswith(f"metric {finding['metric']}"), change
    for want in case.changes:
        changes = {change["component"]: change for change in by_metric[want.metric]["changes"]}
        assert want.component in changes, sorted(changes)
        change = changes[want.component]
        assert change["summary"].startswith(want.summary), change["summary"]
        assert change["cause_chain"].startswith(want.chain_start), change["cause_chain"]
        if want.detail is not None:
            removed = [line for line in change["detail"] if line.startswith("-")]
            # canonical SQL quotes identifiers: compare without the quotes
            assert any(want.detail in line.lower().replace('"', "") for line in removed), change[
                "detail"
            ]

    documented = {drift["metric"] for drift in result["documentation_changes"]}
    assert documented == set(case.documentation)
    if case.exit_code == 0:
        diff = _metric_ledger(
            work, "diff", "--base", str(base.root / MANIFEST), "--target", str(work / MANIFEST),
            "--json",
        )  # fmt: skip
        assert diff.returncode == 0, diff.stderr
        drifts = json.loads(diff.stdout)
        assert {d["metric"]: d["category"] for d in drifts} == dict.fromkeys(
            case.documentation, "documentation"
        )
        summaries = {change["summary"] for d in drifts for change in d["changes"]}
        assert summaries == set(case.documentation_summaries)


# --- the re-approval workflow -----------------------------------------------------------------


def test_the_committed_ledger_docs_are_current(base: Base) -> None:
    """`metric-ledger docs --check`: the docs blocks in the repo match the compiled project and
    the repo's changelog (`metric-ledger approve` rewrites them; `metric-ledger docs` after a
    ledger edit)."""
    check = _metric_ledger(
        base.root, "docs", "--check", "--target", str(base.root / MANIFEST),
        "--changelog", str(REPO / CHANGELOG), "--out", str(REPO / DOCS_FILE),
    )  # fmt: skip
    assert check.returncode == 0, check.stderr
    text = (REPO / DOCS_FILE).read_text()
    assert all(f"(`{metric}`)" in text for metric in base.governed)


def test_the_demo_pages_are_exposures_of_every_governed_metric(base: Base) -> None:
    """`make demo`'s drift check and memos show every governed metric, so a definition change's
    re-baseline notice names them: their exposures must list each governed metric."""
    for name in ("weekly_drift_check", "metric_memos"):
        exposure = base.manifest["exposures"][f"exposure.{PROJECT}.{name}"]
        listed = {node.split(".")[-1] for node in exposure["depends_on"]["nodes"]}
        assert base.governed <= listed, (name, sorted(base.governed - listed))


def test_reapproval_workflow(base: Base, tmp_path: Path) -> None:
    """Without --base the gate still names the metric and prints the command; a listed approver
    re-approves (a new changelog version, the ledger version bumped); after `dbt compile` the gate
    passes. A person who is not an approver is refused (exit 2, one line)."""
    work = _copy_from(base.root, tmp_path / "work")
    _narrow_filter(work)
    run_in_project(work, COMPILE)
    manifest_args = ["--target", str(work / MANIFEST), "--changelog", str(work / CHANGELOG)]

    gate = _metric_ledger(work, "gate", *manifest_args)
    assert gate.returncode == 1, gate.stdout + gate.stderr
    failing = re.findall(r"^- (\w+): ", gate.stdout, flags=re.MULTILINE)
    assert failing == [FRT]
    assert re.search(rf"metric-ledger approve {FRT} --by \w+ --reason", gate.stdout)

    before = (work / CHANGELOG).read_text()
    refused = _metric_ledger(
        work, "approve", FRT, "--by", "mallory", "--reason", "narrow", *manifest_args
    )
    assert refused.returncode == 2
    assert refused.stdout == ""
    assert len(refused.stderr.strip().splitlines()) == 1
    assert "mallory" in refused.stderr
    assert (work / CHANGELOG).read_text() == before

    approvers = _ledger_approvers(_load_manifest(work), FRT)
    approver = approvers[-1]  # any listed approver, not only the owner
    previous = max(
        int(r["version"]) for r in _changelog_rows(work / CHANGELOG) if r["metric_name"] == FRT
    )
    approved = _metric_ledger(
        work, "approve", FRT, "--by", approver, "--reason", "Chat excluded", *manifest_args
    )
    assert approved.returncode == 0, approved.stderr
    last = _changelog_rows(work / CHANGELOG)[-1]
    assert last["metric_name"] == FRT
    assert int(last["version"]) == previous + 1
    assert last["change_type"] == "definition_change"
    assert last["approved_by"] == approver
    prints = json.loads(
        _metric_ledger(work, "fingerprint", "--target", str(work / MANIFEST), "--json").stdout
    )
    current = next(item for item in prints if item["metric"] == FRT)
    assert last["definition_fingerprint"] == current["definition_fingerprint"]
    assert last["governance_fingerprint"] == current["governance_fingerprint"]
    ledger = yaml.safe_load(semantic_yaml_file(work, "metrics", FRT).read_text())
    metric = next(m for m in ledger["metrics"] if m["name"] == FRT)
    assert _ledger(metric)["version"] == previous + 1
    # the docs blocks `dbt docs generate` shows carry the approval
    docs = (work / DOCS_FILE).read_text()
    section = docs.split(f"(`{FRT}`)")[1].split("\n### ")[0]
    assert f"**Approved version**: {previous + 1}" in section
    assert f"| {previous + 1} |" in section and "Chat excluded" in section

    run_in_project(work, COMPILE)  # the ledger version lives in the YAML
    code, result = _gate_json(work)
    assert code == 0, result["findings"]
    check = _metric_ledger(work, "docs", "--check", *manifest_args, "--out", str(work / DOCS_FILE))
    assert check.returncode == 0, check.stderr
    code, result = _gate_json(work, base=base.root)
    assert code == 0, result["findings"]

    again = _metric_ledger(work, "approve", FRT, "--by", approver, "--reason", "x", *manifest_args)
    assert again.returncode == 2
    assert "already approved" in again.stderr


def test_approve_bumps_the_version_in_the_file_that_defines_the_metric(tmp_path: Path) -> None:
    """`approve` edits the ledger version in place, in the semantic model's own file as written
    by hand (comments, flow lists, folded prose): every governed metric is found, and nothing
    but its version changes."""
    project = copy_project(tmp_path / "project")
    governed = [m["name"] for m in semantic_metrics(project) if m["config"]["meta"].get("governed")]
    assert len(governed) == 19
    for name in governed:
        path = semantic_yaml_file(project, "metrics", name)
        before_text = path.read_text()
        expected = yaml.safe_load(before_text)
        metric = next(m for m in expected["metrics"] if m["name"] == name)
        _ledger(metric)["version"] += 1
        assert bump_ledger_version(project, name, _ledger(metric)["version"]) == path
        assert yaml.safe_load(path.read_text()) == expected, name
        changed = [
            (old, new)
            for old, new in zip(
                before_text.splitlines(), path.read_text().splitlines(), strict=True
            )
            if old != new
        ]
        assert len(changed) == 1 and changed[0][1].strip().startswith("version: "), changed
    assert bump_ledger_version(project, "not_a_metric", 2) is None


# --- unreadable input, inconsistent changelog -----------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param("{", "not valid JSON", id="truncated_json"),
        pytest.param("[]", "not a dbt manifest", id="not_a_manifest"),
        pytest.param(None, "not found", id="missing_file"),
    ],
)
def test_unreadable_manifest_exits_2(
    base: Base, tmp_path: Path, content: str | None, expected: str
) -> None:
    manifest = tmp_path / "manifest.json"
    if content is not None:
        manifest.write_text(content)
    for args in (
        ["gate", "--target", str(manifest), "--changelog", str(base.root / CHANGELOG)],
        ["gate", "--target", str(base.root / MANIFEST), "--base", str(manifest),
         "--changelog", str(base.root / CHANGELOG)],
    ):  # fmt: skip
        proc = _metric_ledger(base.root, *args)
        assert proc.returncode == 2
        assert proc.stdout == ""
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1, proc.stderr
        assert str(manifest) in lines[0]
        assert expected in lines[0]


Rows = list[dict[str, str]]


def _latest(rows: Rows, metric: str) -> dict[str, str]:
    return max(
        (r for r in rows if r["metric_name"] == metric),
        key=lambda r: (int(r["version"]), r["approved_at"]),
    )


def _next_row(rows: Rows, metric: str, skip: int = 0, **values: str) -> Rows:
    """``rows`` plus a copy of ``metric``'s latest row, ``skip`` versions further on."""
    latest = _latest(rows, metric)
    return [*rows, {**latest, "version": str(int(latest["version"]) + 1 + skip), **values}]


def _write_changelog(path: Path, rows: Rows) -> Path:
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


CHANGELOG_BREAKS: dict[str, tuple[Callable[[Rows], Rows], set[tuple[str, str]]]] = {
    "version_gap": (
        lambda rows: _next_row(rows, "reopen_rate", skip=1),
        {("reopen_rate", "versions_not_consecutive")},
    ),
    "approver_not_listed": (
        lambda rows: _next_row(rows, "reopen_rate", approved_by="mallory"),
        {("reopen_rate", "approver_not_listed")},
    ),
    "unknown_metric": (
        lambda rows: [*rows, {**rows[0], "metric_name": "no_such_metric", "version": "1"}],
        {("no_such_metric", "unknown_metric")},
    ),
    "metric_without_row": (
        lambda rows: [r for r in rows if r["metric_name"] != "reopen_rate"],
        {("reopen_rate", "not_approved")},
    ),
}


@pytest.mark.parametrize("name", sorted(CHANGELOG_BREAKS))
def test_inconsistent_changelog_exits_1(base: Base, tmp_path: Path, name: str) -> None:
    """The changelog is well formed but does not approve what it should: exit 1, naming only
    the metric concerned."""
    break_rows, must = CHANGELOG_BREAKS[name]
    rows = break_rows(_changelog_rows(base.root / CHANGELOG))
    changelog = _write_changelog(tmp_path / "metric_changelog.csv", rows)
    code, result = _gate_json(base.root, changelog=changelog)
    assert code == 1
    problems = {(f["metric"], f["problem"]) for f in result["findings"]}
    assert must <= problems
    assert {metric for metric, _ in problems} == {metric for metric, _ in must}


def test_malformed_changelog_exits_2(base: Base, tmp_path: Path) -> None:
    rows = _changelog_rows(base.root / CHANGELOG)
    rows[1] = {**rows[1], "version": "one"}  # line 3 of the file
    changelog = _write_changelog(tmp_path / "metric_changelog.csv", rows)
    proc = _metric_ledger(
        base.root, "gate", "--target", str(base.root / MANIFEST), "--changelog", str(changelog)
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert f"{changelog}:3: version is not an integer" in line


# --- regressions of fixed library bugs -----------------------------------------------------------


def test_fingerprints_do_not_depend_on_the_checkout(base: Base, tmp_path: Path) -> None:
    """The same compiled manifest, read after its project directory moved away (as production's
    manifest is, on a developer's machine or in CI), has the same fingerprints."""

    def prints(manifest: Path) -> dict[str, str]:
        proc = _metric_ledger(tmp_path, "fingerprint", "--target", str(manifest), "--json")
        assert proc.returncode == 0, proc.stderr
        return {item["metric"]: item["definition_fingerprint"] for item in json.loads(proc.stdout)}

    in_place = prints(base.root / MANIFEST)
    moved = tmp_path / "moved"
    base.root.rename(moved)  # tests of one worker run one at a time: nothing else reads base now
    try:
        elsewhere = prints(moved / MANIFEST)
    finally:
        moved.rename(base.root)
    changed = sorted(name for name in in_place if elsewhere.get(name) != in_place[name])
    assert changed == []


def test_the_gate_builds_one_fingerprinter_per_manifest(
    base: Base, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gate --base` fingerprints and explains with one Fingerprinter per manifest (its memoised
    SQL and column lineage serve every changed node), and still explains a column-precise
    change."""
    from metric_ledger import fingerprint
    from metric_ledger.changelog import read_changelog
    from metric_ledger.gate import run_gate
    from metric_ledger.manifest import Manifest, load_manifest

    head_data = json.loads((base.root / MANIFEST).read_text())
    node = head_data["nodes"][f"model.{PROJECT}.int_tickets_reopens"]
    assert "then 1" in node["compiled_code"]
    node["compiled_code"] = node["compiled_code"].replace("then 1", "then 2", 1)
    (tmp_path / "target").mkdir()
    head_path = tmp_path / "target" / "manifest.json"
    head_path.write_text(json.dumps(head_data))
    built: list[str] = []
    original_init = fingerprint.Fingerprinter.__init__

    def counting_init(self: fingerprint.Fingerprinter, manifest: Manifest, *a: Any) -> None:
        built.append(str(manifest.path))
        original_init(self, manifest, *a)

    monkeypatch.setattr(fingerprint.Fingerprinter, "__init__", counting_init)
    result = run_gate(
        load_manifest(head_path),
        read_changelog(base.root / CHANGELOG),
        load_manifest(base.root / MANIFEST),
    )
    assert sorted(built) == sorted([str(base.root / MANIFEST), str(head_path)])
    changed = [
        change
        for drift in result.drifts
        for change in drift.changes
        if change.component == f"sql:model.{PROJECT}.int_tickets_reopens"
    ]
    assert changed, "the edit of int_tickets_reopens is explained"
