"""The `postgres` target: a throwaway local PostgreSQL server and the raw-export loader.

- :class:`LocalServer` makes a cluster in its own temporary directory (``initdb``), starts it on
  a loopback port with a private socket directory (``pg_ctl``) and stops and removes it. The
  server refuses to run as root: as root, the server processes run as an unprivileged OS user
  (``postgres`` unless ``METRIC_LEDGER_PG_OS_USER`` says otherwise).
- :func:`load_export` writes the Parquet tables of a raw export into the schema ``raw_helpdesk``
  (the dbt var ``raw_schema``) through ``COPY``: the source contract's five tables with the
  contract's column types, or (``source="zendesk"``) Fivetran's Zendesk tables with Zendesk's
  types (bigint ids, booleans, timestamps; docs/zendesk_mapping.md) beside the WFM side's
  ``agents`` and ``agent_shifts``.

Connection settings are those of the ``postgres`` output in ``profiles/profiles.yml``: the
environment variables ``METRIC_LEDGER_PG_HOST``, ``_PORT``, ``_USER``, ``_PASSWORD``,
``_DBNAME`` (and ``_SCHEMA`` for dbt's own schema), with the same defaults.
"""

from __future__ import annotations

import contextlib
import io
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metric_ledger.errors import MetricLedgerError

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 54329
DEFAULT_USER = "metric_ledger"
DEFAULT_PASSWORD = "metric_ledger"
DEFAULT_DBNAME = "metric_ledger"
RAW_SCHEMA = "raw_helpdesk"
#: Where Debian's packages put the server binaries (the newest version found wins).
_DEBIAN_BIN_GLOB = "/usr/lib/postgresql/*/bin"


@dataclass(frozen=True)
class Settings:
    """How to reach the server (the ``postgres`` output of the dbt profile)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    user: str = DEFAULT_USER
    password: str = DEFAULT_PASSWORD
    dbname: str = DEFAULT_DBNAME

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            host=env.get("METRIC_LEDGER_PG_HOST", DEFAULT_HOST),
            port=int(env.get("METRIC_LEDGER_PG_PORT", str(DEFAULT_PORT))),
            user=env.get("METRIC_LEDGER_PG_USER", DEFAULT_USER),
            password=env.get("METRIC_LEDGER_PG_PASSWORD", DEFAULT_PASSWORD),
            dbname=env.get("METRIC_LEDGER_PG_DBNAME", DEFAULT_DBNAME),
        )

    def env(self) -> dict[str, str]:
        """The environment variables the dbt profile reads for these settings."""
        return {
            "METRIC_LEDGER_PG_HOST": self.host,
            "METRIC_LEDGER_PG_PORT": str(self.port),
            "METRIC_LEDGER_PG_USER": self.user,
            "METRIC_LEDGER_PG_PASSWORD": self.password,
            "METRIC_LEDGER_PG_DBNAME": self.dbname,
        }

    def connect(self, dbname: str | None = None) -> Any:
        import psycopg2  # comes with dbt-postgres

        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.dbname,
            connect_timeout=10,
        )


def find_bin_dir() -> Path | None:
    """The directory of ``initdb``/``pg_ctl``: ``$METRIC_LEDGER_PG_BIN``, else Debian's
    ``/usr/lib/postgresql/<version>/bin`` (newest), else the ``PATH``. None when absent."""
    explicit = os.environ.get("METRIC_LEDGER_PG_BIN")
    candidates: list[Path] = [Path(explicit)] if explicit else []
    import glob

    candidates += sorted(
        (Path(p) for p in glob.glob(_DEBIAN_BIN_GLOB)),
        key=lambda p: _version_key(p.parent.name),
        reverse=True,
    )
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).parent)
    for candidate in candidates:
        if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
            return candidate
    return None


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


class LocalServer:
    """A throwaway PostgreSQL cluster: ``start()`` makes and starts it, ``stop()`` stops it and
    removes its directory. Usable as a context manager."""

    def __init__(
        self,
        settings: Settings | None = None,
        base_dir: Path | None = None,
        bin_dir: Path | None = None,
        os_user: str | None = None,
    ) -> None:
        self.settings = settings or Settings.from_env()
        found = bin_dir or find_bin_dir()
        if found is None:
            raise MetricLedgerError(
                "PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian "
                "package postgresql (binaries in /usr/lib/postgresql/<version>/bin) or set "
                "METRIC_LEDGER_PG_BIN"
            )
        self.bin_dir = found
        self._owns_base_dir = base_dir is None
        self.base_dir = base_dir or Path(tempfile.mkdtemp(prefix="metric_ledger_pg_"))
        self.os_user = os_user or (
            os.environ.get("METRIC_LEDGER_PG_OS_USER", "postgres") if os.geteuid() == 0 else None
        )

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base_dir / "socket"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    # --- processes -----------------------------------------------------------------------------

    def _run(self, args: list[str]) -> subprocess.CompletedProcess[str]:
        """Run a server binary, as the unprivileged OS user when we are root."""
        kwargs: dict[str, Any] = {}
        if self.os_user is not None:
            entry = _os_user(self.os_user)
            kwargs = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
        if self.os_user is not None:
            env["HOME"] = str(self.base_dir)
        proc = subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            cwd=self.base_dir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            **kwargs,
        )
        return proc

    def _check(self, proc: subprocess.CompletedProcess[str], what: str) -> None:
        if proc.returncode != 0:
            log = (
                self.log_file.read_text(errors="replace")[-3000:] if self.log_file.exists() else ""
            )
            raise MetricLedgerError(
                f"{what} failed (exit {proc.returncode}): {proc.stderr.strip() or proc.stdout}"
                + (f"\nserver log ({self.log_file}):\n{log}" if log else "")
            )

    def is_running(self) -> bool:
        if not (self.data_dir / "PG_VERSION").exists():
            return False
        return self._run(["pg_ctl", "-D", str(self.data_dir), "status"]).returncode == 0

    def start(self) -> LocalServer:
        """initdb (once) and start on the loopback port; create the database."""
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if self.os_user is not None:
            entry = _os_user(self.os_user)
            for path in (self.base_dir, self.socket_dir):
                os.chown(path, entry.pw_uid, entry.pw_gid)
            os.chmod(self.base_dir, 0o700)
        if not (self.data_dir / "PG_VERSION").exists():
            password_file = self.base_dir / "password"
            password_file.write_text(self.settings.password + "\n")
            if self.os_user is not None:
                entry = _os_user(self.os_user)
                os.chown(password_file, entry.pw_uid, entry.pw_gid)
            os.chmod(password_file, 0o600)
            try:
                proc = self._run(
                    [
                        "initdb",
                        "-D",
                        str(self.data_dir),
                        "-U",
                        self.settings.user,
                        f"--pwfile={password_file}",
                        "--auth-host=scram-sha-256",
                        "--auth-local=trust",
                        "--encoding=UTF8",
                        "--locale=C.UTF-8",
                        "--no-sync",
                    ]
                )
            finally:
                password_file.unlink(missing_ok=True)
            self._check(proc, f"initdb -D {self.data_dir}")
        options = " ".join(
            [
                f"-p {self.settings.port}",
                f"-k {self.socket_dir}",
                f"-c listen_addresses={self.settings.host}",
                # A throwaway cluster: durability buys nothing here.
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c TimeZone=UTC",
            ]
        )
        proc = self._run(
            [
                "pg_ctl",
                "-D",
                str(self.data_dir),
                "-o",
                options,
                "-l",
                str(self.log_file),
                "-w",
                "-t",
                "60",
                "start",
            ]
        )
        self._check(proc, f"pg_ctl start (port {self.settings.port})")
        self.create_database()
        return self

    def create_database(self) -> None:
        import psycopg2

        try:
            self._create_database()
        except psycopg2.Error as error:
            raise MetricLedgerError(
                f"creating database {self.settings.dbname}: " + " ".join(str(error).split())
            ) from None

    def _create_database(self) -> None:
        with contextlib.closing(self.settings.connect(dbname="postgres")) as conn:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("select 1 from pg_database where datname = %s", [self.settings.dbname])
                if cur.fetchone() is None:
                    cur.execute(f"create database {_quote(self.settings.dbname)}")

    def stop(self, remove: bool | None = None) -> None:
        """Stop the server (fast shutdown); remove its directory when this object made it
        (or when ``remove`` says so)."""
        if (self.data_dir / "PG_VERSION").exists():
            proc = self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop"])
            if proc.returncode != 0 and self.is_running():
                self._check(proc, "pg_ctl stop")
        if self._owns_base_dir if remove is None else remove:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _os_user(name: str) -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise MetricLedgerError(
            f"the PostgreSQL server refuses to run as root and the OS user {name!r} does not "
            "exist: create it or set METRIC_LEDGER_PG_OS_USER to an unprivileged user"
        ) from None


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


# --- the raw export ---------------------------------------------------------------------------


def _pg_type(arrow_type: Any) -> str:
    """The contract type (as in the source YAML) of an Arrow column type."""
    import pyarrow as pa

    if pa.types.is_dictionary(arrow_type):  # Parquet's dictionary-encoded columns
        return _pg_type(arrow_type.value_type)
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "varchar"
    if pa.types.is_timestamp(arrow_type):
        return "timestamp"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "bigint" if arrow_type.bit_width > 32 else "integer"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    raise MetricLedgerError(f"no PostgreSQL type for the Arrow type {arrow_type}")


def contract_tables() -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, PostgreSQL type)] of the source contract (the generator's schemas)."""
    from metric_ledger.synth.output import SCHEMAS

    return {
        table: [(field.name, _pg_type(field.type)) for field in schema]
        for table, schema in SCHEMAS.items()
    }


SOURCES = ("helpdesk", "zendesk")
#: The WFM side's tables, in the contract's format for both sources.
WFM_TABLES = ("agents", "agent_shifts")
#: The Zendesk tables a `source_system: zendesk` build reads (models/staging/zendesk/
#: _zendesk__sources.yml); the other tables of the export (schedules, ticket_metric, ...) are
#: loaded when present.
ZENDESK_BUILD_TABLES = (
    "ticket",
    "ticket_comment",
    "ticket_field_history",
    "ticket_tag",
    "user",
    "group",
    "organization",
    "satisfaction_rating",
    "macro",
    "audit_log",
)


def zendesk_tables() -> dict[str, list[tuple[str, str]]]:
    """table -> [(column, PostgreSQL type)] of Fivetran's Zendesk tables as the generator writes
    them (synth/zendesk_schema.py), with the WFM side's agents and agent_shifts."""
    from metric_ledger.synth import zendesk_schema

    tables = {
        table: [(field.name, _pg_type(field.type)) for field in schema]
        for table, schema in zendesk_schema.SCHEMAS.items()
    }
    contract = contract_tables()
    tables.update({name: contract[name] for name in WFM_TABLES})
    return tables


def _csv_batches(table: Any, rows_per_batch: int = 200_000) -> Iterator[bytes]:
    """The table as CSV (no header): null is an unquoted empty field, every value is quoted, so
    an empty string stays an empty string."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    for offset in range(0, max(table.num_rows, 1), rows_per_batch):
        chunk = table.slice(offset, rows_per_batch)
        # Dictionary-encoded columns (Parquet) are written as their values.
        columns = [
            col.cast(col.type.value_type) if pa.types.is_dictionary(col.type) else col
            for col in chunk.columns
        ]
        buffer = io.BytesIO()
        pacsv.write_csv(
            pa.table(columns, names=chunk.column_names),
            buffer,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
        )
        yield buffer.getvalue()


def load_export(
    raw_dir: Path,
    settings: Settings | None = None,
    schema: str = RAW_SCHEMA,
    source: str = "helpdesk",
) -> dict[str, int]:
    """(Re)create ``schema``'s tables of the export and copy its Parquet files into them.

    ``helpdesk``: the five contract tables, with the contract's types; a contract column the file
    lacks stays null. ``zendesk``: the Zendesk tables the build reads (and the others of the
    generator's when present) and the WFM tables. A table has the file's columns, as a sync
    has: a column the mapping knows takes Zendesk's type (``bigint`` ids, ``boolean``,
    ``timestamp``), any other column the type of its Parquet column, and a column the file lacks
    is absent (the build's fallbacks for the optional extension columns see that). Returns rows
    per table."""

    settings = settings or Settings.from_env()
    if source not in SOURCES:
        raise MetricLedgerError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    zendesk = source == "zendesk"
    tables = zendesk_tables() if zendesk else contract_tables()
    required = (*ZENDESK_BUILD_TABLES, *WFM_TABLES) if zendesk else tuple(tables)
    missing = [name for name in required if not (raw_dir / f"{name}.parquet").is_file()]
    if missing:
        hint = ""
        if not zendesk and (raw_dir / "ticket.parquet").is_file():
            hint = " (the directory holds Zendesk tables: load it with --source zendesk)"
        raise MetricLedgerError(
            f"{raw_dir}: missing raw file(s) "
            + ", ".join(f"{name}.parquet" for name in missing)
            + hint
        )
    present = {name: columns for name, columns in tables.items()
               if (raw_dir / f"{name}.parquet").is_file()}  # fmt: skip
    import psycopg2

    try:
        return _load(raw_dir, settings, schema, present, file_columns=zendesk)
    except psycopg2.Error as error:
        raise MetricLedgerError(
            f"loading {raw_dir} into {settings.host}:{settings.port}/{settings.dbname}: "
            + " ".join(str(error).split())
        ) from None


def _table_columns(
    path: Path, data: Any, known: list[tuple[str, str]], file_columns: bool
) -> list[tuple[str, str]]:
    """The columns of the table made for ``data``: the known ones (all of them, or with
    ``file_columns`` those the file has, then the file's other columns with their own types)."""
    if not file_columns:
        return known
    types = dict(known)
    columns = []
    for field in data.schema:
        try:
            type_ = types.get(field.name) or _pg_type(field.type)
        except MetricLedgerError:
            raise MetricLedgerError(
                f"{path}: column {field.name} has the Parquet type {field.type}, which the loader "
                "cannot load (drop the column or cast it to text)"
            ) from None
        columns.append((field.name, type_))
    return columns


def _load(
    raw_dir: Path,
    settings: Settings,
    schema: str,
    tables: dict[str, list[tuple[str, str]]],
    file_columns: bool = False,
) -> dict[str, int]:
    import pyarrow.parquet as pq

    counts: dict[str, int] = {}
    with contextlib.closing(settings.connect()) as conn:
        with conn.cursor() as cur:
            cur.execute(f"create schema if not exists {_quote(schema)}")
            for name, known in tables.items():
                qualified = f"{_quote(schema)}.{_quote(name)}"
                path = raw_dir / f"{name}.parquet"
                data = pq.read_table(path)
                columns = _table_columns(path, data, known, file_columns)
                present = [column for column, _ in columns if column in data.column_names]
                cur.execute(f"drop table if exists {qualified}")
                cur.execute(
                    f"create table {qualified} ("
                    + ", ".join(f"{_quote(column)} {type_}" for column, type_ in columns)
                    + ")"
                )
                copy = (
                    f"copy {qualified} ({', '.join(_quote(c) for c in present)}) "
                    "from stdin with (format csv)"
                )
                if data.num_rows:
                    for batch in _csv_batches(data.select(present)):
                        cur.copy_expert(copy, io.BytesIO(batch))
                cur.execute(f"analyze {qualified}")
                counts[name] = data.num_rows
        conn.commit()
    return counts


def state_dir_default() -> Path:
    """The cluster directory of `metric-ledger postgres start|stop`."""
    default = Path(tempfile.gettempdir()) / "metric_ledger_pg"
    return Path(os.environ.get("METRIC_LEDGER_PG_DIR", str(default)))
