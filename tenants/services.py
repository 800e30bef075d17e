"""Business rules for tenants and API keys."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from tenants.models import AuditLog, Tenant, TenantApiKey, UserPreferences
from tenants.scopes import ALL_SCOPES

KEY_PREFIX_MARK = "csk_"
PREFIX_LENGTH = 10
SECRET_LENGTH = 40
LAST_USED_RESOLUTION = timedelta(minutes=1)


class InvalidScopeError(ValueError):
    """A scope outside the known set was requested."""


@dataclass(frozen=True)
class IssuedApiKey:
    """The stored key plus its plain value, which exists only at this moment."""

    api_key: TenantApiKey
    plain_key: str


def hash_key(plain_key: str) -> str:
    """Keys are long random strings, so a fast hash is enough and keeps auth cheap."""
    return hashlib.sha256(plain_key.encode()).hexdigest()


def split_key(plain_key: str) -> tuple[str, str] | None:
    """Return (prefix, secret) for a well-formed key, None otherwise."""
    if not plain_key.startswith(KEY_PREFIX_MARK):
        return None
    body = plain_key[len(KEY_PREFIX_MARK) :]
    prefix, dot, secret = body.partition(".")
    if not dot or len(prefix) != PREFIX_LENGTH or len(secret) != SECRET_LENGTH:
        return None
    return prefix, secret


def validate_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(set(scopes) - set(ALL_SCOPES))
    if unknown:
        raise InvalidScopeError(
            f"Unknown scope(s): {', '.join(unknown)}. Allowed: {', '.join(ALL_SCOPES)}."
        )
    if not scopes:
        raise InvalidScopeError(
            f"At least one scope is required. Allowed: {', '.join(ALL_SCOPES)}."
        )
    return [scope for scope in ALL_SCOPES if scope in scopes]


def generate_plain_key() -> tuple[str, str]:
    """Return (prefix, plain key)."""
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    prefix = "".join(secrets.choice(alphabet) for _ in range(PREFIX_LENGTH))
    secret = secrets.token_urlsafe(32)[:SECRET_LENGTH]
    return prefix, f"{KEY_PREFIX_MARK}{prefix}.{secret}"


def issue_api_key(
    *,
    tenant: Tenant,
    name: str,
    scopes: list[str],
    created_by: AbstractBaseUser | None = None,
) -> IssuedApiKey:
    """Create a key and return its plain value once; only the hash is kept."""
    clean_scopes = validate_scopes(scopes)
    prefix, plain_key = generate_plain_key()
    with transaction.atomic():
        api_key = TenantApiKey.objects.create(
            tenant=tenant,
            name=name,
            prefix=prefix,
            key_hash=hash_key(plain_key),
            scopes=clean_scopes,
            created_by=created_by,
        )
        record_audit(
            tenant=tenant,
            actor=actor_for_user(created_by) if created_by else "system",
            action="api_key_created",
            metadata={"prefix": prefix, "name": name, "scopes": clean_scopes},
        )
    return IssuedApiKey(api_key=api_key, plain_key=plain_key)


def find_active_key(plain_key: str) -> TenantApiKey | None:
    """Look the key up by prefix, then compare its hash in constant time."""
    parts = split_key(plain_key)
    if parts is None:
        return None
    candidate = (
        TenantApiKey.objects.select_related("tenant")
        .filter(prefix=parts[0], revoked_at__isnull=True, tenant__is_active=True)
        .first()
    )
    if not hash_matches(plain_key, candidate.key_hash if candidate else None):
        return None
    return candidate


def hash_matches(plain_key: str, stored_hash: str | None) -> bool:
    """Constant-time check of a plain secret against its stored SHA-256 hash.

    With no candidate row (`stored_hash` None) the same work is spent, so timing says nothing.
    """
    expected = stored_hash if stored_hash is not None else "0" * 64
    return hmac.compare_digest(hash_key(plain_key), expected) and stored_hash is not None


def tenant_matches(tenant: Tenant, identifier: str) -> bool:
    """Compare the X-TENANT-ID header (slug or UUID) with the key's tenant, in constant time."""
    slug_match = hmac.compare_digest(identifier.encode(), tenant.slug.encode())
    id_match = hmac.compare_digest(identifier.lower().encode(), str(tenant.id).encode())
    return slug_match or id_match


def touch_key(api_key: TenantApiKey) -> None:
    """Record use, at most once a minute, without firing signals."""
    now = timezone.now()
    if api_key.last_used_at is None or now - api_key.last_used_at > LAST_USED_RESOLUTION:
        TenantApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now


def revoke_api_key(*, api_key: TenantApiKey, actor: str) -> None:
    if api_key.revoked_at is not None:
        return
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    record_audit(
        tenant=api_key.tenant,
        actor=actor,
        action="api_key_revoked",
        metadata={"prefix": api_key.prefix},
    )


def unique_slug(name: str) -> str:
    base = slugify(name)[:90] or "tenant"
    slug, n = base, 2
    while Tenant.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def create_tenant(*, name: str, slug: str | None = None) -> Tenant:
    name = name.strip()
    if not name:
        raise ValueError("A tenant needs a name.")
    if slug is not None:
        slug = slugify(slug)
        if not slug:
            raise ValueError("The slug must contain letters or digits.")
        if Tenant.objects.filter(slug=slug).exists():
            raise ValueError(f"A tenant with slug '{slug}' already exists.")
    return Tenant.objects.create(name=name, slug=slug or unique_slug(name))


def actor_for_user(user: AbstractBaseUser | None) -> str:
    return f"user:{user.get_username()}" if user is not None else "anonymous"


def record_audit(
    *, tenant: Tenant, actor: str, action: str, metadata: dict[str, Any] | None = None
) -> AuditLog:
    return AuditLog.objects.create(
        tenant=tenant, actor=actor, action=action, metadata=metadata or {}
    )


def admin_language_for(user: Any) -> str:
    """The language `user` chose for the admin; the site default when none (or anonymous)."""
    if getattr(user, "is_authenticated", False):
        language = UserPreferences.objects.filter(user=user).values_list("language", flat=True)
        chosen = language.first()
        if chosen:
            return chosen
    return settings.LANGUAGE_CODE


def set_admin_language(*, user: AbstractBaseUser, language: str) -> UserPreferences:
    if language not in dict(settings.LANGUAGES):
        raise ValueError(f"'{language}' is not one of the admin's languages.")
    preferences, _ = UserPreferences.objects.update_or_create(
        user=user, defaults={"language": language}
    )
    return preferences
