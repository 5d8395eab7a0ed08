"""Benchmark of `metric-ledger gate` (shared/design/architecture.md, "Performance budget").

1. On this project's manifest (a real `dbt compile` of a temporary copy).
2. On a 5,000-model project: the copy plus 5,000 generated models (100 chains of 50) that all
   feed one governed metric, so the gate must canonicalise every one of them; compiled by dbt.
Both are compared with dbt's own state comparison, `dbt ls -s state:modified+`, on the same
project. Cold = no digest cache; warm = second run. Timings are reported, never asserted.

    .venv/bin/python bench/gate_bench.py [--models 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
ENTRIES = (
    "dbt_project.yml",
    "models",
    "macros",
    "seeds",
    "tests",
    "snapshots",
    "profiles",
)

LEDGER = {
    "version": 1,
    "owner": "data_steward",
    "approvers": ["data_steward"],
    "job": "diagnostic",
    "better": "higher",
    "status": "ship",
    "decision": {
        "moves": "worsens",
        "by": "10%",
        "for": "2 weeks",
        "then": "investigate",
    },
    "blast_radius": ["staffing"],
    "definition": "Tickets passing through 5,000 generated models (benchmark only).",
    # The generated semantic model has no channel dimension, so the ledger covers no channel
    # (validate_metric_ledgers checks covered_channels against the metric's filter).
    "coverage": "Benchmark only: no channel dimension.",
    "covered_channels": [],
    "comparability": "Benchmark only.",
    "automation_limits": "Benchmark only.",
    "known_biases": "Benchmark only.",
    "monitoring_signals": "Benchmark only.",
    "change_triggers": "Benchmark only.",
    "counter_metrics": [],
    "stop_the_line": {},
}


def run(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        command, check=False, cwd=cwd, env=env, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if completed.returncode not in (0, 1):
        sys.stderr.write(completed.stdout[-3000:] + completed.stderr[-3000:])
        raise SystemExit(
            f"gate_bench: {' '.join(command[:3])} failed ({completed.returncode})"
        )
    return elapsed


def make_copy(root: Path) -> Path:
    project = root / "project"
    project.mkdir(parents=True)
    for entry in ENTRIES:
        source = REPO / entry
        if source.is_dir():
            shutil.copytree(source, project / entry)
        else:
            shutil.copy2(source, project / entry)
    return project


def add_generated_models(project: Path, models: int, chain_length: int = 50) -> None:
    folder = project / "models" / "generated"
    folder.mkdir()
    chains = max(1, models // chain_length)
    tails = []
    for chain in range(chains):
        for step in range(chain_length):
            name = f"gen_c{chain:03d}_s{step:02d}"
            parent = (
                "{{ ref('fct_tickets') }}"
                if step == 0
                else f"{{{{ ref('gen_c{chain:03d}_s{step - 1:02d}') }}}}"
            )
            (folder / f"{name}.sql").write_text(
                f"-- generated for the gate benchmark\n"
                f"with upstream as (\n    select ticket_id, channel, created_at, is_included\n"
                f"    from {parent}\n),\nfinal as (\n    select * from upstream\n"
                f"    where is_included and created_at is not null and channel <> 'c{step}'\n)\n"
                f"select * from final\n"
            )
        tails.append(f"gen_c{chain:03d}_s{chain_length - 1:02d}")
    union = "\nunion all\n".join(
        f"select * from {{{{ ref('{tail}') }}}}" for tail in tails
    )
    (folder / "gen_union.sql").write_text(
        f"with unioned as (\n{union}\n)\nselect * from unioned\n"
    )
    (folder / "_generated.yml").write_text(
        json.dumps(
            {
                "version": 2,
                "semantic_models": [
                    {
                        "name": "generated_tickets",
                        "model": "ref('gen_union')",
                        "defaults": {"agg_time_dimension": "created_at"},
                        "entities": [
                            {
                                "name": "generated_ticket",
                                "type": "primary",
                                "expr": "ticket_id",
                            }
                        ],
                        "dimensions": [
                            {
                                "name": "created_at",
                                "type": "time",
                                "type_params": {"time_granularity": "day"},
                            }
                        ],
                        "measures": [
                            {
                                "name": "generated_ticket_count",
                                "agg": "count",
                                "expr": "ticket_id",
                            }
                        ],
                    }
                ],
                "metrics": [
                    {
                        "name": "generated_ticket_volume",
                        "label": "Generated ticket volume",
                        "type": "simple",
                        "type_params": {"measure": "generated_ticket_count"},
                        "config": {"meta": {"governed": True, "ledger": LEDGER}},
                    }
                ],
            },
            indent=1,
        )
    )
    changelog = project / "seeds" / "metric_changelog.csv"
    changelog.write_text(
        changelog.read_text()
        + "generated_ticket_volume,1,2026-01-05,introduced,benchmark,,,data_steward,2026-01-02 10:00:00,0\n"
    )


def measure(project: Path, label: str, env: dict[str, str]) -> dict[str, float]:
    compile_s = run([str(BIN / "dbt"), "compile", "--quiet"], project, env)
    state = project / "state"
    shutil.copytree(project / "target", state)
    gate = [str(BIN / "metric-ledger"), "gate"]
    (project / "target" / "metric_ledger_sql_cache.json").unlink(missing_ok=True)
    cold = run(gate, project, env)
    warm = run(gate, project, env)
    dbt_ls = run(
        [
            str(BIN / "dbt"),
            "ls",
            "--quiet",
            "-s",
            "state:modified+",
            "--state",
            str(state),
        ],
        project,
        env,
    )
    models = sum(1 for _ in (project / "models").rglob("*.sql"))
    print(f"{label}: {models} models")
    print(f"  dbt compile                         {compile_s:8.2f} s")
    print(f"  metric-ledger gate (cold cache)     {cold:8.2f} s")
    print(f"  metric-ledger gate (warm cache)     {warm:8.2f} s")
    print(f"  dbt ls -s state:modified+           {dbt_ls:8.2f} s")
    print(f"  ratio gate(cold) / dbt state check  {cold / dbt_ls:8.2f}")
    return {"models": models, "compile_s": compile_s, "gate_cold_s": cold, "gate_warm_s": warm,
            "dbt_state_modified_s": dbt_ls}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=int, default=5000)
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="gate_bench_") as tmp:
        env = dict(
            os.environ,
            DBT_PROFILES_DIR="profiles",
            METRIC_LEDGER_DB=f"{tmp}/bench.duckdb",
        )
        small = make_copy(Path(tmp) / "small")
        results["this_project"] = measure(small, "this project", env)
        large = make_copy(Path(tmp) / "large")
        add_generated_models(large, args.models)
        subprocess.run([str(BIN / "dbt"), "compile", "--quiet"], cwd=large, env=env, check=False,
                       capture_output=True)  # fmt: skip
        subprocess.run(
            [str(BIN / "metric-ledger"), "approve", "generated_ticket_volume", "--by",
             "data_steward", "--reason", "benchmark"],
            cwd=large, env=env, check=True, capture_output=True,
        )  # fmt: skip
        results["generated"] = measure(large, f"{args.models}-model project", env)
    out = REPO / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "gate_bench.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
