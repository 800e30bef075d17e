"""A product's text and the word-window chunker: exact output."""

from collections.abc import Callable

import pytest

from knowledge.chunking import product_text, split_into_chunks
from products_and_services.models import Product
from tenants.models import Tenant


def words(n: int, start: int = 1) -> str:
    return " ".join(f"w{i}" for i in range(start, start + n))


@pytest.mark.django_db
def test_product_text_covers_the_content_fields_in_order(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    product = make_product(
        tenant,
        name=" Trail Tent ",
        short_description="Light  two-person tent",
        description="Waterproof fly.\nAluminium poles.",
        categories=["Tents", "Camping"],
        tags=["waterproof", " "],
        brand="Not content",
    )
    assert product_text(product) == (
        "Trail Tent\nLight  two-person tent\nWaterproof fly.\nAluminium poles.\n"
        "Categories: Tents, Camping\nTags: waterproof"
    )


@pytest.mark.django_db
def test_product_text_skips_empty_parts(
    tenant: Tenant, make_product: Callable[..., Product]
) -> None:
    assert product_text(make_product(tenant, name="Mug")) == "Mug"


def test_windows_overlap_and_end_at_the_last_word() -> None:
    assert split_into_chunks(words(10), size=4, overlap=1) == [
        "w1 w2 w3 w4",
        "w4 w5 w6 w7",
        "w7 w8 w9 w10",
    ]
    assert split_into_chunks(words(7), size=4, overlap=1) == ["w1 w2 w3 w4", "w4 w5 w6 w7"]
    assert split_into_chunks(words(8), size=4, overlap=1) == [
        "w1 w2 w3 w4",
        "w4 w5 w6 w7",
        "w7 w8",
    ]


def test_short_and_empty_texts() -> None:
    assert split_into_chunks("  one\n two\tthree ", size=300, overlap=40) == ["one two three"]
    assert split_into_chunks("", size=300, overlap=40) == []
    assert split_into_chunks(" \n ", size=300, overlap=40) == []


def test_default_sizes_give_a_few_hundred_words_with_overlap() -> None:
    chunks = split_into_chunks(words(700), size=300, overlap=40)
    assert [len(c.split()) for c in chunks] == [300, 300, 180]
    assert [c.split()[0] for c in chunks] == ["w1", "w261", "w521"]
    assert chunks[0].split()[-40:] == chunks[1].split()[:40]


@pytest.mark.parametrize(("size", "overlap"), [(0, 0), (4, 4), (4, -1)])
def test_bad_sizes_are_refused(size: int, overlap: int) -> None:
    with pytest.raises(ValueError):
        split_into_chunks("a b c", size=size, overlap=overlap)
