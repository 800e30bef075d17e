"""One identity per item: a retailer id (a product's or a variant's SKU) belongs to one item.

Meta knows items only by retailer id, so two items holding one id would overwrite each other
in the catalog. `CatalogIdentity` rows, unique per tenant, are the guarantee; `sync_identities`
keeps them in step with the SKUs inside every catalog write's transaction, and `find_clashes`
lets writers refuse a clash with a readable message before they write.

A variant may repeat its product's SKU only when it is the product's single variant: it is
then the product's own item (WooCommerce models a simple product that way), not a second one.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from common.bulk import insert_missing
from common.instances import Builder
from products_and_services.models import CatalogIdentity, IdentityClash, Product, ProductVariant

new_identity = Builder(CatalogIdentity)


@dataclass(frozen=True)
class Claim:
    """An item that wants a retailer id. `variant_key` tells variants of one product apart."""

    retailer_id: str
    product_id: int | None
    variant_key: object = None
    owner: str = ""  # how to name the claimant in a message, e.g. "record 42"

    @property
    def is_variant(self) -> bool:
        return self.variant_key is not None


@dataclass(frozen=True)
class Clash:
    claim: Claim
    holder: str

    @property
    def message(self) -> str:
        return f"SKU '{self.claim.retailer_id}' is already used by {self.holder}."


class IdentityTaken(ValueError):
    """A write would give a retailer id to a second item; nothing of the write is kept."""

    def __init__(self, clash: Clash) -> None:
        super().__init__(clash.message)
        self.clash = clash
        self.field = "variants" if clash.claim.is_variant else "sku"


def item_claims(
    *,
    product_id: int | None,
    sku: str,
    variants: Sequence[tuple[object, str]],
    owner: str = "",
) -> list[Claim]:
    """The ids one product and its variants want; `variants` holds (key, sku) pairs."""
    sku = sku.strip()
    claims = [Claim(sku, product_id, None, owner)] if sku else []
    for key, variant_sku in variants:
        variant_sku = (variant_sku or "").strip()
        if not variant_sku or (variant_sku == sku and len(variants) == 1):
            continue  # no id of its own, or the product's default variant
        claims.append(Claim(variant_sku, product_id, key, owner))
    return claims


def describe(identity: CatalogIdentity) -> str:
    product = identity.product
    label = f"product #{product.pk} '{product.name}'"
    if identity.variant_id is None:
        return label
    return f"a variant of {label}"


def holders(*, tenant_id: int, retailer_ids: Iterable[str]) -> dict[str, CatalogIdentity]:
    """Who holds each of these ids now (one query)."""
    return {
        identity.retailer_id: identity
        for identity in CatalogIdentity.objects.filter(
            tenant_id=tenant_id, retailer_id__any=set(retailer_ids)
        ).select_related("product")
    }


def find_clashes(
    *,
    tenant_id: int,
    claims: Iterable[Claim],
    held: dict[str, CatalogIdentity] | None = None,
    first: dict[str, Claim] | None = None,
) -> list[Clash]:
    """Claims that another item already holds, or that this set of claims makes twice.

    Bulk writers pass `held` (loaded once per page) and one `first` dict for the whole page,
    so a record is checked against the others of its page too (`first` is not changed here;
    `claim_all` reserves a record's ids once it passed).
    """
    claims = list(claims)
    if held is None:
        held = holders(tenant_id=tenant_id, retailer_ids=(c.retailer_id for c in claims))
    first = dict(first or {})
    clashes: list[Clash] = []
    for claim in claims:
        identity = held.get(claim.retailer_id)
        if identity is not None and identity.product_id != claim.product_id:
            clashes.append(Clash(claim, describe(identity)))
            continue
        earlier = first.setdefault(claim.retailer_id, claim)
        if earlier is not claim:
            clashes.append(Clash(claim, _sibling(earlier)))
    return clashes


def claim_all(first: dict[str, Claim], claims: Iterable[Claim]) -> None:
    """Reserve these ids for the rest of a page (after its record passed the check)."""
    for claim in claims:
        first.setdefault(claim.retailer_id, claim)


def _sibling(claim: Claim) -> str:
    if claim.owner:
        return claim.owner
    if claim.is_variant:
        return "another variant of this product"
    return "the product itself"


def stored_claims(product_ids: Iterable[int]) -> list[Claim]:
    """What these stored products and their variants want, read from the database."""
    ids = list(product_ids)
    variants: dict[int, list[tuple[object, str]]] = {}
    for pk, product_id, sku in (
        ProductVariant.objects.filter(product_id__any=ids)
        .order_by("position", "pk")
        .values_list("pk", "product_id", "sku")
    ):
        variants.setdefault(product_id, []).append((pk, sku))
    claims: list[Claim] = []
    for pk, sku in Product.objects.filter(pk__any=ids).values_list("pk", "sku"):
        claims.extend(item_claims(product_id=pk, sku=sku, variants=variants.get(pk, [])))
    return claims


@dataclass(frozen=True)
class KnownClaims:
    """What a bulk writer knows of the products it just wrote, so nothing is read back.

    `claims`: every id these products and their variants want, as stored now (variant keys
    are the variants' primary keys). `created`: the products this transaction inserted.
    `held`: who held the claimed ids when the writer checked them, in this transaction; a
    holder that committed since is caught by the insert's unique constraint.
    """

    claims: list[Claim]
    created: frozenset[int]
    held: dict[str, CatalogIdentity]


def sync_identities(
    *,
    tenant_id: int,
    product_ids: Iterable[int],
    strict: bool,
    known: KnownClaims | None = None,
) -> list[Clash]:
    """Make the identity rows of these products match their SKUs, in the caller's transaction.

    A new clash raises `IdentityTaken` when `strict` (API, admin: the whole write is refused);
    otherwise (pulls, webhooks, which check records first) it is listed as an `IdentityClash`
    and the item is held back from Meta. A clash listed before stays listed, never raises, so
    old data never blocks an unrelated edit. A bulk writer that knows what it wrote passes
    `known`, which saves the queries that would read it back.
    """
    ids = set(product_ids)
    if not ids:
        return []
    claims = known.claims if known is not None else stored_claims(ids)
    # Products this transaction created have no identity or clash rows yet.
    old = ids - known.created if known is not None else ids
    wanted = {_key(c) for c in claims}
    have: set[tuple[str, int | None, object]] = set()
    stale: list[int] = []
    existing = (
        CatalogIdentity.objects.filter(tenant_id=tenant_id, product_id__any=old).values_list(
            "pk", "retailer_id", "product_id", "variant_id"
        )
        if old
        else []
    )
    for pk, *fields in existing:
        key = tuple(fields)
        if key in wanted:
            have.add(key)
        else:
            stale.append(pk)
    if stale:
        CatalogIdentity.objects.filter(pk__in=stale).delete()
    new = [c for c in claims if _key(c) not in have]
    held = known.held if known is not None else None
    clashes = find_clashes(tenant_id=tenant_id, claims=new, held=held) if new else []
    listed = (
        {
            (row.retailer_id, row.product_id, row.variant_id): row
            for row in IdentityClash.objects.filter(tenant_id=tenant_id, product_id__in=old)
        }
        if old
        else {}
    )
    if strict:
        fresh = [clash for clash in clashes if _key(clash.claim) not in listed]
        if fresh:
            raise IdentityTaken(fresh[0])
    clashing = {_key(clash.claim) for clash in clashes}
    rows = [
        new_identity(
            tenant_id=tenant_id,
            retailer_id=c.retailer_id,
            product_id=c.product_id,
            variant_id=c.variant_key,
        )
        for c in new
        if _key(c) not in clashing
    ]
    if rows:
        clashes += _insert(tenant_id, rows, strict=strict)
    _list_clashes(tenant_id, listed, clashes)
    return clashes


def _insert(tenant_id: int, rows: list[CatalogIdentity], *, strict: bool) -> list[Clash]:
    """Insert; the unique constraint decides a race with another transaction."""
    if strict:
        try:
            with transaction.atomic():
                CatalogIdentity.objects.bulk_create(rows)
        except IntegrityError:
            claim = Claim(rows[0].retailer_id, rows[0].product_id, rows[0].variant_id)
            raise IdentityTaken(Clash(claim, "another item, saved at the same moment")) from None
        return []
    inserted = insert_missing(CatalogIdentity, rows, ("retailer_id", "product_id", "variant_id"))
    mine = {(row.retailer_id, row.product_id, row.variant_id) for row in rows}
    wanted: dict[str, list[CatalogIdentity]] = {}
    for row in rows:
        wanted.setdefault(row.retailer_id, []).append(row)
    if inserted is not None:  # the rows the constraint refused are the ones not returned
        lost_ids = set(wanted) - {retailer_id for retailer_id, *_ in inserted}
        if not lost_ids:
            return []
        losers = CatalogIdentity.objects.filter(tenant_id=tenant_id, retailer_id__in=lost_ids)
    else:
        # Narrow first: a page of thousands of new ids usually lost none, and full rows with
        # their products would cost more than the insert.
        held = CatalogIdentity.objects.filter(
            tenant_id=tenant_id, retailer_id__in=list(wanted)
        ).values_list("pk", "retailer_id", "product_id", "variant_id")
        lost = [pk for pk, *key in held if tuple(key) not in mine]
        if not lost:
            return []
        losers = CatalogIdentity.objects.filter(pk__in=lost)
    return [
        Clash(Claim(row.retailer_id, row.product_id, row.variant_id), describe(holder))
        for holder in losers.select_related("product")
        if (holder.retailer_id, holder.product_id, holder.variant_id) not in mine
        for row in wanted[holder.retailer_id]
    ]


def _list_clashes(
    tenant_id: int,
    listed: dict[tuple[str, int | None, object], IdentityClash],
    clashes: list[Clash],
) -> None:
    """The clash list of the products written is exactly what this write found."""
    found = {_key(clash.claim): clash for clash in clashes}
    gone = [row.pk for key, row in listed.items() if key not in found]
    if gone:
        IdentityClash.objects.filter(pk__in=gone).delete()
    IdentityClash.objects.bulk_create(
        IdentityClash(
            tenant_id=tenant_id,
            retailer_id=clash.claim.retailer_id,
            product_id=clash.claim.product_id,
            variant_id=clash.claim.variant_key,
            held_by=clash.holder[:600],
        )
        for key, clash in found.items()
        if key not in listed
    )


def _key(claim: Claim) -> tuple[str, int | None, object]:
    return (claim.retailer_id, claim.product_id, claim.variant_key)
