from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interop.analytics import ExportNotFound, example_names, example_sql, query_run


class Command(BaseCommand):
    help = (
        "Run DuckDB SQL over a metadata export in EXPORT_DIR and print the result: QUERY is a file, or the name "
        f"of an example in interop/sql/ ({', '.join(example_names())}). The tables are cases, images, "
        "readings and reports."
    )

    def add_arguments(self, parser):
        parser.add_argument("export_dir", type=Path)
        parser.add_argument("query")

    def handle(self, *args, export_dir: Path, query: str, **options):
        import duckdb

        try:
            sql = Path(query).read_text() if Path(query).is_file() else example_sql(query)
            result = query_run(export_dir=export_dir, sql=sql)
        except (ExportNotFound, KeyError) as exc:
            raise CommandError(exc.args[0]) from None
        except OSError as exc:
            raise CommandError(f"cannot read {query}: {exc.strerror}") from None
        except duckdb.Error as exc:
            raise CommandError(f"{query}: {exc}") from None
        cells = [result.columns] + [["" if value is None else str(value) for value in row] for row in result.rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(result.columns))]
        for row in cells:
            self.stdout.write("  ".join(value.ljust(width) for value, width in zip(row, widths, strict=True)).rstrip())
