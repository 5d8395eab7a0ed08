"""Shared pytest helpers: run this repo's dbt project on a given raw export, in isolation.

Every run gets its own DuckDB file (``METRIC_LEDGER_DB``), target path and log path, so tests
never touch ``warehouse/`` or ``target/`` of the working copy and can run beside other builds.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from metric_ledger.synth import zendesk_schema

TESTS_DIR = Path(__file__).resolve().parent
REPO = TESTS_DIR.parents[1]
PROFILES_DIR = REPO / "profiles"

if str(TESTS_DIR) not in sys.path:  # make oracle.py / adversarial_export.py importable
    sys.path.insert(0, str(TESTS_DIR))

#: No debug-level file log for the test suite's dbt runs (every subprocess inherits this
#: environment): writing it costs 8 to 13% of a build on a small export (dbt formats and scrubs
#: every one of ~15,000 lines), and a failed test shows dbt's console output, not the file.
#: A user's own runs keep dbt's default (bench/RESULTS.md, 2026-12-08). Set the variable to
#: get the file log back in a test run.
os.environ.setdefault("DBT_LOG_LEVEL_FILE", "none")


#: The modules that take longest (``--durations`` of a full run on a 2-core machine, worker
#: seconds: test_spark 385-510, test_change_workflow 310, test_gate 300, test_robustness 300,
#: test_incremental 270, test_scenarios 180), collected first: with `--dist loadscope
#: --no-loadscope-reorder` (the Makefile) the workers take them before the many short modules,
#: so no long module starts last and runs alone while the other worker idles.
LONGEST_MODULES = (
    "test_spark.py",
    "test_change_workflow.py",
    "test_gate.py",
    "test_robustness.py",
    "test_incremental.py",
    "test_scenarios.py",
    "test_zendesk_source.py",
    "test_bad_input.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Longest modules first (LONGEST_MODULES), the rest in collection order."""

    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return LONGEST_MODULES.index(name) if name in LONGEST_MODULES else len(LONGEST_MODULES)

    items.sort(key=rank)  # stable: a module's tests keep their order


def dbt_executable() -> str:
    """The dbt of the project's venv, else the one next to the running interpreter."""
    for candidate in (REPO / ".venv" / "bin" / "dbt", Path(sys.executable).parent / "dbt"):
        if candidate.exists():
            return str(candidate)
    return "dbt"


@dataclass(frozen=True)
class DbtWorkspace:
    """Where one isolated dbt invocation writes: DuckDB file, target and logs; ``project_dir``
    is the dbt project it builds (this repo, or a temporary copy from ``copy_project``)."""

    root: Path
    raw_dir: Path
    project_dir: Path = REPO

    @property
    def db_path(self) -> Path:
        return self.root / "wh.duckdb"

    @property
    def target_path(self) -> Path:
        return self.root / "target"

    @property
    def log_path(self) -> Path:
        return self.root / "logs"


def dbt_invocation(
    command: str,
    workspace: DbtWorkspace,
    extra_args: Sequence[str] = (),
    extra_vars: dict[str, object] | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The argument list and environment of ``dbt <command>`` on ``workspace.raw_dir``, writing
    into the workspace (its DuckDB file, target and logs)."""
    variables: dict[str, object] = {"raw_data_path": str(workspace.raw_dir)}
    variables.update(extra_vars or {})
    args = [
        dbt_executable(),
        command,
        "--project-dir",
        str(workspace.project_dir),
        "--profiles-dir",
        str(PROFILES_DIR),
        "--target-path",
        str(workspace.target_path),
        "--log-path",
        str(workspace.log_path),
        "--vars",
        json.dumps(variables),
        *extra_args,
    ]
    env = {
        **os.environ,
        "METRIC_LEDGER_DB": str(workspace.db_path),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    workspace.root.mkdir(parents=True, exist_ok=True)
    return args, env


def run_dbt(
    command: str,
    workspace: DbtWorkspace,
    extra_args: Sequence[str] = (),
    extra_vars: dict[str, object] | None = None,
    timeout: float = 900,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``dbt <command>`` on ``workspace.raw_dir``; unless ``check`` is false, a failure
    fails the test with dbt's output."""
    args, env = dbt_invocation(command, workspace, extra_args, extra_vars)
    proc = subprocess.run(
        args, cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"`dbt {command}` failed with exit code {proc.returncode} "
            f"(raw_data_path={workspace.raw_dir}):\n{proc.stdout[-20000:]}\n{proc.stderr[-5000:]}",
            pytrace=False,
        )
    return proc


DbtBuilder = Callable[..., DbtWorkspace]


@pytest.fixture(scope="session")
def dbt_runner(tmp_path_factory: pytest.TempPathFactory) -> DbtBuilder:
    """Session-wide factory: ``dbt_runner(raw_dir, commands=("seed", "run"))`` -> workspace.

    Each distinct (raw_dir, commands) is built once per session into its own temporary DuckDB
    file; later calls reuse it.
    """
    cache: dict[tuple[str, tuple[str, ...]], DbtWorkspace] = {}

    def build(raw_dir: Path | str, commands: Sequence[str] = ("seed", "run")) -> DbtWorkspace:
        key = (str(Path(raw_dir).resolve()), tuple(commands))
        if key not in cache:
            workspace = DbtWorkspace(
                root=tmp_path_factory.mktemp("dbt_run"), raw_dir=Path(raw_dir).resolve()
            )
            for command in commands:
                run_dbt(command, workspace)
            cache[key] = workspace
        return cache[key]

    return build


def find_relation(con: object, name: str) -> str:
    """Fully qualified ``"schema"."name"`` of a table or view in a DuckDB connection."""
    rows = con.execute(  # type: ignore[attr-defined]
        "select table_schema from information_schema.tables where table_name = ? order by 1",
        [name],
    ).fetchall()
    if not rows:
        pytest.fail(f"relation {name!r} not found in the DuckDB warehouse", pytrace=False)
    if len(rows) > 1:
        pytest.fail(f"relation {name!r} found in several schemas: {rows}", pytrace=False)
    return f'"{rows[0][0]}"."{name}"'


# --- temporary copies of the project ----------------------------------------------------------

#: The var that makes a build read the demo's own context log and decision records
#: (seeds/demo/) instead of the user's seeds, which ship empty (`make demo` sets it).
DEMO_CONFIGURATION: dict[str, object] = {"use_demo_configuration": True}

PROJECT_ENTRIES = (
    "dbt_project.yml",
    "models",
    "macros",
    "seeds",
    "tests",
    "snapshots",
    "profiles",
)


def copy_project(destination: Path, parsed: Path | None = None, source: Path = REPO) -> Path:
    """Copy the dbt project ``source`` (this repo, or a copy of it; not its target/, logs/ or
    warehouse) to ``destination``; with ``parsed`` (a built or compiled project copy), carry
    its parse (:func:`carry_parse`)."""
    import shutil

    destination.mkdir(parents=True, exist_ok=True)
    for entry in PROJECT_ENTRIES:
        path = source / entry
        if path.is_dir():
            shutil.copytree(path, destination / entry)
        elif path.exists():
            shutil.copy2(path, destination / entry)
    if parsed is not None:
        carry_parse(parsed, destination)
    return destination


#: Where dbt saves a project's parse for the next invocation (partial parsing).
PARTIAL_PARSE = Path("target/partial_parse.msgpack")


def carry_parse(source: Path, destination: Path) -> None:
    """Give the project copy ``destination`` the saved parse of the copy ``source``: dbt then
    re-parses only the files that differ (a full parse of this project costs ~5 s of every
    invocation). dbt itself decides what the saved parse still holds: it parses everything again
    when dbt_project.yml, the profile, the `--vars` or the warehouse path differ, which is why
    :func:`run_in_project`'s default warehouse path is relative. Unchanged seeds keep
    ``source`` as their manifest ``root_path``: the same files, as ``destination`` is a copy."""
    import shutil

    saved = source / PARTIAL_PARSE
    if saved.is_file():
        (destination / PARTIAL_PARSE).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(saved, destination / PARTIAL_PARSE)


#: The semantic layer: one YAML per semantic model, holding the semantic model, the metrics
#: built on it and their Assumption Ledgers (models/semantic/tickets.yml, ...).
SEMANTIC_DIR = Path("models/semantic")


def semantic_yaml_file(project: Path, section: str, name: str) -> Path:
    """The file of ``project``'s semantic layer whose ``section`` (``metrics`` or
    ``semantic_models``) defines ``name``."""
    for path in sorted((project / SEMANTIC_DIR).glob("*.yml")):
        document = yaml.safe_load(path.read_text()) or {}
        if any(item["name"] == name for item in document.get(section) or []):
            return path
    raise LookupError(f"{project / SEMANTIC_DIR}: no file defines {section} {name}")


def edit_semantic_item(
    project: Path, section: str, name: str, edit: Callable[[dict[str, Any]], None]
) -> Path:
    """Apply ``edit`` to one metric or semantic model of a project copy, in the file that
    defines it (rewritten by yaml.safe_dump: the copy's comments go, its data stays)."""
    path = semantic_yaml_file(project, section, name)
    document = yaml.safe_load(path.read_text())
    edit(next(item for item in document[section] if item["name"] == name))
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def semantic_metrics(project: Path = REPO) -> list[dict[str, Any]]:
    """Every metric of ``project``'s semantic layer, file by file."""
    metrics: list[dict[str, Any]] = []
    for path in sorted((project / SEMANTIC_DIR).glob("*.yml")):
        metrics.extend((yaml.safe_load(path.read_text()) or {}).get("metrics") or [])
    return metrics


#: For builds whose purpose is the warehouse a test reads: dbt unit tests do not depend on the
#: export, so they run once per CI run (`make test-dbt`, the engine comparisons), not per fixture.
NO_UNIT_TESTS = ("--exclude-resource-type", "unit_test")


def tool_executable(name: str) -> str:
    """A console script of the project's venv (dbt, mf, metric-ledger)."""
    for candidate in (REPO / ".venv" / "bin" / name, Path(sys.executable).parent / name):
        if candidate.exists():
            return str(candidate)
    return name


def run_in_project(
    project: Path,
    args: Sequence[str],
    raw_dir: Path | None = None,
    tool: str = "dbt",
    check: bool = True,
    timeout: float = 900,
    db: Path | None = None,
    extra_vars: dict[str, object] | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``dbt``/``mf`` with ``cwd`` = a project copy, its own warehouse file and profiles.

    For dbt, ``raw_data_path`` is passed as a var when ``raw_dir`` is given, beside
    ``extra_vars`` (e.g. ``DEMO_CONFIGURATION``). The warehouse is ``project/warehouse.duckdb``
    unless ``db`` names another file; the default is passed relative to the project (the cwd),
    so that every copy has the same profile and can reuse another's parse (:func:`carry_parse`).
    """
    command = [tool_executable(tool), *args]
    variables: dict[str, object] = {} if raw_dir is None else {"raw_data_path": str(raw_dir)}
    variables.update(extra_vars or {})
    if tool == "dbt" and variables:
        command += ["--vars", json.dumps(variables)]
    env = {
        **os.environ,
        "METRIC_LEDGER_DB": str(db or "warehouse.duckdb"),
        "DBT_PROFILES_DIR": str(project / "profiles"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    proc = subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and proc.returncode != 0:
        pytest.fail(
            f"`{' '.join(command)}` failed with exit code {proc.returncode} in {project}:\n"
            f"{proc.stdout[-20000:]}\n{proc.stderr[-5000:]}",
            pytrace=False,
        )
    return proc


# --- session builds shared by the xdist workers ---------------------------------------------------


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The temporary directory of this pytest run that every xdist worker shares (a worker's
    basetemp is `<run>/popen-gwN`); without xdist, the run's own basetemp."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def made_once(
    tmp_path_factory: pytest.TempPathFactory, name: str, make: Callable[[Path], None]
) -> Path:
    """``<run>/shared/<name>``, made by ``make(directory)`` once per pytest run, not once per xdist
    worker: the first worker to ask makes it under an exclusive lock, the others wait and reuse
    it (a session build costs 10 to 80 s; every worker used to make its own). A failed ``make``
    leaves no mark: the next worker to ask tries again. Callers that write into the result (dbt,
    MetricFlow, a DuckDB connection that is not read-only) work on a copy (:func:`worker_copy`)."""
    import fcntl

    shared = _run_root(tmp_path_factory) / "shared"
    shared.mkdir(exist_ok=True)
    directory, done = shared / name, shared / f"{name}.done"
    with (shared / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not done.exists():
                if directory.exists():
                    shutil.rmtree(directory)
                directory.mkdir()
                make(directory)
                done.touch()
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return directory


def worker_copy(tmp_path_factory: pytest.TempPathFactory, shared: Path) -> Path:
    """This worker's own copy of a directory made by :func:`made_once` (a built project with its
    warehouse file and target/, beside its export): a test may write into it as into a build of
    its own. dbt runs in the copy reuse the build's saved parse (:func:`carry_parse`)."""
    copy = tmp_path_factory.mktemp(shared.name) / shared.name
    shutil.copytree(shared, copy, ignore=shutil.ignore_patterns("logs"))
    return copy


@pytest.fixture(scope="session")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small clean synthetic export (4,000 tickets, 6 weeks), generated once per run; read
    only."""
    from datetime import date

    from metric_ledger.synth import generate

    def make(out: Path) -> None:
        generate(out, tickets=4000, seed=3, start=date(2026, 1, 5), weeks=6, scenarios=())

    return made_once(tmp_path_factory, "small_export", make)


@pytest.fixture(scope="session")
def small_export_parse(tmp_path_factory: pytest.TempPathFactory, small_export: Path) -> Path:
    """A project copy parsed (`dbt parse`) with the small export as raw_data_path: a copy made by
    ``copy_project(destination, parsed=small_export_parse)`` and run on the small export
    re-parses only the files its test edits. Made once per run; read only."""

    def make(root: Path) -> None:
        project = copy_project(root / "project")
        run_in_project(project, ["parse"], raw_dir=small_export)

    return made_once(tmp_path_factory, "small_export_parse", make) / "project"


@pytest.fixture(scope="session")
def built_project(tmp_path_factory: pytest.TempPathFactory, small_export: Path) -> Path:
    """A temporary copy of the project, built (`dbt build`) on the small export: built once per
    run, each worker's own copy of it."""

    def make(root: Path) -> None:
        project = copy_project(root / "project")
        run_in_project(project, ["build", *NO_UNIT_TESTS], raw_dir=small_export)

    shared = made_once(tmp_path_factory, "built_project", make)
    return worker_copy(tmp_path_factory, shared) / "project"


#: The failure scenarios `make demo` injects (DEMO_SCENARIOS in the Makefile).
DEMO_SCENARIOS = (
    "coverage_gap",
    "branch_simpson",
    "macro_gaming",
    "response_rate_collapse",
    "severity_downgrade",
)


@pytest.fixture(scope="session")
def scenario_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A temporary copy of the project built (`dbt build`, shipped configuration) on an export
    like the small one with the demo's five failure scenarios: a channel the contract does not
    know (`messaging`, no included contact), relabelled priorities, skewed branches. The clean
    export has no segment where a ratio's numerator is empty. Its export is the sibling `raw`.
    Built once per run, each worker's own copy of it."""
    from datetime import date

    from metric_ledger.synth import generate

    def make(root: Path) -> None:
        generate(root / "raw", tickets=4000, seed=3, start=date(2026, 1, 5), weeks=6,
                 scenarios=DEMO_SCENARIOS)  # fmt: skip
        project = copy_project(root / "project")
        run_in_project(project, ["build", *NO_UNIT_TESTS], raw_dir=root / "raw")

    shared = made_once(tmp_path_factory, "scenario_project", make)
    return worker_copy(tmp_path_factory, shared) / "project"


def mf_query(
    project: Path, metrics: Sequence[str], group_by: Sequence[str]
) -> list[dict[str, str]]:
    """``mf query`` on a built project copy: one dict per row, keyed by MetricFlow's column names
    (``metric_time__week``, ``ticket__channel``, the metrics); a null is an empty string."""
    request = ",".join(metrics) + "|" + ",".join(group_by)
    out = project / f"mf_{hashlib.sha1(request.encode()).hexdigest()[:16]}.csv"
    run_in_project(
        project,
        [
            "query",
            "--metrics",
            ",".join(metrics),
            "--group-by",
            ",".join(group_by),
            "--csv",
            str(out),
        ],
        tool="mf",
    )
    with out.open() as handle:
        return list(csv.DictReader(handle))


# --- the Zendesk source (issue 12): one truth exported both ways, built once per session ------

ZENDESK_SEED, ZENDESK_TICKETS, ZENDESK_WEEKS = 3, 3500, 6
#: The generator's reversible ids (zendesk_schema.ID_RULES) as the var zendesk_ids.
ZENDESK_IDS: dict[str, list[object]] = {
    rule[0].split(".")[0]: [prefix, rule[1], rule[2]]
    for prefix, rule in zendesk_schema.ID_RULES.items()
    if prefix in "TES"
}
ZENDESK_VARS: dict[str, object] = {"source_system": "zendesk", "zendesk_ids": ZENDESK_IDS}
WFM_TABLES = ("agents", "agent_shifts")


@pytest.fixture(scope="session")
def zendesk_exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(helpdesk, zendesk): the demo's five scenarios on one seed, written as the contract's
    tables and as Fivetran's Zendesk tables (with the WFM side's agents and shifts beside).
    Generated once per run; read only."""
    import shutil
    from datetime import date

    from metric_ledger.synth import generate

    def make(root: Path) -> None:
        helpdesk, zendesk = root / "helpdesk", root / "zendesk"
        for out, source in ((helpdesk, "helpdesk"), (zendesk, "zendesk")):
            generate(out, tickets=ZENDESK_TICKETS, seed=ZENDESK_SEED, start=date(2026, 1, 5),
                     weeks=ZENDESK_WEEKS, scenarios=DEMO_SCENARIOS, source=source)  # fmt: skip
        for name in WFM_TABLES:
            shutil.copy(helpdesk / f"{name}.parquet", zendesk / f"{name}.parquet")

    root = made_once(tmp_path_factory, "zendesk_exports", make)
    return root / "helpdesk", root / "zendesk"


@pytest.fixture(scope="session")
def zendesk_helpdesk_shared(
    tmp_path_factory: pytest.TempPathFactory, zendesk_exports: tuple[Path, Path]
) -> Path:
    """The helpdesk build of the Zendesk truth (`project/`, `h.duckdb`, the build's
    `default_manifest.json`), made once per run; read only: use :func:`zendesk_helpdesk_build`."""

    def make(root: Path) -> None:
        project = copy_project(root / "project")
        run_in_project(project, ["build", *NO_UNIT_TESTS], raw_dir=zendesk_exports[0],
                       db=root / "h.duckdb")  # fmt: skip
        shutil.copy(project / "target" / "manifest.json", root / "default_manifest.json")

    return made_once(tmp_path_factory, "zendesk_helpdesk_build", make)


def _zendesk_paths(root: Path) -> dict[str, Any]:
    manifest = json.loads((root / "default_manifest.json").read_text())
    return {"project": root / "project", "helpdesk_db": root / "h.duckdb",
            "default_manifest": manifest}  # fmt: skip


@pytest.fixture(scope="session")
def zendesk_helpdesk_build(
    tmp_path_factory: pytest.TempPathFactory, zendesk_helpdesk_shared: Path
) -> dict[str, Any]:
    """A project copy built (default vars, no unit tests) on the helpdesk export of the Zendesk
    truth: the reference the Zendesk builds (DuckDB, PostgreSQL) are compared with. This
    worker's own copy."""
    return _zendesk_paths(worker_copy(tmp_path_factory, zendesk_helpdesk_shared))


@pytest.fixture(scope="session")
def zendesk_builds(
    tmp_path_factory: pytest.TempPathFactory,
    zendesk_helpdesk_shared: Path,
    zendesk_exports: tuple[Path, Path],
) -> dict[str, Any]:
    """One project copy built twice: the helpdesk export (default vars) and the Zendesk export
    (`source_system: zendesk`, unit tests included), each into its own warehouse. Built once
    per run, each worker's own copy of it."""

    def make(root: Path) -> None:
        shutil.copytree(zendesk_helpdesk_shared, root, dirs_exist_ok=True)
        run_in_project(root / "project", ["build"], raw_dir=zendesk_exports[1],
                       db=root / "z.duckdb", extra_vars=ZENDESK_VARS)  # fmt: skip

    root = worker_copy(tmp_path_factory, made_once(tmp_path_factory, "zendesk_builds", make))
    results = json.loads((root / "project" / "target" / "run_results.json").read_text())["results"]
    return {
        **_zendesk_paths(root),
        "zendesk_db": root / "z.duckdb",
        "zendesk_raw": zendesk_exports[1],
        "zendesk_results": results,
    }
