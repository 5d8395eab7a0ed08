"""Reading a dbt seed's CSV file: the one reader the changelog, the fingerprints and the
drift explanations share.

A seed is read as dbt loads it: the first non-blank row is the header, every cell is stripped,
rows whose cells are all blank are skipped. Each row keeps its line number in the file, so an
error can name it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from metric_ledger.errors import InputError, cannot_read
from metric_ledger.manifest import Node


@dataclass(frozen=True)
class SeedRow:
    """One data row of a seed and the line of the file it ends on."""

    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class SeedFile:
    path: Path
    header: tuple[str, ...]
    rows: list[SeedRow]

    def records(self) -> list[tuple[int, dict[str, str]]]:
        """Each row as ``(line, {column: value})``; a short row's missing cells are empty."""
        return [
            (row.line, {column: (row.cells[i] if i < len(row.cells) else "")
                        for i, column in enumerate(self.header)})
            for row in self.rows
        ]  # fmt: skip

    def all_rows(self) -> list[list[str]]:
        """The header and the rows, as lists of stripped cells (what a fingerprint hashes)."""
        return [list(self.header), *(list(row.cells) for row in self.rows)] if self.header else []


def read_seed(path: Path) -> SeedFile:
    """Read the seed at ``path``; an unreadable file raises one InputError naming it."""
    try:
        text = path.read_text()
    except UnicodeDecodeError as error:
        raise InputError(f"cannot read {path}: not UTF-8 text ({error.reason})") from None
    except OSError as error:
        raise cannot_read(path, error) from None
    return parse_seed(path, text)


def parse_seed(path: Path, text: str) -> SeedFile:
    reader = csv.reader(io.StringIO(text))
    header: tuple[str, ...] = ()
    rows: list[SeedRow] = []
    try:
        for record in reader:
            cells = tuple(cell.strip() for cell in record)
            if not any(cells):
                continue
            if not header:
                header = cells
            else:
                rows.append(SeedRow(reader.line_num, cells))
    except csv.Error as error:
        raise InputError(f"{path}:{reader.line_num}: not valid CSV ({error})") from None
    return SeedFile(path, header, rows)


def seed_file(node: Node, project_dir: Path | None = None) -> Path | None:
    """The CSV file of a seed node, when it is on this machine (its project's root, else
    ``project_dir``)."""
    root = Path(node.root_path) if node.root_path else project_dir
    if root is None:
        return None
    path = root / node.original_file_path
    return path if path.is_file() else None
