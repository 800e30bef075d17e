"""JSON made storable in PostgreSQL's jsonb, which refuses the NUL character (\\u0000).

A webhook body may carry NUL in fields we ignore (our own text fields refuse it); storing it
as it came raised a DataError, a 500. Such characters are dropped from strings and keys.
"""

from typing import Any


def storable_json(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {storable_json(key): storable_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable_json(item) for item in value]
    return value
