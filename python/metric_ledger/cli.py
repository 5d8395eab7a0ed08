"""The `metric-ledger` command line: a thin layer over the library.

Exit codes of every command: 0 done, 1 a check failed (the gate), 2 the input is wrong
(unreadable or malformed input, a bad argument, an output path that cannot be written). Every
error of the library is a ``MetricLedgerError``; the one handler below (``_OneLineErrorsCommand``)
prints it as one ``Error: ...`` line on stderr and exits 2, as it does for click's argument
errors and for an OSError the library did not name.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from metric_ledger.errors import MetricLedgerError, UsageError, os_reason
from metric_ledger.ledger_docs import DOCS_FILE

if TYPE_CHECKING:
    from metric_ledger.manifest import Manifest


class _OneLineError(click.ClickException):
    """An error printed as a single `Error: ...` line on stderr (exit code 2)."""

    exit_code = 2

    def show(self, file: object = None) -> None:
        for line in self.format_message().splitlines() or [""]:
            click.echo(f"Error: {line}", err=True)


class _OneLineErrorsCommand(click.Command):
    """A command whose every error is one line and exit code 2: click's argument errors
    (including type conversion), the library's errors and an unexpected OSError."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _OneLineError(exc.format_message()) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MetricLedgerError as error:
            raise _OneLineError(str(error)) from None
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            raise _OneLineError(f"{where}{os_reason(error)}") from None


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
@click.option(
    "--source",
    metavar="helpdesk|zendesk",
    default="helpdesk",
    show_default=True,
    help="Write the export as the vendor-neutral contract (helpdesk) or as Fivetran's Zendesk "
    "tables (zendesk; the same tickets, events and surveys, docs/zendesk_mapping.md).",
)
def generate_command(
    out_dir: Path,
    tickets: int | None,
    seed: int,
    start: str | None,
    weeks: int | None,
    scenarios: tuple[str, ...],
    edge: str | None,
    source: str,
) -> None:
    """Write a deterministic synthetic raw export (five Parquet files) to OUT_DIR.

    With --edge NAME, write the smallest export that shows one boundary of the data a build
    must survive instead: every edge export is valid under the source contract except
    all_quarantined.
    """
    from metric_ledger import synth

    first_day = None if start is None else synth.parse_start(start)
    if edge is not None:
        if scenarios:
            raise synth.SynthArgumentError("--edge cannot be combined with --scenario")
        summary = synth.generate_edge(
            out_dir, edge, seed=seed, tickets=tickets, start=first_day, weeks=weeks, source=source
        )
    else:
        summary = synth.generate(
            out_dir,
            tickets=synth.DEFAULT_TICKETS if tickets is None else tickets,
            seed=seed,
            start=synth.DEFAULT_START if first_day is None else first_day,
            weeks=synth.DEFAULT_WEEKS if weeks is None else weeks,
            scenarios=scenarios,
            source=source,
        )
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

    from metric_ledger.synth.slicing import slice_export

    try:
        moment = datetime.fromisoformat(as_of)
    except ValueError:
        raise UsageError(
            f"--as-of: {as_of!r} is not a date or timestamp (YYYY-MM-DD[THH:MM:SS])"
        ) from None
    if moment.tzinfo is not None:
        raise UsageError("--as-of: give a UTC time without an offset")
    summary = slice_export(src, dst, moment, late_share, max_delay_hours)
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


def _out_dir(default: str, text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The option `--out DIR` (a directory, default `default`) into the parameter out_dir."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(default),
        show_default=True,
        help=text,
    )


def _warehouse_path(database: Path | None) -> Path:
    """--db, else $METRIC_LEDGER_DB, else the embedded default."""
    import os

    return database or Path(os.environ.get("METRIC_LEDGER_DB", "warehouse/metric_ledger.duckdb"))


@main.command("summary")
@_WAREHOUSE
def summary_command(database: Path | None) -> None:
    """Print volumes, coverage, first response by channel, quarantine and guardrail findings."""

    from metric_ledger.render.summary import render_guardrails, render_summary
    from metric_ledger.warehouse_summary import read_guardrails, read_summary

    path = _warehouse_path(database)
    summary = read_summary(path)
    guardrails = read_guardrails(path)
    render_summary(summary)
    render_guardrails(guardrails)


@main.command("check")
@_WAREHOUSE
@click.option(
    "--raw",
    "raw_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also check the raw export the warehouse was built from (its five Parquet files).",
)
@click.option(
    "--docs",
    "docs_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write Great Expectations Data Docs to this directory.",
)
def check_command(database: Path | None, raw_dir: Path | None, docs_dir: Path | None) -> None:
    """Validate the governed marts (and with --raw the raw export) with Great Expectations.

    Exit 0 when every expectation passes, 1 when one fails (one line each: suite | table |
    column | expectation | observed), 2 when the input cannot be read.
    """
    from metric_ledger.expectations import run_check

    report = run_check(_warehouse_path(database), raw_dir, docs_dir)
    for failure in report.failures:
        click.echo(failure.line())
    click.echo(
        f"{report.expectations - len(report.failures)} of {report.expectations} expectations passed"
    )
    if report.docs_index is not None:
        click.echo(f"Data Docs: {report.docs_index}")
    raise SystemExit(0 if report.passed else 1)


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


@main.command("fingerprint")
@_MANIFEST
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def fingerprint_command(manifest_path: Path, as_json: bool) -> None:
    """Print the definition and governance fingerprints of every governed metric."""
    import json

    from metric_ledger.fingerprint import Fingerprinter
    from metric_ledger.manifest import load_manifest

    prints = Fingerprinter(load_manifest(manifest_path)).all()
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
    from metric_ledger.manifest import load_manifest

    drifts = diff_manifests(load_manifest(base_path), load_manifest(manifest_path))
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
    from metric_ledger.gate import run_gate
    from metric_ledger.manifest import load_manifest
    from metric_ledger.render.gate import render_gate

    manifest = load_manifest(manifest_path)
    base = load_manifest(base_path) if base_path else None
    result = run_gate(manifest, read_changelog(changelog_path), base)
    rendered = render_gate(result, output_format)
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

    from metric_ledger.impact import GITHUB_COMMENT_LIMIT, run_impact
    from metric_ledger.render.impact import render_impact_markdown, render_impact_text

    if base_db is None or head_db is None:
        raise UsageError("--base-db and --db go together (the impact preview)")
    impact = run_impact(base_db, head_db)
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
    from metric_ledger.approval import approve
    from metric_ledger.manifest import load_manifest

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
    docs_file = changelog_path.resolve().parent.parent / DOCS_FILE
    if docs_file.parent.is_dir():
        _write_ledger_docs(load_manifest(manifest_path), changelog_path, docs_file)
    click.echo(
        f"approved {row.metric_name} v{row.version} ({row.change_type}) by {row.approved_by}, "
        f"effective {row.effective_date.isoformat()}, freeze {row.freeze_weeks} week(s); "
        + (
            "the definition version is unchanged"
            if row.change_type == "refactor"
            else "run `dbt compile` before the gate (the ledger version in the YAML was bumped)"
        )
    )


def _write_ledger_docs(manifest: Manifest, changelog_path: Path, out: Path) -> bool:
    from metric_ledger.changelog import read_changelog
    from metric_ledger.ledger_docs import render_ledger_docs, write_ledger_docs

    return write_ledger_docs(out, render_ledger_docs(manifest, read_changelog(changelog_path)))


@main.command("docs")
@_MANIFEST
@_CHANGELOG
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DOCS_FILE,
    show_default=True,
    help="The generated docs file (docs blocks) that `dbt docs generate` reads.",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the file is stale.")
def docs_command(manifest_path: Path, changelog_path: Path, out: Path, check: bool) -> None:
    """Write every governed metric's ledger and approval history as dbt docs blocks (one per
    metric, and `metric_ledgers`, the description of metric_dictionary), so `dbt docs generate`
    shows them. `approve` rewrites the file; `--check` fails when it lags the manifest or the
    changelog."""
    from metric_ledger.changelog import read_changelog
    from metric_ledger.ledger_docs import render_ledger_docs
    from metric_ledger.manifest import load_manifest

    manifest = load_manifest(manifest_path)
    if check:
        text = render_ledger_docs(manifest, read_changelog(changelog_path))
        current = out.read_text() if out.is_file() else ""
        if current != text:
            click.echo(f"{out} is stale: run `metric-ledger docs` (after `dbt compile`)", err=True)
            raise SystemExit(1)
        click.echo(f"{out} is up to date")
        return
    changed = _write_ledger_docs(manifest, changelog_path, out)
    click.echo(f"{'wrote' if changed else 'unchanged:'} {out}")


def _impact_summary(metric: str, base_db: Path | None, head_db: Path | None) -> str:
    from metric_ledger.impact import impact_summary, run_impact

    if base_db is None or head_db is None:
        raise UsageError("--impact-base-db and --impact-db go together")
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
    from metric_ledger.manifest import load_manifest
    from metric_ledger.notices import build_notices
    from metric_ledger.render.notices import render_notices

    manifest = load_manifest(manifest_path) if manifest_path.exists() else None
    notices = build_notices(
        read_changelog(changelog_path), manifest, since.date() if since else None
    )
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
    from metric_ledger.impact import check_metric_names, run_impact
    from metric_ledger.render.impact import render_impact

    explicit = [name.strip() for name in metric_list.split(",") if name.strip()]
    result = run_impact(base_db, head_db)
    check_metric_names(result, explicit)
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

    from metric_ledger.backtest import ledger_statement, parse_slice, propose, run_backtest
    from metric_ledger.manifest import load_manifest
    from metric_ledger.render.backtest import render_backtest

    path = _warehouse_path(database)
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
@_out_dir("reports", "Directory for premortem_METRIC.md and .html.")
@_MANIFEST
def premortem_command(
    metric: str | None, new_name: str | None, database: Path | None, out_dir: Path,
    manifest_path: Path,
) -> None:  # fmt: skip
    """Write the pre-mortem pack of METRIC (Markdown and HTML): the first seed's 45-minute
    agenda filled from the warehouse, with sample tickets explained rule by rule and the
    backtest of its decision statement. With --new NAME, print a new metric's ledger scaffold.
    """

    from metric_ledger.manifest import load_manifest
    from metric_ledger.premortem import build_premortem, premortem_new, write_premortem

    if new_name is not None:
        if metric is not None:
            raise UsageError("give METRIC or --new NAME, not both")
        click.echo(premortem_new(new_name), nl=False)
        return
    if metric is None:
        raise UsageError("missing METRIC (or --new NAME for a new metric's ledger)")
    path = _warehouse_path(database)
    document = build_premortem(path, load_manifest(manifest_path), metric)
    written = write_premortem(document, out_dir, metric)
    for written_path in written:
        click.echo(f"wrote {written_path}")


@main.command("memo")
@click.argument("metric", required=False)
@_WAREHOUSE
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["markdown", "html"]),
    default="markdown",
    show_default=True,
    help="Markdown, or one self-contained HTML page that prints on one A4 sheet.",
)
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the memo to this file instead of stdout (with --all: a directory).",
)
@click.option(
    "--all",
    "every_metric",
    is_flag=True,
    help="Write the memo of every governed metric to --out DIR (DIR/METRIC.md or .html).",
)
def memo_command(
    metric: str | None,
    database: Path | None,
    output_format: str,
    out_path: Path | None,
    every_metric: bool,
) -> None:
    """Print METRIC's one-page memo (first seed, "Decision handoff"): job, decision statement,
    definition, coverage this week, top three biases, guardrails, comparability, owner and
    change control, re-approval triggers, and the current decision. A metric that may not be
    used this week says so first. Exit 2 on an unknown metric or an unbuilt warehouse."""

    from metric_ledger.errors import UsageError, cannot_write
    from metric_ledger.memo import governed_metrics, read_memo
    from metric_ledger.render.memo import render_memo

    warehouse = _warehouse_path(database)
    if every_metric:
        if metric is not None or out_path is None:
            raise UsageError("memo --all writes every governed metric: give --out DIR, no METRIC")
        suffix = ".html" if output_format == "html" else ".md"
        targets = [(name, out_path / f"{name}{suffix}") for name in governed_metrics(warehouse)]
        try:
            out_path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise cannot_write(out_path, error) from None
    elif metric is None:
        raise UsageError("memo needs METRIC (or --all --out DIR)")
    elif out_path is None:
        click.echo(render_memo(read_memo(warehouse, metric), output_format), nl=False)
        return
    else:
        targets = [(metric, out_path)]
    for name, target in targets:
        text = render_memo(read_memo(warehouse, name), output_format)
        try:
            target.write_text(text)
        except OSError as error:
            raise cannot_write(target, error) from None
        click.echo(f"wrote {target}")


@main.command("report")
@_WAREHOUSE
@_out_dir("reports/drift", "Directory for index.html.")
@click.option(
    "--weeks",
    type=click.IntRange(min=1),
    default=8,
    show_default=True,
    help="Complete weeks in the trailing window, the latest included.",
)
@click.option(
    "--data-docs",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The Data Docs index.html of `metric-ledger check --docs`, linked from the page.",
)
def report_command(
    database: Path | None, out_dir: Path, weeks: int, data_docs: Path | None
) -> None:
    """Write the weekly drift check as one static HTML page (DIR/index.html): per governed
    metric its value, counter-metrics, coverage and verdict, then the drift-check scan (what
    invalidates comparisons, mix, backlog, speed vs quality, escalations, branch gate, decision
    reviews, re-baseline notices). Charts are inline SVG; the page loads nothing else.
    """

    from metric_ledger.drift_report import read_drift_report
    from metric_ledger.render.report import write_report

    report = read_drift_report(_warehouse_path(database), weeks=weeks)
    path, _ = write_report(report, out_dir, data_docs)
    click.echo(str(path))


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

    server = postgres.LocalServer(base_dir=base_dir or postgres.state_dir_default())
    server.start()
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

    server = postgres.LocalServer(base_dir=base_dir or postgres.state_dir_default())
    server.stop(remove=not keep)
    click.echo(f"postgres stopped ({server.base_dir})")


@postgres_group.command("load")
@click.argument("raw_dir", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--schema", default="raw_helpdesk", show_default=True, help="The dbt var raw_schema.")
@click.option(
    "--source",
    type=click.Choice(["helpdesk", "zendesk"]),
    default="helpdesk",
    show_default=True,
    help="The export's tables: the contract's five, or Fivetran's Zendesk tables with the WFM "
    "side's agents and agent_shifts (the dbt var source_system).",
)
def postgres_load_command(raw_dir: Path, schema: str, source: str) -> None:
    """Load the Parquet tables of RAW_DIR into SCHEMA: the contract's five with the contract's
    column types, or (--source zendesk) the Zendesk tables with Zendesk's types."""
    from metric_ledger.engines import postgres

    counts = postgres.load_export(raw_dir, schema=schema, source=source)
    click.echo(
        f"loaded {raw_dir} into {schema}: " + " ".join(f"{k}={v}" for k, v in counts.items())
    )


# --- zendesk: a Zendesk sync's configuration and numbers ---------------------------------------


@main.group("zendesk", cls=_OneLineErrorsGroup)
def zendesk_group() -> None:
    """Read a Zendesk export (Fivetran's tables): its schedules as the business-hours seeds."""


@zendesk_group.command("schedules")
@click.argument("raw_dir", type=click.Path(file_okay=False, path_type=Path))
@_out_dir("seeds", "Directory for business_hours.csv and holidays.csv (the project's seeds).")
@click.option(
    "--region",
    "regions",
    multiple=True,
    metavar="SCHEDULE=REGION",
    help="The region of a schedule, by its name or id (repeatable) [default: the name].",
)
@click.option(
    "--time-zone",
    "time_zones",
    multiple=True,
    metavar="NAME=AREA/CITY",
    help="The IANA zone of a Zendesk time zone name Rails' list lacks (repeatable).",
)
def zendesk_schedules_command(
    raw_dir: Path, out_dir: Path, regions: tuple[str, ...], time_zones: tuple[str, ...]
) -> None:
    """Write the business_hours and holidays seeds from RAW_DIR's schedule tables.

    One region per Zendesk schedule (`schedule`: open intervals in minutes from Sunday 00:00,
    local time; `schedule_holiday`: holiday date ranges). The seed names the schedule's IANA
    zone, so daylight saving comes from the zone at build time. Exit 2 with one line per
    problem (file, row, column): a missing table, a wrong type, an interval that crosses
    midnight or overlaps another, a second opening on one day, an unknown time zone.
    """
    from metric_ledger import zendesk_schedules as zs

    config = zs.read_schedule_config(
        raw_dir,
        regions=zs.parse_mapping("--region", regions),
        time_zones=zs.parse_mapping("--time-zone", time_zones),
    )
    for path in zs.write_schedule_seeds(config, out_dir):
        click.echo(str(path))
    regions_written = sorted({o.region for o in config.business_hours})
    click.echo(
        f"{len(regions_written)} schedules ({', '.join(regions_written)}): "
        f"{len(config.business_hours)} opening hours, {len(config.holidays)} holidays"
    )


@zendesk_group.command("reconcile")
@click.option(
    "--raw",
    "raw_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The Zendesk export the warehouse was built from (ticket_metric and the ticket tables).",
)
@_WAREHOUSE
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write every difference to this CSV file.",
)
@click.option(
    "--zendesk-ids",
    default=None,
    metavar="YAML",
    help="The build's var zendesk_ids, e.g. '{ticket: [T, 100000, 7]}' [default: {}, the "
    "warehouse's ticket ids are Zendesk's numbers].",
)
def zendesk_reconcile_command(
    raw_dir: Path, database: Path | None, out_path: Path | None, zendesk_ids: str | None
) -> None:
    """Explain, per ticket, where fct_tickets differs from Zendesk's own ticket_metric.

    Compares first_response_minutes, first_response_business_minutes and resolution_minutes
    with reply_time_in_minutes_calendar/_business and full_resolution_time_in_minutes_calendar
    and names the rule behind each difference (auto_response, outbound, schedule,
    pending_pause, merged, reopened, deleted, not_in_ticket_metric). Prints a count per cause
    (and without --out the unexplained differences). Exit 1 when a difference is unexplained.
    """
    from metric_ledger import zendesk_reconcile as zr

    result = zr.reconcile(raw_dir, _warehouse_path(database), ids=zr.parse_zendesk_ids(zendesk_ids))
    if out_path is not None:
        click.echo(str(zr.write_csv(result, out_path)))
    else:
        for difference in result.differences:
            if difference.cause == "unexplained":
                click.echo(
                    f"unexplained: {difference.ticket_id or difference.zendesk_ticket_id} "
                    f"{difference.metric} {difference.metric_ledger_value} vs "
                    f"{difference.ticket_metric_column} {difference.zendesk_value}"
                )
    for line in zr.summary_lines(result):
        click.echo(line)
    raise SystemExit(1 if result.unexplained else 0)
