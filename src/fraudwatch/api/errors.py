"""Error responses: 422 messages naming the field in the ingest's words; 503 for a lost warehouse.

A 422 keeps FastAPI's shape (`detail`: a list of `loc`, `msg`, `type`) so generated clients still
parse it, rewrites each `msg` into one readable phrase, adds `field` (the path in the body, e.g.
`transactions[2].transaction_amount`) and a top-level `message` joining them:
`"transaction_amount: must be a finite number"`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError

from fraudwatch.ingest.parse import TIMESTAMP_HINT

log = logging.getLogger(__name__)

# Where a parameter came from, and the union tags of the score body: not part of a field's name.
_HIDDEN_LOC = {"body", "query", "path", "header", "single", "batch"}

_FIXED_MESSAGES = {
    "missing": "is required",
    "finite_number": "must be a finite number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "date_from_datetime_parsing": "is not a date (use YYYY-MM-DD)",
    "date_parsing": "is not a date (use YYYY-MM-DD)",
    "date_type": "is not a date (use YYYY-MM-DD)",
    "extra_forbidden": "is not a known field",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "list_type": "must be a list",
    "json_invalid": "is not valid JSON",
}


def field_path(loc: Sequence[str | int]) -> str:
    """Return a location as a path: ('body', 'transactions', 2, 'x') → 'transactions[2].x'."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in _HIDDEN_LOC:
            path += f".{part}" if path else part
    return path


def readable(error: Mapping[str, Any]) -> str:
    """Return one readable phrase for a pydantic error (without the field name)."""
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind in _FIXED_MESSAGES:
        return _FIXED_MESSAGES[kind]
    if kind.startswith("datetime"):
        return f"is not a date-time; {TIMESTAMP_HINT}"
    if kind == "literal_error":
        return f"{error.get('input')!r} is not one of {ctx.get('expected', 'the allowed values')}"
    if kind == "string_too_short" and ctx.get("min_length") == 1:
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return "must not contain NUL characters"
    if kind == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} items"
    message = str(error.get("msg", "is not valid")).removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def describe(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Return FastAPI-shaped error items with readable `msg` and the `field` they concern."""
    items = []
    for error in errors:
        loc = [part if isinstance(part, int) else str(part) for part in error.get("loc", ())]
        items.append(
            {"loc": loc, "field": field_path(loc), "msg": readable(error), "type": error["type"]}
        )
    return items


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    items = describe(exc.errors())
    message = "; ".join(f"{i['field']}: {i['msg']}" if i["field"] else i["msg"] for i in items)
    return JSONResponse(
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
        content={"detail": items, "message": message},
    )


async def _warehouse_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("warehouse error on %s: %s", request.url.path, exc)
    return JSONResponse(
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        content={"detail": "the warehouse did not answer; try again shortly"},
    )


def install_error_handlers(app: FastAPI) -> None:
    """Register the 422 and warehouse (503) handlers on `app`."""
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(DBAPIError, _warehouse_error)
