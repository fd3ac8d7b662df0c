from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interop.analytics import ExportNotFound
from interop.dashboard import metadata_plot


class Command(BaseCommand):
    help = (
        "Draw a metadata export (EXPORT_DIR, from export_metadata) as one PNG: cases sent per week, "
        "turnaround per week, agreement with the AI per model version."
    )

    def add_arguments(self, parser):
        parser.add_argument("export_dir", type=Path)
        parser.add_argument("out", type=Path, help="the PNG to write")

    def handle(self, *args, export_dir: Path, out: Path, **options):
        if out.suffix.lower() != ".png":
            raise CommandError(f"{out}: the picture is a PNG; name it *.png")
        try:
            metadata_plot(export_dir=export_dir, out=out)
        except ExportNotFound as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(self.style.SUCCESS(str(out)))
