"""Uploads encrypted at rest, in the app, with AES-256-GCM (the `cryptography` package).

A stored file is  MAGIC | version (1 byte) | key id (4 bytes) | nonce (12 bytes) | ciphertext+tag.
The header is authenticated with the data, so a changed byte anywhere fails the read. The key id
(the first 4 bytes of the key's SHA-256) names which key wrote a file: a wrong key is refused by
name before any decryption is tried, and a later version can hold several keys to rotate them.
"""

import base64
import binascii
import hashlib
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"HIA-ENC\x00"
VERSION = 1
_HEADER = struct.Struct(">8sB4s12s")  # magic, version, key id, nonce
HEADER_SIZE = _HEADER.size
KEY_BYTES = 32


class EncryptedFileError(Exception):
    """A stored file that cannot be decrypted: no key, another key, or changed bytes."""


def key_from_text(text: str) -> bytes:
    """The key as written in UPLOAD_ENCRYPTION_KEY_FILE: 32 random bytes, base64 (`openssl rand -base64 32`) or hex."""
    text = text.strip()
    for decode in (_from_base64, bytes.fromhex):
        try:
            key = decode(text)
        except (ValueError, binascii.Error):
            continue
        if len(key) == KEY_BYTES:
            return key
    raise ValueError(f"the upload encryption key must be {KEY_BYTES} bytes, written as base64 or hex (openssl rand -base64 32)")


def _from_base64(text: str) -> bytes:
    return base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).digest()[:4].hex()


def is_encrypted(data: bytes) -> bool:
    return data[: len(MAGIC)] == MAGIC


def encrypt(data: bytes, key: bytes) -> bytes:
    nonce = os.urandom(12)
    header = _HEADER.pack(MAGIC, VERSION, bytes.fromhex(key_id(key)), nonce)
    return header + AESGCM(key).encrypt(nonce, data, header)


def decrypt(data: bytes, key: bytes | None, *, name: str = "file") -> bytes:
    if len(data) < HEADER_SIZE:
        raise EncryptedFileError(f"{name} is encrypted but shorter than its header")
    magic, version, stored_key_id, nonce = _HEADER.unpack(data[:HEADER_SIZE])
    if version != VERSION:
        raise EncryptedFileError(f"{name} was encrypted by format version {version}, which this version cannot read")
    if key is None:
        raise EncryptedFileError(
            f"{name} is encrypted (key id {stored_key_id.hex()}) and UPLOAD_ENCRYPTION_KEY_FILE is not set"
        )
    if stored_key_id.hex() != key_id(key):
        raise EncryptedFileError(
            f"{name} was encrypted with key id {stored_key_id.hex()}, not with the configured key (id {key_id(key)})"
        )
    try:
        return AESGCM(key).decrypt(nonce, data[HEADER_SIZE:], data[:HEADER_SIZE])
    except InvalidTag:
        raise EncryptedFileError(f"{name} fails its authentication check: its bytes were changed") from None
