"""Where an example came from, kept only as a salted hash.

A dataset names the case, report and image behind each example by HMAC-SHA256 under this
installation's salt: the same case always gets the same hash (so its images stay together and
re-runs give the same bytes), while nobody without the salt can tie a hash back to a row, and
hashes from two installations cannot be matched with each other.
"""

from django.conf import settings

from config.keyed_hashes import key_from_secret_key, row_hash

# Its own purpose string: the derived salt is of no use for anything else made from SECRET_KEY.
SALT_PURPOSE = "datasets.provenance.salt"


def dataset_salt() -> bytes:
    """DATASET_SALT(_FILE) when set, else a salt derived from SECRET_KEY for this purpose only."""
    if settings.DATASET_SALT:
        return settings.DATASET_SALT.encode()
    return key_from_secret_key(SALT_PURPOSE)


def provenance_hash(kind: str, pk: int, *, salt: bytes) -> str:
    """The hex HMAC-SHA256 of one row ("case", "report", "image") under `salt`."""
    return row_hash(salt, kind, pk)
