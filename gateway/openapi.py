"""OpenAPI 3.1, generated from the route table and the `api` functions in pg_catalog."""

from __future__ import annotations

import json
import re

from . import __version__
from .catalog import Function
from .routes import CURSOR_REFUSAL, BodyOf, Route

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
        "errors": {"type": "array", "items": {"type": "object"},
                   "description": "422: every error of a JSON Schema validation, each {instance_location, schema_location, message}"},
    },
}


# PostgreSQL text cannot hold U+0000, nor can jsonb (its strings and keys): such values are refused
# with 422 naming the field. Every text and JSON argument says so.
NO_NUL = {"not": {"type": "string", "pattern": "\\u0000"}}  # a pattern alone would refuse null too
# Any JSON value without U+0000 in a string or key (a JSON argument's members). No type and no
# anyOf: each keyword applies only to the kind it speaks of (not/pattern to strings, items to
# arrays, propertyNames to objects), which client generators read as "any value".
JSON_VALUE = {
    "description": "any JSON value without U+0000 in a string or key",
    **NO_NUL,
    "items": {"$ref": "#/components/schemas/JsonValue"},
    "propertyNames": NO_NUL,
    "additionalProperties": {"$ref": "#/components/schemas/JsonValue"},
}
MAX_SUMMARY = 120


def schema_for(sql_type: str, nullable: bool = False) -> dict:
    schema = dict(SQL_SCHEMAS.get(sql_type, {"type": "string"}))
    if nullable and "type" in schema:
        schema["type"] = [schema["type"], "null"]
    return schema


# The parts of a CHECK constraint, as pg_get_constraintdef prints them, that JSON Schema can say.
# A definition may hold other parts too (a cross-field rule, a JSON path test): those stay unsaid,
# and the value is still checked by PostgreSQL. Calls of one-expression SQL functions are inlined
# first (catalog.inline): status = ANY (orchestrator.node_statuses()), orchestrator.is_semver(version).
_REGEX = re.compile(r"\((\w+) ~ '((?:[^']|'')*)'(?:::text)?\)")
_MAX_LENGTH = re.compile(r"\(length\((\w+)\) <= (\d+)\)")
_MINIMUM = re.compile(r"\((\w+) >= (-?\d+)\)")
_MAXIMUM = re.compile(r"\((\w+) <= (-?\d+)\)")
_ENUM = re.compile(r"\((\w+) = ANY \(ARRAY\[((?:'(?:[^']|'')*'::text(?:, )?)+)\]\)\)")
_ENUM_LITERAL = re.compile(r"\((\w+) = ANY \(\('\{([^}']*)\}'::text\[\]\)\)\)")  # an inlined list function
_JSON_OBJECT = re.compile(r"\(jsonb_typeof\((\w+)\) = 'object'::text\)")


def rule_keywords(definitions: tuple[str, ...], enums_only: bool = False) -> dict:
    """JSON Schema keywords for the CHECK constraint definitions of one column."""
    out: dict = {}
    for d in definitions:
        for _, values in _ENUM.findall(d):
            out["enum"] = [v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'::text", values)]
        for _, values in _ENUM_LITERAL.findall(d):
            out["enum"] = values.split(",")
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


def argument_schema(fn: Function, arg, nullable: bool = False, declared: dict | None = None) -> dict:
    """An argument's schema: its SQL type, the rules of the column it is stored in, and the rules
    its route declares (the ones in the function's body). A read only filters by a value (a value
    no row has finds nothing), except that it refuses a value outside an enumeration; a write
    stores it, so every rule applies."""
    schema = schema_for(arg.type)
    rules = rule_keywords(fn.rules_for(arg.name), enums_only=fn.volatility != "v")
    target = schema["items"] if arg.type.endswith("[]") else schema
    if "type" in rules and target.get("type") not in (None, rules["type"]):
        rules.pop("type")
    target.update(rules)
    if arg.type in ("text", "text[]") and "enum" not in target:
        target.update(NO_NUL)
    schema.update(declared or {})
    if arg.type in ("jsonb", "json") and "object" in schema.get("type", ()):
        schema["propertyNames"] = NO_NUL
        schema.setdefault("additionalProperties", {"$ref": "#/components/schemas/JsonValue"})
    if nullable:
        if "type" in schema:
            schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"] = [*schema["enum"], None]
    return schema


def body_schema(fn: Function, args, declared: dict, partial: bool = False) -> dict:
    """A JSON body of arguments: null is allowed where the argument's default is NULL."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": [] if partial else [a.name for a in args if a.required],
        "properties": {a.name: argument_schema(fn, a, a.nullable, declared.get(a.name)) for a in args},
    }


def resolve(value, functions: dict[str, Function], declared: dict[str, dict]):
    """Route rules with BodyOf(...) replaced by the schema it names."""
    if isinstance(value, BodyOf):
        other = functions[value.function]
        # The other function's own rules may name a body in turn (a batch of completions, each
        # with its artifacts).
        schema = body_schema(other, other.args, resolve(declared.get(other.name, {}), functions, declared), value.partial)
        schema["properties"].update(resolve(dict(value.more), functions, declared))
        return schema
    if isinstance(value, dict):
        return {k: resolve(v, functions, declared) for k, v in value.items()}
    return value


def row_schema(fn: Function) -> dict:
    return {
        "type": "object",
        "properties": {name: schema_for(t, nullable=True) for name, t in fn.columns},
    }


def camel(name: str) -> str:
    """api.node_item -> NodeItem"""
    return "".join(part.capitalize() for part in name.rsplit(".", 1)[-1].split("_"))


class Components:
    """components/schemas: every object shape with properties once, under one name, so that a
    generated client has one Node model (equal shapes share the first name they were given)."""

    def __init__(self) -> None:
        self.schemas: dict[str, dict] = {}

    def ref(self, name: str, schema: dict) -> dict:
        for existing, known in self.schemas.items():
            if known == schema:
                return {"$ref": f"#/components/schemas/{existing}"}
        unique, n = name, 2
        while unique in self.schemas:
            unique, n = f"{name}{n}", n + 1
        self.schemas[unique] = schema
        return {"$ref": f"#/components/schemas/{unique}"}

    def shared(self, schema, name: str):
        """schema with its object shapes (its own, its properties', its items') made references."""
        if not isinstance(schema, dict):
            return schema
        if isinstance(schema.get("properties"), dict):
            schema = {**schema, "properties": {k: self.shared(v, name + camel(k)) for k, v in schema["properties"].items()}}
        if isinstance(schema.get("items"), dict):
            schema = {**schema, "items": self.shared(schema["items"], name + "Item")}
        if schema.get("type") == "object" and schema.get("properties"):
            return self.ref(name, schema)
        return schema


def query_parameter(arg, schema: dict) -> dict:
    """A JSON argument travels in the query as JSON text (contains={"type": "object"})."""
    where = {"content": {"application/json": {"schema": schema}}} if arg.type in ("jsonb", "json") else {"schema": schema}
    return {"name": arg.name, "in": "query", "required": arg.required, **where}


# If-Match: one ETag this API issued ("3", W/"3", or the bare revision 3; it fits in a bigint) or *.
IF_MATCH = r'^(\*|(W/)?"[0-9]{1,18}"|[0-9]{1,18})$'


def summary(text: str) -> str:
    """One short line: the first sentence, else its first clause, else cut at a word."""
    for sep in (". ", "; ", ", "):
        if len(text) <= MAX_SUMMARY:
            return text
        text = text.split(sep, 1)[0]
    return text if len(text) <= MAX_SUMMARY else text[:MAX_SUMMARY - 1].rsplit(" ", 1)[0] + "…"


def errors_of(r: Route, fn: Function, has_body: bool, has_if_match: bool, refusals: list[str]) -> dict[str, str]:
    """The error statuses this operation can answer, each with what causes it."""
    takes = bool(fn.args)
    out = {}
    if has_body or has_if_match:
        out["400"] = "malformed request: " + " or ".join(
            [*(["the body is not JSON"] if has_body else []), *(["If-Match is not an ETag"] if has_if_match else [])])
    out["401"] = ("missing or invalid credentials (WWW-Authenticate: Bearer); code 28000" if not fn.public
                  else "invalid credentials were sent (none are needed); code 28000")
    if not fn.public:
        out["403"] = "the credentials' role may not call this function (42501)"
    if re.search(r"{\w+}", r.path):
        out["404"] = "not found (P0002)"
    if r.method != "GET":
        out["409"] = "conflict: duplicate or unknown reference (23505, 23503)"
    if fn.arg("expected_revision"):
        out["412"] = "If-Match or expected_revision: the row is no longer at that revision (PT412)"
    if has_body:
        out["413"] = "request body too large"
        out["415"] = "unsupported content type"
    out["422"] = ("invalid input, with the field named (23514, 23502, 22xxx), or a query parameter given twice "
                  "or not taken" if takes else "a query parameter: this operation takes none")
    if refusals:
        out["422"] += "; also for a request that fits this document when " + "; ".join(refusals)
    out["503"] = "database unavailable; retry after Retry-After seconds"
    out["504"] = "database timeout"
    return out


def operation(r: Route, fn: Function, rules: dict, components: Components) -> dict:
    """rules: the route's declared rules, resolved (see resolve)."""
    path_params = re.findall(r"{(\w+)}", r.path)
    op: dict = {
        "operationId": fn.name,
        "summary": summary(fn.summary),
        "description": fn.comment,
        "tags": [r.tag],
        "parameters": [
            {"name": p, "in": "path", "required": True, "schema": argument_schema(fn, fn.arg(p), declared=rules.get(p))}
            for p in path_params
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
        op["parameters"].append({"name": "If-Match", "in": "header", "required": False,
                                 "schema": {"type": "string", "pattern": IF_MATCH},
                                 "description": 'the ETag (revision) you read, e.g. "3": the change happens only '
                                                "if the row is still at it, else 412"})
    op["parameters"] += [query_parameter(a, argument_schema(fn, a, declared=rules.get(a.name))) for a in query]
    if r.method in ("POST", "PUT") and rest:
        if fn.arg("patch"):
            body = {**rules.get("patch", {"type": "object"}),
                    "description": "only the fields sent change; null clears a nullable field"}
        else:
            body = body_schema(fn, rest, rules)
        required = bool(fn.arg("patch")) or any(a.required for a in rest)
        body = components.shared(body, camel(fn.name) + "Body")
        op["requestBody"] = {"required": required, "content": {"application/json": {"schema": body}}}
    if fn.returns_void:
        ok: dict = {"description": "done"}
    else:
        row = camel(fn.return_type if fn.return_type != "record" else fn.name)
        schema = components.ref(row, row_schema(fn)) if fn.columns else {}
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
    refusals = [*r.refusals, *([CURSOR_REFUSAL] if fn.arg("cursor") else [])]
    errors = errors_of(r, fn, "requestBody" in op, bool(fn.arg("expected_revision")), refusals)
    responses.update({
        code: {"description": text, "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for code, text in errors.items()
    })
    if refusals:
        # Said twice: for people in the 422's description, for tools (tests/schemathesis.toml) in
        # an extension.
        op["x-valid-input-may-get-422"] = True
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


# The gateway's own liveness route (no database): in the document like every other route.
LIVENESS = {"get": {
    "operationId": "liveness",
    "summary": "Liveness: the gateway process answers (GET /ready checks the database)",
    "tags": ["service"],
    "security": [],
    "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {
        "type": "object", "required": ["status"], "properties": {"status": {"type": "string", "enum": ["ok"]}}}}}}},
}}


def document(functions: dict[str, Function], routes: tuple[Route, ...]) -> bytes:
    paths: dict[str, dict] = {"/health": LIVENESS}
    components = Components()
    declared = {r.function: dict(r.rules) for r in routes}
    for r in routes:
        fn = functions.get(r.function)
        if fn is not None:
            op = operation(r, fn, resolve(declared[r.function], functions, declared), components)
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
        # Relative: the API is where the document is, under whatever prefix a proxy gives it.
        "servers": [{"url": ".", "description": "this gateway"}],
        "paths": paths,
        "components": {
            "schemas": {"Problem": PROBLEM, "JsonValue": JSON_VALUE, **components.schemas},
            "securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer",
                "description": "an API key (aio_...) or a JWT; `make admin-key` prints the local admin key",
            }},
        },
    }
    return json.dumps(doc).encode()


# The docs pages load their assets (gateway/app.py: /assets/..., from node_modules/, pinned by
# package-lock.json) and the document by URLs relative to the page, so they work offline and
# behind a proxy that serves the API under a path prefix.
SWAGGER_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>AI Orchestrator - Swagger UI</title>
<link rel="stylesheet" href="assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="assets/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({url: "openapi.json", dom_id: "#swagger-ui", validatorUrl: null});</script>
</body></html>"""

REDOC_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>AI Orchestrator - ReDoc</title></head>
<body><redoc spec-url="openapi.json"></redoc>
<script src="assets/redoc.standalone.js"></script>
</body></html>"""
