"""A product's text, and how it is cut into overlapping chunks for embedding.

The text covers exactly the content fields the content hash covers, so "hash changed"
and "text to embed changed" always mean the same thing.
"""

from collections.abc import Iterable

from products_and_services.models import Product


def _words(text: str) -> list[str]:
    return text.split()


def _label_list(values: Iterable[str]) -> str:
    return ", ".join(v.strip() for v in values if str(v).strip())


def product_text(product: Product) -> str:
    """Name, short description, description, categories and tags, one part per line."""
    parts = [
        product.name.strip(),
        product.short_description.strip(),
        product.description.strip(),
    ]
    categories = _label_list(product.categories or [])
    tags = _label_list(product.tags or [])
    if categories:
        parts.append(f"Categories: {categories}")
    if tags:
        parts.append(f"Tags: {tags}")
    return "\n".join(p for p in parts if p)


def split_into_chunks(text: str, *, size: int, overlap: int) -> list[str]:
    """Windows of `size` words, each starting `size - overlap` words after the previous one.

    Whitespace is normalised to single spaces; the last window ends at the last word (no
    window is only overlap). Empty text gives no chunks.
    """
    if size < 1:
        raise ValueError("Chunk size must be at least one word.")
    if not 0 <= overlap < size:
        raise ValueError("Overlap must be at least 0 and smaller than the chunk size.")
    words = _words(text)
    step = size - overlap
    chunks: list[str] = []
    start = 0
    while start < len(words):
        chunks.append(" ".join(words[start : start + size]))
        if start + size >= len(words):
            break
        start += step
    return chunks
