"""`python -m metric_ledger.synth OUT_DIR ...`: the `metric-ledger generate` command."""

from metric_ledger.cli import generate_command

if __name__ == "__main__":
    generate_command(prog_name="python -m metric_ledger.synth")
