"""Run the suites with Great Expectations: one ephemeral context, a pandas data source with a
data asset per frame, and per frame an ExpectationSuite, a ValidationDefinition and a Checkpoint
that runs it on the frame (a Checkpoint hands the same batch parameters, the DataFrame, to every
validation it runs). With a docs directory, ``build_data_docs`` renders every validation there.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from metric_ledger.errors import (
    ExportError,
    InputError,
    MetricLedgerError,
    WarehouseError,
    cannot_write,
)
from metric_ledger.expectations.governed_marts import RELATIONS, governed_frames
from metric_ledger.expectations.raw_export import export_problems, open_export, raw_frames
from metric_ledger.expectations.spec import Check, Failure, Frame
from metric_ledger.warehouse import connect, read_build, rows

#: Unexpected values a failure line shows before "and N more".
SHOWN_VALUES = 5


@dataclass(frozen=True)
class CheckReport:
    """What ``run_check`` found: the failing expectations, how many ran, the Data Docs index."""

    failures: tuple[Failure, ...]
    expectations: int
    docs_index: Path | None

    @property
    def passed(self) -> bool:
        return not self.failures


def run_check(
    database: Path, raw_dir: Path | None = None, docs_dir: Path | None = None
) -> CheckReport:
    """Validate the governed marts of ``database`` (and, with ``raw_dir``, the raw export) and
    write Data Docs to ``docs_dir`` when given. Unreadable input raises one error naming every
    problem, one per line (a ``WarehouseError``, an ``ExportError`` or, both, an InputError)."""
    warehouse = _warehouse_problems(database, raw_dir is not None)
    export = export_problems(raw_dir) if raw_dir is not None else []
    if warehouse or export:
        kind = InputError if warehouse and export else WarehouseError if warehouse else ExportError
        raise kind("\n".join(warehouse + export))
    frames: list[Frame] = []
    if raw_dir is not None:
        with connect(database) as connection:
            regions = [str(row[0]) for row in connection.execute(
                "select distinct region from business_hours order by 1").fetchall()]  # fmt: skip
        with open_export(raw_dir) as export_connection:
            frames += raw_frames(export_connection, regions)
    try:
        with connect(database) as connection:
            frames += governed_frames(connection)
    except duckdb.Error as error:
        raise WarehouseError(f"{database}: cannot read: {error}".splitlines()[0]) from None
    return validate(frames, docs_dir)


def _warehouse_problems(database: Path, with_seeds: bool) -> list[str]:
    relations = (*RELATIONS, "business_hours") if with_seeds else RELATIONS
    try:
        with read_build(database, incomplete="cannot open") as connection:
            tables = rows(connection, "select table_name from information_schema.tables")
    except WarehouseError as error:
        return [str(error)]
    found = {str(row[0]) for row in tables}
    return [
        f"{database}: table {name} not found (not a complete build)"
        for name in relations
        if name not in found
    ]


#: pyspark's Spark Connect modules, which Great Expectations probes on import, call
#: ``sys.exit(0)`` when ``__main__`` has no file (``python -c``, pytest-xdist workers): the
#: check would "pass" without running. We validate pandas frames and never use Spark Connect
#: (it needs grpc, not installed), so GX finds these modules missing, as on a machine without it.
_SPARK_CONNECT_MODULES = ("pyspark.sql.connect.dataframe", "pyspark.sql.connect.session")


def _gx() -> Any:
    """``great_expectations``, imported without pyspark's Spark Connect probe."""
    for name in _SPARK_CONNECT_MODULES:
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]
    import great_expectations

    return great_expectations


def validate(frames: Sequence[Frame], docs_dir: Path | None = None) -> CheckReport:
    """Run every frame's checks with Great Expectations; Data Docs to ``docs_dir`` if given."""
    if docs_dir is not None:
        try:
            docs_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise cannot_write(docs_dir, error) from None
    context = _context(docs_dir)
    gx = _gx()

    source = context.data_sources.add_pandas("metric_ledger")
    failures: list[Failure] = []
    expectations = 0
    for frame in frames:
        if not frame.checks:
            continue
        batch = source.add_dataframe_asset(frame.name).add_batch_definition_whole_dataframe("whole")
        suite = context.suites.add(gx.ExpectationSuite(name=frame.name))
        for check in frame.checks:
            suite.add_expectation(_expectation(frame, check))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=frame.name, data=batch, suite=suite)
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=frame.name,
                validation_definitions=[definition],
                result_format={"result_format": "SUMMARY", "partial_unexpected_count": 20},
            )
        )
        result = checkpoint.run(batch_parameters={"dataframe": frame.data})
        for run in result.run_results.values():
            for outcome in run.results:
                expectations += 1
                if not outcome.success:
                    failures.append(_failure(frame, outcome))
    docs_index = None
    if docs_dir is not None:
        try:
            context.build_data_docs(site_names=["local"])
        except OSError as error:
            raise cannot_write(docs_dir, error) from None
        docs_index = docs_dir / "index.html"
    return CheckReport(tuple(failures), expectations, docs_index)


def _context(docs_dir: Path | None) -> Any:
    """An ephemeral GX context: in-memory stores, no analytics, no progress bars, and a local
    Data Docs site at ``docs_dir``."""
    gx = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    sites = {}
    if docs_dir is not None:
        sites["local"] = {
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir.resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
        data_docs_sites=sites,
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def _expectation(frame: Frame, check: Check) -> Any:
    gx = _gx()

    name = "".join(part.capitalize() for part in check.expectation.split("_"))
    kind = getattr(gx.expectations, name, None)
    if kind is None:
        raise MetricLedgerError(f"{frame.name}: no Great Expectations type {check.expectation}")
    return kind(
        column=check.column,
        **check.arguments,
        notes=check.why,
        meta={"suite": frame.suite, "table": frame.table},
    )


def _failure(frame: Frame, outcome: Any) -> Failure:
    config = outcome.expectation_config
    column = str(config.kwargs.get("column", ""))
    check = next(
        (
            item
            for item in frame.checks
            if item.expectation == config.type and item.column == column
        ),
        None,
    )
    shown = check.describe() if check else str(config.type)
    return Failure(frame.suite, frame.table, column, shown, _observed(frame, column, outcome))


def _observed(frame: Frame, column: str, outcome: Any) -> str:
    info = outcome.exception_info or {}
    if info.get("raised_exception"):
        return "error: " + str(info.get("exception_message", "")).splitlines()[0]
    result = outcome.result or {}
    if "observed_value" in result:
        return _value(result["observed_value"])
    index = frame.data.index.name
    if index is not None:
        items = [
            f"{_value(item.get(column))} ({item.get(index)})"
            for item in result.get("partial_unexpected_index_list") or []
            if isinstance(item, dict)
        ]
    else:
        items = [_value(item["value"]) for item in result.get("partial_unexpected_counts") or []]
    more = len(result.get("partial_unexpected_counts") or []) if index is None else None
    total = more if more is not None else int(result.get("unexpected_count") or len(items))
    text = ", ".join(items[:SHOWN_VALUES])
    if total > SHOWN_VALUES:
        text += f" and {total - SHOWN_VALUES} more"
    return text or "(no value)"


def _value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
