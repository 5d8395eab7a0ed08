"""metric_sql against MetricFlow: the project's own SQL for the governed metrics answers what
`mf query` answers, week by week and segment by segment, on a real build of a project copy.

`metric_values_sql` (macros/governance/metric_sql.sql) compiles every governed metric from the
semantic layer into warehouse SQL, because MetricFlow cannot be called from a model; its output
feeds metric_values_weekly (status, decision triggers), metric_values_segment_weekly (the impact
preview), int_branch_metric_values (the branch comparison gate) and the decision reviews. It is a
second implementation of MetricFlow's SQL, so this module compares the two for every governed
metric (config.meta.governed) by `metric_time__week` and by every ledger segment the metric has,
and compares the tables those models build with the same `mf query` answers, on a build of a
small export with the demo's failure scenarios (scenario_project: an unknown channel whose
contacts are all excluded, the case where the two once differed):

- metric_values_weekly, by week;
- the macro itself (`dbt compile --inline`), by week and each ledger segment
  (decision_segment_dimensions: channel, queue, priority, region, customer_tier, contact_reason,
  branch) that every semantic model of the metric defines;
- metric_values_segment_weekly, by week and channel / priority;
- int_branch_metric_values, by week and branch, overall and within channel and contact reason.

The metrics, their semantic models, entities and dimensions and the ledger segments are read from
the compiled manifest. Values agree within 1e-9 relative; a null agrees with a null, and a
missing row with a null (a batched `mf query` returns a row for a key any of its metrics has).
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from conftest import mf_query, run_in_project

from metric_ledger.warehouse import connect as warehouse_connect

REL_TOL = 1e-9
ABS_TOL = 1e-12
PROJECT_NAME = "metric_ledger"
#: A ledger segment's semantic-layer dimension (decision_slice_dimension in
#: macros/governance/decision_statements.sql): the branch is owning_branch there.
SEGMENT_DIMENSION = {"branch": "owning_branch"}
#: The cohorts of int_branch_metric_values (and of the branch comparison gate) besides overall.
BRANCH_COHORTS = {"channel": "channel", "contact_reason": "contact_reason"}

Key = tuple[str | None, ...]  # (week_start_date, segment values...)
Values = dict[Key, float | None]


@dataclass(frozen=True)
class SemanticModel:
    name: str
    primary_entity: str
    dimensions: frozenset[str]


@dataclass(frozen=True)
class GovernedMetric:
    name: str
    job: str | None
    semantic_models: tuple[SemanticModel, ...]

    def has(self, dimension: str) -> bool:
        return all(dimension in model.dimensions for model in self.semantic_models)

    def group_by(self, dimension: str) -> str:
        """MetricFlow's name of a dimension of the metric's (first) semantic model."""
        return f"{self.semantic_models[0].primary_entity}__{dimension}"


@dataclass(frozen=True)
class SemanticLayer:
    metrics: tuple[GovernedMetric, ...]
    ledger_segments: tuple[str, ...]

    def segment_pairs(self) -> list[tuple[GovernedMetric, str]]:
        """(metric, semantic-layer dimension) for every ledger segment the metric has."""
        pairs = []
        for metric in self.metrics:
            for segment in self.ledger_segments:
                dimension = SEGMENT_DIMENSION.get(segment, segment)
                if metric.has(dimension):
                    pairs.append((metric, dimension))
        return pairs

    def rankable(self) -> list[GovernedMetric]:
        """The metrics int_branch_metric_values ranks (rankable_metrics in branch_metrics.sql):
        not an allocation metric, and segmentable by branch, channel and contact reason."""
        needed = ("owning_branch", "channel", "contact_reason")
        return [
            metric
            for metric in self.metrics
            if metric.job != "allocation" and all(metric.has(name) for name in needed)
        ]


def _read_semantic_layer(project: Path) -> SemanticLayer:
    manifest_path = project / "target" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    models: dict[str, SemanticModel] = {}
    measure_model: dict[str, str] = {}
    for node in manifest["semantic_models"].values():
        primary = [entity["name"] for entity in node["entities"] if entity["type"] == "primary"]
        models[node["name"]] = SemanticModel(
            node["name"], primary[0], frozenset(d["name"] for d in node["dimensions"])
        )
        measure_model.update({measure["name"]: node["name"] for measure in node["measures"]})
    metrics = []
    for node in manifest["metrics"].values():
        meta = node["config"]["meta"]
        if node["package_name"] != PROJECT_NAME or not meta.get("governed"):
            continue
        model_names = sorted(
            {measure_model[measure["name"]] for measure in node["type_params"]["input_measures"]}
        )
        metrics.append(
            GovernedMetric(
                node["name"],
                (meta.get("ledger") or {}).get("job"),
                tuple(models[name] for name in model_names),
            )
        )
    macro = manifest["macros"].get(f"macro.{PROJECT_NAME}.decision_segment_dimensions", {})
    listed = re.search(r"return\((\[[^\]]*\])\)", macro.get("macro_sql", ""))
    if listed is None:
        pytest.fail(
            f"{manifest_path}: no list of ledger segments in decision_segment_dimensions",
            pytrace=False,
        )
    segments = tuple(ast.literal_eval(listed.group(1)))
    return SemanticLayer(tuple(sorted(metrics, key=lambda m: m.name)), segments)


def _number(text: str) -> float | None:
    return None if text == "" else float(text)


def _segment(value: object) -> str | None:
    """A segment value as both sides spell it: text, or None for a null ('(null)' in the marts)."""
    return None if value is None or value in ("", "(null)") else str(value)


def _mf_values(project: Path, metrics: Sequence[str], group_by: Sequence[str]) -> dict[str, Values]:
    """metric -> {(week, segment values...): value} of one `mf query` by week and ``group_by``."""
    rows = mf_query(project, metrics, ["metric_time__week", *group_by])
    answers: dict[str, Values] = {metric: {} for metric in metrics}
    for row in rows:
        key = (row["metric_time__week"][:10], *(_segment(row[name]) for name in group_by))
        for metric in metrics:
            answers[metric][key] = _number(row[metric])
    return answers


def _by_semantic_models(metrics: Iterable[GovernedMetric]) -> list[list[GovernedMetric]]:
    """The metrics in batches that read the same semantic models (one `mf query` each)."""
    batches: dict[tuple[str, ...], list[GovernedMetric]] = defaultdict(list)
    for metric in metrics:
        batches[tuple(model.name for model in metric.semantic_models)].append(metric)
    return list(batches.values())


@dataclass(frozen=True)
class MetricFlowAnswers:
    by_week: dict[str, Values]
    #: (metric, dimension) -> values by week and that dimension
    by_segment: dict[tuple[str, str], Values]
    #: (metric, cohort) -> values by week, branch and the cohort's dimension
    by_branch: dict[tuple[str, str], Values]


@pytest.fixture(scope="module")
def semantic_layer(scenario_project: Path) -> SemanticLayer:
    return _read_semantic_layer(scenario_project)


@pytest.fixture(scope="module")
def metricflow(scenario_project: Path, semantic_layer: SemanticLayer) -> MetricFlowAnswers:
    """Every answer the module compares with: one `mf query` by week for all governed metrics,
    then one per grouping and semantic model (a query's metrics must share the grouping's
    dimension names). 21 queries of about 3 s each (mf runs `dbt debug` first); sequential,
    because mf holds the DuckDB file while it runs."""
    by_week = _mf_values(scenario_project, [metric.name for metric in semantic_layer.metrics], [])
    by_segment: dict[tuple[str, str], Values] = {}
    by_dimension: dict[str, list[GovernedMetric]] = defaultdict(list)
    for metric, dimension in semantic_layer.segment_pairs():
        by_dimension[dimension].append(metric)
    for dimension, metrics in by_dimension.items():
        for batch in _by_semantic_models(metrics):
            answers = _mf_values(
                scenario_project, [m.name for m in batch], [batch[0].group_by(dimension)]
            )
            by_segment.update({(name, dimension): values for name, values in answers.items()})
    rankable = semantic_layer.rankable()
    # The overall cohort is the branch segment; the others group by branch and one dimension.
    by_branch = {(m.name, "overall"): by_segment[(m.name, "owning_branch")] for m in rankable}
    for cohort, dimension in BRANCH_COHORTS.items():
        for batch in _by_semantic_models(rankable):
            group_by = [batch[0].group_by("owning_branch"), batch[0].group_by(dimension)]
            answers = _mf_values(scenario_project, [m.name for m in batch], group_by)
            by_branch.update({(name, cohort): values for name, values in answers.items()})
    return MetricFlowAnswers(by_week, by_segment, by_branch)


def _query(project: Path, sql: str, parameters: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with warehouse_connect(project / "warehouse.duckdb") as con:
        return con.execute(sql, list(parameters)).fetchall()


def _differences(ours: Values, theirs: Values) -> tuple[list[str], int]:
    """Keys where metric_sql and MetricFlow disagree, and how many non-null values agreed."""
    differences, agreed = [], 0
    for key in sorted(set(ours) | set(theirs), key=lambda k: tuple(str(part) for part in k)):
        mine, metricflow = ours.get(key), theirs.get(key)
        if mine is None and metricflow is None:
            continue
        if (
            mine is None
            or metricflow is None
            or not math.isclose(mine, metricflow, rel_tol=REL_TOL, abs_tol=ABS_TOL)
        ):
            differences.append(f"{key}: metric_sql {mine!r}, mf query {metricflow!r}")
        else:
            agreed += 1
    return differences, agreed


def _assert_agree(comparisons: dict[str, tuple[Values, Values]]) -> None:
    """Each label's (ours, MetricFlow's) agree, and each compared at least one value."""
    problems = []
    for label, (ours, theirs) in sorted(comparisons.items()):
        differences, agreed = _differences(ours, theirs)
        if differences:
            shown = "\n    ".join(differences[:5])
            more = f"\n    ... and {len(differences) - 5} more" if len(differences) > 5 else ""
            problems.append(f"{label}: {len(differences)} values differ\n    {shown}{more}")
        elif agreed == 0:
            problems.append(f"{label}: no value to compare (both sides empty)")
    assert not problems, "metric_sql diverges from MetricFlow:\n" + "\n".join(problems)


def test_the_governed_metrics_and_ledger_segments_come_from_the_manifest(
    semantic_layer: SemanticLayer,
) -> None:
    assert len(semantic_layer.metrics) == 19
    assert "channel" in semantic_layer.ledger_segments
    assert "branch" in semantic_layer.ledger_segments
    pairs = {(metric.name, dimension) for metric, dimension in semantic_layer.segment_pairs()}
    assert ("reopen_rate", "owning_branch") in pairs
    assert ("csat_score", "contact_reason") in pairs
    assert ("csat_score", "priority") not in pairs
    assert not any(name == "schedule_adherence" for name, _ in pairs)


def test_metric_values_weekly_matches_mf_query_by_week(
    scenario_project: Path, semantic_layer: SemanticLayer, metricflow: MetricFlowAnswers
) -> None:
    ours: dict[str, Values] = {metric.name: {} for metric in semantic_layer.metrics}
    for metric_name, week, value in _query(
        scenario_project,
        "select metric_name, week_start_date, metric_value from metric_values_weekly",
    ):
        ours.setdefault(metric_name, {})[(week.isoformat(),)] = value
    assert set(ours) == set(metricflow.by_week)
    _assert_agree(
        {
            f"metric_values_weekly {name} by week": (ours[name], metricflow.by_week[name])
            for name in ours
        }
    )


def test_metric_values_sql_matches_mf_query_by_week_and_every_ledger_segment(
    scenario_project: Path, semantic_layer: SemanticLayer, metricflow: MetricFlowAnswers
) -> None:
    """The macro itself, compiled for every governed metric by week and by each ledger segment
    it has (what the decision statements' slices and the decision reviews read)."""
    pairs = semantic_layer.segment_pairs()
    selects = [
        f"select '{metric.name}' as metric_name, '{dimension}' as dimension, week_start_date, "
        f"cast({dimension} as varchar) as segment_value, metric_value "
        f"from ({{{{ metric_values_sql('{metric.name}', ['{dimension}']) }}}}) as pair_{index}"
        for index, (metric, dimension) in enumerate(pairs)
    ]
    selects += [
        f"select '{metric.name}', null, week_start_date, null, metric_value "
        f"from ({{{{ metric_values_sql('{metric.name}') }}}}) as week_{index}"
        for index, metric in enumerate(semantic_layer.metrics)
    ]
    compiled = run_in_project(
        scenario_project,
        ["compile", "--quiet", "--output", "json", "--inline", "\nunion all\n".join(selects)],
    )
    sql = json.loads(compiled.stdout)["compiled"]
    ours: dict[tuple[str, str | None], Values] = defaultdict(dict)
    for metric_name, dimension, week, segment, value in _query(scenario_project, sql):
        key = (week.isoformat(),) if dimension is None else (week.isoformat(), _segment(segment))
        ours[(metric_name, dimension)][key] = value
    comparisons = {
        f"metric_values_sql({name!r}, [{dimension!r}])": (ours[(name, dimension)], answers)
        for (name, dimension), answers in metricflow.by_segment.items()
    }
    comparisons.update(
        {
            f"metric_values_sql({name!r})": (ours[(name, None)], answers)
            for name, answers in metricflow.by_week.items()
        }
    )
    assert len(metricflow.by_segment) == len(pairs)
    _assert_agree(comparisons)


def test_metric_values_segment_weekly_matches_mf_query_by_segment(
    scenario_project: Path, semantic_layer: SemanticLayer, metricflow: MetricFlowAnswers
) -> None:
    ours: dict[tuple[str, str], Values] = defaultdict(dict)
    for metric_name, dimension, week, segment, value in _query(
        scenario_project,
        """
        select metric_name, dimension, week_start_date, segment_value, metric_value
        from metric_values_segment_weekly
        """,
    ):
        ours[(metric_name, dimension)][(week.isoformat(), _segment(segment))] = value
    dimensions = {dimension for _, dimension in ours}
    expected = {
        (metric.name, dimension)
        for metric, dimension in semantic_layer.segment_pairs()
        if dimension in dimensions
    }
    assert dimensions and set(ours) == expected
    _assert_agree(
        {
            f"metric_values_segment_weekly {name} by {dimension}": (
                values,
                metricflow.by_segment[(name, dimension)],
            )
            for (name, dimension), values in ours.items()
        }
    )


def test_int_branch_metric_values_matches_mf_query_by_branch(
    scenario_project: Path, semantic_layer: SemanticLayer, metricflow: MetricFlowAnswers
) -> None:
    ours: dict[tuple[str, str], Values] = defaultdict(dict)
    for metric_name, cohort, cohort_value, week, branch, value in _query(
        scenario_project,
        """
        select metric_name, cohort_dimension, cohort_value, week_start_date, branch, metric_value
        from int_branch_metric_values
        """,
    ):
        segments = (branch,) if cohort == "overall" else (branch, _segment(cohort_value))
        ours[(metric_name, cohort)][(week.isoformat(), *segments)] = value
    assert set(ours) == set(metricflow.by_branch)
    # The model keeps only rows with a branch and a value.
    theirs = {
        label: {key: value for key, value in values.items() if key[1] is not None}
        for label, values in metricflow.by_branch.items()
    }
    _assert_agree(
        {
            f"int_branch_metric_values {name} by branch ({cohort})": (
                values,
                theirs[(name, cohort)],
            )
            for (name, cohort), values in ours.items()
        }
    )
