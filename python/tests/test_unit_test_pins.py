"""Unit tests pin the vars and seeds their expectations depend on (house-style.md, issue 10).

A legitimate definition change (``reopen_window_days`` 14 -> 21 in dbt_project.yml) must never
break a unit test half-way through ``dbt build``: every unit test whose model reads a var
sets it in ``overrides: vars:``, every seed its model reads is one of its ``given`` inputs, and
every macro that reads a ledger from the dbt graph (agent_scorecard_weekly's speed channels) is
pinned in ``overrides: macros:``.

- ``test_every_unit_test_pins_the_vars_and_seeds_its_model_reads``: static, from the manifest of
  a real ``dbt compile`` of a copy of the project: the vars a model reads are the ``var('...')``
  calls of its SQL and of every macro it calls, transitively.
- ``test_unit_tests_pass_after_every_var_they_read_changes``: a copy of the project with every
  such var (the definitional ones included) changed in dbt_project.yml, built ``--empty``
  (models, seeds and unit tests only: unit tests need their inputs' relations, not their rows),
  must pass every unit test.
- ``test_every_intermediate_and_governance_model_has_a_unit_test`` and
  ``test_no_model_is_longer_than_the_house_limit``: the shape issue 15 asked for (one rule in one
  short, unit-tested model), from the same manifest.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import copy_project, run_in_project

PROJECT = "metric_ledger"
VAR_CALL = re.compile(r"""\bvar\(\s*['"]([A-Za-z_]\w*)['"]""")
MACRO_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*\(")

# The definition parameters (dbt_project.yml "Definition parameters"), each changed to a value
# that moves its rule's edge cases; the test also changes every other var a unit-tested model
# reads (see _changed_value).
DEFINITIONAL_CHANGES: dict[str, object] = {
    "meaningful_reply_min_chars": 120,
    "reopen_window_days": 21,
    "repeat_contact_window_days": 3,
    "backlog_age_alert_hours": 24,
}


def _load_manifest(project: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((project / "target" / "manifest.json").read_text())
    return manifest


def called_macros(manifest: dict[str, Any], node_id: str) -> list[str]:
    """The macros a node calls: dbt's depends_on.macros, plus the project macros its SQL calls by
    name (dbt records a node's macros while rendering it at parse time, when ``execute`` is
    false, so a call inside ``{% if execute %}`` is missing from depends_on)."""
    node = manifest["nodes"][node_id]
    macros = list((node.get("depends_on") or {}).get("macros") or [])
    for name in sorted(set(MACRO_CALL.findall(node.get("raw_code") or ""))):
        macro_id = f"macro.{PROJECT}.{name}"
        if macro_id in manifest["macros"] and macro_id not in macros:
            macros.append(macro_id)
    return macros


def hook_only_macros(manifest: dict[str, Any], node_id: str) -> set[str]:
    """The names of the macros a node calls from its pre- and post-hooks and not from its SQL: a
    hook never runs in a unit test, so what they read needs no pin."""
    node = manifest["nodes"].get(node_id) or {}
    hooks = " ".join(
        str(hook.get("sql") or "")
        for key in ("pre-hook", "post-hook")
        for hook in (node.get("config") or {}).get(key) or []
    )
    in_sql = set(MACRO_CALL.findall(node.get("raw_code") or ""))
    return set(re.findall(r"\b(\w+)\(", hooks)) - in_sql


def vars_read(manifest: dict[str, Any], node_id: str) -> set[str]:
    """The vars a node's SQL and the macros it calls (transitively) read; macros called only from
    its hooks are left out."""
    node = manifest["nodes"][node_id]
    names = set(VAR_CALL.findall(node.get("raw_code") or ""))
    hook_only = hook_only_macros(manifest, node_id)
    pending = [m for m in called_macros(manifest, node_id) if m.split(".")[-1] not in hook_only]
    seen: set[str] = set()
    while pending:
        macro_id = pending.pop()
        if macro_id in seen:
            continue
        seen.add(macro_id)
        macro = manifest["macros"].get(macro_id) or {}
        names.update(VAR_CALL.findall(macro.get("macro_sql") or ""))
        pending.extend((macro.get("depends_on") or {}).get("macros") or [])
    return names


def _reads_graph(manifest: dict[str, Any], macro_id: str, overridden: set[str]) -> bool:
    """A project macro that reads the dbt graph, itself or through the macros it calls (an
    overridden macro is never called)."""
    pending, seen = [macro_id], set()
    while pending:
        current = pending.pop()
        if current in seen or current.split(".")[-1] in overridden:
            continue
        seen.add(current)
        if not current.startswith(f"macro.{PROJECT}."):
            continue
        macro = manifest["macros"].get(current) or {}
        if re.search(r"\bgraph\.", macro.get("macro_sql") or ""):
            return True
        pending.extend((macro.get("depends_on") or {}).get("macros") or [])
    return False


def graph_readers(manifest: dict[str, Any], node_id: str, overridden: set[str]) -> list[str]:
    """The macros a node calls that read the dbt graph (a ledger lookup): a unit test pins each
    in ``overrides: macros`` (or the graph readers beneath it)."""
    hook_only = hook_only_macros(manifest, node_id)
    return sorted(
        {
            m.split(".")[-1]
            for m in called_macros(manifest, node_id)
            if m.split(".")[-1] not in hook_only and _reads_graph(manifest, m, overridden)
        }
    )


def _input_name(node_id: str) -> str:
    """``ref('x')`` / ``source('s', 't')``, as a unit test's ``given`` names an input."""
    parts = node_id.split(".")
    if parts[0] == "source":
        return f"source('{parts[-2]}', '{parts[-1]}')"
    return f"ref('{parts[-1]}')"


def _normalised(text: str) -> str:
    return text.replace('"', "'").replace(" ", "")


def pin_problems(manifest: dict[str, Any]) -> list[str]:
    """One line per unit test that leaves a var, a ledger lookup or a seed its model reads to the
    project."""
    problems: list[str] = []
    for unit_test in sorted(manifest["unit_tests"].values(), key=lambda u: u["name"]):
        if unit_test["package_name"] != PROJECT:
            continue
        model_id = next(n for n in unit_test["depends_on"]["nodes"] if n.startswith("model."))
        model = manifest["nodes"][model_id]
        pinned = set(((unit_test.get("overrides") or {}).get("vars") or {}).keys())
        missing = sorted(vars_read(manifest, model_id) - pinned)
        if missing:
            problems.append(
                f"unit test {unit_test['name']} ({model['name']}): var(s) "
                f"{', '.join(missing)} not pinned in overrides.vars"
            )
        overridden = set(((unit_test.get("overrides") or {}).get("macros") or {}).keys())
        for macro in graph_readers(manifest, model_id, overridden):
            problems.append(
                f"unit test {unit_test['name']} ({model['name']}): macro {macro} reads the dbt "
                "graph (ledgers) and is not pinned in overrides.macros"
            )
        given = {_normalised(g["input"]) for g in unit_test.get("given") or []}
        for parent in model["depends_on"]["nodes"]:
            if parent.startswith("seed.") and _normalised(_input_name(parent)) not in given:
                problems.append(
                    f"unit test {unit_test['name']} ({model['name']}): seed "
                    f"{parent.split('.')[-1]} is read from the project, not given"
                )
    return problems


def unit_tested_vars(manifest: dict[str, Any]) -> set[str]:
    """Every var a model with a unit test reads."""
    names: set[str] = set()
    for unit_test in manifest["unit_tests"].values():
        for node_id in unit_test["depends_on"]["nodes"]:
            if node_id.startswith("model."):
                names |= vars_read(manifest, node_id)
    return names


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A copy of the project after a real ``dbt compile`` and its manifest."""
    project = copy_project(tmp_path_factory.mktemp("pins") / "project")
    run_in_project(project, ["compile"])
    return project, _load_manifest(project)


def test_every_unit_test_name_fits_a_postgres_relation_name(
    compiled: tuple[Path, dict[str, Any]],
) -> None:
    # dbt builds a unit test's fixture relation under the test's name: on PostgreSQL a name over
    # 63 characters is a runtime error of that test (identifiers are at most 63 bytes).
    _, manifest = compiled
    too_long = sorted(
        test["name"] for test in manifest["unit_tests"].values() if len(test["name"]) > 63
    )
    assert too_long == []


def test_every_unit_test_pins_the_vars_and_seeds_its_model_reads(
    compiled: tuple[Path, dict[str, Any]],
) -> None:
    _, manifest = compiled
    assert manifest["unit_tests"], "the manifest has no unit tests"
    # The check sees the vars it must: the definitional rules' models read theirs.
    assert set(DEFINITIONAL_CHANGES) <= unit_tested_vars(manifest)
    problems = pin_problems(manifest)
    assert not problems, "\n".join(problems)


def _changed_value(name: str, value: object) -> object:
    """A different value of the same type (the definitional vars get chosen ones)."""
    if name in DEFINITIONAL_CHANGES:
        return DEFINITIONAL_CHANGES[name]
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value // 2 if value > 1 else value + 1
    if isinstance(value, float):
        return value / 2
    if isinstance(value, dict):
        return {key: _changed_value(key, item) for key, item in value.items()}
    pytest.fail(f"no changed value for var {name}={value!r}", pytrace=False)


def test_unit_tests_pass_after_every_var_they_read_changes(
    compiled: tuple[Path, dict[str, Any]], tmp_path: Path, small_export: Path
) -> None:
    _, manifest = compiled
    # source_system picks the export a build reads (another export, not another value of a
    # rule): the staging unit tests pin it, and test_zendesk_source.py runs them with zendesk.
    names = unit_tested_vars(manifest) - {"source_system"}
    project = copy_project(tmp_path / "project")
    project_file = project / "dbt_project.yml"
    document = yaml.safe_load(project_file.read_text())
    variables = document["vars"]
    assert names <= set(variables), f"vars without a project default: {names - set(variables)}"
    changes = {name: _changed_value(name, variables[name]) for name in sorted(names)}
    for name, value in changes.items():
        assert value != variables[name], name
        variables[name] = value
    project_file.write_text(yaml.safe_dump(document, sort_keys=False))
    # Unit tests need their inputs' relations, not their rows: build models and seeds empty,
    # then run every unit test (in one `dbt build`, a failing unit test would skip the models
    # downstream of its model and hide their unit tests).
    run_in_project(
        project,
        ["build", "--empty", "--resource-type", "model", "--resource-type", "seed"],
        raw_dir=small_export,
    )
    proc = run_in_project(
        project,
        ["--no-use-colors", "test", "--select", "test_type:unit"],
        raw_dir=small_export,
        check=False,
    )
    failed = sorted(set(re.findall(r"Failure in unit_test (\w+)", proc.stdout)))
    assert proc.returncode == 0, (
        f"unit tests fail after changing {changes}: {', '.join(failed) or 'see output'}\n"
        f"{proc.stdout[-6000:]}"
    )
    assert re.search(r"PASS=[1-9]\d*", proc.stdout)


#: The longest a model's SQL may be (issue 15): one rule per short model.
MAX_MODEL_LINES = 200


def test_every_intermediate_and_governance_model_has_a_unit_test(
    compiled: tuple[Path, dict[str, Any]],
) -> None:
    # A rule lives in an intermediate model or a governance mart; each is pinned by a unit test.
    _, manifest = compiled
    tested = {
        node_id
        for unit_test in manifest["unit_tests"].values()
        for node_id in unit_test["depends_on"]["nodes"]
        if node_id.startswith("model.") and unit_test["model"] == node_id.split(".")[-1]
    }
    untested = sorted(
        node["original_file_path"]
        for node_id, node in manifest["nodes"].items()
        if node["resource_type"] == "model"
        and node["package_name"] == PROJECT
        and (
            node["original_file_path"].startswith("models/intermediate/")
            or node["original_file_path"].startswith("models/marts/governance/")
        )
        and node_id not in tested
    )
    assert untested == []


def test_no_model_is_longer_than_the_house_limit(compiled: tuple[Path, dict[str, Any]]) -> None:
    _, manifest = compiled
    too_long = sorted(
        f"{node['original_file_path']}: {len(node['raw_code'].splitlines())} lines"
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["package_name"] == PROJECT
        and len(node["raw_code"].splitlines()) > MAX_MODEL_LINES
    )
    assert too_long == []
