"""The route table and the api functions in pg_catalog match one to one."""

import psycopg

from gateway import catalog
from gateway.routes import ROUTES


def load_catalog(db_url):
    with psycopg.connect(db_url) as conn:
        rows = conn.execute(catalog.CATALOG_SQL).fetchall()
    return {row[0]: catalog._function(row) for row in rows}


def test_routes_and_functions_match_one_to_one(db_url):
    functions = load_catalog(db_url)
    routed = [r.function for r in ROUTES]
    assert len(routed) == len(set(routed)), "a function serves two routes"
    assert set(routed) == set(functions), {
        "routes without a function": sorted(set(routed) - set(functions)),
        "functions without a route": sorted(set(functions) - set(routed)),
    }


def test_every_get_route_maps_to_a_stable_function(db_url):
    """And every POST that only reads (Route.reads)."""
    functions = load_catalog(db_url)
    writable = [r.path for r in ROUTES if (r.method == "GET" or r.reads) and functions[r.function].volatility != "s"]
    assert not writable


def test_every_write_route_maps_to_a_volatile_function(db_url):
    functions = load_catalog(db_url)
    assert not [r.path for r in ROUTES if r.method != "GET" and not r.reads and functions[r.function].volatility != "v"]


def test_path_parameters_are_function_arguments(db_url):
    functions = load_catalog(db_url)
    for r in ROUTES:
        for part in r.path.split("/"):
            if part.startswith("{"):
                assert functions[r.function].arg(part.strip("{}")), (r.path, part)


def test_paged_lists_take_limit_and_cursor(db_url):
    for fn in load_catalog(db_url).values():
        if fn.paged:
            assert fn.arg("limit") and fn.arg("cursor") and fn.default_limit == 50, fn.name
