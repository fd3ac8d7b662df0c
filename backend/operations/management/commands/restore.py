from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from operations.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by `backup` into an EMPTY database (no tables: do not migrate it first) "
        "and an empty upload store, then check every image against its SHA-256."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", type=Path, help="the backup-<UTC time>/ directory")

    def handle(self, *args, source: Path, **options):
        try:
            backup_restore(source=source, progress=self.stdout.write)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
