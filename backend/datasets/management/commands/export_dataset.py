import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from config.errors import ApplicationError
from datasets.services import dataset_export


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--signed-until wants a date as YYYY-MM-DD, got {text!r}") from None


class Command(BaseCommand):
    help = (
        "Export the signed reports in force (their cited images and the doctors' labels) of patients who "
        "consented to research use as a de-identified dataset under OUT_DIR/<name>/<version>/."
    )

    def add_arguments(self, parser):
        parser.add_argument("out_dir", type=Path, metavar="OUT_DIR")
        parser.add_argument("--exam-type", default="chest_xray", help="default: chest_xray")
        parser.add_argument(
            "--model", dest="model_name", default=None,
            help="the model whose label names and channels the dataset takes (its active version); "
            "default: the active model of the exam type",
        )
        parser.add_argument("--signed-until", type=_date, default=None, metavar="YYYY-MM-DD",
                            help="only reports signed on that day (UTC) or before")
        parser.add_argument("--name", default=None, help="default: the model's name")
        parser.add_argument("--dataset-version", dest="dataset_version", default=None,
                            help="default: the first 12 hex digits of the SHA-256 of the example list")

    def handle(self, *args, out_dir: Path, exam_type: str, model_name, signed_until, name, dataset_version, **options):
        try:
            export = dataset_export(
                out_dir=out_dir,
                exam_type=exam_type,
                model_name=model_name,
                signed_until=signed_until,
                name=name,
                version=dataset_version,
                progress=self.stdout.write,
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        left_out = ", ".join(f"{reason} {count}" for reason, count in export.excluded.items() if count) or "none"
        self.stdout.write(f"{export.examples} examples; left out: {left_out}")
        if not export.created:
            self.stdout.write("The same dataset was there already; nothing was written.")
        self.stdout.write(self.style.SUCCESS(str(export.path)))
