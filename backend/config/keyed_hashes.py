"""Keyed hashes that stand for database rows in files leaving the database (datasets, metadata).

HMAC-SHA256 over "<kind>:<id>" under a key of this installation: the same row always gets the same
hash under one key, and nobody without the key can turn a hash back into a row. Each kind of
export has a key of its own (a secret file, or one derived from SECRET_KEY with its own purpose
string), so that the hashes of two kinds of export cannot be matched with each other.
"""

import hashlib
import hmac

from django.conf import settings


def key_from_secret_key(purpose: str) -> bytes:
    """A key for one purpose only, derived from SECRET_KEY."""
    return hmac.new(settings.SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).digest()


def row_hash(key: bytes, kind: str, pk: int) -> str:
    """The hex HMAC-SHA256 of one row ("case", "report", "patient", ...) under `key`."""
    return hmac.new(key, f"{kind}:{pk}".encode(), hashlib.sha256).hexdigest()
