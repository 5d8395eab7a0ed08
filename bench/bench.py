"""The performance benchmark (shared/design/architecture.md, "Performance budget").

For N tickets on DuckDB: generate the export, slice it as the helpdesk would have exported it the
day before its last day and on its last day (`metric-ledger slice`: new tickets, new events and
late events), build the whole project from scratch on the first (`dbt build`: models, snapshot
and data tests, the production build; the unit tests are timed on their own), then run the
daily incremental build on the second. Reports wall time and peak memory of each step and the
floor: one DuckDB aggregate pass over the raw events. With `--engine spark` both builds run on
Spark (dbt-spark session) instead. With `--source zendesk`
the export is generated as Fivetran's Zendesk tables (`generate --source zendesk`, with the WFM
side's agents and shifts from the helpdesk export of the same seed, as the README says) and dbt
runs with `source_system: zendesk`: the full build only (`slice_export` slices the contract's
tables, not Zendesk's), on the whole export, in one generator chunk. Results go to stdout and to
bench/results/ (ignored by git). Timings are measured here, never asserted in tests.

    .venv/bin/python bench/bench.py --tickets 1000000
    .venv/bin/python bench/bench.py --tickets 10000000          # generated in 1M-ticket chunks
    .venv/bin/python bench/bench.py --tickets 100000 --engine spark
    .venv/bin/python bench/bench.py --tickets 1000000 --source zendesk
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
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from metric_ledger.synth import zendesk_schema
from metric_ledger.synth.output import TABLES
from metric_ledger.synth.slicing import slice_export
from metric_ledger.warehouse import connect as warehouse_connect

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

PAGE = os.sysconf("SC_PAGE_SIZE")
#: Ticket-level ids that must stay unique when chunks are concatenated.
ID_COLUMNS = {
    "tickets": ["ticket_id", "requester_id", "merged_into_ticket_id"],
    "ticket_events": ["event_id", "ticket_id"],
    "csat_responses": ["survey_id", "ticket_id"],
}


def _tree_rss_bytes(root: int) -> int:
    """Resident memory of a process and all its descendants (the JVM under dbt-spark too)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm") as statm:
                rss[int(entry)] = int(statm.read().split()[1]) * PAGE
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def run_child(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command; return (seconds, peak resident memory in GiB of its whole process tree,
    sampled every 0.2 s)."""
    with tempfile.TemporaryFile() as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                peak[0] = max(peak[0], _tree_rss_bytes(process.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        done.set()
        sampler.join()
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode != 0:
            output.seek(0)
            sys.stderr.write(output.read().decode(errors="replace")[-6000:])
            raise SystemExit(
                f"bench: {' '.join(command[:2])} failed with exit code {process.returncode}"
            )
    peak_bytes = max(peak[0], usage.ru_maxrss * 1024)
    return elapsed, peak_bytes / 2**30


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


#: The WFM side's tables: the Zendesk export takes them from the helpdesk export of its seed.
WFM_TABLES = ("agents", "agent_shifts")
#: With --source zendesk: the generator's reversible ids (zendesk_schema.ID_RULES), so the
#: build's ids are the helpdesk export's (README, "Zendesk (as Fivetran syncs it)").
ZENDESK_VARS: dict[str, object] = {
    "source_system": "zendesk",
    "zendesk_ids": {
        rule[0].split(".")[0]: [prefix, rule[1], rule[2]]
        for prefix, rule in zendesk_schema.ID_RULES.items()
        if prefix in "TES"
    },
}


def generate_command(raw: Path, tickets: int, seed: int, *options: str) -> list[str]:
    """`metric-ledger generate RAW --tickets N --seed S [options]`."""
    return [
        str(BIN / "metric-ledger"),
        "generate",
        str(raw),
        "--tickets",
        str(tickets),
        "--seed",
        str(seed),
        *options,
    ]


def generate_zendesk(
    raw: Path, helpdesk: Path, tickets: int, seed: int, env: dict[str, str]
) -> float:
    """Generate the export as Zendesk's tables (`generate --source zendesk`) and copy the WFM
    tables from the helpdesk export of the same seed. Returns peak GiB."""
    _, peak = run_child(
        generate_command(raw, tickets, seed, "--source", "zendesk"), env
    )
    for table in WFM_TABLES:
        shutil.copy(helpdesk / f"{table}.parquet", raw / f"{table}.parquet")
    return peak


def generate(
    raw: Path, tickets: int, seed: int, chunk: int, env: dict[str, str]
) -> float:
    """Generate the export; above `chunk` tickets, in chunks of different seeds whose ticket-level
    ids get a chunk prefix (the generator holds a whole export in memory: about 1.9 GiB per
    million tickets). Agents and shifts come from the first chunk. Returns peak GiB."""
    chunks = max(1, -(-tickets // chunk))
    if chunks == 1:
        _, peak = run_child(generate_command(raw, tickets, seed), env)
        return peak
    peak = 0.0
    parts = raw.parent / "chunks"
    for index in range(chunks):
        size = min(chunk, tickets - index * chunk)
        _, gib = run_child(
            generate_command(parts / str(index), size, seed + index), env
        )
        peak = max(peak, gib)
    raw.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    con.execute("set preserve_insertion_order = false")
    for table in TABLES:
        if table not in ID_COLUMNS:
            shutil.copy(parts / "0" / f"{table}.parquet", raw / f"{table}.parquet")
            continue
        selects = []
        for index in range(chunks):
            replaced = ", ".join(f"'c{index}' || {c} as {c}" for c in ID_COLUMNS[table])
            selects.append(
                f"select * replace ({replaced}) from read_parquet('{parts / str(index) / table}.parquet')"
            )
        con.execute(
            f"copy ({' union all '.join(selects)}) to '{raw / table}.parquet' (format parquet)"
        )
    con.close()
    shutil.rmtree(parts)
    return peak


def last_day(raw: Path) -> datetime:
    row = (
        duckdb.connect()
        .execute(
            f"select max(created_at) from read_parquet('{raw / 'tickets.parquet'}')"
        )
        .fetchone()
    )
    assert row is not None and row[0] is not None
    return datetime.combine(row[0].date(), datetime.min.time())


def dbt(
    command: str,
    workdir: Path,
    raw: Path,
    *extra: str,
    variables: dict[str, object] | None = None,
) -> list[str]:
    return [
        str(BIN / "dbt"),
        command,
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
        "--vars",
        json.dumps({"raw_data_path": str(raw), **(variables or {})}),
        *extra,
    ]


def keep_run_results(workdir: Path, step: str) -> dict[str, Any]:
    """The step's run_results.json, kept as WORKDIR/run_results_STEP.json (every node's
    timing, for a profile of the step) and returned."""
    path = workdir / "target" / "run_results.json"
    shutil.copy(path, workdir / f"run_results_{step}.json")
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def slowest_models(workdir: Path, count: int = 5) -> list[str]:
    results = json.loads((workdir / "target" / "run_results.json").read_text())[
        "results"
    ]
    ranked = sorted(results, key=lambda r: r.get("execution_time") or 0, reverse=True)
    return [
        f"{r['unique_id'].split('.')[-1]} {r['execution_time']:.1f}s"
        for r in ranked[:count]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb")
    parser.add_argument(
        "--source",
        choices=["helpdesk", "zendesk"],
        default="helpdesk",
        help="the export's tables: the contract's (full build and incremental day) or "
        "Fivetran's Zendesk tables (source_system: zendesk; the full build only)",
    )
    parser.add_argument(
        "--chunk",
        type=int,
        default=1_000_000,
        help="generate in chunks of this many tickets",
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="keep data here (default: temp)"
    )
    parser.add_argument(
        "--reuse-export",
        action="store_true",
        help="with --workdir: reuse the export and its two daily slices already there",
    )
    args = parser.parse_args()
    zendesk = args.source == "zendesk"
    if zendesk and args.tickets > args.chunk:
        parser.error(
            "--source zendesk generates the export in one piece (Zendesk's bigint ids take no "
            "chunk prefix): --tickets must be at most --chunk"
        )

    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="metric_ledger_bench_"))
    full_raw, day1, day2 = workdir / "raw", workdir / "day1", workdir / "day2"
    zendesk_raw = workdir / "zendesk"
    database = workdir / "bench.duckdb"
    for stale in (database, workdir / "spark"):
        if stale.is_dir():
            shutil.rmtree(stale)
        elif stale.exists():
            stale.unlink()
    env = dict(
        os.environ,
        METRIC_LEDGER_DB=str(database),
        METRIC_LEDGER_TARGET=args.engine,
        METRIC_LEDGER_SPARK_DIR=str(workdir / "spark"),
        DBT_PROFILES_DIR=str(REPO / "profiles"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    variables = ZENDESK_VARS if zendesk else {}

    generate_s = generate_gib = slice_s = 0.0
    if zendesk:
        if not (args.reuse_export and (zendesk_raw / "ticket.parquet").is_file()):
            started = time.perf_counter()
            generate_gib = generate(full_raw, args.tickets, args.seed, args.chunk, env)
            generate_gib = max(
                generate_gib,
                generate_zendesk(zendesk_raw, full_raw, args.tickets, args.seed, env),
            )
            generate_s = time.perf_counter() - started
        # The floor: the same truth's events, as the contract's one table of them.
        build_raw, floor_raw = zendesk_raw, full_raw
    else:
        if not (args.reuse_export and day1.is_dir() and day2.is_dir()):
            started = time.perf_counter()
            generate_gib = generate(full_raw, args.tickets, args.seed, args.chunk, env)
            generate_s = time.perf_counter() - started
            end = last_day(full_raw)
            started = time.perf_counter()
            slice_export(full_raw, day1, end)
            slice_export(full_raw, day2, end + timedelta(days=1))
            slice_s = time.perf_counter() - started
        build_raw, floor_raw = day1, day1
    con = duckdb.connect()
    if zendesk:
        live = f"read_parquet('{zendesk_raw / 'ticket.parquet'}') where not _fivetran_deleted"
        changes = (
            f"(select count(*) from read_parquet('{zendesk_raw / 'ticket_comment.parquet'}')) + "
            f"(select count(*) from read_parquet('{zendesk_raw / 'ticket_field_history.parquet'}'))"
        )
        counts = {
            "zendesk": con.execute(
                f"select (select count(*) from {live}), {changes}"
            ).fetchone()
        }
    else:
        counts = {
            day: con.execute(
                f"select (select count(*) from read_parquet('{raw / 'tickets.parquet'}')), "
                f"(select count(*) from read_parquet('{raw / 'ticket_events.parquet'}'))"
            ).fetchone()
            for day, raw in (("day1", day1), ("day2", day2))
        }
    aggregate_s, window_s = aggregate_floor(floor_raw)

    # The export lands in the same place every day, as in production: a changed var would make
    # dbt re-parse the whole project (partial parsing keys on vars).
    current = workdir / "current"
    if current.exists():
        shutil.rmtree(current)
    shutil.copytree(build_raw, current)
    # The production build: models, snapshot and data tests. Unit tests check the SQL against
    # fixed inputs, not the data, so (as dbt recommends) they run in CI and development, not in
    # the daily or full production build; timed separately below.
    build_s, build_gib = run_child(
        dbt(
            "build",
            workdir,
            current,
            "--exclude-resource-type",
            "unit_test",
            variables=variables,
        ),
        env,
    )
    slowest = slowest_models(workdir)
    full_results = keep_run_results(workdir, "full_build")
    unit_s, _ = run_child(
        dbt(
            "test", workdir, current, "--select", "test_type:unit", variables=variables
        ),
        env,
    )
    results: dict[str, object] = {
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} cores, "
            f"{os.sysconf('SC_PHYS_PAGES') * PAGE / 2**30:.0f} GiB, Python {platform.python_version()}"
        ),
        "engine": args.engine,
        "source": args.source,
        "tickets_generated": args.tickets,
        "generate_seconds": round(generate_s, 2),
        "generate_peak_rss_gib": round(generate_gib, 2),
    }
    if zendesk:
        results.update(
            {
                "full_build_export": "the whole Zendesk export (not sliced)",
                "full_build_tickets": counts["zendesk"][0]
                if counts["zendesk"]
                else None,
                "full_build_comment_and_history_rows": counts["zendesk"][1]
                if counts["zendesk"]
                else None,
            }
        )
    else:
        results.update(
            {
                "slice_two_days_seconds": round(slice_s, 2),
                "day1_tickets": counts["day1"][0] if counts["day1"] else None,
                "day1_events": counts["day1"][1] if counts["day1"] else None,
            }
        )
    results.update(
        {
            "floor_aggregate_pass_seconds": round(aggregate_s, 3),
            "floor_window_pass_seconds": round(window_s, 3),
            "full_build_seconds": round(build_s, 2),
            "full_build_peak_rss_gib": round(build_gib, 2),
            "full_build_to_aggregate_pass_ratio": round(build_s / aggregate_s, 1),
            "full_build_nodes": len(full_results["results"]),
            "full_build_slowest_nodes": slowest,
            "unit_tests_seconds": round(unit_s, 2),
            "full_build_with_unit_tests_seconds": round(build_s + unit_s, 2),
        }
    )
    if zendesk:
        results["incremental_day"] = (
            "not measured: slice_export slices the contract's tables, not Zendesk's "
            "(--source zendesk measures the full build only)"
        )
    else:  # the incremental day, on every engine
        shutil.rmtree(current)
        shutil.copytree(day2, current)
        incremental_s, incremental_gib = run_child(
            dbt("build", workdir, current, "--exclude-resource-type", "unit_test"), env
        )
        run_results = keep_run_results(workdir, "incremental_day")
        split = {"model": 0.0, "test": 0.0}
        for result in run_results["results"]:
            kind = result["unique_id"].split(".")[0]
            if kind in split:
                split[kind] += result.get("execution_time") or 0.0
        slowest_incremental = slowest_models(workdir)
        run_only_s: float | None = None
        refreshed: tuple[int] | None = None
        if args.engine == "duckdb":
            # The same day again with `dbt run` (models only, data tests skipped): what the
            # models cost without dbt's per-test overhead.
            run_only_s, _ = run_child(dbt("run", workdir, current), env)
            keep_run_results(workdir, "incremental_day_models_only")
            refreshed = (
                warehouse_connect(database)
                .execute("select count(*) from int_tickets_refresh_set")
                .fetchone()
            )
        results.update(
            {
                "day2_new_tickets": (counts["day2"][0] - counts["day1"][0])
                if counts["day1"] and counts["day2"]
                else None,
                "incremental_day_tickets_recomputed": refreshed[0]
                if refreshed
                else None,
                "incremental_day_seconds": round(incremental_s, 2),
                "incremental_day_to_full_build_ratio": round(
                    incremental_s / build_s, 2
                ),
                "incremental_day_peak_rss_gib": round(incremental_gib, 2),
                "incremental_day_dbt_execution_seconds": round(
                    run_results["elapsed_time"], 2
                ),
                "incremental_day_sum_model_seconds": round(split["model"], 2),
                "incremental_day_sum_test_seconds": round(split["test"], 2),
                "incremental_day_slowest_nodes": slowest_incremental,
                "incremental_day_dbt_run_models_only_seconds": round(run_only_s, 2)
                if run_only_s is not None
                else None,
            }
        )
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    suffix = "_zendesk" if zendesk else ""
    (out / f"bench_{args.engine}{suffix}_{args.tickets}.json").write_text(
        json.dumps(results, indent=2) + "\n"
    )
    for key, value in results.items():
        print(f"{key:38} {value}")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
