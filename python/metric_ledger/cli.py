"""The `metric-ledger` command line: a thin layer over the library."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

# Exit codes of every command: 0 done, 1 a check failed (the gate), 2 the input is wrong
# (unreadable or malformed input, a bad argument, an output path that cannot be written).


class _OneLineUsageError(click.UsageError):
    """A usage error printed as a single `Error: ...` line on stderr (exit code 2)."""

    def show(self, file: object = None) -> None:
        click.echo(f"Error: {self.format_message()}", err=True)


class _OneLineErrorsCommand(click.Command):
    """A command whose argument errors (including type conversion) print one line."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _OneLineUsageError(exc.format_message(), ctx) from None


def _cannot_write(path: Path, error: OSError) -> _OneLineUsageError:
    """An output path that cannot be written: one line, exit code 2."""
    reason = error.strerror or (str(error).splitlines() or [type(error).__name__])[0]
    return _OneLineUsageError(f"cannot write {path}: {reason}")


class _OneLineErrorsGroup(click.Group):
    """A group whose commands print their argument errors in one line."""

    command_class = _OneLineErrorsCommand


@click.group(cls=_OneLineErrorsGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="metric_ledger")
def main() -> None:
    """Governed support metrics: generate exports, summarise builds, check definitions."""


# --- generate: synthetic raw export (metric_ledger.synth) ------------------------------------


class _GenerateCommand(_OneLineErrorsCommand):
    """`generate`: the help ends with the edge exports (read from the registry when shown)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from metric_ledger.synth.edges import EDGES

        with formatter.section("Edges (--edge NAME)"):
            formatter.write_dl([(name, cls.summary) for name, cls in EDGES.items()])


@main.command("generate", cls=_GenerateCommand)
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--tickets", type=int, default=None, help="Tickets to draw.  [default: 50000; an edge's own]"
)
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed.")
@click.option(
    "--start",
    default=None,
    help="First day (UTC, ISO date; a Monday).  [default: 2026-01-05; an edge's own]",
)
@click.option(
    "--weeks", type=int, default=None, help="Length of the period.  [default: 12; an edge's own]"
)
@click.option(
    "--scenario", "scenarios", multiple=True, metavar="NAME", help="Inject a scenario (repeatable)."
)
@click.option(
    "--edge",
    metavar="NAME",
    default=None,
    help="Write a small edge export instead (its own tickets, start and weeks unless given; "
    "not with --scenario). NAME: one of the edges below.",
)
def generate_command(
    out_dir: Path,
    tickets: int | None,
    seed: int,
    start: str | None,
    weeks: int | None,
    scenarios: tuple[str, ...],
    edge: str | None,
) -> None:
    """Write a deterministic synthetic raw export (five Parquet files) to OUT_DIR.

    With --edge NAME, write the smallest export that shows one boundary of the data a build
    must survive instead: every edge export is valid under the source contract except
    all_quarantined.
    """
    from metric_ledger import synth

    try:
        first_day = None if start is None else synth.parse_start(start)
        if edge is not None:
            if scenarios:
                raise synth.SynthArgumentError("--edge cannot be combined with --scenario")
            summary = synth.generate_edge(
                out_dir, edge, seed=seed, tickets=tickets, start=first_day, weeks=weeks
            )
        else:
            summary = synth.generate(
                out_dir,
                tickets=synth.DEFAULT_TICKETS if tickets is None else tickets,
                seed=seed,
                start=synth.DEFAULT_START if first_day is None else first_day,
                weeks=synth.DEFAULT_WEEKS if weeks is None else weeks,
                scenarios=scenarios,
            )
    except synth.SynthArgumentError as exc:
        raise _OneLineUsageError(str(exc)) from None
    except OSError as exc:
        raise _cannot_write(out_dir, exc) from None
    click.echo(summary.one_line())


@main.command("slice")
@click.argument("src", type=click.Path(file_okay=False, path_type=Path))
@click.argument("dst", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--as-of",
    "as_of",
    required=True,
    help="The moment of the export, UTC (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS).",
)
@click.option(
    "--late-share",
    type=float,
    default=0.02,
    show_default=True,
    help="Share of events that arrive late.",
)
@click.option(
    "--max-delay-hours",
    type=int,
    default=48,
    show_default=True,
    help="Latest arrival of a late event after it occurred.",
)
def slice_command(
    src: Path, dst: Path, as_of: str, late_share: float, max_delay_hours: int
) -> None:
    """Write the export SRC as it stood at --as-of into DST (the input of an incremental run)."""
    from datetime import datetime

    from metric_ledger.synth.slicing import ExportNotFoundError, slice_export

    try:
        moment = datetime.fromisoformat(as_of)
    except ValueError:
        raise _OneLineUsageError(
            f"--as-of: {as_of!r} is not a date or timestamp (YYYY-MM-DD[THH:MM:SS])"
        ) from None
    if moment.tzinfo is not None:
        raise _OneLineUsageError("--as-of: give a UTC time without an offset")
    try:
        summary = slice_export(src, dst, moment, late_share, max_delay_hours)
    except (ValueError, ExportNotFoundError) as exc:
        raise _OneLineUsageError(str(exc)) from None
    except OSError as exc:
        raise _cannot_write(dst, exc) from None
    rows = ", ".join(f"{count:,} {table}" for table, count in summary.rows.items())
    click.echo(
        f"export as of {summary.as_of.isoformat()}: {rows}; "
        f"{summary.late_events_pending:,} late events not yet arrived"
    )


# --- summary: what a build found --------------------------------------------------------------


_WAREHOUSE = click.option(
    "--db",
    "database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="DuckDB warehouse file [default: $METRIC_LEDGER_DB or warehouse/metric_ledger.duckdb].",
)


def _warehouse_path(database: Path | None) -> Path:
    """--db, else $METRIC_LEDGER_DB, else the embedded default."""
    import os

    return database or Path(os.environ.get("METRIC_LEDGER_DB", "warehouse/metric_ledger.duckdb"))


@main.command("summary")
@_WAREHOUSE
def summary_command(database: Path | None) -> None:
    """Print volumes, coverage, first response by channel, quarantine and guardrail findings."""

    from metric_ledger.report import render_guardrails, render_summary
    from metric_ledger.summary import WarehouseError, read_guardrails, read_summary

    path = _warehouse_path(database)
    try:
        summary = read_summary(path)
        guardrails = read_guardrails(path)
    except WarehouseError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from None
    render_summary(summary)
    render_guardrails(guardrails)


# --- definitions: fingerprint, diff, gate, approve, notices ---------------------------------

_MANIFEST = click.option(
    "--target",
    "manifest_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("target/manifest.json"),
    show_default=True,
    help="The compiled manifest of the working tree (`dbt compile` writes it).",
)
_CHANGELOG = click.option(
    "--changelog",
    "changelog_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("seeds/metric_changelog.csv"),
    show_default=True,
    help="The approval record.",
)


def _fail_input(error: Exception) -> None:
    click.echo(f"Error: {error}", err=True)
    raise SystemExit(2)


@main.command("fingerprint")
@_MANIFEST
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def fingerprint_command(manifest_path: Path, as_json: bool) -> None:
    """Print the definition and governance fingerprints of every governed metric."""
    import json

    from metric_ledger.errors import MetricLedgerError
    from metric_ledger.fingerprint import Fingerprinter
    from metric_ledger.manifest import load_manifest

    try:
        prints = Fingerprinter(load_manifest(manifest_path)).all()
    except MetricLedgerError as error:
        _fail_input(error)
        return
    if as_json:
        click.echo(json.dumps([item.as_json() for item in prints.values()], indent=2))
        return
    for name, item in prints.items():
        click.echo(f"{name:42} definition {item.definition}  governance {item.governance}")


@main.command("diff")
@click.option(
    "--base",
    "base_path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The manifest to compare against (e.g. production's).",
)
@_MANIFEST
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--all", "show_all", is_flag=True, help="Also list metrics that did not change.")
def diff_command(base_path: Path, manifest_path: Path, as_json: bool, show_all: bool) -> None:
    """Explain what changed for every governed metric between two manifests."""
    import json

    from metric_ledger.drift import diff_manifests
    from metric_ledger.errors import MetricLedgerError
    from metric_ledger.manifest import load_manifest

    try:
        drifts = diff_manifests(load_manifest(base_path), load_manifest(manifest_path))
    except MetricLedgerError as error:
        _fail_input(error)
        return
    shown = [drift for drift in drifts if show_all or drift.category != "none"]
    if as_json:
        click.echo(json.dumps([drift.as_json() for drift in shown], indent=2))
        return
    if not shown:
        click.echo("no governed metric changed")
    for drift in shown:
        click.echo(f"{drift.metric}: {drift.category}")
        for change in drift.changes:
            click.echo(f"  {change.summary}")
            if change.chain:
                click.echo(f"    cause: {' -> '.join(change.chain)}")
            for line in change.detail:
                click.echo(f"    {line}")


@main.command("gate")
@click.option(
    "--base",
    "base_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Production's manifest: explain each change (cause chain and typed diff).",
)
@_MANIFEST
@_CHANGELOG
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json", "github"]),
    default="text",
    show_default=True,
)
@click.option(
    "--base-db",
    "impact_base_db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --db: append the impact preview (base build's DuckDB warehouse).",
)
@click.option(
    "--db",
    "impact_head_db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --base-db: the head build's DuckDB warehouse.",
)
def gate_command(
    base_path: Path | None,
    manifest_path: Path,
    changelog_path: Path,
    output_format: str,
    impact_base_db: Path | None,
    impact_head_db: Path | None,
) -> None:
    """Fail (exit 1) when a governed metric changed without a re-approval in the changelog.

    Exit 0 when every governed metric matches its latest approval, 1 when one does not (or the
    changelog is inconsistent), 2 when the input cannot be read. With --base-db and --db the
    output also carries the impact preview of the metrics the gate flagged (not for github).
    """
    from metric_ledger.changelog import read_changelog
    from metric_ledger.errors import MetricLedgerError
    from metric_ledger.gate import render, run_gate
    from metric_ledger.manifest import load_manifest

    try:
        manifest = load_manifest(manifest_path)
        base = load_manifest(base_path) if base_path else None
        result = run_gate(manifest, read_changelog(changelog_path), base)
    except MetricLedgerError as error:
        _fail_input(error)
        return
    rendered = render(result, output_format)
    if impact_base_db or impact_head_db:
        rendered = _with_impact(rendered, result, output_format, impact_base_db, impact_head_db)
    click.echo(rendered)
    raise SystemExit(0 if result.passed else 1)


def _with_impact(
    rendered: str,
    result: Any,
    output_format: str,
    base_db: Path | None,
    head_db: Path | None,
) -> str:
    """The gate's output with the impact preview of the metrics it flagged appended."""
    import json

    from metric_ledger.impact import (
        GITHUB_COMMENT_LIMIT,
        ImpactError,
        render_impact_markdown,
        render_impact_text,
        run_impact,
    )

    if base_db is None or head_db is None:
        raise _OneLineUsageError("--base-db and --db go together (the impact preview)")
    try:
        impact = run_impact(base_db, head_db)
    except ImpactError as error:
        _fail_input(error)
        raise
    flagged = sorted({finding.metric for finding in result.findings})
    if output_format == "json":
        return json.dumps({**json.loads(rendered), "impact": impact.as_json(flagged)}, indent=2)
    if output_format == "markdown":
        budget = GITHUB_COMMENT_LIMIT - len(rendered) - 2
        return rendered + "\n\n" + render_impact_markdown(impact, flagged, max_chars=budget)
    if output_format == "text":
        return rendered + "\n\n" + render_impact_text(impact, flagged, top=10)
    return rendered


@main.command("approve")
@click.argument("metric")
@click.option(
    "--by", "approved_by", required=True, help="Who approves (one of the metric's approvers)."
)
@click.option("--reason", required=True, help="What changed and why (the changelog summary).")
@click.option(
    "--impact-base-db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --impact-db: append METRIC's impact summary (base build) to the reason.",
)
@click.option(
    "--impact-db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="With --impact-base-db: the head build's DuckDB warehouse.",
)
@click.option(
    "--effective",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Effective date [default: today].",
)
@click.option(
    "--freeze-weeks",
    type=click.IntRange(min=0),
    default=None,
    help="Freeze window [default: 2 for a definition change, else 0].",
)
@click.option(
    "--refactor",
    is_flag=True,
    help="Record a change that moves no governed number (shown by `metric-ledger impact`): "
    "change_type refactor, no freeze, no re-baseline notice.",
)
@_MANIFEST
@_CHANGELOG
def approve_command(
    metric: str,
    approved_by: str,
    reason: str,
    effective: Any,
    freeze_weeks: int | None,
    refactor: bool,
    impact_base_db: Path | None,
    impact_db: Path | None,
    manifest_path: Path,
    changelog_path: Path,
) -> None:
    """Append the changelog row that re-approves METRIC's current definition."""
    from metric_ledger.errors import MetricLedgerError
    from metric_ledger.gate import approve
    from metric_ledger.manifest import load_manifest

    try:
        if impact_base_db or impact_db:
            reason = f"{reason} Impact: {_impact_summary(metric, impact_base_db, impact_db)}"
        row = approve(
            load_manifest(manifest_path),
            changelog_path,
            metric,
            approved_by,
            reason,
            effective=effective.date() if effective else None,
            freeze_weeks=freeze_weeks,
            project_dir=changelog_path.resolve().parent.parent,
            refactor=refactor,
        )
    except MetricLedgerError as error:
        _fail_input(error)
        return
    except OSError as error:
        raise _cannot_write(Path(error.filename or changelog_path), error) from None
    click.echo(
        f"approved {row.metric_name} v{row.version} ({row.change_type}) by {row.approved_by}, "
        f"effective {row.effective_date.isoformat()}, freeze {row.freeze_weeks} week(s); "
        + (
            "the definition version is unchanged"
            if row.change_type == "refactor"
            else "run `dbt compile` before the gate (the ledger version in the YAML was bumped)"
        )
    )


def _impact_summary(metric: str, base_db: Path | None, head_db: Path | None) -> str:
    from metric_ledger.impact import impact_summary, run_impact

    if base_db is None or head_db is None:
        raise _OneLineUsageError("--impact-base-db and --impact-db go together")
    return impact_summary(run_impact(base_db, head_db), metric)


@main.command("notices")
@_CHANGELOG
@_MANIFEST
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only changes effective on or after this date.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
)
def notices_command(
    changelog_path: Path, manifest_path: Path, since: Any, output_format: str
) -> None:
    """Re-baseline notices for every definition change in the changelog (paste into a PR)."""
    from metric_ledger.changelog import read_changelog
    from metric_ledger.errors import MetricLedgerError
    from metric_ledger.manifest import load_manifest
    from metric_ledger.notices import build_notices, render_notices

    try:
        manifest = load_manifest(manifest_path) if manifest_path.exists() else None
        notices = build_notices(
            read_changelog(changelog_path), manifest, since.date() if since else None
        )
    except MetricLedgerError as error:
        _fail_input(error)
        return
    click.echo(render_notices(notices, output_format))


# --- impact: what a change does to the governed numbers ---------------------------------------

_BASE_DB = click.option(
    "--base-db",
    "base_db",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The base build's DuckDB warehouse (production, or main on the CI export).",
)
_HEAD_DB = click.option(
    "--db",
    "head_db",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="The head build's DuckDB warehouse (the change, on the same export).",
)


@main.command("impact")
@_BASE_DB
@_HEAD_DB
@click.option(
    "--metrics",
    "metric_list",
    default="",
    metavar="M1,M2",
    help="Also show these metrics (comma-separated) besides every metric that moved.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
)
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=10,
    show_default=True,
    help="Largest segment movers shown per metric (text and Markdown).",
)
def impact_command(
    base_db: Path, head_db: Path, metric_list: str, output_format: str, top: int
) -> None:
    """Old and new values per week and segment of every governed metric that moved.

    Reads metric_values_weekly and metric_values_segment_weekly of two builds; the other
    governed metrics are confirmed unmoved. Exit 0, or 2 when a warehouse cannot be read.
    """
    from metric_ledger.impact import ImpactError, check_metric_names, render_impact, run_impact

    explicit = [name.strip() for name in metric_list.split(",") if name.strip()]
    try:
        result = run_impact(base_db, head_db)
        check_metric_names(result, explicit)
    except ImpactError as error:
        _fail_input(error)
        return
    click.echo(render_impact(result, result.flagged(explicit), output_format, top, explicit))


@main.command("backtest")
@click.argument("metric")
@click.option("--by", "by", default=None, metavar="X", help='Proposed move: "20%" or "5 points".')
@click.option(
    "--for", "for_weeks", default=None, metavar="N", help="Proposed consecutive weeks (2)."
)
@click.option(
    "--slice",
    "slice_items",
    multiple=True,
    metavar="K=V",
    help="Proposed slice, e.g. --slice channel=email (repeatable; channel or priority).",
)
@click.option(
    "--baseline-weeks",
    type=int,
    default=None,
    metavar="N",
    help="Proposed trailing baseline in weeks.",
)
@click.option(
    "--baseline-value",
    type=float,
    default=None,
    metavar="X",
    help="Proposed fixed baseline instead of a trailing one.",
)
@_WAREHOUSE
@_MANIFEST
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def backtest_command(
    metric: str,
    by: str | None,
    for_weeks: str | None,
    slice_items: tuple[str, ...],
    baseline_weeks: int | None,
    baseline_value: float | None,
    database: Path | None,
    manifest_path: Path,
    output_format: str,
) -> None:
    """Stress-test METRIC's decision statement, or a proposed one, against the warehouse's
    history: the weeks it would have fired, those in a mix shift, how often it was held.

    With no --by/--for/--slice/--baseline-*, the ledger's statement; each option replaces that
    part of it. The rule is the warehouse's own (metric_decision_triggers_weekly, compiled in
    the manifest of the build). Exit 0, or 2 on a malformed proposal or an unreadable build.
    """

    from metric_ledger.backtest import (
        BacktestError,
        ledger_statement,
        parse_slice,
        propose,
        render_backtest,
        run_backtest,
    )
    from metric_ledger.errors import MetricLedgerError as ManifestError
    from metric_ledger.manifest import load_manifest

    path = _warehouse_path(database)
    try:
        manifest = load_manifest(manifest_path)
        statement = ledger_statement(manifest, metric)
        proposal = any(
            part is not None for part in (by, for_weeks, baseline_weeks, baseline_value)
        ) or bool(slice_items)
        if proposal:
            node = manifest.metric(metric)
            statement = propose(
                statement,
                str(node.raw.get("type") if node else ""),
                by=by,
                for_weeks=for_weeks,
                decision_slice=parse_slice(slice_items) if slice_items else None,
                baseline_weeks=baseline_weeks,
                baseline_value=baseline_value,
            )
        result = run_backtest(path, manifest, statement, proposed=proposal)
    except (BacktestError, ManifestError) as error:
        _fail_input(error)
        return
    click.echo(render_backtest(result, output_format))


@main.command("premortem")
@click.argument("metric", required=False)
@click.option(
    "--new",
    "new_name",
    default=None,
    metavar="NAME",
    help="Print the ledger scaffold of a new metric NAME instead, every field explained.",
)
@_WAREHOUSE
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Directory for premortem_METRIC.md and .html.",
)
@_MANIFEST
def premortem_command(
    metric: str | None, new_name: str | None, database: Path | None, out_dir: Path,
    manifest_path: Path,
) -> None:  # fmt: skip
    """Write the pre-mortem pack of METRIC (Markdown and HTML): the first seed's 45-minute
    agenda filled from the warehouse, with sample tickets explained rule by rule and the
    backtest of its decision statement. With --new NAME, print a new metric's ledger scaffold.
    """

    from metric_ledger.errors import MetricLedgerError as InputError
    from metric_ledger.manifest import load_manifest
    from metric_ledger.premortem import build_premortem, premortem_new, write_premortem

    try:
        if new_name is not None:
            if metric is not None:
                raise InputError("give METRIC or --new NAME, not both")
            click.echo(premortem_new(new_name), nl=False)
            return
        if metric is None:
            raise InputError("missing METRIC (or --new NAME for a new metric's ledger)")
        path = _warehouse_path(database)
        document = build_premortem(path, load_manifest(manifest_path), metric)
        try:
            written = write_premortem(document, out_dir, metric)
        except OSError as error:
            raise _cannot_write(out_dir, error) from None
    except InputError as error:
        _fail_input(error)
        return
    for written_path in written:
        click.echo(f"wrote {written_path}")


# --- postgres: the local server and the raw-export loader of the `postgres` target -------------

_PG_DIR = click.option(
    "--dir",
    "base_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The cluster's directory [default: $METRIC_LEDGER_PG_DIR or <tmp>/metric_ledger_pg].",
)


@main.group("postgres", cls=_OneLineErrorsGroup)
def postgres_group() -> None:
    """A throwaway local PostgreSQL server for `dbt --target postgres` (settings from the
    METRIC_LEDGER_PG_* variables of profiles/profiles.yml)."""


@postgres_group.command("start")
@_PG_DIR
def postgres_start_command(base_dir: Path | None) -> None:
    """Make (initdb) and start a cluster on the loopback port; create the database."""
    from metric_ledger.engines import postgres
    from metric_ledger.errors import MetricLedgerError

    try:
        server = postgres.LocalServer(base_dir=base_dir or postgres.state_dir_default())
        server.start()
    except MetricLedgerError as error:
        _fail_input(error)
        return
    s = server.settings
    click.echo(
        f"postgres running on {s.host}:{s.port} (database {s.dbname}), dir {server.base_dir}"
    )


@postgres_group.command("stop")
@_PG_DIR
@click.option("--keep", is_flag=True, help="Keep the cluster's directory.")
def postgres_stop_command(base_dir: Path | None, keep: bool) -> None:
    """Stop the cluster and remove its directory."""
    from metric_ledger.engines import postgres
    from metric_ledger.errors import MetricLedgerError

    try:
        server = postgres.LocalServer(base_dir=base_dir or postgres.state_dir_default())
        server.stop(remove=not keep)
    except MetricLedgerError as error:
        _fail_input(error)
        return
    click.echo(f"postgres stopped ({server.base_dir})")


@postgres_group.command("load")
@click.argument("raw_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--schema", default="raw_helpdesk", show_default=True, help="The dbt var raw_schema.")
def postgres_load_command(raw_dir: Path, schema: str) -> None:
    """Load the five Parquet tables of RAW_DIR into SCHEMA with the contract's column types."""
    from metric_ledger.engines import postgres
    from metric_ledger.errors import MetricLedgerError

    try:
        counts = postgres.load_export(raw_dir, schema=schema)
    except MetricLedgerError as error:
        _fail_input(error)
        return
    click.echo(
        f"loaded {raw_dir} into {schema}: " + " ".join(f"{k}={v}" for k, v in counts.items())
    )
