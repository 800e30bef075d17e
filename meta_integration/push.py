"""The flush: claim due products and tombstones, send them in batches, record each outcome.

Claiming sets a lease (next attempt = now + `lease()`) under `SKIP LOCKED`, so two
workers never send the same row and no transaction stays open during HTTP. A row
edited while its push is in flight gets a fresh pending mark, which the result
writes leave alone (they only touch rows still holding this lease).
"""

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from common.bulk import update_rows
from common.instances import Loader
from meta_integration.alerts import alert_failed_for_good
from meta_integration.backoff import next_attempt_after
from meta_integration.client import (
    MAX_BATCH_BYTES,
    MAX_BATCH_REQUESTS,
    MetaError,
    MetaGraphClient,
    MetaThrottled,
    MetaTokenInvalid,
    MetaTransient,
    encode_json,
)
from meta_integration.mapping import (
    CatalogItem,
    HeldBack,
    ImageFacts,
    MappingContext,
    ProductFacts,
    VariantFacts,
    build_items,
    payload_hash,
)
from meta_integration.models import (
    MetaAppConfig,
    MetaConfigStatus,
    MetaDeletion,
    MetaParkedRound,
    MetaPushDay,
)
from products_and_services.models import (
    CatalogIdentity,
    IdentityClash,
    Product,
    ProductImage,
    ProductVariant,
)

logger = logging.getLogger(__name__)


def lease() -> timedelta:
    """How long a claim lasts unless renewed (META_CLAIM_LEASE_SECONDS, default 120 s).

    The worker renews it every third of that while it works, so a batch whose worker died is
    claimed again within one lease, not after the broker's visibility timeout.
    """
    return timedelta(seconds=settings.META_CLAIM_LEASE_SECONDS)


MAX_ROUNDS = 50
# Waits between status polls: short at first (a small batch is often done at once), then
# doubling to 5 s, so a batch that takes a minute costs about 17 polls.
STATUS_POLL_DELAYS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 5.0)
STATUS_TIMEOUT_SECONDS = 300.0
OUTAGE_PAUSE_MIN = timedelta(seconds=30)
OUTAGE_PAUSE_MAX = timedelta(minutes=15)
ERROR_LIMIT = 2000


@dataclass
class FlushReport:
    """What one flush did, for logs, the admin and benchmarks."""

    tenant_id: str
    skipped: str = ""
    succeeded: int = 0
    failed: int = 0
    unchanged: int = 0
    released: int = 0
    held: int = 0
    gave_up: int = 0
    deletions_done: int = 0
    deletions_failed: int = 0
    batch_calls: int = 0
    status_calls: int = 0
    parked: int = 0  # calls Meta was still processing, left to a delayed re-check
    more: bool = False  # the slice's time ran out with work possibly still due


@dataclass
class ProductPlan:
    product: Product
    items: list[CatalogItem]
    deletes: set[str]
    hash: str
    held_reason: str = ""
    kept: set[str] = field(default_factory=set)  # ids Meta holds that are not ours to delete
    sending: bool | None = None  # decided when the claim was planned (see `write_ahead`)

    @property
    def desired_ids(self) -> set[str]:
        return {item.retailer_id for item in self.items}

    @property
    def retailer_ids(self) -> set[str]:
        return self.desired_ids | self.deletes


@dataclass
class Claim:
    lease: datetime
    product_ids: list[int] = field(default_factory=list)
    # The claimed products with the columns the push reads (`PUSH_FIELDS`), loaded by the
    # claim's own SELECT.
    products: list[Product] = field(default_factory=list)
    deletion_ids: list[int] = field(default_factory=list)
    renewed_at: datetime | None = None
    # Planned inside the claim's transaction when the claim was given a mapping context.
    plans: list["ProductPlan"] | None = None

    @property
    def empty(self) -> bool:
        return not self.product_ids and not self.deletion_ids

    def renew(self, *, force: bool = False) -> None:
        """Extend the lease of the rows still held (an edited row has left the claim)."""
        now = timezone.now()
        if not force and self.renewed_at is not None and now - self.renewed_at < lease() / 3:
            return
        until = now + lease()
        Product.objects.filter(pk__any=self.product_ids, meta_sync_next_attempt=self.lease).update(
            meta_sync_next_attempt=until
        )
        MetaDeletion.objects.filter(pk__any=self.deletion_ids, next_attempt=self.lease).update(
            next_attempt=until
        )
        self.lease, self.renewed_at = until, now


@dataclass
class SendOutcome:
    """Per retailer id: a failure message, or 'not sent' because the whole queue stopped (or
    its status could not be read: what Meta may hold was written ahead, see `claim_due`)."""

    failed: dict[str, str] = field(default_factory=dict)
    unsent: set[str] = field(default_factory=set)


def active_config(tenant_id: object) -> MetaAppConfig | None:
    """The tenant's active config, with `has_parked`: whether a slow batch of it is parked
    (`meta_integration.parking`), read in the same query."""
    return (
        MetaAppConfig.objects.select_related("tenant")
        .annotate(
            has_parked=Exists(MetaParkedRound.objects.filter(tenant_id=OuterRef("tenant_id")))
        )
        .filter(tenant_id=tenant_id, is_active=True)
        .first()
    )


def client_for(config: MetaAppConfig) -> MetaGraphClient:
    return MetaGraphClient(
        base_url=settings.META_GRAPH_API_URL,
        api_version=config.api_version,
        access_token=config.access_token,
    )


def mapping_context(config: MetaAppConfig) -> MappingContext:
    return MappingContext(
        default_currency=config.currency,
        default_link=config.default_product_url,
        brand_fallback=config.tenant.name,
        include_images=config.include_images,
        media_base_url=settings.PUBLIC_MEDIA_BASE_URL,
        currency_mapping=config.currency_mapping or {},
    )


@dataclass
class Children:
    """A product's variants, images and identity clashes, loaded for a whole claim at once."""

    variants: list[ProductVariant] = field(default_factory=list)
    images: list[ImageFacts] = field(default_factory=list)
    clashes: list[IdentityClash] = field(default_factory=list)


NO_CHILDREN = Children()  # shared by every product without any; never written to


def load_children(product_ids: list[int]) -> dict[int, Children]:
    """Three queries for the claim, grouped by product in each model's own order (the payload
    hash depends on the variants' order), without Django's per-object prefetch managers."""
    children: dict[int, Children] = defaultdict(Children)
    for variant in ProductVariant.objects.filter(product_id__any=product_ids):
        children[variant.product_id].variants.append(variant)
    images = ProductImage.objects.filter(product_id__any=product_ids).values_list(
        "product_id", "url", "image"
    )
    for product_id, url, file_name in images:  # only what the mapping reads: no model objects
        children[product_id].images.append(ImageFacts(url=url, file_name=file_name or ""))
    for clash in IdentityClash.objects.filter(product_id__any=product_ids):
        children[clash.product_id].clashes.append(clash)
    return children


def _children_of(product: Product) -> Children:
    return Children(
        variants=list(product.variants.all()),
        images=[ImageFacts(url=i.url, file_name=i.image.name or "") for i in product.images.all()],
        clashes=list(product.identity_clashes.all()),
    )


def product_facts(
    product: Product, children: Children | None = None
) -> tuple[ProductFacts, list[VariantFacts], list[ImageFacts]]:
    children = children or _children_of(product)
    facts = ProductFacts(
        sku=product.sku,
        name=product.name,
        description=product.description,
        short_description=product.short_description,
        brand=product.brand,
        price=product.price,
        sale_price=product.sale_price,
        sale_starts_at=product.sale_starts_at,
        sale_ends_at=product.sale_ends_at,
        currency=product.currency,
        stock_quantity=product.stock_quantity,
        is_active=product.is_active,
        website_url=product.website_url,
    )
    variants = [
        VariantFacts(
            sku=v.sku,
            name=v.name,
            price=v.price,
            sale_price=v.sale_price,
            sale_starts_at=v.sale_starts_at,
            sale_ends_at=v.sale_ends_at,
            stock_quantity=v.stock_quantity,
            options=v.options or {},
            is_active=v.is_active,
        )
        for v in children.variants
    ]
    return facts, variants, children.images


def clash_reason(clashes: list[IdentityClash]) -> str:
    if not clashes:
        return ""
    ids = ", ".join(f"'{c.retailer_id}' (also on {c.held_by})" for c in clashes)
    return f"Held back: SKU {ids}. Give one of them another SKU."


def plan_for(
    product: Product, context: MappingContext, children: Children | None = None
) -> ProductPlan:
    children = children or _children_of(product)
    try:
        reason = clash_reason(children.clashes)
        if reason:
            raise HeldBack(reason)
        items = build_items(*product_facts(product, children), context)
    except HeldBack as held:
        # What Meta holds for it goes, as for an inactive product: an item that cannot be
        # pushed as it stands must not stay on sale at its old values. An id another item
        # holds (a clash) is that item's, and is never deleted on this one's account.
        clashing = {c.retailer_id for c in children.clashes}
        pushed = set(product.meta_pushed_ids or [])
        return ProductPlan(
            product=product,
            items=[],
            deletes=pushed - clashing,
            hash="",
            held_reason=held.reason,
            kept=pushed & clashing,
        )
    desired = {item.retailer_id for item in items}
    return ProductPlan(
        product=product,
        items=items,
        deletes=set(product.meta_pushed_ids or []) - desired,
        hash=payload_hash(items),
    )


def needs_sending(plan: ProductPlan) -> bool:
    if plan.held_reason:
        return bool(plan.deletes)
    if not plan.items and not plan.deletes:
        return False  # nothing Meta holds or should hold (no SKU, inactive, never pushed)
    already = set(plan.product.meta_pushed_ids or [])
    return (
        bool(plan.deletes)
        or plan.hash != plan.product.meta_payload_hash
        or already != plan.desired_ids
    )


# --- claiming ---------------------------------------------------------------------------


# The product columns a push reads: the mapping's facts and the push state. A whole row would
# also bring timestamps, JSON and text the push never reads, which cost a third of a claim.
PUSH_FIELDS = (
    "tenant_id",
    *(facts_field.name for facts_field in fields(ProductFacts)),
    "meta_pushed_ids",
    "meta_payload_hash",
    "meta_sync_attempts",
)
# The claim's rows as products with just those columns (the others deferred), built without
# the model's constructor where that is the same (see `common.instances`).
load_pushed = Loader(Product, PUSH_FIELDS)


def _claim_rows(
    queryset: QuerySet[Any], time_field: str, now: datetime, lease: datetime, limit: int
) -> list[Any]:
    """Lock up to `limit` due rows (skipping rows another worker holds) and lease them."""
    rows = list(
        queryset.select_for_update(skip_locked=True)
        .filter(**{f"{time_field}__lte": now})
        .order_by(time_field, "pk")[:limit]
    )
    if rows:
        ids = [row.pk for row in rows]
        queryset.model.objects.filter(pk__any=ids).update(**{time_field: lease})
        for row in rows:
            setattr(row, time_field, lease)
    return rows


def claim_due(tenant_id: object, limit: int, context: MappingContext | None = None) -> Claim:
    """Claim and load in one SELECT: the products come back with the columns the push reads.

    With a mapping context the claim is planned inside its own transaction, and the UPDATE that
    sets the lease also writes ahead the ids its plans will send for the first time (a new
    product, a changed SKU): they join what Meta may hold before any call goes out, so a
    worker killed after Meta took a call, or a status that could not be read, never leaves an
    item in Meta that a later removal would not delete. No row is written twice for it.
    """
    now = timezone.now()
    claim = Claim(lease=now + lease(), renewed_at=now)
    with transaction.atomic():
        due = (
            Product.objects.filter(tenant_id=tenant_id, meta_sync_next_attempt__lte=now)
            .select_for_update(skip_locked=True)
            .order_by("meta_sync_next_attempt", "pk")
        )
        products = load_pushed(due.db, due.values_list(*load_pushed.columns)[:limit])
        ahead = False
        if context is not None and products:
            children = load_children([product.pk for product in products])
            claim.plans = [
                plan_for(product, context, children.get(product.pk, NO_CHILDREN))
                for product in products
            ]
            ahead = write_ahead(claim.plans)
        for product in products:
            product.meta_sync_next_attempt = claim.lease
        if ahead:
            update_rows(Product, products, ["meta_sync_next_attempt", "meta_pushed_ids"])
        elif products:
            Product.objects.filter(pk__any=[p.pk for p in products]).update(
                meta_sync_next_attempt=claim.lease
            )
        deletions = _claim_rows(
            MetaDeletion.objects.filter(tenant_id=tenant_id).only("pk"),
            "next_attempt",
            now,
            claim.lease,
            limit,
        )
    claim.products = products
    claim.product_ids = [product.pk for product in products]
    claim.deletion_ids = [deletion.pk for deletion in deletions]
    return claim


def write_ahead(plans: list[ProductPlan]) -> bool:
    """Mark each plan that will send ids not on record yet (`sending`), and add those ids to
    its product's `meta_pushed_ids` in memory (the caller writes them); True if any grew."""
    grew = False
    for plan in plans:
        plan.sending = needs_sending(plan)
        held = set(plan.product.meta_pushed_ids or [])
        if plan.sending and not plan.desired_ids <= held:
            plan.product.meta_pushed_ids = sorted(held | plan.desired_ids)
            grew = True
    return grew


# --- sending ------------------------------------------------------------------------------


def build_requests(
    plans: Iterable[ProductPlan], tombstones: Iterable[MetaDeletion]
) -> list[dict[str, Any]]:
    """DELETEs first, so an id freed by one product and taken by another ends up present."""
    updates = [{"method": "UPDATE", "data": item.data} for plan in plans for item in plan.items]
    wanted = {request["data"]["id"] for request in updates}
    delete_ids = {rid for plan in plans for rid in plan.deletes} | {
        t.retailer_id for t in tombstones
    }
    deletes = [{"method": "DELETE", "data": {"id": rid}} for rid in sorted(delete_ids - wanted)]
    return deletes + updates


class StillProcessing(Exception):
    """Meta has not finished a batch within the worker's short wait (`inline_seconds`)."""

    def __init__(self, polls: int):
        super().__init__(f"still processing after {polls} polls")
        self.polls = polls


def poll_delay(polls: int) -> float:
    """The wait after the `polls`-th status poll of one batch."""
    return STATUS_POLL_DELAYS[min(max(polls - 1, 0), len(STATUS_POLL_DELAYS) - 1)]


def wait_for_batch(
    client: MetaGraphClient,
    catalog_id: str,
    handle: str,
    report: FlushReport,
    renew: Callable[[], None],
    sleep: Callable[[float], None] = time.sleep,
    inline_seconds: float | None = None,
) -> dict[str, str]:
    """Poll until the batch is done; return {retailer_id: error} for items Meta refused.

    With `inline_seconds`, a batch still processing after that long raises `StillProcessing`,
    and the caller parks it for a delayed task instead of holding the worker. Otherwise a
    batch Meta has not finished in time is an outage, not the items' fault: it raises
    `MetaTransient`, and its items are sent again later without spending an attempt.
    """
    waited = 0.0
    for polls in range(1, 10_000):
        status = client.batch_status(catalog_id, handle)
        report.status_calls += 1
        if status.done:
            failed = {e.retailer_id: e.message for e in status.errors}
            for rid in status.invalid_ids:
                failed.setdefault(rid, "Rejected by Meta (invalid request).")
            if status.status != "finished":
                failed["*"] = f"Meta batch ended with status '{status.status}'."
            return failed
        delay = poll_delay(polls)
        if inline_seconds is not None and waited + delay > inline_seconds:
            raise StillProcessing(polls)
        if waited + delay > STATUS_TIMEOUT_SECONDS:
            break
        sleep(delay)
        waited += delay
        renew()
    raise MetaTransient(
        f"Meta batch {handle} did not finish within {int(STATUS_TIMEOUT_SECONDS)} s."
    )


# Room for the body's other fields and the array's brackets.
_BODY_OVERHEAD = 1024


def _encoded_size(request: dict[str, Any]) -> int:
    return len(encode_json(request)) + 1  # + the comma between requests


def chunk_requests(
    requests_: list[dict[str, Any]], max_items: int, max_bytes: int = MAX_BATCH_BYTES
) -> list[list[dict[str, Any]]]:
    """Split into calls Meta accepts: at most `max_items` (capped at Meta's 5,000) requests and
    an encoded body under `max_bytes`, in order (DELETEs stay ahead of the UPDATEs after them)."""
    limit = min(max(1, max_items), MAX_BATCH_REQUESTS)
    budget = max_bytes - _BODY_OVERHEAD
    if len(requests_) <= limit and len(encode_json(requests_)) <= budget:
        return [requests_] if requests_ else []  # the usual case: one encoding, not one each
    chunks: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    size = 0
    for request in requests_:
        encoded = _encoded_size(request)
        if current and (len(current) >= limit or size + encoded > budget):
            chunks.append(current)
            current, size = [], 0
        current.append(request)
        size += encoded
    if current:
        chunks.append(current)
    return chunks


@dataclass
class Round:
    """One claim on its way to Meta: its plans and requests, and Meta's answers so far."""

    claim: Claim
    plans: list[ProductPlan]
    tombstones: list[MetaDeletion]
    requests_: list[dict[str, Any]]
    outcome: SendOutcome = field(default_factory=SendOutcome)
    open_calls: int = 0  # calls Meta took whose status is not in yet
    all_sent: bool = False
    recorded: bool = False

    def __post_init__(self) -> None:
        self.ids = {request["data"]["id"] for request in self.requests_}


@dataclass
class Call:
    """An items_batch call Meta took, its status not polled yet (`handles`: those not done)."""

    round: Round
    ids: list[str]
    handles: list[str]
    failed: dict[str, str]
    polls: int = 0  # status polls of its first handle so far


def settle_call(call: Call, failed: dict[str, str]) -> None:
    """Meta's answers for a whole call go to its round ("*": every id of the call failed)."""
    whole = failed.pop("*", None)
    if whole:
        failed.update({rid: whole for rid in call.ids if rid not in failed})
    call.round.outcome.failed.update(failed)
    call.round.open_calls -= 1


def release_call(call: Call) -> None:
    """Nobody could read the call's outcome: its ids go out again later, at no attempt's cost
    (what Meta may hold of them was written ahead, see `claim_due`)."""
    call.round.outcome.unsent.update(call.ids)
    call.round.open_calls -= 1


def poll_call(
    client: MetaGraphClient,
    catalog_id: str,
    call: Call,
    report: FlushReport,
    renew: Callable[[], None],
    inline_seconds: float,
) -> MetaError | None:
    """Poll each of the call's handles to its end and settle the call into its round; returns
    the error that stops the queue (throttled, unreachable, token rejected), if any.

    Raises `StillProcessing` when a handle is not done after `inline_seconds`; the call keeps
    the handles still to poll and the failures so far, for a later poll to go on from.
    """
    try:
        while call.handles:
            call.failed.update(
                wait_for_batch(
                    client,
                    catalog_id,
                    call.handles[0],
                    report,
                    renew,
                    inline_seconds=inline_seconds,
                )
            )
            call.handles.pop(0)
    except (MetaThrottled, MetaTokenInvalid, MetaTransient) as exc:
        release_call(call)
        return exc
    except MetaError as exc:
        settle_call(call, {"*": exc.message})
        return None
    settle_call(call, call.failed)
    return None


class Sender:
    """Sends a flush's calls in order, polling each call's status only once the next call has
    gone out or the next claim has been planned: Meta works on one batch while we prepare the
    next, instead of each waiting for the other.

    At most one call is in flight while another is sent, and the two never share a retailer
    id: Meta may apply them in either order, so a DELETE and an UPDATE of one id must not race.
    A round holding an id of the call in flight waits for that call first. A round's results
    are recorded once all its calls are done, and the flush finishes its last call before it
    returns, so its leases cover everything it sent. Only Meta's refusal of a request costs
    attempts; when Meta throttles, is unreachable or refuses the token, the calls not yet sent
    go back unsent and no further call is made.
    """

    def __init__(self, config: MetaAppConfig, client: MetaGraphClient, report: FlushReport):
        self.config, self.client, self.report = config, client, report
        self.in_flight: Call | None = None
        self.current: Round | None = None
        self.halted = False  # Meta said stop (throttled, unreachable, token rejected)
        self.parked: list[Call] = []  # still processing after the short wait
        self.repushed = 0  # rows made due again by recording (owners of deleted ids)

    def send(self, round_: Round) -> None:
        self.current = round_
        if self.in_flight is not None and self.in_flight.round.ids & round_.ids:
            self.finish()
        chunks = chunk_requests(round_.requests_, settings.META_BATCH_SIZE)
        for index, chunk in enumerate(chunks):
            if self.stopped:
                round_.outcome.unsent.update(_ids_of(chunks[index:]))
                break
            ids = _ids_of([chunk])
            if self.in_flight is not None and not set(self.in_flight.ids).isdisjoint(ids):
                self.finish()  # a round repeating an id (it should not): still never two at once
            self.renew()
            try:
                self.report.batch_calls += 1
                submission = self.client.items_batch(self.config.catalog_id, chunk)
            except (MetaThrottled, MetaTokenInvalid, MetaTransient) as exc:
                self._stop(exc)
                round_.outcome.unsent.update(_ids_of(chunks[index:]))
                break
            except MetaError as exc:
                mark_reachable(self.config)
                round_.outcome.failed.update(dict.fromkeys(ids, exc.message))
                continue
            mark_reachable(self.config)
            failed = {e.retailer_id: e.message for e in submission.errors}
            if not submission.handles:
                failed.setdefault("*", "Meta accepted nothing from this batch (no handle).")
            round_.open_calls += 1
            self.finish()  # the call before this one, while Meta works on this one
            self.in_flight = Call(round_, ids, list(submission.handles), failed)
        round_.all_sent = True
        self.current = None
        self._record_if_done(round_)

    @property
    def stopped(self) -> bool:
        """No further call goes out: Meta said stop, or it is slow and a batch was parked."""
        return self.halted or bool(self.parked)

    def finish(self) -> None:
        """Poll the call in flight to its end, or park it if Meta is slow; record its round if
        that was the round's last call."""
        call, self.in_flight = self.in_flight, None
        if call is None:
            return
        try:
            stop = poll_call(
                self.client,
                self.config.catalog_id,
                call,
                self.report,
                self.renew,
                settings.META_STATUS_INLINE_SECONDS,
            )
        except StillProcessing as still:
            call.polls = still.polls
            self.parked.append(call)
            self.report.parked += 1
            return
        if stop is not None:
            self._stop(stop)
        self._record_if_done(call.round)

    def park(self) -> None:
        """Leave each round with a call still processing to a delayed re-check (after `finish`)."""
        from meta_integration.parking import park_round

        rounds: dict[int, list[Call]] = defaultdict(list)
        for call in self.parked:
            rounds[id(call.round)].append(call)
        for calls in rounds.values():
            park_round(self.config, calls[0].round, calls)

    def renew(self) -> None:
        """Keep the leases of every round still open: the one in flight and the one sending."""
        for round_ in (self.in_flight.round if self.in_flight else None, self.current):
            if round_ is not None:
                round_.claim.renew()

    def _stop(self, exc: MetaError) -> None:
        if not self.halted:
            handle_queue_stop(self.config, exc)
        self.halted = True

    def _record_if_done(self, round_: Round) -> None:
        if round_.recorded or not round_.all_sent or round_.open_calls:
            return
        round_.recorded = True
        # The round being sent was planned before this one's results: its UPDATEs go out
        # after this round's DELETEs are done, so their owners need no second push.
        later = self.current.requests_ if self.current and self.current is not round_ else []
        self.repushed += record_round(self.config, round_, self.report, later)


def _ids_of(chunks: Iterable[list[dict[str, Any]]]) -> list[str]:
    return [request["data"]["id"] for chunk in chunks for request in chunk]


def outage_pause(unreachable_since: datetime, now: datetime) -> timedelta:
    """How long the queue waits before trying an unreachable Meta again: half the outage so
    far, between 30 seconds and 15 minutes, so short blips heal fast and long outages cost
    few calls."""
    return min(OUTAGE_PAUSE_MAX, max(OUTAGE_PAUSE_MIN, (now - unreachable_since) / 2))


def handle_queue_stop(config: MetaAppConfig, exc: MetaError) -> None:
    """Throttling and outages pause the tenant's queue; a rejected token stops it until an
    admin acts. None of them costs a product an attempt."""
    now = timezone.now()
    if isinstance(exc, MetaThrottled):
        until = now + timedelta(seconds=exc.retry_after)
        MetaAppConfig.objects.filter(pk=config.pk).update(paused_until=until)
        logger.warning(
            "Meta throttled catalog %s (code %s); paused until %s",
            config.catalog_id,
            exc.code,
            until,
        )
    elif isinstance(exc, MetaTransient):
        since = config.unreachable_since or now
        until = now + outage_pause(since, now)
        MetaAppConfig.objects.filter(pk=config.pk).update(
            paused_until=until, unreachable_since=since, outage_message=exc.message[:ERROR_LIMIT]
        )
        config.unreachable_since = since
        logger.warning(
            "Meta unreachable for catalog %s since %s (%s); paused until %s",
            config.catalog_id,
            since,
            exc.message,
            until,
        )
    else:
        MetaAppConfig.objects.filter(pk=config.pk).update(
            status=MetaConfigStatus.INVALID_TOKEN,
            status_message=exc.message[:ERROR_LIMIT],
            status_changed_at=now,
        )
        logger.error(
            "Meta rejected the access token of catalog %s: %s", config.catalog_id, exc.message
        )


def mark_reachable(config: MetaAppConfig) -> None:
    """Meta answered: an outage, if there was one, is over."""
    if config.unreachable_since is not None:
        MetaAppConfig.objects.filter(pk=config.pk).update(unreachable_since=None, outage_message="")
        config.unreachable_since = None


# --- recording ----------------------------------------------------------------------------


def _product_error(plan: ProductPlan, failed: dict[str, str]) -> str:
    errors = [f"{rid}: {failed[rid]}" for rid in sorted(plan.retailer_ids) if rid in failed]
    return "; ".join(errors)[:ERROR_LIMIT]


def held_ids(plan: ProductPlan, outcome: SendOutcome, current: Iterable[str]) -> list[str]:
    """Every id Meta may hold now: what it may have held before, plus what we just sent,
    minus only the DELETEs Meta confirmed. The set never shrinks on a guess."""
    confirmed_deletes = {
        rid for rid in plan.deletes if rid not in outcome.failed and rid not in outcome.unsent
    }
    return sorted((set(current) | plan.desired_ids) - confirmed_deletes)


# Written on every product sent; on success; on the rows still in the claim.
SENT_FIELDS = ("meta_pushed_ids", "meta_sync_last_attempt")
SUCCESS_FIELDS = (
    "meta_sync_last_success",
    "meta_payload_hash",
    "meta_retailer_id",
    "whatsapp_catalog_id",
)
STATE_FIELDS = ("meta_sync_attempts", "meta_sync_last_error", "meta_sync_next_attempt")


def record_products(
    plans: list[ProductPlan],
    outcome: SendOutcome,
    claim: Claim,
    report: FlushReport,
    catalog_id: str,
) -> None:
    """Write what Meta holds for every product sent, and the attempt state of the rows still
    in this claim (a row edited meanwhile has a fresh pending mark that must survive)."""
    now = timezone.now()
    sent = [plan for plan in plans if not plan.retailer_ids & outcome.unsent]
    released = [plan.product.pk for plan in plans if plan.retailer_ids & outcome.unsent]
    with transaction.atomic():
        current = {
            pk: (pushed, next_attempt)
            for pk, pushed, next_attempt in Product.objects.select_for_update()
            .filter(pk__any=(plan.product.pk for plan in sent))
            .values_list("pk", "meta_pushed_ids", "meta_sync_next_attempt")
        }
        holders: list[Product] = []
        failures: list[Product] = []
        failed: list[Product] = []
        still_to_delete: list[int] = []
        # One UPDATE per set of fields written, so each product row is written once.
        writes: dict[tuple[str, ...], list[Product]] = defaultdict(list)
        for plan in sent:
            product = plan.product
            if product.pk not in current:
                continue  # deleted meanwhile: its tombstones cover what Meta holds
            pushed, next_attempt = current[product.pk]
            still_claimed = next_attempt == claim.lease
            error = _product_error(plan, outcome.failed)
            product.meta_pushed_ids = held_ids(plan, outcome, pushed or [])
            product.meta_sync_last_attempt = now
            # Ids a concurrent push of an older version sent: Meta holds them, this plan did
            # not know of them, so the product stays due until they are deleted too.
            leftover = set(product.meta_pushed_ids) - plan.desired_ids - plan.kept
            if not error:
                product.meta_sync_last_success = now
                product.meta_payload_hash = plan.hash
                product.meta_retailer_id = product.sku if plan.items else ""
                product.whatsapp_catalog_id = catalog_id if plan.items else ""
                holders.append(product)
                if still_claimed:
                    product.meta_sync_attempts = 0
                    product.meta_sync_last_error = plan.held_reason[:ERROR_LIMIT]
                    product.meta_sync_next_attempt = now if leftover else None
                    writes[SENT_FIELDS + SUCCESS_FIELDS + STATE_FIELDS].append(product)
                else:
                    writes[SENT_FIELDS + SUCCESS_FIELDS].append(product)
                    if leftover:
                        still_to_delete.append(product.pk)
                continue
            failures.append(product)
            if still_claimed:
                product.meta_sync_attempts += 1
                product.meta_sync_last_error = error
                product.meta_sync_next_attempt = next_attempt_after(product.meta_sync_attempts, now)
                failed.append(product)
                writes[SENT_FIELDS + STATE_FIELDS].append(product)
            else:
                writes[SENT_FIELDS].append(product)
        for fields, products in writes.items():
            update_rows(Product, products, fields)
        Product.objects.filter(pk__any=released, meta_sync_next_attempt=claim.lease).update(
            meta_sync_next_attempt=now
        )
        Product.objects.filter(pk__any=still_to_delete, meta_sync_next_attempt__isnull=True).update(
            meta_sync_next_attempt=now
        )
        if holders:
            count_pushed(
                tenant_id=holders[0].tenant_id, day=timezone.localdate(now), products=len(holders)
            )
    report.succeeded += len(holders)
    report.failed += len(failures)
    report.released += len(released)
    gave_up = [p for p in failed if p.meta_sync_next_attempt is None]
    report.gave_up += len(gave_up)
    if gave_up:
        tenant_name = str(gave_up[0].tenant.name) if gave_up[0].tenant_id else ""
        transaction.on_commit(
            lambda: alert_failed_for_good(tenant_name=tenant_name, products=gave_up)
        )


def count_pushed(*, tenant_id: object, day: date, products: int) -> None:
    """Add a batch's accepted products to the tenant's row for that day: one upsert, so two
    workers recording at once both count, and the cost does not grow with the batch."""
    meta = MetaPushDay._meta
    table = connection.ops.quote_name(meta.db_table)
    values = [
        meta.get_field("tenant").get_db_prep_value(tenant_id, connection),
        meta.get_field("day").get_db_prep_value(day, connection),
        products,
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (tenant_id, day, products) VALUES (%s, %s, %s) "
            f"ON CONFLICT (tenant_id, day) DO UPDATE SET products = {table}.products + "
            "excluded.products",
            values,
        )


def record_held(plans: list[ProductPlan], claim: Claim, report: FlushReport) -> None:
    """Held back (see `mapping.HeldBack`): nothing sent, no attempt spent, the reason shown.

    One UPDATE per distinct reason, not per product: a catalog without images holds back
    thousands of products for the same reason.
    """
    by_reason: dict[str, list[int]] = defaultdict(list)
    for plan in plans:
        by_reason[plan.held_reason[:ERROR_LIMIT]].append(plan.product.pk)
    for reason, ids in by_reason.items():
        Product.objects.filter(pk__any=ids, meta_sync_next_attempt=claim.lease).update(
            meta_sync_next_attempt=None, meta_sync_last_error=reason
        )
    report.held += len(plans)


def record_unchanged(plans: list[ProductPlan], claim: Claim, report: FlushReport) -> None:
    """Nothing to send (same payload as last time, or nothing Meta should hold)."""
    ids = [plan.product.pk for plan in plans]
    Product.objects.filter(pk__any=ids, meta_sync_next_attempt=claim.lease).update(
        meta_sync_next_attempt=None, meta_sync_last_error=""
    )
    report.unchanged += len(ids)


def record_tombstones(
    tombstones: list[MetaDeletion], outcome: SendOutcome, claim: Claim, report: FlushReport
) -> None:
    if not tombstones:
        return
    now = timezone.now()
    with transaction.atomic():
        for tombstone in tombstones:
            rid = tombstone.retailer_id
            if rid in outcome.unsent:
                MetaDeletion.objects.filter(pk=tombstone.pk, next_attempt=claim.lease).update(
                    next_attempt=now
                )
            elif rid in outcome.failed:
                attempts = tombstone.attempts + 1
                MetaDeletion.objects.filter(pk=tombstone.pk).update(
                    attempts=attempts,
                    last_error=outcome.failed[rid][:ERROR_LIMIT],
                    next_attempt=next_attempt_after(attempts, now),
                )
                report.deletions_failed += 1
            else:
                tombstone.delete()
                report.deletions_done += 1


# --- the flush ---------------------------------------------------------------------------


def flush_tenant(
    tenant_id: object,
    *,
    budget_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> FlushReport:
    """Push everything due for one tenant, batch by batch, until none is due or Meta says stop.

    With a budget the flush is a slice: after the batch that spends it, it stops and says
    `more`, so the task queues the tenant's next slice behind other tenants' work.
    """
    deadline = clock() + budget_seconds if budget_seconds is not None else None
    report = FlushReport(tenant_id=str(tenant_id))
    config = active_config(tenant_id)
    if config is None:
        report.skipped = "no active Meta config"
        return report
    if config.has_parked:  # type: ignore[attr-defined]
        # Its rows hold their lease and a delayed task settles it, then queues the next flush;
        # sending more meanwhile would pile batches onto a Meta that is already slow.
        report.skipped = "waiting for Meta to finish a batch (a delayed task checks it)"
        return report
    client = client_for(config)
    context = mapping_context(config)
    sender = Sender(config, client, report)
    for _ in range(MAX_ROUNDS):
        config.refresh_from_db(fields=["status", "paused_until", "is_active", "unreachable_since"])
        if not config.can_push:
            report.skipped = "the Meta config is inactive or its token was rejected"
            break
        if config.paused_until and config.paused_until > timezone.now():
            reason = "Meta unreachable" if config.unreachable_since else "throttled by Meta"
            report.skipped = f"{reason}; paused until {config.paused_until.isoformat()}"
            break
        claim = claim_due(tenant_id, settings.META_BATCH_SIZE, context)
        if claim.empty and sender.in_flight is not None:
            # Recording the call in flight may make rows due again (owners of deleted ids).
            repushed = sender.repushed
            sender.finish()
            if sender.repushed > repushed:
                claim = claim_due(tenant_id, settings.META_BATCH_SIZE, context)
        if claim.empty:
            break
        sender.send(prepare_round(context, claim, report))
        if sender.stopped:
            break
        if deadline is not None and clock() >= deadline:
            report.more = True
            break
    sender.finish()
    sender.park()
    return report


def prepare_round(context: MappingContext, claim: Claim, report: FlushReport) -> Round:
    """Plan a claim (unless its claim did): record what needs no call (held back, unchanged),
    build the requests."""
    plans = claim.plans
    if plans is None:
        children = load_children(claim.product_ids)
        plans = [
            plan_for(product, context, children.get(product.pk, NO_CHILDREN))
            for product in claim.products
        ]
    for plan in plans:
        if plan.sending is None:
            plan.sending = needs_sending(plan)
    to_send = [plan for plan in plans if plan.sending]
    record_held([p for p in plans if p.held_reason and not p.sending], claim, report)
    record_unchanged([p for p in plans if not p.held_reason and not p.sending], claim, report)
    tombstones = list(MetaDeletion.objects.filter(pk__any=claim.deletion_ids))
    return Round(claim, to_send, tombstones, build_requests(to_send, tombstones))


def record_round(
    config: MetaAppConfig,
    round_: Round,
    report: FlushReport,
    later: list[dict[str, Any]] | None = None,
) -> int:
    """Meta's answers for a whole round: products, tombstones, owners of deleted ids (how
    many of those were made due again is returned). `later`: requests still to be sent."""
    claim, outcome = round_.claim, round_.outcome
    record_products(round_.plans, outcome, claim, report, config.catalog_id)
    record_tombstones(round_.tombstones, outcome, claim, report)
    updated_later = {r["data"]["id"] for r in later or [] if r["method"] == "UPDATE"}
    return repush_owners_of_deleted_ids(config.tenant_id, round_.requests_, outcome, updated_later)


def repush_owners_of_deleted_ids(
    tenant_id: object,
    requests_: list[dict[str, Any]],
    outcome: SendOutcome,
    updated_later: set[str] | None = None,
) -> int:
    """An id deleted in Meta may belong to another item by now (a deleted product's SKU taken
    by a new one, pushed in an earlier batch). Its holder is pushed again, so a DELETE never
    removes an item that should stay. Ids updated in this batch were sent after the DELETE,
    and so are `updated_later` (the next round's UPDATEs, not sent yet)."""
    deleted = {r["data"]["id"] for r in requests_ if r["method"] == "DELETE"}
    updated = {r["data"]["id"] for r in requests_ if r["method"] == "UPDATE"}
    confirmed = deleted - updated - (updated_later or set()) - set(outcome.failed) - outcome.unsent
    if not confirmed:
        return 0
    holders = CatalogIdentity.objects.filter(
        tenant_id=tenant_id, retailer_id__in=confirmed
    ).values_list("product_id", flat=True)
    return Product.objects.filter(pk__in=list(holders)).update(
        meta_payload_hash="", meta_sync_next_attempt=timezone.now()
    )
