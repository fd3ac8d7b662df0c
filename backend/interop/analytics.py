"""Running the example SQL (docs/analytics/*.sql) with DuckDB over a metadata export.

The queries name the tables `cases`, `images`, `readings` and `reports`; here each is a view over
its Parquet file, so a query reads the export where it lies and copies nothing.
"""

from dataclasses import dataclass
from pathlib import Path

import duckdb

from interop.metadata import TABLES


class ExportNotFound(FileNotFoundError):
    pass


@dataclass(frozen=True)
class QueryResult:
    columns: list[str]
    rows: list[tuple]

    def as_dicts(self) -> list[dict]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


def connect(export_dir: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with one view per Parquet file of the export."""
    missing = [f"{name}.parquet" for name in TABLES if not (export_dir / f"{name}.parquet").is_file()]
    if missing:
        raise ExportNotFound(
            f"{export_dir} is not a metadata export: {', '.join(missing)} missing "
            "(make one with `python backend/manage.py export_metadata DIR`)"
        )
    connection = duckdb.connect()
    connection.execute("SET TimeZone = 'UTC'")
    for name in TABLES:
        path = str((export_dir / f"{name}.parquet").resolve()).replace("'", "''")
        connection.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{path}')")
    return connection


def query_run(*, export_dir: Path, sql: str) -> QueryResult:
    connection = connect(export_dir)
    try:
        cursor = connection.execute(sql)
        columns = [column[0] for column in cursor.description]
        return QueryResult(columns=columns, rows=cursor.fetchall())
    finally:
        connection.close()
