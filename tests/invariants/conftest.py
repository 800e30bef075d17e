"""Invariant tests run on a catalog whose images live in Commerce Manager."""

import pytest


@pytest.fixture(autouse=True)
def catalog_images_live_elsewhere(images_managed_in_commerce_manager: None) -> None:
    """The invariants are about identity and outages, not the image rule (tests/conftest.py)."""
