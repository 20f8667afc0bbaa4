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
    GET("/health", "health", "service"),
    GET("/stats/summary", "stats_summary", "service"),
    POST("/nodes/", "node_create", "nodes"),
    GET("/nodes/", "node_list", "nodes"),
    GET("/nodes/active/", "node_list_active", "nodes"),
    GET("/nodes/type/{node_type}", "node_list_by_type", "nodes"),
    GET("/nodes/{node_id}", "node_get", "nodes"),
    PUT("/nodes/{node_id}", "node_update", "nodes"),
    DELETE("/nodes/{node_id}", "node_delete", "nodes"),
)
