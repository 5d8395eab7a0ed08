"""Re-baseline notices as Markdown (to paste into a PR) or JSON."""

from __future__ import annotations

import json

from metric_ledger.notices import Notice


def render_notices(notices: list[Notice], output_format: str) -> str:
    """Every notice, newest first, as Markdown or JSON."""
    if output_format == "json":
        return json.dumps([notice.as_json() for notice in notices], indent=2)
    if not notices:
        return "No definition changes: no re-baseline notices."
    lines = ["## Re-baseline notices", ""]
    for notice in notices:
        lines += [
            f"### `{notice.metric}` v{notice.from_version} -> v{notice.to_version}, effective "
            f"{notice.effective_date.isoformat()}",
            "",
            f"- **What changed:** {notice.summary} (approved by {notice.approved_by})",
            f"- **Freeze:** {notice.freeze_weeks} week(s), until "
            f"{notice.freeze_ends_on.isoformat()}: targets frozen, alerts disabled.",
            f"- **Invalid comparisons:** {notice.invalid_comparisons}",
            "- **Affected exposures:** "
            + (", ".join(f"`{name}`" for name in notice.exposures) or "none"),
            "- **Affected downstream metrics:** "
            + (", ".join(f"`{name}`" for name in notice.downstream_metrics) or "none"),
            "- **New baseline:** ready in the first week after the freeze in which the mix "
            "(channel, contact reason, priority) is stable two weeks running; see "
            "`metric_rebaseline_notices.baseline_ready_week` in the warehouse.",
            "",
        ]
    return "\n".join(lines)
