"""metric_ledger: the Python companion of the metric_ledger dbt project."""

__version__ = "0.1.0"
