"""Secrets at rest: a text field encrypted with Fernet keys from FIELD_ENCRYPTION_KEY.

Written here rather than taken from a package because the available ones either
derive keys from SECRET_KEY or lack multi-key rotation; this is a thin layer over
`cryptography`'s MultiFernet, which does the actual cryptography.
"""

from functools import cache
from typing import Any

from cryptography.fernet import Fernet as _Fernet
from cryptography.fernet import InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

TOKEN_PREFIX = "fernet:"


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([_Fernet(key.encode()) for key in keys])
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEY holds an invalid Fernet key.") from exc


def fernet() -> MultiFernet:
    """The first key encrypts; every listed key decrypts (that is how rotation works)."""
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plain: str) -> str:
    return TOKEN_PREFIX + fernet().encrypt(plain.encode()).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(TOKEN_PREFIX):
        raise ValueError("Value is not an encrypted token.")
    try:
        return fernet().decrypt(stored[len(TOKEN_PREFIX) :].encode()).decode()
    except InvalidToken as exc:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with any FIELD_ENCRYPTION_KEY; "
            "was a key removed before rotation finished?"
        ) from exc


def rotate(stored: str) -> str:
    """Re-encrypt under the newest key."""
    return TOKEN_PREFIX + fernet().rotate(stored[len(TOKEN_PREFIX) :].encode()).decode()


def mask(secret: str, visible: int = 4) -> str:
    """Show only the last few characters, for admin pages and logs."""
    if not secret:
        return ""
    if len(secret) <= visible * 2:
        return "•" * 8
    return "•" * 8 + secret[-visible:]


class EncryptedTextField(models.TextField):
    """Stores `fernet:<token>`; Python code only ever sees the plain value."""

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))
