"""`python -m metric_ledger ...`: the `metric-ledger` command line."""

from metric_ledger.cli import main

if __name__ == "__main__":
    main(prog_name="python -m metric_ledger")
