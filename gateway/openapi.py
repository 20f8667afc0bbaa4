"""OpenAPI 3.1, generated from the route table and the `api` functions in pg_catalog."""

from __future__ import annotations

import json
import re

from . import __version__
from .catalog import Function
from .routes import Route

SQL_SCHEMAS: dict[str, dict] = {
    "uuid": {"type": "string", "format": "uuid"},
    "text": {"type": "string"},
    "timestamp with time zone": {"type": "string", "format": "date-time"},
    "integer": {"type": "integer", "format": "int32"},
    "bigint": {"type": "integer", "format": "int64"},
    "smallint": {"type": "integer"},
    "numeric": {"type": "number"},
    "double precision": {"type": "number"},
    "boolean": {"type": "boolean"},
    "jsonb": {},
    "json": {},
    "text[]": {"type": "array", "items": {"type": "string"}},
    "integer[]": {"type": "array", "items": {"type": "integer"}},
    "uuid[]": {"type": "array", "items": {"type": "string", "format": "uuid"}},
}

PROBLEM = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "the SQLSTATE, as a DBA sees it in psql"},
        "field": {"type": "string", "description": "the offending field or parameter"},
        "hint": {"type": "string"},
        "conflict": {"type": "string"},
    },
}
ERRORS = {
    "400": "malformed request (e.g. body is not JSON)",
    "401": "missing or invalid credentials (WWW-Authenticate: Bearer)",
    "403": "the credentials' role may not call this function (42501)",
    "404": "not found (P0002)",
    "409": "conflict: duplicate or unknown reference (23505, 23503)",
    "413": "request body too large",
    "412": "If-Match: the row is no longer at that revision (PT412)",
    "415": "unsupported content type",
    "422": "invalid input, with the field named (23514, 23502, 22xxx)",
    "503": "database unavailable; retry after Retry-After seconds",
    "504": "database timeout",
}


def schema_for(sql_type: str, nullable: bool = False) -> dict:
    schema = dict(SQL_SCHEMAS.get(sql_type, {"type": "string"}))
    if nullable and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    return schema


# The parts of a CHECK constraint, as pg_get_constraintdef prints them, that JSON Schema can say.
# A definition may hold other parts too (a cross-field rule, a semver test): those stay unsaid,
# and the value is still checked by PostgreSQL.
_REGEX = re.compile(r"\((\w+) ~ '((?:[^']|'')*)'::text\)")
_MAX_LENGTH = re.compile(r"\(length\((\w+)\) <= (\d+)\)")
_MINIMUM = re.compile(r"\((\w+) >= (-?\d+)\)")
_MAXIMUM = re.compile(r"\((\w+) <= (-?\d+)\)")
_ENUM = re.compile(r"\((\w+) = ANY \(ARRAY\[((?:'(?:[^']|'')*'::text(?:, )?)+)\]\)\)")
_JSON_OBJECT = re.compile(r"\(jsonb_typeof\((\w+)\) = 'object'::text\)")


def rule_keywords(definitions: tuple[str, ...], enums_only: bool = False) -> dict:
    """JSON Schema keywords for the CHECK constraint definitions of one column."""
    out: dict = {}
    for d in definitions:
        for _, values in _ENUM.findall(d):
            out["enum"] = [v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'::text", values)]
        if enums_only:
            continue
        for _, regex in _REGEX.findall(d):
            out["pattern"] = regex.replace("''", "'")
        for _, n in _MAX_LENGTH.findall(d):
            out["maxLength"] = int(n)
        for _, n in _MINIMUM.findall(d):
            out["minimum"] = int(n)
        for _, n in _MAXIMUM.findall(d):
            out["maximum"] = int(n)
        if _JSON_OBJECT.search(d):
            out["type"] = "object"
    return out


def argument_schema(fn: Function, arg, nullable: bool = False) -> dict:
    """An argument's schema: its SQL type, and the rules of the column it is stored in. A read
    only filters by a value (a value no row has finds nothing), except that it refuses a value
    outside an enumeration; a write stores it, so every rule applies."""
    schema = schema_for(arg.type)
    rules = rule_keywords(fn.rules_for(arg.name), enums_only=fn.volatility != "v")
    target = schema["items"] if arg.type.endswith("[]") else schema
    if "type" in rules and target.get("type") not in (None, rules["type"]):
        rules.pop("type")
    target.update(rules)
    if nullable:
        if "type" in schema:
            schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return schema


def row_schema(fn: Function) -> dict:
    return {
        "type": "object",
        "properties": {name: schema_for(t, nullable=True) for name, t in fn.columns},
    }


def operation(r: Route, fn: Function) -> dict:
    path_params = re.findall(r"{(\w+)}", r.path)
    op: dict = {
        "operationId": fn.name,
        "summary": fn.summary,
        "description": fn.comment,
        "tags": [r.tag],
        "parameters": [
            {"name": p, "in": "path", "required": True, "schema": argument_schema(fn, fn.arg(p))} for p in path_params
        ],
    }
    rest = [a for a in fn.args if a.name not in path_params]
    if fn.arg("patch"):
        # The body is the patch; other arguments (expected_revision) travel in the query.
        query = [a for a in rest if a.name != "patch"]
        rest = [fn.arg("patch")]
    else:
        query = [] if r.method in ("POST", "PUT") else rest
    if fn.arg("expected_revision"):
        op["parameters"].append({"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
                                 "description": 'the ETag (revision) you read, e.g. "3": the change happens only '
                                                "if the row is still at it, else 412"})
    op["parameters"] += [
        {"name": a.name, "in": "query", "required": a.required, "schema": argument_schema(fn, a)} for a in query
    ]
    if r.method in ("POST", "PUT") and rest:
        if fn.arg("patch"):
            body = {"type": "object", "description": "only the fields sent change; null clears a field"}
        else:
            body = {
                "type": "object",
                "additionalProperties": False,
                "required": [a.name for a in rest if a.required],
                "properties": {a.name: argument_schema(fn, a, nullable=not a.required) for a in rest},
            }
        required = bool(fn.arg("patch")) or any(a.required for a in rest)
        op["requestBody"] = {"required": required, "content": {"application/json": {"schema": body}}}
    if fn.returns_void:
        ok: dict = {"description": "done"}
    else:
        schema = row_schema(fn) if fn.columns else {}
        if fn.returns_set:
            schema = {"type": "array", "items": schema}
        ok = {"description": "OK", "content": {"application/json": {"schema": schema}}}
        if fn.paged:
            ok["headers"] = {
                "Link": {"description": 'next page: <url>; rel="next"', "schema": {"type": "string"}}
            }
        if fn.versioned:
            ok["headers"] = {"ETag": {"description": 'the revision, e.g. "3", for If-Match', "schema": {"type": "string"}}}
    responses = {str(r.status): ok}
    responses.update({
        code: {"description": text, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for code, text in ERRORS.items()
    })
    op["responses"] = responses
    op["security"] = [] if fn.public else [{"bearer": []}]
    return op


def links(r: Route, fn: Function, functions: dict[str, Function], routes: tuple[Route, ...]) -> dict:
    """OpenAPI links from a create to every operation whose path parameters its result holds
    (POST /nodes/ -> GET /nodes/{node_id}, ...), so that clients and fuzzers can follow them."""
    returned = {name for name, _ in fn.columns}
    found = {}
    for other in routes:
        params = re.findall(r"{(\w+)}", other.path)
        if other is not r and other.function in functions and params and set(params) <= returned:
            found[f"{other.method.lower()}_{functions[other.function].name}"] = {
                "operationId": functions[other.function].name,
                "parameters": {p: f"$response.body#/{p}" for p in params},
            }
    return found


def document(functions: dict[str, Function], routes: tuple[Route, ...]) -> bytes:
    paths: dict[str, dict] = {}
    for r in routes:
        fn = functions.get(r.function)
        if fn is not None:
            op = operation(r, fn)
            if r.method == "POST" and r.status == 201 and not fn.returns_set:
                op["responses"]["201"]["links"] = links(r, fn, functions, routes)
            paths.setdefault(r.path, {})[r.method.lower()] = op
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "AI Orchestrator",
            "version": __version__,
            "description": "A control plane for AI tools that lives in PostgreSQL. Every route runs one "
            "`api` function; errors are application/problem+json with the SQLSTATE in `code`.",
        },
        "paths": paths,
        "components": {
            "schemas": {"Problem": PROBLEM},
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "an API key (aio_...) or a JWT; `make admin-key` prints the local admin key",
            }},
        },
    }
    return json.dumps(doc).encode()


SWAGGER_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>AI Orchestrator - Swagger UI</title>
<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui"});</script>
</body></html>"""

REDOC_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>AI Orchestrator - ReDoc</title></head>
<body><redoc spec-url="/openapi.json"></redoc>
<script src="https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js"></script>
</body></html>"""
