"""Back up the database and the stored files into one directory; restore them into an empty database and store.

A backup is a directory `backup-<UTC time>/` holding
- `database.dump` (PostgreSQL with `pg_dump` on PATH: its custom format, restored by `pg_restore`)
  or `database.json` (any other database, or no `pg_dump`: Django's dumpdata, restored by loaddata);
- `files/<name>`: every file of the upload store (local directory or bucket) as it lies there, so
  files encrypted at rest stay encrypted in the backup, and need the same key when restored;
- `manifest.json`: the SHA-256 and size of every file above and the number of rows of every model.

The database is dumped before the files are copied: a file is written before the row that names
it commits and is never changed after, so every row in the dump finds its file in the backup.
"""

import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection

from config.encryption import key_id
from imaging.models import Image

FORMAT = 1
MANIFEST = "manifest.json"
# Rebuilt by `migrate` on restore (loaddata only); their ids differ between databases.
NOT_DUMPED = ["contenttypes", "auth.permission"]

Progress = Callable[[str], None]


class BackupError(Exception):
    """A backup that cannot be made, or a restore that must not go on."""


def backup_create(*, destination: Path, progress: Progress = print) -> Path:
    """Write a new backup directory under `destination` and return its path."""
    stamp = datetime.now(timezone.utc)
    target = Path(destination) / f"backup-{stamp:%Y%m%dT%H%M%SZ}"
    target.mkdir(parents=True, exist_ok=False)
    progress(f"Backing up into {target}")
    database = _dump_database(target, progress)
    files = _copy_store_out(target / "files", progress)
    manifest = {
        "format": FORMAT,
        "created_at": stamp.isoformat(),
        "database": database,
        "store": {
            "backend": default_storage.__class__.__name__,
            "encryption_key_id": key_id(settings.UPLOAD_ENCRYPTION_KEY) if settings.UPLOAD_ENCRYPTION_KEY else None,
        },
        "files": files,
        "rows": _row_counts(),
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    progress(f"Done: database ({database['method']}), {len(files)} files, {sum(manifest['rows'].values())} rows")
    return target


def backup_restore(*, source: Path, progress: Progress = print) -> dict:
    """Restore a backup into an empty database and an empty store, then check every image against it."""
    source = Path(source)
    manifest = _manifest_read(source)
    progress(f"Checking {source} against its manifest")
    _verify_backup_files(source, manifest)
    _require_the_backups_key(manifest)
    _require_empty_database()
    _require_empty_store()
    _restore_database(source, manifest["database"], progress)
    _copy_store_in(source / "files", manifest["files"], progress)
    rows = _row_counts()
    if rows != manifest["rows"]:
        differ = {label: (manifest["rows"].get(label), rows.get(label)) for label in set(rows) | set(manifest["rows"])
                  if rows.get(label) != manifest["rows"].get(label)}
        raise BackupError(f"restored rows differ from the backup's (backup, restored): {differ}")
    checked = _verify_images(progress)
    progress(f"Restored {sum(rows.values())} rows and {len(manifest['files'])} files; {checked} images match their SHA-256")
    return manifest


# --- Database -----------------------------------------------------------------------------


def _uses_pg_dump() -> bool:
    return connection.vendor == "postgresql" and shutil.which("pg_dump") is not None and shutil.which("pg_restore") is not None


def _libpq_environment() -> dict[str, str]:
    """The connection of Django's default database, as libpq's variables (the password never on a command line)."""
    db = connection.settings_dict
    env = {**os.environ, "PGDATABASE": db["NAME"]}
    for variable, value in (("PGHOST", db.get("HOST")), ("PGPORT", db.get("PORT")), ("PGUSER", db.get("USER")),
                            ("PGPASSWORD", db.get("PASSWORD")), ("PGSSLMODE", db.get("OPTIONS", {}).get("sslmode"))):
        if value:
            env[variable] = str(value)
    return env


def _dump_database(target: Path, progress: Progress) -> dict:
    if _uses_pg_dump():
        path = target / "database.dump"
        progress("Dumping the PostgreSQL database with pg_dump (custom format)")
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}"])
        method = "pg_dump"
    else:
        path = target / "database.json"
        progress(f"Dumping the {connection.vendor} database with dumpdata (JSON)")
        call_command("dumpdata", "--natural-foreign", *[f"--exclude={label}" for label in NOT_DUMPED],
                     f"--output={path}", verbosity=0)
        method = "dumpdata"
    return {"method": method, "vendor": connection.vendor, **_describe(path, path.name)}


def _restore_database(source: Path, database: dict, progress: Progress) -> None:
    path = source / database["name"]
    if database["method"] == "pg_dump":
        if connection.vendor != "postgresql" or not _uses_pg_dump():
            raise BackupError("this backup's database was dumped by pg_dump: restore it into PostgreSQL with pg_restore on PATH")
        progress("Restoring the database with pg_restore")
        connection.close()
        _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              f"--dbname={connection.settings_dict['NAME']}", str(path)])
    else:
        progress("Creating the tables (migrate), then loading the rows (loaddata)")
        call_command("migrate", verbosity=0, interactive=False)
        call_command("loaddata", str(path), verbosity=0)


def _run(command: list[str]) -> None:
    result = subprocess.run(command, env=_libpq_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")


def _require_empty_database() -> None:
    tables = connection.introspection.table_names()
    if tables:
        raise BackupError(
            f"the database is not empty ({len(tables)} tables, e.g. {', '.join(sorted(tables)[:3])}): "
            "restore only into a new, empty database"
        )


def _row_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()
            if not model._meta.proxy and model._meta.app_label not in ("contenttypes",)
            and model._meta.label != "auth.Permission"}


# --- Files --------------------------------------------------------------------------------


def _copy_store_out(target: Path, progress: Progress) -> list[dict]:
    files = []
    for name in _stored_names():
        data = default_storage.read_stored(name)
        path = target / _safe_name(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        files.append(_describe(path, name))
        if len(files) % 100 == 0:
            progress(f"  {len(files)} files copied")
    progress(f"Copied {len(files)} stored files")
    return files


def _copy_store_in(source: Path, files: list[dict], progress: Progress) -> None:
    for index, entry in enumerate(files, 1):
        saved = default_storage.write_stored(entry["name"], (source / _safe_name(entry["name"])).read_bytes())
        if saved != entry["name"]:
            raise BackupError(f"the store saved {entry['name']} as {saved}")
        if index % 100 == 0:
            progress(f"  {index} files restored")
    progress(f"Restored {len(files)} stored files")


def _stored_names() -> list[str]:
    try:
        return list(default_storage.walk())
    except FileNotFoundError:  # a local store that was never written to
        return []


def _require_empty_store() -> None:
    names = _stored_names()
    if names:
        raise BackupError(f"the file store is not empty ({len(names)} files, e.g. {names[0]}): restore only into an empty one")


def _safe_name(name: str) -> PurePosixPath:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise BackupError(f"refusing a stored file name outside the store: {name!r}")
    return path


# --- Checks -------------------------------------------------------------------------------


def _describe(path: Path, name: str) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return {"name": name, "size": path.stat().st_size, "sha256": digest.hexdigest()}


def _manifest_read(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{source} has no {MANIFEST}: not a backup") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is a backup of format {manifest.get('format')}, this version reads {FORMAT}")
    return manifest


def _verify_backup_files(source: Path, manifest: dict) -> None:
    database = manifest["database"]
    entries = [(source / database["name"], database)] + [(source / "files" / _safe_name(e["name"]), e) for e in manifest["files"]]
    for path, entry in entries:
        if not path.is_file():
            raise BackupError(f"{path} is missing from the backup")
        found = _describe(path, entry["name"])
        if (found["size"], found["sha256"]) != (entry["size"], entry["sha256"]):
            raise BackupError(f"{path} does not match the manifest's SHA-256: the backup is damaged")


def _require_the_backups_key(manifest: dict) -> None:
    wanted = manifest["store"]["encryption_key_id"]
    key = settings.UPLOAD_ENCRYPTION_KEY
    if wanted and (key is None or key_id(key) != wanted):
        configured = f"the configured key's id is {key_id(key)}" if key else "UPLOAD_ENCRYPTION_KEY_FILE is not set"
        raise BackupError(f"the backup's files were encrypted with key id {wanted}, and {configured}: set that key first")


def _verify_images(progress: Progress) -> int:
    """Every image's original, read back (and decrypted) from the store, has the SHA-256 it was uploaded with."""
    count = 0
    for image in Image.objects.order_by("pk").iterator():
        with default_storage.open(image.original.name) as stream:
            if hashlib.sha256(stream.read()).hexdigest() != image.sha256:
                raise BackupError(f"image {image.pk}: its restored original does not match its SHA-256")
        if not default_storage.exists(image.preview.name):
            raise BackupError(f"image {image.pk}: its preview is missing")
        count += 1
    progress(f"Checked {count} images against their SHA-256")
    return count
