from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interop.metadata import metadata_export
from interop.pseudonyms import SaltError, salt_from_file, salt_from_secret_key


class Command(BaseCommand):
    help = (
        "Write the metadata of cases, images, readings and signed reports, without patient identity, "
        "as cases.parquet, images.parquet, readings.parquet and reports.parquet into OUT_DIR "
        "(docs/interoperability.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("out_dir", type=Path)
        parser.add_argument(
            "--salt-file",
            type=Path,
            help="a file holding this installation's secret for the pseudonyms (at least 16 bytes); "
            "default: one derived from SECRET_KEY for this purpose alone",
        )

    def handle(self, *args, out_dir: Path, salt_file: Path | None, **options):
        try:
            salt = salt_from_file(salt_file) if salt_file else salt_from_secret_key()
            export = metadata_export(out_dir=out_dir, salt=salt, progress=self.stdout.write)
        except (SaltError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(str(export.directory)))
