"""The route table: the one place where HTTP routes meet `api` functions.

Each line maps a method and path onto one function in the `api` schema. Path parameters,
query parameters and JSON body fields become the function's named arguments; the function's
signature (read from pg_catalog) decides their types, which are optional, and the response shape.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str
    status: int = 200
    tag: str = ""


def GET(path: str, function: str, tag: str) -> Route:
    return Route("GET", path, function, 200, tag)


def POST(path: str, function: str, tag: str, status: int = 201) -> Route:
    return Route("POST", path, function, status, tag)


def PUT(path: str, function: str, tag: str) -> Route:
    return Route("PUT", path, function, 200, tag)


def DELETE(path: str, function: str, tag: str) -> Route:
    return Route("DELETE", path, function, 204, tag)


ROUTES: tuple[Route, ...] = (
    GET("/", "service_info", "service"),
    GET("/ready", "health", "service"),
    GET("/stats/summary", "stats_summary", "service"),
    POST("/nodes/", "node_create", "nodes"),
    GET("/nodes/", "node_list", "nodes"),
    GET("/nodes/active/", "node_list_active", "nodes"),
    GET("/nodes/type/{node_type}", "node_list_by_type", "nodes"),
    GET("/nodes/{node_id}", "node_get", "nodes"),
    PUT("/nodes/{node_id}", "node_update", "nodes"),
    DELETE("/nodes/{node_id}", "node_delete", "nodes"),
    POST("/tools/", "tool_create", "tools"),
    GET("/tools/", "tool_list", "tools"),
    GET("/tools/active/", "tool_list_active", "tools"),
    GET("/tools/category/{category}", "tool_list_by_category", "tools"),
    GET("/tools/name/{tool_name}", "tool_get_by_name", "tools"),
    GET("/tools/name/{tool_name}/versions", "tool_versions", "tools"),
    GET("/tools/tags/{tag_search}", "tool_search_by_tag", "tools"),
    GET("/tools/{tool_id}", "tool_get", "tools"),
    PUT("/tools/{tool_id}", "tool_update", "tools"),
    DELETE("/tools/{tool_id}", "tool_delete", "tools"),
    POST("/tools/{tool_id}/tags/{tag_name}", "tool_tag_add", "tools", status=200),
    DELETE("/tools/{tool_id}/tags/{tag_name}", "tool_tag_remove", "tools"),
    POST("/artifacts/", "artifact_create", "artifacts"),
    POST("/artifacts/batch", "artifact_create_batch", "artifacts"),
    GET("/artifacts/", "artifact_list", "artifacts"),
    GET("/artifacts/large/", "artifact_list_large", "artifacts"),
    GET("/artifacts/tool/{tool_id}", "artifact_list_by_tool", "artifacts"),
    GET("/artifacts/{artifact_id}", "artifact_get", "artifacts"),
    DELETE("/artifacts/{artifact_id}", "artifact_delete", "artifacts"),
    POST("/nodes/{node_id}/heartbeat", "node_heartbeat", "nodes", status=200),
    GET("/queries/active-tools-with-nodes", "queries_active_tools_with_nodes", "queries"),
    GET("/queries/tools-by-category-with-tags", "queries_tools_by_category_with_tags", "queries"),
    GET("/queries/node-health-status", "queries_node_health_status", "queries"),
    GET("/queries/large-artifacts-by-tool", "queries_large_artifacts_by_tool", "queries"),
    GET("/queries/search-tools-by-schema", "queries_search_tools_by_schema", "queries"),
    POST("/maintenance/cleanup-orphaned-artifacts", "maintenance_cleanup_orphaned_artifacts", "maintenance", status=200),
    POST("/maintenance/update-tool-status", "maintenance_update_tool_status", "maintenance", status=200),
    GET("/maintenance/tools-without-nodes", "maintenance_tools_without_nodes", "maintenance"),
    GET("/monitoring/storage-usage-by-category", "monitoring_storage_usage_by_category", "monitoring"),
    GET("/monitoring/tool-usage-statistics", "monitoring_tool_usage_statistics", "monitoring"),
    GET("/monitoring/data-integrity", "monitoring_data_integrity", "monitoring"),
    POST("/maintenance/refresh-reporting", "maintenance_refresh_reporting", "maintenance", status=200),
    GET("/monitoring/db/table-sizes", "monitoring_db_table_sizes", "monitoring"),
    GET("/monitoring/db/index-usage", "monitoring_db_index_usage", "monitoring"),
    GET("/monitoring/db/cache-hit-ratio", "monitoring_db_cache_hit_ratio", "monitoring"),
    GET("/monitoring/db/long-running-queries", "monitoring_db_long_running_queries", "monitoring"),
    GET("/monitoring/db/lock-waits", "monitoring_db_lock_waits", "monitoring"),
    GET("/monitoring/db/vacuum-status", "monitoring_db_vacuum_status", "monitoring"),
    GET("/monitoring/db/slow-statements", "monitoring_db_slow_statements", "monitoring"),
    POST("/keys/", "api_key_create", "security"),
    GET("/keys/", "api_key_list", "security"),
    DELETE("/keys/{key_id}", "api_key_revoke", "security"),
    GET("/audit", "audit_list", "security"),
    POST("/audit/purge", "audit_purge", "security", status=200),
    POST("/maintenance/purge-idempotency-keys", "maintenance_purge_idempotency_keys", "maintenance", status=200),
)
