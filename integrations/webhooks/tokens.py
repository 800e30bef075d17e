"""Integration tokens: issue (shown once), look up in constant time, count use, revoke."""

import secrets
import string
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from integrations.webhooks.models import IntegrationToken, TokenEnvironment
from tenants.models import Tenant
from tenants.services import actor_for_user, hash_key, hash_matches, record_audit

TOKEN_MARK = "wc_sk_"
ENVIRONMENTS = tuple(TokenEnvironment.values)
SECRET_LENGTH = 40
LOOKUP_CHARS = 8  # of the secret, kept in `prefix` to find the row without the hash
ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class IssuedToken:
    """The stored token plus its plain value, which exists only at this moment."""

    token: IntegrationToken
    plain_token: str


def token_prefix(plain_token: str) -> str | None:
    """`wc_sk_live_` + the secret's first characters, or None when the shape is wrong."""
    for environment in ENVIRONMENTS:
        mark = f"{TOKEN_MARK}{environment}_"
        if plain_token.startswith(mark):
            secret = plain_token[len(mark) :]
            if len(secret) == SECRET_LENGTH and all(c in ALPHABET for c in secret):
                return mark + secret[:LOOKUP_CHARS]
    return None


def issue_token(
    *,
    tenant: Tenant,
    integration_type: str,
    name: str,
    environment: str = "live",
    created_by: AbstractBaseUser | None = None,
    actor: str | None = None,
) -> IssuedToken:
    """Create a token and return its plain value once; only prefix and hash are kept."""
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment must be one of {', '.join(ENVIRONMENTS)}.")
    secret = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
    plain = f"{TOKEN_MARK}{environment}_{secret}"
    with transaction.atomic():
        token = IntegrationToken.objects.create(
            tenant=tenant,
            integration_type=integration_type,
            name=name,
            environment=environment,
            prefix=token_prefix(plain),
            token_hash=hash_key(plain),
            created_by=created_by,
        )
        record_audit(
            tenant=tenant,
            actor=actor or (actor_for_user(created_by) if created_by else "system"),
            action="integration_token_created",
            metadata={"prefix": token.prefix, "name": name, "integration_type": integration_type},
        )
    return IssuedToken(token=token, plain_token=plain)


def find_active_token(plain_token: str) -> IntegrationToken | None:
    """Find by prefix, then compare the hash in constant time (as API keys do)."""
    prefix = token_prefix(plain_token)
    if prefix is None:
        return None
    candidates = list(
        IntegrationToken.objects.select_related("tenant").filter(
            prefix=prefix, is_active=True, tenant__is_active=True
        )[:5]
    )
    found = None
    for candidate in candidates or [None]:
        if hash_matches(plain_token, candidate.token_hash if candidate else None):
            found = candidate
    return found


def record_use(token_id: int, *, at: datetime) -> None:
    """Count one accepted event. The event's task does it, not the request, so the webhook
    answers with one write; concurrent tasks never move last_used_at backwards."""
    IntegrationToken.objects.filter(pk=token_id).update(
        usage_count=F("usage_count") + 1,
        last_used_at=Greatest(Coalesce(F("last_used_at"), Value(at)), Value(at)),
    )


def revoke_token(*, token: IntegrationToken, actor: str) -> None:
    """Deactivate (kept for the event log's history); idempotent."""
    if not token.is_active:
        return
    token.is_active = False
    token.revoked_at = timezone.now()
    token.save(update_fields=["is_active", "revoked_at"])
    record_audit(
        tenant=token.tenant,
        actor=actor,
        action="integration_token_revoked",
        metadata={"prefix": token.prefix, "name": token.name},
    )
