"""The performance benchmark (shared/design/architecture.md, "Performance budget").

Generates an export of N tickets, builds the whole project from scratch on it (`dbt build`,
models and tests) into a fresh DuckDB file, and reports wall time and peak memory of each step,
together with the floor: one DuckDB aggregate pass over the raw events. Results go to stdout and
to bench/results/ (ignored by git). Timings are measured here, never asserted in tests.

    .venv/bin/python bench/bench.py --tickets 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command; return (seconds, peak RSS in GiB of that process tree's largest process)."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            sys.stderr.write(output.read().decode(errors="replace")[-6000:])
            raise SystemExit(
                f"bench: {command[0]} {command[1]} failed with exit code {process.returncode}"
            )
    return elapsed, usage.ru_maxrss / (1024 * 1024)


def aggregate_floor(raw: Path) -> tuple[float, float]:
    """One aggregate pass and one window pass over the raw events: the floor a build is held to."""
    events = raw / "ticket_events.parquet"
    connection = duckdb.connect()
    started = time.perf_counter()
    connection.execute(
        f"select ticket_id, count(*), min(occurred_at), max(occurred_at) "
        f"from read_parquet('{events}') group by ticket_id"
    ).fetchall()
    aggregate = time.perf_counter() - started
    started = time.perf_counter()
    connection.execute(
        f"select count(*) from (select row_number() over (partition by ticket_id "
        f"order by occurred_at, event_id) as n from read_parquet('{events}')) where n = 1"
    ).fetchall()
    window = time.perf_counter() - started
    return aggregate, window


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workdir", type=Path, default=None, help="keep data here (default: temp)"
    )
    args = parser.parse_args()

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="metric_ledger_bench_"))
    raw = workdir / "raw"
    database = workdir / "bench.duckdb"
    if database.exists():
        database.unlink()
    env = dict(
        os.environ,
        METRIC_LEDGER_DB=str(database),
        DBT_PROFILES_DIR=str(REPO / "profiles"),
    )

    generate_s, generate_gib = run_child(
        [
            str(BIN / "metric-ledger"),
            "generate",
            str(raw),
            "--tickets",
            str(args.tickets),
            "--seed",
            str(args.seed),
        ],
        env,
    )
    events = (
        duckdb.connect()
        .execute(
            f"select count(*) from read_parquet('{raw / 'ticket_events.parquet'}')"
        )
        .fetchone()
    )
    assert events is not None
    aggregate_s, window_s = aggregate_floor(raw)
    build_s, build_gib = run_child(
        [
            str(BIN / "dbt"),
            "build",
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
            "--vars",
            json.dumps({"raw_data_path": str(raw)}),
        ],
        env,
    )
    results = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "tickets": args.tickets,
        "events": int(events[0]),
        "generate_seconds": round(generate_s, 2),
        "generate_peak_rss_gib": round(generate_gib, 2),
        "floor_aggregate_pass_seconds": round(aggregate_s, 3),
        "floor_window_pass_seconds": round(window_s, 3),
        "dbt_build_seconds": round(build_s, 2),
        "dbt_build_peak_rss_gib": round(build_gib, 2),
        "build_to_aggregate_pass_ratio": round(build_s / aggregate_s, 1),
    }
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"bench_{args.tickets}.json").write_text(
        json.dumps(results, indent=2) + "\n"
    )
    for key, value in results.items():
        print(f"{key:32} {value}")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
