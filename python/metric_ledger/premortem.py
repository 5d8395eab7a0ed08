"""The pre-mortem pack: everything the first seed's 45-minute metrics pre-mortem needs on the
table, for one governed metric, as Markdown and HTML.

The agenda (first seed): confirm the decision statement and blast radius (5 min); read the
definition out loud with its exclusions (5); check coverage and denominators by channel, queue,
priority and contact reason (7); walk through sample tickets, "would this be counted the way we
think?" (8); stress-test the threshold against seasonality and mix (7); failure modes and gaming
paths, pick the top three (8); guardrails, counter-metrics, monitoring owners (3); decide ship,
ship with guardrails, or pause and fix (2). Then the workflow table to copy into the doc.

Every number is the warehouse's: the ledger from ``metric_dictionary``, coverage from
``metric_coverage_weekly``, denominators from ``fct_support_weekly``, the ticket facts from
``fct_tickets`` and what each message did to the clocks from ``audit_ticket_messages``, the
backtest from the warehouse's own trigger rule (``metric_ledger.backtest``). ``premortem_new``
scaffolds a new metric's ledger, every field explained, for validation to guide its author.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metric_ledger.backtest import Backtest, ledger_statement, run_backtest
from metric_ledger.errors import MetricLedgerError, cannot_write
from metric_ledger.manifest import Manifest
from metric_ledger.render.backtest import render_backtest
from metric_ledger.render.document import (
    Block,
    Bullets,
    Document,
    Paragraph,
    Preformatted,
    Section,
    Table,
    render_html,
    render_markdown,
)
from metric_ledger.warehouse import read_build, records

COVERAGE_WEEKS = 4
"""Complete weeks the coverage and denominators tables cover (the latest ones)."""
SAMPLE_PER_PRIORITY = 2
"""Tickets of the latest complete week sampled per priority (plus one excluded ticket)."""
DENOMINATOR_DIMENSIONS: tuple[str, ...] = ("queue", "priority", "contact_reason")


class PremortemError(MetricLedgerError):
    """The warehouse or the manifest cannot make the pack."""


# --- what the warehouse says -----------------------------------------------------------------


@dataclass(frozen=True)
class SampledTicket:
    facts: dict[str, Any]
    messages: list[dict[str, Any]]


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.4g}"
    return str(value)


def _json_list(value: Any) -> list[str]:
    if not value:
        return []
    parsed = json.loads(value) if isinstance(value, str) else value
    return [str(item) for item in parsed]


_TICKET_SQL = """
select ticket_id from (
    select
        ticket_id,
        priority,
        row_number() over (partition by priority order by md5(ticket_id)) as pick
    from fct_tickets
    where created_week = cast(? as date) and is_included
) as ranked
where pick <= ?
order by priority, pick
"""

_EXCLUDED_SQL = """
select ticket_id from fct_tickets
where created_week = cast(? as date) and not is_included
order by md5(ticket_id)
limit 1
"""

_FACTS_SQL = """
select ticket_id, channel, queue, priority, contact_reason, created_at, is_included,
    is_quarantined, is_internal_requester, merged_into_ticket_id, is_outbound,
    first_response_at, first_response_minutes, first_response_business_minutes,
    first_meaningful_response_at, first_meaningful_response_minutes, first_solved_at,
    resolved_at, pending_minutes, resolution_minutes, reopen_count, is_repeat_contact,
    is_escalated, is_transferred, is_one_touch, csat_rating
from fct_tickets where ticket_id = ?
"""

_MESSAGES_SQL = """
select event_id, occurred_at, author_type, is_public_message, body_chars, first_response_role,
    meaningful_note
from audit_ticket_messages where ticket_id = ? order by occurred_at, event_id
"""


def _exclusion(facts: dict[str, Any], metric: str, covered: list[str]) -> str:
    if facts["is_included"]:
        if covered and facts["channel"] not in covered:
            return f"included, but {metric} does not cover the {facts['channel']} channel"
        return "included"
    why = [
        label
        for flag, label in (
            ("is_quarantined", "quarantined (stg_helpdesk__quarantined_rows says why)"),
            ("is_internal_requester", "internal requester"),
            ("merged_into_ticket_id", "merged into another ticket"),
            ("is_outbound", "outbound"),
        )
        if facts.get(flag)
    ]
    return "excluded: " + (", ".join(why) if why else "see the inclusion rule")


# --- the pack ---------------------------------------------------------------------------------


def build_premortem(database: Path, manifest: Manifest, metric: str) -> Document:
    """The pre-mortem pack of ``metric`` from the warehouse at ``database``."""
    statement = ledger_statement(manifest, metric)
    with read_build(database, PremortemError) as connection:
        entry = records(
            connection, "select * from metric_dictionary where metric_name = ?", [metric]
        )
        if not entry:
            raise PremortemError(f"{database}: {metric} is not in metric_dictionary")
        ledger = entry[0]
        weeks = [
            str(r[0])
            for r in connection.execute(
                "select cast(week_start_date as varchar) from int_export_weeks "
                "where is_complete_week order by week_start_date desc limit ?",
                [COVERAGE_WEEKS],
            ).fetchall()
        ]
        latest = weeks[0] if weeks else None
        status = (
            records(
                connection,
                "select usable_for_job, reasons, metric_value, counter_metric_values "
                "from metric_status_weekly where metric_name = ? "
                "and cast(week_start_date as varchar) = ?",
                [metric, latest],
            )
            if latest
            else []
        )
        coverage = records(
            connection,
            "select channel, is_covered_channel, sum(all_contacts) as all_contacts, "
            "sum(included_contacts) as counted from metric_coverage_weekly "
            "where metric_name = ? and cast(week_start_date as varchar) in "
            "(select unnest(?)) group by channel, is_covered_channel order by channel",
            [metric, weeks],
        )
        denominators = {
            dimension: records(
                connection,
                f"select {dimension} as segment, sum(all_contacts) as all_contacts, "
                "sum(included_contacts) as included, sum(quarantined_contacts) as quarantined, "
                "sum(internal_contacts) as internal, sum(merged_contacts) as merged, "
                "sum(outbound_contacts) as outbound from fct_support_weekly "
                "where cast(week_start_date as varchar) in (select unnest(?)) "
                f"group by {dimension} order by all_contacts desc",
                [weeks],
            )
            for dimension in DENOMINATOR_DIMENSIONS
        }
        sample: list[SampledTicket] = []
        if latest:
            picked = connection.execute(_TICKET_SQL, [latest, SAMPLE_PER_PRIORITY]).fetchall()
            picked += connection.execute(_EXCLUDED_SQL, [latest]).fetchall()
            for (ticket_id,) in picked:
                facts = records(connection, _FACTS_SQL, [ticket_id])[0]
                sample.append(SampledTicket(facts, records(connection, _MESSAGES_SQL, [ticket_id])))
    backtest = run_backtest(database, manifest, statement, proposed=False)
    return _document(
        metric, ledger, latest, weeks, status, coverage, denominators, sample, backtest
    )


def _document(
    metric: str,
    ledger: dict[str, Any],
    latest: str | None,
    weeks: list[str],
    status: list[dict[str, Any]],
    coverage: list[dict[str, Any]],
    denominators: dict[str, list[dict[str, Any]]],
    sample: list[SampledTicket],
    backtest: Backtest,
) -> Document:
    window = f"{weeks[-1]} .. {latest}" if weeks else "no complete week"
    now = status[0] if status else {}
    intro: list[Block] = [
        Paragraph(
            f"{ledger['label']} ({metric}): the 45-minute metrics pre-mortem. In the room: the "
            f"decision owner ({ledger['owner']}), support operations, a frontline rep, a QA or "
            "calibration lead and a data steward. Every number below comes from the warehouse "
            f"(complete weeks {window})."
        )
    ]
    decision = Section("1. Decision statement and blast radius", 5)
    decision.blocks = [
        Paragraph(str(ledger["decision_statement"])),
        Bullets(
            [
                f"Job: {ledger['job']} (owner {ledger['owner']}; approvers "
                f"{', '.join(_json_list(ledger['approvers']))})",
                f"Blast radius: {', '.join(_json_list(ledger['blast_radius'])) or '-'}",
                f"Status in the ledger: {ledger['status']}, version {ledger['version']}",
            ]
        ),
    ]
    definition = Section("2. The definition, read out loud with its exclusions", 5)
    definition.blocks = [
        Paragraph(str(ledger["definition"])),
        Paragraph(f"Coverage: {ledger['coverage']}"),
        Bullets(
            [
                f"Channels covered: {', '.join(_json_list(ledger['covered_channels']))}",
                f"Filter in the semantic layer: {ledger['metric_filter'] or '(none)'}",
                f"Comparability: {ledger['comparability']}",
            ]
        ),
    ]
    denominators_section = Section("3. Coverage and denominators", 7)
    denominators_section.blocks.append(
        Table(
            ["channel", "covered", "contacts", "counted", "coverage"],
            [
                [
                    str(row["channel"] or "(unknown)"),
                    _text(row["is_covered_channel"]),
                    f"{int(row['all_contacts']):,}",
                    f"{int(row['counted']):,}",
                    f"{row['counted'] / row['all_contacts']:.1%}" if row["all_contacts"] else "-",
                ]
                for row in coverage
            ],
            caption=f"{metric}: contacts in the export and counted, by channel ({window})",
        )
    )
    for dimension, rows in denominators.items():
        denominators_section.blocks.append(
            Table(
                [
                    dimension,
                    "contacts",
                    "included",
                    "quarantined",
                    "internal",
                    "merged",
                    "outbound",
                ],
                [
                    [str(row["segment"] or "(null)")]
                    + [
                        f"{int(row[key] or 0):,}"
                        for key in (
                            "all_contacts",
                            "included",
                            "quarantined",
                            "internal",
                            "merged",
                            "outbound",
                        )
                    ]
                    for row in rows
                ],
                caption=f"All contacts and the exclusions by {dimension} ({window})",
            )
        )
    covered = _json_list(ledger["covered_channels"])
    tickets = Section('4. Sample tickets: "would this be counted the way we think?"', 8)
    if not sample:
        tickets.blocks.append(Paragraph("No complete week in the export: no ticket to sample."))
    else:
        tickets.blocks.append(
            Paragraph(
                f"{len(sample)} tickets created in the week of {latest}, {SAMPLE_PER_PRIORITY} "
                "included per priority and one excluded (hash-ordered, the same on every run), "
                "each with what every rule made of it and what each message did to the clocks."
            )
        )
        for ticket in sample:
            facts = ticket.facts
            tickets.blocks.append(
                Table(
                    ["rule", "how it counted"],
                    [
                        ["included", _exclusion(facts, metric, covered)],
                        [
                            "segments",
                            f"{facts['channel']} / {facts['queue']} / "
                            f"{facts['priority']} / {facts['contact_reason']}",
                        ],
                        ["created", _text(facts["created_at"])],
                        [
                            "first response",
                            f"{_text(facts['first_response_at'])} "
                            f"({_text(facts['first_response_minutes'])} min; business minutes "
                            f"{_text(facts['first_response_business_minutes'])})",
                        ],
                        [
                            "first meaningful response",
                            f"{_text(facts['first_meaningful_response_at'])} "
                            f"({_text(facts['first_meaningful_response_minutes'])} min)",
                        ],
                        [
                            "resolution",
                            f"first solved {_text(facts['first_solved_at'])}, "
                            f"resolved {_text(facts['resolved_at'])}: "
                            f"{_text(facts['resolution_minutes'])} min after "
                            f"{_text(facts['pending_minutes'])} pending minutes paused",
                        ],
                        ["reopens", _text(facts["reopen_count"])],
                        ["repeat contact", _text(facts["is_repeat_contact"])],
                        [
                            "escalated / transferred",
                            f"{_text(facts['is_escalated'])} / {_text(facts['is_transferred'])}",
                        ],
                        ["one touch", _text(facts["is_one_touch"])],
                        ["CSAT rating", _text(facts["csat_rating"])],
                    ],
                    caption=f"Ticket {facts['ticket_id']}",
                )
            )
            tickets.blocks.append(
                Table(
                    ["when", "author", "public", "chars", "clocks", "meaningful"],
                    [
                        [
                            _text(message["occurred_at"]),
                            str(message["author_type"]),
                            _text(message["is_public_message"]),
                            _text(message["body_chars"]),
                            str(message["first_response_role"]),
                            _text(message["meaningful_note"]),
                        ]
                        for message in ticket.messages
                    ],
                    caption=f"Messages of {facts['ticket_id']}",
                )
            )
    stress = Section("5. Stress-test the threshold against seasonality and mix", 7)
    stress.blocks = [
        Preformatted(render_backtest(backtest)),
        Paragraph(
            "Try another threshold: metric-ledger backtest "
            f"{metric} --by X --for N [--slice channel=...]"
        ),
    ]
    failure = Section("6. Failure modes and gaming paths: pick the top three", 8)
    failure.blocks = [
        Paragraph(f"Known biases: {ledger['known_biases']}"),
        Paragraph(f"Automation limits: {ledger['automation_limits']}"),
        Paragraph(f"Monitoring signals: {ledger['monitoring_signals']}"),
        Bullets(
            [
                f"This week ({latest or '-'}): {metric} = {_text(now.get('metric_value'))}; "
                f"counter-metrics {now.get('counter_metric_values') or '-'}",
                f"May be used for its job this week: {_text(now.get('usable_for_job'))}"
                + (f" ({now['reasons']})" if now.get("reasons") else ""),
                "Top three failure modes: 1. ____  2. ____  3. ____",
            ]
        ),
    ]
    stop = json.loads(ledger["stop_the_line"]) if ledger.get("stop_the_line") else {}
    guardrails = Section("7. Guardrails, counter-metrics and monitoring owners", 3)
    guardrails.blocks = [
        Bullets(
            [
                f"Counter-metrics: {', '.join(_json_list(ledger['counter_metrics'])) or 'none'}",
                f"Stop-the-line: {json.dumps(stop, sort_keys=True)}",
                f"Change triggers (re-approval): {ledger['change_triggers']}",
                "Monitoring owner: ____",
            ]
        )
    ]
    decide = Section("8. Decide: ship, ship with guardrails, or pause and fix", 2)
    decide.blocks = [
        Paragraph(
            f"The ledger says {ledger['status']}. Ship: usable for the stated decision. Ship with "
            "guardrails: only with the counter-metrics and monitoring above. Pause and fix: no "
            "targets, no ranking of teams until coverage and definitions are repaired."
        ),
        Bullets(["[ ] ship", "[ ] ship with guardrails", "[ ] pause and fix"]),
    ]
    workflow = Section("Workflow table (copy into the doc)")
    workflow.blocks = [
        Table(
            ["step", "owner", "output", "decision / notes"],
            [
                ["Decision statement and blast radius", str(ledger["owner"]), "", ""],
                ["Definition and exclusions", "data steward", "", ""],
                ["Coverage and denominators", "data steward", "", ""],
                ["Sample tickets", "QA / calibration lead", "", ""],
                ["Thresholds vs seasonality and mix", str(ledger["owner"]), "", ""],
                ["Failure modes and gaming paths (top three)", "frontline rep", "", ""],
                ["Guardrails, counter-metrics, monitoring owners", "support operations", "", ""],
                ["Ship / ship with guardrails / pause and fix", str(ledger["owner"]), "", ""],
            ],
        )
    ]
    return Document(
        title=f"Pre-mortem: {ledger['label']}",
        intro=intro,
        sections=[
            decision,
            definition,
            denominators_section,
            tickets,
            stress,
            failure,
            guardrails,
            decide,
            workflow,
        ],
    )


def write_premortem(document: Document, out_dir: Path, metric: str) -> list[Path]:
    """Write ``premortem_<metric>.md`` and ``.html`` into ``out_dir``."""
    markdown = out_dir / f"premortem_{metric}.md"
    page = out_dir / f"premortem_{metric}.html"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        markdown.write_text(render_markdown(document))
        page.write_text(render_html(document))
    except OSError as error:
        raise cannot_write(out_dir, error) from None
    return [markdown, page]


# --- a new metric's ledger, every field explained ---------------------------------------------

NEW_LEDGER = """\
# A new governed metric: paste under `metrics:` in the file of the semantic model its measure
# comes from (models/semantic/tickets.yml, csat_surveys.yml, ...), then fill in every TODO.
# `dbt build` validates the ledger before any model runs and names each field still missing or
# malformed, so run it until it passes; then `metric-ledger approve {name} --by WHO`.
  - name: {name}
    label: TODO a short human name
    description: TODO one sentence a leader understands
    type: simple            # or ratio (numerator/denominator metrics), see the other metrics
    type_params:
      measure: ticket_count  # TODO: your measure (a semantic model's measures)
    filter: "{{{{ Dimension('ticket__is_included') }}}}"  # and the channels it covers
    config:
      meta:
        governed: true
        ledger:
          version: 1
          owner: TODO           # the decision owner: who acts when the number moves
          approvers: [TODO]     # who may re-approve a change (the owner and a data steward)
          job: TODO             # diagnostic (learn), target (people optimise it), alarm, allocation
          better: TODO          # higher or lower: which way the number improves
          decision:             # the decision statement, evaluated every week
            moves: worsens      # or improves
            by: TODO            # "20%" of the baseline, or "5 points" of a rate (ratio metrics)
            for: 2 weeks        # consecutive complete weeks
            then: TODO          # the action the owner takes when it fires
            # slice: {{priority: p1, channel: email}}   # optional segment the statement watches
            # baseline: {{trailing_weeks: 4}}           # optional: or {{value: X}}
          blast_radius: [TODO]  # money_and_careers, staffing, prioritization, comparisons,
                                # escalations
          definition: TODO      # plain language, with every exclusion
          coverage: TODO        # channels and queues included and excluded, in words
          covered_channels: [TODO]  # the channels of the filter (checked against it)
          comparability: TODO   # what makes comparisons across weeks, teams, regions valid
          automation_limits: TODO   # what the tooling cannot detect
          known_biases: TODO    # incentives, gaming paths, process artifacts
          monitoring_signals: TODO  # leading indicators you will watch
          change_triggers: TODO # events that force a re-approval
          counter_metrics: []   # 2 to 4 governed metrics for a target
          stop_the_line:
            coverage_drop_pct: 10
            coverage_floor: 0.9
            counter_metric_limits: {{}}   # counter-metric: limit
          status: TODO          # ship, ship_with_guardrails or pause_and_fix
          maturity: {{after: week_end, days: 0}}  # when a week's number is final
"""


def premortem_new(name: str) -> str:
    """The ledger scaffold of a new metric ``name``."""
    if not name.replace("_", "").isalnum() or not name[:1].isalpha() or name.lower() != name:
        raise PremortemError(f"--new {name}: a metric name is snake_case (first_response_rate)")
    return NEW_LEDGER.format(name=name)
