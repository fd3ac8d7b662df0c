from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from interop.fhir import report_bundle
from interop.selectors import report_for_fhir_on_server


class Command(BaseCommand):
    help = (
        "Print a signed report as a FHIR R4 Bundle (application/fhir+json), as GET /api/v1/reports/<id>/fhir/ "
        "answers it, or write it to --output."
    )

    def add_arguments(self, parser):
        parser.add_argument("report_id", type=int)
        parser.add_argument("--output", type=Path, help="a file to write the Bundle into instead of printing it")

    def handle(self, *args, report_id: int, output: Path | None, **options):
        found = report_for_fhir_on_server(report_id=report_id)
        if found is None:
            raise CommandError(f"no signed report {report_id} (drafts and withdrawn cases are not exported)")
        text = report_bundle(*found).model_dump_json(exclude_none=True, indent=2)
        if output is None:
            self.stdout.write(text)
            return
        try:
            output.write_text(text + "\n")
        except OSError as exc:
            raise CommandError(f"cannot write {output}: {exc.strerror}") from None
        self.stdout.write(self.style.SUCCESS(str(output)))
