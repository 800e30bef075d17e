"""The error answers every operation can give, written into the OpenAPI schema.

drf-spectacular documents the success answer of each view; the framework's own refusals
(bad input, missing credentials or scope, an unknown id or page, an unsupported body) were
missing, so clients and schemathesis met 400s and 404s the schema never mentioned. This
hook adds each one where it can happen, with the error body's shape, and leaves answers a
view documents itself untouched.
"""

from typing import Any

ERROR_SCHEMA: dict[str, Any] = {
    "description": (
        'An error: `{"detail": "..."}`, field errors (`{"price": ["..."]}`), or a list of messages.'
    ),
    "oneOf": [
        {"type": "object", "additionalProperties": True},
        {"type": "array", "items": {"type": "string"}},
    ],
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}

WHY = {
    "400": "The input is invalid; the body says which field and why.",
    "401": "Missing or wrong credentials.",
    "403": "The credentials lack the scope this operation needs.",
    "404": "No such object in your tenant (or no such page).",
    "413": "The request body is larger than the limit.",
    "415": "The body's content type is not supported; send JSON.",
}


def _codes(path: str, operation: dict[str, Any]) -> list[str]:
    parameters = operation.get("parameters", [])
    query = [p for p in parameters if p.get("in") == "query"]
    has_body = "requestBody" in operation
    codes = []
    if has_body or query:
        codes.append("400")
    if operation.get("security") != [] and operation.get("security") != [{}]:
        codes += ["401", "403"]
    if "{" in path or any(p.get("name") == "page" for p in query):
        codes.append("404")
    if has_body:
        codes += ["413", "415"]
    return codes


def _resolve(schemas: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref", "")
    return schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else schema


def _body_is_required(schemas: dict[str, Any], body: dict[str, Any]) -> bool:
    """A body of one of several shapes, each with required fields, cannot be left out.

    drf-spectacular marks a body required only for a plain serializer with required fields,
    so the plugin webhook's (one event, or a batch) looked optional, and an empty request,
    which the view rightly refuses, looked valid.
    """
    media = body.get("content", {}).get("application/json", {})
    options = _resolve(schemas, media.get("schema", {})).get("oneOf", [])
    return bool(options) and all(_resolve(schemas, option).get("required") for option in options)


# Django's form fields and DRF's text fields refuse the NUL character (400); say so for the
# free-text query parameters (filters, `search`). `ordering` ignores what it does not know.
NO_NUL = r"^[^\x00]*$"


def _state_no_nul(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if (
            parameter.get("in") == "query"
            and parameter.get("name") != "ordering"
            and schema.get("type") == "string"
            and not {"pattern", "enum", "format"} & schema.keys()
        ):
            schema["pattern"] = NO_NUL


def document_error_responses(
    result: dict[str, Any], generator: Any, request: Any, public: bool
) -> dict[str, Any]:
    """drf-spectacular postprocessing hook (SPECTACULAR_SETTINGS)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            _state_no_nul(operation)
            body = operation.get("requestBody")
            if body and not body.get("required") and _body_is_required(schemas, body):
                body["required"] = True
            responses = operation["responses"]
            for code, answer in responses.items():
                # An error a view documents in words only gets the error body's shape too.
                if code.startswith("4") and not answer.get("content"):
                    answer["content"] = {"application/json": {"schema": ERROR_REF}}
            for code in _codes(path, operation):
                responses.setdefault(
                    code,
                    {
                        "description": WHY[code],
                        "content": {"application/json": {"schema": ERROR_REF}},
                    },
                )
    return result
