"""`metric-ledger check`: Great Expectations suites over a built warehouse and its raw export.

Two suites, each a set of frames (small pandas DataFrames read from DuckDB with SQL that does
the aggregating) with the expectations that judge them:

- ``raw_export`` (``raw_export.py``): the export at its boundary: the latest complete week's
  ticket volume against the trailing weeks, the source contract's enumerations, null shares of
  key columns, timestamp ranges.
- ``governed_marts`` (``governed_marts.py``): coverage against each metric's floor (read from
  metric_dictionary), metric values within their plausible range, mix shares.

The suites only describe (``spec.Frame``, ``spec.Check``); ``runner.run_check`` validates them
with Great Expectations (ValidationDefinitions, Checkpoints, Data Docs). What belongs here and
what stays a dbt data test: DECISIONLOG.md, "Great Expectations and dbt tests".
"""

from metric_ledger.expectations.runner import CheckReport, run_check
from metric_ledger.expectations.spec import Check, Failure, Frame

__all__ = ["Check", "CheckReport", "Failure", "Frame", "run_check"]
