"""The `metric-ledger` command line: a thin layer over the library."""

from __future__ import annotations

from pathlib import Path

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="metric_ledger")
def main() -> None:
    """Governed support metrics: generate exports, summarise builds, check definitions."""


# --- generate: synthetic raw export (metric_ledger.synth) ------------------------------------


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


@main.command("generate", cls=_OneLineErrorsCommand)
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--tickets", type=int, default=50_000, show_default=True, help="Tickets to draw.")
@click.option("--seed", type=int, default=42, show_default=True, help="Random seed.")
@click.option(
    "--start", default="2026-01-05", show_default=True, help="First day (UTC, ISO date; a Monday)."
)
@click.option("--weeks", type=int, default=12, show_default=True, help="Length of the period.")
@click.option(
    "--scenario", "scenarios", multiple=True, metavar="NAME", help="Inject a scenario (repeatable)."
)
def generate_command(
    out_dir: Path, tickets: int, seed: int, start: str, weeks: int, scenarios: tuple[str, ...]
) -> None:
    """Write a deterministic synthetic raw export (five Parquet files) to OUT_DIR."""
    from metric_ledger import synth

    try:
        summary = synth.generate(
            out_dir,
            tickets=tickets,
            seed=seed,
            start=synth.parse_start(start),
            weeks=weeks,
            scenarios=scenarios,
        )
    except synth.SynthArgumentError as exc:
        raise _OneLineUsageError(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write {out_dir}: {exc.strerror or exc}") from None
    click.echo(summary.one_line())


# --- summary: what a build found --------------------------------------------------------------


@main.command("summary")
@click.option(
    "--db",
    "database",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="DuckDB warehouse file [default: $METRIC_LEDGER_DB or warehouse/metric_ledger.duckdb].",
)
def summary_command(database: Path | None) -> None:
    """Print volumes, coverage, median first response by channel and the quarantine of a build."""
    import os

    from metric_ledger.report import render_summary
    from metric_ledger.summary import WarehouseError, read_summary

    path = database or Path(os.environ.get("METRIC_LEDGER_DB", "warehouse/metric_ledger.duckdb"))
    try:
        summary = read_summary(path)
    except WarehouseError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(2) from None
    render_summary(summary)
