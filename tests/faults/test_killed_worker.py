"""Issue 12, finding 6: a batch claimed by a worker killed with SIGKILL is claimed again after
one lease (renewed while a worker is alive), not after the broker's visibility timeout.

A real worker process pushes through a slow Meta simulator; it is killed mid-batch; another
flush takes the rows over once the lease has run out, and every product reaches Meta.
The lease is shortened to 6 s here (META_CLAIM_LEASE_SECONDS) so the test is quick; production
uses 120 s.
"""

import os
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from meta_integration.models import MetaAppConfig
from meta_integration.push import flush_tenant
from products_and_services.models import Product
from products_and_services.services import create_product
from simulators.base import SimulatorServer
from simulators.meta import MetaSimulator
from tenants.models import Tenant
from tests.e2e.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 6


def worker_env(meta_url: str) -> dict[str, str]:
    env = dict(os.environ)
    database = connection.settings_dict
    env.update(
        {
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                f"{database['NAME']}"
            )
            if connection.vendor == "postgresql"
            else f"sqlite:///{database['NAME']}",
            "META_GRAPH_API_URL": meta_url,
            "META_CLAIM_LEASE_SECONDS": str(LEASE_SECONDS),
        }
    )
    return env


@pytest.mark.django_db(transaction=True)
def test_a_batch_held_by_a_killed_worker_is_pushed_after_one_lease(
    tenant: Tenant, settings: Any, tmp_path: Path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("a worker process shares the database only on PostgreSQL")
    sim = MetaSimulator()
    sim.knobs.update(batch_calls_per_minute=0, polls_until_finished=0, latency_ms=4000)
    with SimulatorServer(sim) as server:
        settings.META_GRAPH_API_URL = server.url
        settings.META_CLAIM_LEASE_SECONDS = LEASE_SECONDS
        MetaAppConfig.objects.create(
            tenant=tenant,
            access_token="kill-token",
            catalog_id="kill-catalog",
            default_product_url="https://shop.example.com/",
            currency="USD",
            include_images=False,
        )
        log = (tmp_path / "worker.log").open("w")
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-Q",
                "meta_push",
                "--pool",
                "solo",
                "-l",
                "info",
                "-n",
                f"doomed-{os.getpid()}@%h",
            ],
            cwd=ROOT,
            env=worker_env(server.url),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            for i in range(30):
                create_product(
                    tenant=tenant, fields={"name": f"P{i}", "sku": f"K-{i}", "price": Decimal("3")}
                )
            # The worker has claimed the rows and is waiting on Meta's slow answer.
            wait_until(
                lambda: (
                    Product.objects.filter(meta_sync_next_attempt__gt=timezone.now()).count() == 30
                ),
                timeout=60,
            )
            os.kill(worker.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            worker.wait(timeout=30)
        finally:
            if worker.poll() is None:
                worker.kill()
            log.close()
        assert Product.objects.filter(meta_sync_last_success__isnull=False).count() == 0
        sim.knobs["latency_ms"] = 0
        assert flush_tenant(tenant.pk).succeeded == 0  # still leased to the dead worker

        def reclaimed() -> bool:
            flush_tenant(tenant.pk)
            return not Product.objects.filter(meta_sync_next_attempt__isnull=False).exists()

        wait_until(reclaimed, timeout=LEASE_SECONDS * 10, interval=1.0)
        reclaim_seconds = time.monotonic() - killed_at
        print(f"reclaimed {reclaim_seconds:.1f} s after SIGKILL (lease {LEASE_SECONDS} s)")
        assert sorted(sim.items("kill-catalog")) == sorted(f"K-{i}" for i in range(30))
