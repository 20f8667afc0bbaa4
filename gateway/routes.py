"""The route table: the one place where HTTP routes meet `api` functions.

Each line maps a method and path onto one function in the `api` schema. Path parameters,
query parameters and JSON body fields become the function's named arguments; the function's
signature (read from pg_catalog) decides their types, which are optional, and the response shape.

The rules on a value that pg_catalog shows (CHECK constraints of the column an argument is stored
in, and whether its default is NULL) reach the OpenAPI document by themselves. The rules a function
checks in its body (PL/pgSQL) are declared here, next to the route, as JSON Schema keywords per
argument; tests/test_schemathesis.py holds the document to them both ways (values inside are
accepted, values outside refused), so a declaration that drifts from the function fails the tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

Rules = Mapping[str, Mapping]  # argument -> JSON Schema keywords


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    status: int = 200
    tag: str = ""
    rules: Rules = field(default_factory=dict)
    # What a request that fits the document may still be refused for with 422, because no schema
    # can say it (a rule between two fields, the clock, a size in bytes). The document lists these.
    refusals: tuple[str, ...] = ()
    # A POST that only reads: its input is a JSON document, too rich for a query string. It runs
    # in a read-only transaction, may be retried, and maps to a STABLE function, like a GET.
    reads: bool = False
    # A claim that may wait: when the function answers an empty list and the request's
    # `wait_seconds` is above 0, the gateway asks again when LISTEN/NOTIFY (channel aio_invocations,
    # payload the path's node_id or '') says work arrived, at least every AIO_CLAIM_POLL_S, until
    # then. Transport only: the function decides what is claimed.
    long_poll: bool = False


@dataclass(frozen=True)
class BodyOf:
    """In rules: an object with the fields of another function's JSON body (its arguments, their
    rules), e.g. the items of a batch of artifact_create bodies. partial: no field is required (a
    patch); more: fields that function lacks."""
    function: str
    partial: bool = False
    more: Rules = field(default_factory=dict)


def GET(path: str, function: str, tag: str, rules: Rules | None = None, refusals: tuple[str, ...] = ()) -> Route:
    return Route("GET", path, function, 200, tag, rules or {}, refusals)


def POST(path: str, function: str, tag: str, status: int = 201, rules: Rules | None = None,
         refusals: tuple[str, ...] = (), long_poll: bool = False) -> Route:
    return Route("POST", path, function, status, tag, rules or {}, refusals, long_poll=long_poll)


def READ(path: str, function: str, tag: str, rules: Rules | None = None, refusals: tuple[str, ...] = ()) -> Route:
    return Route("POST", path, function, 200, tag, rules or {}, refusals, reads=True)


def PUT(path: str, function: str, tag: str, rules: Rules | None = None, refusals: tuple[str, ...] = ()) -> Route:
    return Route("PUT", path, function, 200, tag, rules or {}, refusals)


def DELETE(path: str, function: str, tag: str, rules: Rules | None = None) -> Route:
    return Route("DELETE", path, function, 204, tag, rules or {})


# Rules in function bodies, shared by several routes.
# Every list: orchestrator.check_limit(limit) and orchestrator.cursor_decode(cursor).
PAGE = {
    "limit": {"minimum": 1, "maximum": 1000},
    # An opaque keyset cursor: the base64url text (no padding) that the list put in the `cursor`
    # of its last item. A string of that alphabet that the list did not issue is refused with 422
    # (field cursor): no schema can tell the two apart (see CURSOR_REFUSAL).
    "cursor": {"pattern": "^[A-Za-z0-9_-]+$",
               "description": "the `cursor` of the last item of the previous page (opaque); "
                              "a value this list did not issue gets 422"},
}
# The refusal every operation that takes a cursor lists (gateway/openapi.py adds it).
CURSOR_REFUSAL = "cursor: a value of the cursor alphabet that this list did not issue"
# orchestrator.node_health(): stale after 1 s or more, down no earlier than stale.
HEALTH = {"stale_after_seconds": {"minimum": 1}, "down_after_seconds": {"minimum": 1}}
HEALTH_REFUSAL = "down_after_seconds: less than stale_after_seconds (30 when not given)"
# data/tools_schema_check: a tool's schemas must pass the check that POST /json-schema/check runs.
TOOL_SCHEMA_REFUSAL = ("input_schema, output_schema: not fit for a tool (not a valid draft 2020-12 schema, a keyword "
                       "outside it, a $ref that does not resolve, a pattern outside the common dialect; POST /json-schema/check says why)")
# api.json_schema_validate evaluates the schema it is given; POST /json-schema/check tells why.
# Any JSON value that jsonb can hold (no U+0000 in a string or key), for a jsonb argument that takes any value.
JSON = {"$ref": "#/components/schemas/JsonValue"}
AGENT_NAME = {"minLength": 1, "maxLength": 200}  # the agent process that claims and beats (api.node_claim)
JSON_SCHEMA_REFUSAL = ("schema: not a valid draft 2020-12 schema (a keyword value of the wrong type, a subschema that is "
                       "not an object or boolean, a $ref that does not resolve, a pattern outside the common dialect)")


ROUTES: tuple[Route, ...] = (
    GET("/", "service_info", "service"),
    GET("/ready", "health", "service"),
    GET("/stats/summary", "stats_summary", "service"),
    POST("/nodes/", "node_create", "nodes",
         rules={"labels": {"type": "object", "additionalProperties": {"type": "string", "not": {"type": "string", "pattern": "\\u0000"}}}}),
    GET("/nodes/", "node_list", "nodes", PAGE),
    GET("/nodes/active/", "node_list_active", "nodes", PAGE),
    GET("/nodes/type/{node_type}", "node_list_by_type", "nodes", PAGE),
    GET("/nodes/{node_id}", "node_get", "nodes"),
    PUT("/nodes/{node_id}", "node_update", "nodes",
        {"patch": BodyOf("node_create", partial=True)}),
    DELETE("/nodes/{node_id}", "node_delete", "nodes"),
    POST("/tools/", "tool_create", "tools", rules={"tags": {"type": ["array", "null"], "maxItems": 32}},  # null: no tags
         refusals=(TOOL_SCHEMA_REFUSAL,)),
    GET("/tools/", "tool_list", "tools", PAGE),
    GET("/tools/active/", "tool_list_active", "tools", PAGE),
    GET("/tools/category/{category}", "tool_list_by_category", "tools", PAGE),
    GET("/tools/name/{tool_name}", "tool_get_by_name", "tools"),
    GET("/tools/name/{tool_name}/versions", "tool_versions", "tools", PAGE),
    GET("/tools/tags/{tag_search}", "tool_search_by_tag", "tools", PAGE),
    GET("/tools/{tool_id}", "tool_get", "tools"),
    PUT("/tools/{tool_id}", "tool_update", "tools", {"patch": BodyOf("tool_create", partial=True)},
        refusals=(TOOL_SCHEMA_REFUSAL,)),
    DELETE("/tools/{tool_id}", "tool_delete", "tools"),
    POST("/tools/{tool_id}/tags/{tag_name}", "tool_tag_add", "tools", status=200),
    DELETE("/tools/{tool_id}/tags/{tag_name}", "tool_tag_remove", "tools"),
    READ("/tools/{tool_id}/validate", "tool_validate", "tools",
         refusals=("input, output: both or neither given (a JSON null counts as not given)",
                   "the tool's schema was stored before the registration check and cannot be evaluated")),
    POST("/artifacts/", "artifact_create", "artifacts"),
    POST("/artifacts/batch", "artifact_create_batch", "artifacts",
         rules={"artifacts": {"type": "array", "maxItems": 10000, "items": BodyOf("artifact_create")}}),
    GET("/artifacts/", "artifact_list", "artifacts", PAGE),
    GET("/artifacts/large/", "artifact_list_large", "artifacts", {**PAGE, "min_size": {"minimum": 0}}),
    GET("/artifacts/tool/{tool_id}", "artifact_list_by_tool", "artifacts", PAGE),
    GET("/artifacts/{artifact_id}", "artifact_get", "artifacts"),
    DELETE("/artifacts/{artifact_id}", "artifact_delete", "artifacts"),
    GET("/nodes/{node_id}/agents", "node_agent_list", "nodes"),
    POST("/nodes/{node_id}/heartbeat", "node_heartbeat", "nodes", status=200,
         rules={"load": {"type": ["object", "null"]},  # null: the default, {}
                # null (the default): not reported, nothing is ended; []: the agent holds nothing.
                "running_invocation_ids": {"maxItems": 10000}, "agent": AGENT_NAME},
         refusals=("load: larger than 4 kB as stored",)),
    GET("/queries/active-tools-with-nodes", "queries_active_tools_with_nodes", "queries", {**PAGE, **HEALTH},
        refusals=(HEALTH_REFUSAL,)),
    GET("/queries/tools-by-category-with-tags", "queries_tools_by_category_with_tags", "queries",
        {**PAGE, "tools_per_category": {"minimum": 1, "maximum": 1000}}),
    GET("/queries/node-health-status", "queries_node_health_status", "queries",
        {**PAGE, **HEALTH, "health": {"enum": ["HEALTHY", "STALE", "DOWN", "MAINTENANCE", "INACTIVE", "UNKNOWN"]}},
        refusals=(HEALTH_REFUSAL,)),
    GET("/queries/large-artifacts-by-tool", "queries_large_artifacts_by_tool", "queries", {**PAGE, "min_size": {"minimum": 0}}),
    GET("/queries/search-tools-by-schema", "queries_search_tools_by_schema", "queries",
        {**PAGE, "contains": {"type": "object"}, "side": {"enum": ["input", "output", "any"]}},
        refusals=("contains, property: neither is given",)),
    POST("/maintenance/cleanup-orphaned-artifacts", "maintenance_cleanup_orphaned_artifacts", "maintenance", status=200,
         rules={"older_than_days": {"minimum": 0, "maximum": 36500}, "batch_size": {"minimum": 1, "maximum": 10000}}),
    POST("/maintenance/update-tool-status", "maintenance_update_tool_status", "maintenance", status=200, rules=HEALTH,
         refusals=(HEALTH_REFUSAL,)),
    GET("/maintenance/tools-without-nodes", "maintenance_tools_without_nodes", "maintenance", PAGE),
    GET("/monitoring/storage-usage-by-category", "monitoring_storage_usage_by_category", "monitoring"),
    GET("/monitoring/tool-usage-statistics", "monitoring_tool_usage_statistics", "monitoring", PAGE),
    GET("/monitoring/data-integrity", "monitoring_data_integrity", "monitoring", HEALTH, refusals=(HEALTH_REFUSAL,)),
    POST("/maintenance/refresh-reporting", "maintenance_refresh_reporting", "maintenance", status=200),
    GET("/monitoring/db/table-sizes", "monitoring_db_table_sizes", "monitoring"),
    GET("/monitoring/db/index-usage", "monitoring_db_index_usage", "monitoring"),
    GET("/monitoring/db/cache-hit-ratio", "monitoring_db_cache_hit_ratio", "monitoring"),
    GET("/monitoring/db/long-running-queries", "monitoring_db_long_running_queries", "monitoring",
        {"min_duration_seconds": {"minimum": 0}}),
    GET("/monitoring/db/lock-waits", "monitoring_db_lock_waits", "monitoring"),
    GET("/monitoring/db/vacuum-status", "monitoring_db_vacuum_status", "monitoring"),
    GET("/monitoring/db/slow-statements", "monitoring_db_slow_statements", "monitoring",
        {"limit": {"minimum": 1, "maximum": 100}}),
    POST("/keys/", "api_key_create", "security",
         refusals=("expires_at: not in the future", "node_id: missing for role node, or given for another role")),
    GET("/keys/", "api_key_list", "security", PAGE),
    DELETE("/keys/{key_id}", "api_key_revoke", "security"),
    GET("/audit", "audit_list", "security", PAGE),
    POST("/audit/purge", "audit_purge", "security", status=200,
         rules={"older_than_days": {"minimum": 1, "maximum": 36500}},
         refusals=("older_than_days: below audit_retention_days in orchestrator.settings (90 unless changed)",)),
    POST("/maintenance/purge-idempotency-keys", "maintenance_purge_idempotency_keys", "maintenance", status=200,
         rules={"older_than_hours": {"minimum": 1, "maximum": 87600}}),
    POST("/invocations/", "invocation_submit", "invocations",
         rules={"priority": {"minimum": -100, "maximum": 100}, "max_attempts": {"minimum": 1, "maximum": 100},
                "queue_timeout_seconds": {"minimum": 1, "maximum": 2592000},
                "run_timeout_seconds": {"minimum": 1, "maximum": 2592000},
                "idempotency_key": {"minLength": 1, "maxLength": 255},
                "input_artifact_ids": {"type": ["array", "null"], "maxItems": 1000}, "input": JSON},
         refusals=("input: does not match the tool's input_schema (every error of the validator is in errors)",
                   "tool_id: the tool is not ACTIVE",
                   "tool_id, tool_name: neither given, or tool_id given with tool_name or tool_version",
                   "idempotency_key: used before by the same caller for another tool or input (PT422)")),
    GET("/invocations/", "invocation_list", "invocations",
        {**PAGE, "state": {"enum": ["QUEUED", "RUNNING", "RETRY_WAIT", "SUCCEEDED", "FAILED", "OUTPUT_INVALID",
                                    "CANCELLED", "TIMED_OUT", "DEAD"]}}),
    GET("/invocations/{invocation_id}", "invocation_get", "invocations"),
    GET("/monitoring/invocation-queue", "invocation_queue", "monitoring"),
    POST("/invocations/{invocation_id}/cancel", "invocation_cancel", "invocations", status=200,
         rules={"reason": {"maxLength": 1000}}),
    POST("/nodes/{node_id}/claim", "node_claim", "invocations", status=200,
         rules={"limit": {"minimum": 1, "maximum": 100}, "wait_seconds": {"minimum": 0, "maximum": 60}, "agent": AGENT_NAME},
         long_poll=True),
    POST("/invocations/{invocation_id}/complete", "invocation_complete", "invocations", status=200,
         rules={"output": JSON, "artifacts": {"type": ["array", "null"], "maxItems": 10000, "items": BodyOf("artifact_create")}}),
    POST("/invocations/complete", "invocation_complete_batch", "invocations", status=200,
         rules={"completions": {"type": "array", "maxItems": 1000, "items": BodyOf("invocation_complete")}}),
    POST("/invocations/{invocation_id}/fail", "invocation_fail", "invocations", status=200,
         rules={"error": {"type": "object"}}, refusals=("error: larger than 64 kB as stored",)),
    POST("/invocations/{invocation_id}/release", "invocation_release", "invocations", status=200),
    POST("/invocations/sweep", "invocations_sweep", "invocations", status=200,
         rules={"limit": {"minimum": 1, "maximum": 10000}}),
    POST("/maintenance/invocations/purge", "invocations_purge", "maintenance", status=200,
         rules={"older_than_days": {"minimum": 1, "maximum": 36500}}),
    GET("/artifacts/{artifact_id}/lineage", "artifact_lineage", "artifacts"),
    GET("/tools/{tool_id}/invocation-settings", "tool_invocation_settings_get", "tools"),
    POST("/tools/{tool_id}/invocation-settings", "tool_invocation_settings_update", "tools", status=200),
    READ("/json-schema/validate", "json_schema_validate", "json-schema", rules={"schema": {"type": ["object", "boolean"]}},
         refusals=(JSON_SCHEMA_REFUSAL,)),
    READ("/json-schema/check", "json_schema_check", "json-schema", rules={"schema": {"type": ["object", "boolean"]}},
         refusals=("schema: nested deeper than 400 levels, or too deep for the meta-schema check (250 evaluations)",)),
)
