"""Integration tokens: issue (shown once), look up in constant time, count use, revoke."""

import secrets
import string
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from integrations.webhooks.models import IntegrationToken, IntegrationType, TokenEnvironment
from integrations.woocommerce.models import WooCommerceStore
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


class TokenStoreError(ValueError):
    """The store cannot be bound to this token (another tenant's, or not a WooCommerce token)."""


def checked_store(
    *, tenant: Tenant, integration_type: str, store: WooCommerceStore | None
) -> WooCommerceStore | None:
    if store is None:
        return None
    if integration_type != IntegrationType.WOOCOMMERCE:
        raise TokenStoreError("Only WooCommerce tokens are bound to a store.")
    if store.tenant_id != tenant.pk:
        raise TokenStoreError("That store belongs to another tenant.")
    return store


def default_store(tenant: Tenant) -> WooCommerceStore | None:
    """The tenant's first WooCommerce store, the binding a new token gets when none is named."""
    return WooCommerceStore.objects.filter(tenant=tenant).order_by("pk").first()


def issue_token(
    *,
    tenant: Tenant,
    integration_type: str,
    name: str,
    environment: str = "live",
    store: WooCommerceStore | None = None,
    created_by: AbstractBaseUser | None = None,
    actor: str | None = None,
) -> IssuedToken:
    """Create a token and return its plain value once; only prefix and hash are kept.

    A WooCommerce token is bound to `store`, or to the tenant's first store when none is
    named; with no store at all it stays unbound and the plugin's events are refused (409)
    until staff bind it.
    """
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment must be one of {', '.join(ENVIRONMENTS)}.")
    store = checked_store(tenant=tenant, integration_type=integration_type, store=store)
    if store is None and integration_type == IntegrationType.WOOCOMMERCE:
        store = default_store(tenant)
    secret = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
    plain = f"{TOKEN_MARK}{environment}_{secret}"
    with transaction.atomic():
        token = IntegrationToken.objects.create(
            tenant=tenant,
            integration_type=integration_type,
            name=name,
            environment=environment,
            store=store,
            prefix=token_prefix(plain),
            token_hash=hash_key(plain),
            created_by=created_by,
        )
        record_audit(
            tenant=tenant,
            actor=actor or (actor_for_user(created_by) if created_by else "system"),
            action="integration_token_created",
            metadata={
                "prefix": token.prefix,
                "name": name,
                "integration_type": integration_type,
                "store_id": store.pk if store else None,
            },
        )
    return IssuedToken(token=token, plain_token=plain)


def bind_token(*, token: IntegrationToken, store: WooCommerceStore | None, actor: str) -> None:
    """Point a WooCommerce token at another store (or none); later events land there."""
    store = checked_store(tenant=token.tenant, integration_type=token.integration_type, store=store)
    if token.store_id == (store.pk if store else None):
        return
    previous = token.store_id
    token.store = store
    token.save(update_fields=["store"])
    record_audit(
        tenant=token.tenant,
        actor=actor,
        action="integration_token_rebound",
        metadata={
            "prefix": token.prefix,
            "from_store_id": previous,
            "to_store_id": store.pk if store else None,
        },
    )


# Tokens this process verified in the last INTEGRATION_TOKEN_CACHE_SECONDS, by the sha256 of
# the presented token. At hundreds of plugin events a second this spares the database one
# query per event; any save of a token or tenant in this process empties it, and other
# processes see a revocation once their entry expires.
_verified: dict[str, tuple[float, IntegrationToken]] = {}
_verified_lock = threading.Lock()
_VERIFIED_MAX = 1024


def find_active_token(plain_token: str) -> IntegrationToken | None:
    """Find by prefix, then compare the hash in constant time (as API keys do)."""
    prefix = token_prefix(plain_token)
    if prefix is None:
        return None
    ttl = float(settings.INTEGRATION_TOKEN_CACHE_SECONDS)
    digest = hash_key(plain_token) if ttl > 0 else ""
    if digest:
        hit = _verified.get(digest)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
    candidates = list(
        IntegrationToken.objects.select_related("tenant", "store").filter(
            prefix=prefix, is_active=True, tenant__is_active=True
        )[:5]
    )
    found = None
    for candidate in candidates or [None]:
        if hash_matches(plain_token, candidate.token_hash if candidate else None):
            found = candidate
    if found is not None and digest:
        with _verified_lock:
            if len(_verified) >= _VERIFIED_MAX:
                _verified.clear()
            _verified[digest] = (time.monotonic() + ttl, found)
    return found


def forget_verified_tokens(**_: object) -> None:
    """Drop this process's verified tokens (a token or tenant was saved or deleted)."""
    with _verified_lock:
        _verified.clear()


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
