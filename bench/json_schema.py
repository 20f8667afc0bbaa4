"""JSON Schema validation speed, timed inside PostgreSQL (no round trips, no client).

    make bench-json-schema [BENCH_N=2000]

One PL/pgSQL loop per measurement calls the validator N times and takes clock_timestamp()
around each call; median and p99 of one validation are printed, in microseconds, for
  - a realistic tool input schema (7 properties, 3 required, additionalProperties false, a string
    with length bounds, an enum, numeric ranges, an array with maxItems, a pattern, a $ref),
    valid and invalid instances;
  - a large instance: an array of 1,000 objects (and 100 and 10,000, to show the cost per item);
each three ways: orchestrator.json_schema_is_valid on the compiled schema (the boolean form a
tool write uses: the schema is compiled once, at registration), orchestrator.json_schema_errors
on the compiled schema, and api.json_schema_validate (compiles the schema on every call).

On a shared machine the wall-clock times include waiting for a core; when the server runs on
this host, the CPU time of its backend (/proc/<pid>/stat) per validation is printed as well, the
figure that does not depend on what else runs.
"""

from __future__ import annotations

import json
import os
import statistics
import sys

import psycopg

TOOL_SCHEMA = {
    "type": "object",
    "required": ["prompt", "model", "temperature"],
    "additionalProperties": False,
    "properties": {
        "prompt": {"type": "string", "minLength": 1, "maxLength": 4000},
        "model": {"enum": ["small", "medium", "large"]},
        "temperature": {"type": "number", "minimum": 0, "maximum": 2},
        "max_tokens": {"type": "integer", "minimum": 1, "maximum": 32768},
        "stop": {"type": "array", "maxItems": 4, "items": {"type": "string"}},
        "user": {"type": "string", "pattern": "^[a-z0-9_-]{3,32}$"},
        "callback": {"$ref": "#/$defs/url"},
    },
    "$defs": {"url": {"type": "string", "format": "uri", "maxLength": 2048}},
}
TOOL_VALID = {"prompt": "Summarise the attached report in three sentences.", "model": "medium", "temperature": 0.7,
              "max_tokens": 512, "stop": ["\n\n", "END"], "user": "analyst_42", "callback": "https://hooks.example.com/done"}
TOOL_INVALID = {"prompt": "", "model": "huge", "temperature": 3, "max_tokens": 0.5, "stop": ["a", "b", "c", "d", "e"],
                "user": "Bad User", "callback": 7, "extra": True}

ITEMS_SCHEMA = {
    "type": "array",
    "maxItems": 100000,
    "items": {"type": "object", "required": ["id", "label"], "additionalProperties": False,
              "properties": {"id": {"type": "integer", "minimum": 0}, "label": {"type": "string", "maxLength": 64},
                             "score": {"type": "number"}}},
}


def items(n: int) -> list:
    return [{"id": i, "label": f"item {i}", "score": i / 7} for i in range(n)]


BENCH_FUNCTION = """
CREATE FUNCTION pg_temp.bench(mode text, schema jsonb, instance jsonb, n integer) RETURNS float8[]
LANGUAGE plpgsql AS $$
DECLARE
    ctx jsonb := orchestrator.json_schema_compile(schema);
    t0 timestamptz;
    took float8[] := '{}';
    ok boolean;
    c bigint;
BEGIN
    FOR i IN 1 .. n LOOP
        t0 := clock_timestamp();
        IF mode = 'is_valid' THEN
            ok := orchestrator.json_schema_is_valid(ctx, instance);
        ELSIF mode = 'errors' THEN
            SELECT count(*) INTO c FROM orchestrator.json_schema_errors(ctx, instance);
        ELSE
            SELECT count(*) INTO c FROM api.json_schema_validate(schema => schema, instance => instance);
        END IF;
        took := took || extract(epoch FROM clock_timestamp() - t0)::float8 * 1e6;
    END LOOP;
    RETURN took;
END
$$
"""


def cpu_seconds(pid: int) -> float | None:
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def measure(conn, pid: int, mode: str, schema, instance, n: int) -> tuple[float, float, float | None]:
    before = cpu_seconds(pid)
    took = conn.execute("SELECT pg_temp.bench(%s, %s::jsonb, %s::jsonb, %s)",
                        (mode, json.dumps(schema), json.dumps(instance), n)).fetchone()[0]
    after = cpu_seconds(pid)
    cpu = (after - before) * 1e6 / n if before is not None and after is not None else None
    took = sorted(took[max(1, n // 10):])  # the first tenth warms caches
    return statistics.median(took), took[min(len(took) - 1, int(len(took) * 0.99))], cpu


def main() -> None:
    url = os.environ.get("DATABASE_URL") or sys.exit("DATABASE_URL is not set: run `make bench-json-schema`")
    n = int(os.environ.get("BENCH_N", "2000"))
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(BENCH_FUNCTION)
        version, pid = conn.execute("SELECT current_setting('server_version'), pg_backend_pid()").fetchone()
        print(f"PostgreSQL {version}; µs per validation, wall-clock median / p99 [backend CPU], timed in the server; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'case':<26} {'is_valid (compiled)':>30} {'errors (compiled)':>30} {'api.json_schema_validate':>30}")
        cases = [("tool input, valid", TOOL_SCHEMA, TOOL_VALID, n),
                 ("tool input, 8 errors", TOOL_SCHEMA, TOOL_INVALID, n),
                 ("array of 100 objects", ITEMS_SCHEMA, items(100), max(20, n // 10)),
                 ("array of 1,000 objects", ITEMS_SCHEMA, items(1000), max(20, n // 100)),
                 ("array of 10,000 objects", ITEMS_SCHEMA, items(10000), max(10, n // 1000))]
        for label, schema, instance, count in cases:
            cells = []
            for mode in ("is_valid", "errors", "api"):
                median, p99, cpu = measure(conn, pid, mode, schema, instance, count)
                cells.append(f"{median:,.0f} / {p99:,.0f}" + (f" [{cpu:,.0f}]" if cpu is not None else ""))
            print(f"{label:<26} {cells[0]:>30} {cells[1]:>30} {cells[2]:>30}")


if __name__ == "__main__":
    main()
