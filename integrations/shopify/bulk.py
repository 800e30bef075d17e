"""Rebuild products from a Shopify bulk export, whatever the order of its JSONL rows.

A bulk export writes each connection node as its own line; a variant line carries
`__parentId`. Grouped exports put children right after their parent, but ungrouped ones
(the default from API 2026-01, and what we ask for because it is faster and fails less) put
lines in any order, so a variant can come before or long after its product.

Why a temporary SQLite file: one pass over the download spills every row to disk with an
index on the parent id, then products are read back in file order with their children joined
by id. Memory stays bounded by one page of products whatever the catalog size, and the
download is read once. (Holding a parent → children map in memory grows with the catalog;
re-reading the file for each page of parents multiplies the I/O by the number of pages.)
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

Pair = tuple[dict[str, Any], list[dict[str, Any]]]


class BulkJoin:
    """Spill bulk rows to a temporary SQLite file, then read products with their children."""

    def __init__(self, directory: str | None = None) -> None:
        handle, self.path = tempfile.mkstemp(
            prefix="shopify-bulk-", suffix=".sqlite3", dir=directory
        )
        os.close(handle)
        self.db = sqlite3.connect(self.path)
        self.db.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
            "CREATE TABLE parents (seq INTEGER PRIMARY KEY, id TEXT, row TEXT);"
            "CREATE TABLE children (seq INTEGER PRIMARY KEY, parent TEXT, row TEXT);"
        )
        self.parents = 0
        self.children = 0

    def add_lines(self, lines: Iterable[bytes]) -> None:
        """Store the export's lines as they came: each is parsed once, for its ids only, and
        kept as text, so a row is decoded twice in all and never encoded again."""
        self._add((json.loads(line), line.decode()) for line in lines)

    def add_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        """Store rows that are already parsed (tests and callers holding dicts)."""
        self._add((row, json.dumps(row)) for row in rows)

    def _add(self, items: Iterable[tuple[dict[str, Any], str]]) -> None:
        """Children are kept apart from top-level objects."""
        parents: list[tuple[str, str]] = []
        children: list[tuple[str, str]] = []
        for row, text in items:
            parent = row.get("__parentId")
            if parent is None:
                parents.append((str(row.get("id", "")), text))
            else:
                children.append((str(parent), text))
            if len(parents) + len(children) >= 5000:
                self._flush(parents, children)
                parents, children = [], []
        self._flush(parents, children)
        self.db.execute("CREATE INDEX children_by_parent ON children (parent, seq)")

    def _flush(self, parents: list[tuple[str, str]], children: list[tuple[str, str]]) -> None:
        self.db.executemany("INSERT INTO parents (id, row) VALUES (?, ?)", parents)
        self.db.executemany("INSERT INTO children (parent, row) VALUES (?, ?)", children)
        self.parents += len(parents)
        self.children += len(children)

    def orphans(self) -> int:
        """Children whose parent is not in the file (a partial export)."""
        query = "SELECT COUNT(*) FROM children WHERE parent NOT IN (SELECT id FROM parents)"
        return int(self.db.execute(query).fetchone()[0])

    def pages(self, size: int, after: int = 0) -> Iterator[list[Pair]]:
        """Products in file order, `size` at a time, each with its children in file order,
        skipping the first `after` products (stored by an earlier chunk)."""
        last = after
        while True:
            batch = self.db.execute(
                "SELECT seq, id, row FROM parents WHERE seq > ? ORDER BY seq LIMIT ?", (last, size)
            ).fetchall()
            if not batch:
                return
            last = batch[-1][0]
            ids = [row_id for _, row_id, _ in batch]
            marks = ",".join("?" * len(ids))
            found: dict[str, list[dict[str, Any]]] = {row_id: [] for row_id in ids}
            for parent, row in self.db.execute(
                f"SELECT parent, row FROM children WHERE parent IN ({marks}) ORDER BY seq", ids
            ):
                found[parent].append(json.loads(row))
            yield [(json.loads(row), found[row_id]) for _, row_id, row in batch]

    def close(self) -> None:
        self.db.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def __enter__(self) -> BulkJoin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
