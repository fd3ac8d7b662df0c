from django.core.management.base import BaseCommand

from imaging.models import Image
from imaging.services import image_intensity_backfill


class Command(BaseCommand):
    help = "Fill the intensity statistics (drift watch) of images stored before uploads kept them."

    def add_arguments(self, parser):
        parser.add_argument("--batch", type=int, default=200, help="images read between progress lines")

    def handle(self, *args, batch: int, **options):
        missing = Image.objects.filter(intensity_mean__isnull=True).order_by("id")
        total = missing.count()
        filled = failed = 0
        for done, image in enumerate(missing.iterator(chunk_size=batch), start=1):
            if image_intensity_backfill(image=image):
                filled += 1
            else:
                failed += 1
            if done % batch == 0 or done == total:
                self.stdout.write(f"{done}/{total} images read")
        self.stdout.write(self.style.SUCCESS(f"{filled} images filled, {failed} without a readable original"))
