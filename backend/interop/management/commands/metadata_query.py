from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interop.analytics import ExportNotFound, query_run


class Command(BaseCommand):
    help = (
        "Run a DuckDB SQL file (e.g. docs/analytics/turnaround.sql) over a metadata export in EXPORT_DIR "
        "and print the result; the tables are cases, images, readings and reports."
    )

    def add_arguments(self, parser):
        parser.add_argument("export_dir", type=Path)
        parser.add_argument("sql_file", type=Path)

    def handle(self, *args, export_dir: Path, sql_file: Path, **options):
        import duckdb

        try:
            result = query_run(export_dir=export_dir, sql=sql_file.read_text())
        except ExportNotFound as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"cannot read {sql_file}: {exc.strerror}") from None
        except duckdb.Error as exc:
            raise CommandError(f"{sql_file}: {exc}") from None
        cells = [result.columns] + [["" if value is None else str(value) for value in row] for row in result.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(result.columns))]
        for row in cells:
            self.stdout.write("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())
