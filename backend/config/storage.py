"""Where uploaded images are kept: the local filesystem (the default) or an S3-compatible object store.

Both encrypt what they write when UPLOAD_ENCRYPTION_KEY_FILE is set (config/encryption.py) and
decrypt what they read, so the rest of the app only ever sees an upload's own bytes. Files written
before a key was set stay readable as they are; an encrypted file read without its key fails.
"""

import io

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3Storage

from config.encryption import decrypt, encrypt, is_encrypted


class EncryptedAtRest:
    """Encrypts on save and decrypts on open, around the storage class it is mixed into."""

    def _save(self, name, content):
        key = settings.UPLOAD_ENCRYPTION_KEY
        if key:
            content.seek(0)
            content = ContentFile(encrypt(content.read(), key))
        return super()._save(name, content)

    def _open(self, name, mode="rb"):
        if mode != "rb":
            raise ValueError("stored uploads are opened for reading only, in binary ('rb')")
        stored = self.read_stored(name)
        data = decrypt(stored, settings.UPLOAD_ENCRYPTION_KEY, name=name) if is_encrypted(stored) else stored
        return File(io.BytesIO(data), name=name)

    def read_stored(self, name: str) -> bytes:
        """The bytes as they lie in the store (encrypted if they were written so): for backups."""
        with super()._open(name, "rb") as stream:
            return stream.read()

    def write_stored(self, name: str, data: bytes) -> str:
        """Put bytes back exactly as `read_stored` gave them, under the same name: for restores."""
        return super()._save(name, ContentFile(data))

    def walk(self, top: str = ""):
        """Every file's name under `top`, depth first."""
        directories, files = self.listdir(top)
        for file in sorted(files):
            yield f"{top}/{file}" if top else file
        for directory in sorted(directories):
            yield from self.walk(f"{top}/{directory}" if top else directory)


class LocalUploadStorage(EncryptedAtRest, FileSystemStorage):
    """Files under MEDIA_ROOT."""


class ObjectStoreUploadStorage(EncryptedAtRest, S3Storage):
    """Objects in OBJECT_STORAGE_BUCKET at OBJECT_STORAGE_ENDPOINT (S3 API, through django-storages and boto3)."""
