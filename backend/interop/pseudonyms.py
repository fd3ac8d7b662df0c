"""Stable pseudonyms for ids in the metadata export: the same row gets the same pseudonym every
time, and nobody without the installation's secret can turn one back into an id.

HMAC-SHA256 over "<kind>:<id>" under a key of this installation (config/keyed_hashes.py). By
default the key is derived from SECRET_KEY with a purpose string of its own;
`export_metadata --salt-file` takes a separate secret instead, which keeps the pseudonyms when
SECRET_KEY is rotated.
"""

from pathlib import Path

from config.keyed_hashes import key_from_secret_key, row_hash

PURPOSE = "interop.metadata.pseudonym"
MIN_SALT_BYTES = 16


class SaltError(ValueError):
    pass


def salt_from_secret_key() -> bytes:
    return key_from_secret_key(PURPOSE)


def salt_from_file(path: Path) -> bytes:
    try:
        salt = path.read_bytes().strip()
    except OSError as exc:
        raise SaltError(f"cannot read the salt file {path}: {exc.strerror}") from None
    if len(salt) < MIN_SALT_BYTES:
        raise SaltError(
            f"the salt file {path} holds {len(salt)} bytes; it needs at least {MIN_SALT_BYTES} "
            "(make one with `openssl rand -hex 32 > FILE`)"
        )
    return salt


class Pseudonyms:
    """Pseudonyms under one salt: `pseudonyms("patient", 12)` -> 20 hex characters."""

    # 80 bits: no collision in any practice's lifetime of rows, short enough to read in a table.
    LENGTH = 20

    def __init__(self, salt: bytes):
        self._salt = salt

    def __call__(self, kind: str, pk: int | None) -> str | None:
        if pk is None:
            return None
        return row_hash(self._salt, kind, pk)[: self.LENGTH]
