"""What a suite is made of: frames of data and the checks that judge them (no Great
Expectations import here: the runner turns a ``Check`` into a GX expectation)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

#: The two suites, in the order they run and report.
RAW_EXPORT = "raw_export"
GOVERNED_MARTS = "governed_marts"


@dataclass(frozen=True)
class Check:
    """One expectation: a GX expectation type (snake_case, e.g.
    ``expect_column_values_to_be_between``) on a column of its frame, its arguments, and why
    (shown in Data Docs)."""

    expectation: str
    column: str
    arguments: Mapping[str, object]
    why: str

    def describe(self) -> str:
        """``expect_x(min_value=0.9)``: the type and its arguments, for a failure line."""
        shown = ", ".join(f"{key}={_short(value)}" for key, value in self.arguments.items())
        return f"{self.expectation}({shown})"


@dataclass(frozen=True)
class Frame:
    """A DataFrame of one suite, read from ``table`` (a warehouse relation or a raw file), with
    its checks. The index names each row (a week, a week/branch/dimension) so a failure says
    where; ``name`` is unique across suites (the GX data asset)."""

    suite: str
    table: str
    name: str
    data: pd.DataFrame
    checks: tuple[Check, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Failure:
    """A failing expectation: suite, table, column, expectation and what was observed."""

    suite: str
    table: str
    column: str
    expectation: str
    observed: str

    def line(self) -> str:
        return (
            f"{self.suite} | {self.table} | {self.column} | {self.expectation} | "
            f"observed {self.observed}"
        )


def _short(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return str(value)
