"""Running SQL with DuckDB over a metadata export, the examples in `sql/` among them.

The queries name the tables `cases`, `images`, `readings` and `reports`; here each is a view over
its Parquet file, so a query reads the export where it lies and copies nothing.
"""

from dataclasses import dataclass
from pathlib import Path

import duckdb

from interop.metadata import TABLES


EXAMPLES_DIR = Path(__file__).resolve().parent / "sql"


class ExportNotFound(FileNotFoundError):
    pass


def example_names() -> list[str]:
    return sorted(path.stem for path in EXAMPLES_DIR.glob("*.sql"))


def example_sql(name: str) -> str:
    """The example query `name` (e.g. "turnaround"), from interop/sql/."""
    path = EXAMPLES_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no example query {name!r}; there are: {', '.join(example_names())}")
    return path.read_text()


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
