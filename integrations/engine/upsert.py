"""The page upsert: map, hash, load existing rows once, bulk-write only what changed.

Every provider's pages and every webhook event go through `upsert_page`, so SKU
adoption, stale-event protection, hashing, the Meta-pending mark and knowledge re-indexing
apply everywhere.
The number of queries per page does not depend on the page size.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from common.bulk import insert_rows, update_rows
from common.instances import Builder
from integrations.engine.records import ProductRecord, VariantRecord, record_hash
from products_and_services.currencies import is_currency_code
from products_and_services.identity import (
    CatalogIdentity,
    Claim,
    KnownClaims,
    claim_all,
    find_clashes,
    holders,
    item_claims,
)
from products_and_services.models import (
    CATALOG_FIELDS,
    ExternalSource,
    Product,
    ProductImage,
    ProductVariant,
)
from products_and_services.rules import normalize_upstream
from products_and_services.services import catalog_written
from products_and_services.text_encoding import check_text
from tenants.models import Tenant

PRODUCT_FIELDS = CATALOG_FIELDS
UPDATE_FIELDS = (
    *PRODUCT_FIELDS,
    "external_source",
    "external_id",
    "external_connection",
    "external_hash",
    "external_updated_at",
    "content_hash",
    "text_encoding",
    "text_encoding_fields",
    "updated_at",
)
VARIANT_FIELDS = (
    "sku",
    "name",
    "price",
    "sale_price",
    "sale_starts_at",
    "sale_ends_at",
    "stock_quantity",
    "options",
    "is_active",
    "position",
)
# A page builds up to 200 products, their variants and images; Builder skips most of the
# constructor's work (see `common.instances`).
new_product = Builder(Product)
new_variant = Builder(ProductVariant)
new_image = Builder(ProductImage)
MAX_SKU = 100
MAX_NAME = 500


@dataclass
class PageResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    changed_ids: list[int] = field(default_factory=list)
    failed_refs: list[str] = field(default_factory=list)

    def fail(self, record: ProductRecord, message: str) -> None:
        self.failed += 1
        self.failed_refs.append(record.external_id)
        self.errors.append(f"{record.external_id}: {message}")


def record_problem(record: ProductRecord) -> str | None:
    """Why a record cannot be stored, in words a merchant can act on."""
    if not record.external_id:
        return "missing external id"
    if not record.name.strip():
        return "missing name"
    if len(record.sku) > MAX_SKU:
        return f"SKU longer than {MAX_SKU} characters"
    if not isinstance(record.price, Decimal) or record.price < 0:
        return f"invalid price {record.price!r}"
    if record.sale_price is not None and record.sale_price < 0:
        return f"invalid sale price {record.sale_price!r}"
    if record.currency and not is_currency_code(record.currency):
        return f"currency {record.currency!r} is not a currency code"
    return None


def _field_values(record: ProductRecord, default_currency: str) -> dict[str, Any]:
    return {
        "name": record.name.strip()[:MAX_NAME],
        "sku": record.sku.strip(),
        "description": record.description,
        "short_description": record.short_description,
        "brand": record.brand[:200],
        "product_type": record.product_type[:200],
        "price": record.price,
        "sale_price": record.sale_price,
        "sale_starts_at": record.sale_starts_at,
        "sale_ends_at": record.sale_ends_at,
        "currency": record.currency or default_currency,
        "stock_quantity": record.stock_quantity,
        "is_active": record.is_active,
        "website_url": record.website_url[:1000],
        "categories": list(record.categories),
        "tags": list(record.tags),
    }


class Stored(NamedTuple):
    """What deciding "unchanged?" needs of a stored product, read without building the model.

    No timestamp: a column of them cost more to parse than the rest of the page's lookup (the
    driver reads each in Python). Whether a changed record is older than the stored product
    (a late event) is decided on the full row, which a changed record loads anyway."""

    pk: int
    external_source: str
    external_connection: str
    external_id: str
    external_hash: str
    sku: str


@dataclass
class _Lookup:
    """Existing rows for a page: by external id, manual products by SKU (for adoption), and
    who holds each retailer id the page wants (products and variants alike)."""

    by_ref: dict[str, Stored]
    sku_owner: dict[str, Stored]
    wanted: set[str]
    tenant_id: int
    _held: dict[str, CatalogIdentity] | None = None

    @property
    def held(self) -> dict[str, CatalogIdentity]:
        """Loaded on first need: a page of unchanged records costs no query for it."""
        if self._held is None:
            self._held = holders(tenant_id=self.tenant_id, retailer_ids=self.wanted)
        return self._held


def _load(
    tenant: Tenant, source: str, connection_key: str, records: Sequence[ProductRecord]
) -> _Lookup:
    """An item's key is (tenant, source, connection, external id): another store's row with
    the same upstream id is a different item. Only the columns that decide whether a record
    changed are read; full rows are loaded later, for the records that did."""
    refs = [r.external_id for r in records]
    skus = [r.sku.strip() for r in records if r.sku.strip()]
    # Two arms, each spelling out its unique index's condition (external id / SKU not empty):
    # PostgreSQL proves a partial index usable from a list of 100 values at most, and with
    # an OR of both it scanned the tenant's whole catalog for each page.
    mine = (
        Product.objects.filter(
            tenant=tenant,
            external_source=source,
            external_connection=connection_key,
            external_id__any=refs,
        )
        .exclude(external_id="")
        .order_by()
        .values_list(*Stored._fields)
    )
    if skus:
        # Only a manual product is adopted by SKU; other owners are found by `held` if needed.
        by_sku = (
            Product.objects.filter(
                tenant=tenant, sku__any=skus, external_source=ExternalSource.MANUAL
            )
            .exclude(sku="")
            .order_by()
            .values_list(*Stored._fields)
        )
        mine = mine.union(by_sku, all=True)
    rows = [Stored(*row) for row in mine]
    wanted = set(refs)
    by_ref = {
        p.external_id: p
        for p in rows
        if p.external_source == source
        and p.external_connection == connection_key
        and p.external_id in wanted
    }
    sku_owner = {p.sku: p for p in rows if p.sku}
    wanted = {*skus, *(v.sku.strip() for r in records for v in r.variants if v.sku.strip())}
    return _Lookup(by_ref=by_ref, sku_owner=sku_owner, wanted=wanted, tenant_id=tenant.pk)


def _record_claims(record: ProductRecord, product: Product | None) -> list[Claim]:
    return item_claims(
        product_id=getattr(product, "pk", None),
        sku=record.sku,
        variants=[(v.external_id, v.sku) for v in record.variants],
        owner=f"record {record.external_id} of this run",
    )


def upsert_page(
    *,
    tenant: Tenant,
    source: str,
    connection_key: str,
    records: Sequence[ProductRecord],
    default_currency: str = "USD",
    savepoint: bool = True,
) -> PageResult:
    """Store one page of upstream records in one transaction; returns the counts.

    Inside a caller's transaction the page is a savepoint, so a caller that catches an
    IntegrityError (a webhook that lost a race) can go on; the engine, whose page transaction
    ends with any error, passes `savepoint=False` and saves two round trips a page.
    """
    result = PageResult()
    now = timezone.now()
    with transaction.atomic(savepoint=savepoint):
        lookup = _load(tenant, source, connection_key, records)
        changing: list[tuple[ProductRecord, str, Stored | None]] = []
        seen_refs: set[str] = set()
        for record in records:
            problem = record_problem(record)
            if problem is None and record.external_id in seen_refs:
                problem = "appears twice in the same page"
            if problem:
                result.fail(record, problem)
                continue
            seen_refs.add(record.external_id)
            digest = record_hash(record)
            stored = lookup.by_ref.get(record.external_id)
            sku = record.sku.strip()
            if stored is None and sku:
                owner = lookup.sku_owner.get(sku)
                if owner is not None and owner.external_source == ExternalSource.MANUAL:
                    stored = owner  # adopt the merchant's manual product instead of duplicating it
            if stored is not None and _is_unchanged(stored, digest, connection_key):
                result.unchanged += 1
                continue
            changing.append((record, digest, stored))
        full = _full_rows([s.pk for _, _, s in changing if s is not None])
        to_create: list[tuple[Product, ProductRecord]] = []
        to_update: list[tuple[Product, ProductRecord]] = []
        page_claims: dict[str, Claim] = {}
        for record, digest, stored in changing:
            product = full[stored.pk] if stored is not None else None
            if product is not None and _is_late(product, record):
                result.unchanged += 1
                continue
            claims = _record_claims(record, product)
            clashes = find_clashes(
                tenant_id=tenant.pk, claims=claims, held=lookup.held, first=page_claims
            )
            if clashes:
                result.fail(record, clashes[0].message)
                continue
            claim_all(page_claims, claims)
            normalized = normalize_upstream(_field_values(record, default_currency))
            result.warnings.extend(f"{record.external_id}: {w}" for w in normalized.warnings)
            text = check_text(normalized.values, repair=tenant.repair_double_encoded_text)
            values = {**text.values, **text.tracking()}
            if product is None:
                # Born due for a Meta push, so the outbox need not UPDATE every new row again
                # (`CatalogChange.born_due_ids`); no flush can hold a row not yet inserted.
                product = new_product(
                    tenant=tenant, meta_sync_next_attempt=now, meta_sync_attempts=0, **values
                )
                to_create.append((product, record))
            else:
                for name, value in values.items():
                    setattr(product, name, value)
                to_update.append((product, record))
            product.external_source = source
            product.external_id = record.external_id
            product.external_connection = connection_key
            product.external_hash = digest
            product.external_updated_at = record.external_updated_at
            product.updated_at = now
            product.refresh_content_hash()
        if to_create:
            insert_rows(Product, [p for p, _ in to_create])
        if to_update:
            update_rows(Product, [p for p, _ in to_update], UPDATE_FIELDS)
        changed = to_create + to_update
        if changed:
            warnings, variants = _sync_variants(changed)
            result.warnings.extend(warnings)
            _sync_images(changed)
            result.changed_ids = [p.pk for p, _ in changed]
            known = KnownClaims(
                claims=[
                    claim
                    for product, _ in changed
                    for claim in item_claims(
                        product_id=product.pk,
                        sku=product.sku,
                        variants=[(v.pk, v.sku) for v in variants.get(product.pk, [])],
                    )
                ],
                created=frozenset(p.pk for p, _ in to_create),
                held=lookup.held,
            )
            catalog_written(
                tenant_id=tenant.pk,
                product_ids=result.changed_ids,
                strict=False,
                known=known,
                born_due=known.created,
            )
        result.created, result.updated = len(to_create), len(to_update)
    return result


def _is_unchanged(product: Stored, digest: str, connection_key: str) -> bool:
    """The same record from the same connection (a manual product being adopted never is)."""
    return (
        product.external_source != ExternalSource.MANUAL
        and product.external_hash == digest
        and product.external_connection == connection_key
    )


def _is_late(product: Product, record: ProductRecord) -> bool:
    """Older than what we hold: a replayed or late event, which changes nothing."""
    return (
        product.external_source != ExternalSource.MANUAL
        and record.external_updated_at is not None
        and product.external_updated_at is not None
        and record.external_updated_at < product.external_updated_at
    )


def _variant_values(variant: VariantRecord, position: int) -> dict[str, Any]:
    return {
        "sku": variant.sku.strip()[:MAX_SKU],
        "name": variant.name[:MAX_NAME],
        "price": variant.price,
        "sale_price": variant.sale_price,
        "sale_starts_at": variant.sale_starts_at,
        "sale_ends_at": variant.sale_ends_at,
        "stock_quantity": variant.stock_quantity,
        "options": dict(variant.options),
        "is_active": variant.is_active,
        "position": position,
    }


def _full_rows(ids: list[int]) -> dict[int, Product]:
    """The changed products' full rows, each told whether it has variants or URL images
    stored, so a record without children costs no child query when none are stored."""
    if not ids:
        return {}
    return Product.objects.annotate(
        has_variants=Exists(ProductVariant.objects.filter(product=OuterRef("pk"))),
        has_url_images=Exists(ProductImage.objects.filter(product=OuterRef("pk")).exclude(url="")),
    ).in_bulk(ids)


def _stored(product: Product, flag: str) -> bool:
    """Whether a product may hold children of this kind (a product just created holds none)."""
    return bool(getattr(product, flag, False))


def _sync_variants(
    changed: list[tuple[Product, ProductRecord]],
) -> tuple[list[str], dict[int, list[ProductVariant]]]:
    """Match variants by external id: update, create, and delete the ones gone upstream.

    Returns the rule warnings (see `rules.normalize_upstream`) for the run's log, and each
    product's variants as now stored, in position order.
    """
    warnings: list[str] = []
    todo = [(p, r) for p, r in changed if r.variants or _stored(p, "has_variants")]
    ids = [p.pk for p, _ in todo if _stored(p, "has_variants")]
    existing: dict[tuple[int, str], ProductVariant] = (
        {
            (v.product_id, v.external_id): v
            for v in ProductVariant.objects.filter(product_id__in=ids)
        }
        if ids
        else {}
    )
    keep: set[int] = set()
    to_create: list[ProductVariant] = []
    to_update: list[ProductVariant] = []
    now: dict[int, list[ProductVariant]] = {}
    for product, record in todo:
        rows = now.setdefault(product.pk, [])
        for position, variant in enumerate(record.variants):
            normalized = normalize_upstream(
                _variant_values(variant, position), label=f"variant {variant.external_id}"
            )
            warnings.extend(f"{record.external_id}: {w}" for w in normalized.warnings)
            values = normalized.values
            row = existing.get((product.pk, variant.external_id))
            if row is None:
                row = new_variant(product=product, external_id=variant.external_id, **values)
                to_create.append(row)
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                to_update.append(row)
                keep.add(row.pk)
            rows.append(row)
    stale = [v.pk for v in existing.values() if v.pk not in keep]
    if stale:
        # A raw delete: these rows have no dependants, and per-row delete signals would
        # cost a query each (the parent is already marked Meta-pending by this page).
        stale_rows = ProductVariant.objects.filter(pk__in=stale)
        stale_rows._raw_delete(stale_rows.db)
    if to_update:
        update_rows(ProductVariant, to_update, VARIANT_FIELDS)
    if to_create:
        insert_rows(ProductVariant, to_create)
    return warnings, now


def _sync_images(changed: list[tuple[Product, ProductRecord]]) -> None:
    """Upstream images are URLs; replace the URL images, keep files staff uploaded."""
    ids = [p.pk for p, _ in changed if _stored(p, "has_url_images")]
    if ids:
        old = ProductImage.objects.filter(product_id__in=ids).exclude(url="")
        old._raw_delete(old.db)  # no dependants; skips per-row signals (see _sync_variants)
    new = [
        new_image(product=product, url=url[:1000], position=position)
        for product, record in changed
        for position, url in enumerate(record.images)
        if url
    ]
    if new:
        insert_rows(ProductImage, new)
