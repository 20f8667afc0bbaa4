"""What the gateway knows about `api` functions, read from pg_catalog (never hand-written)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property

CATALOG_SQL = """
SELECT p.proname,
       p.provolatile::text,
       p.proretset,
       p.prorettype::regtype::text,
       coalesce(p.proargnames, '{}'),
       coalesce(p.proargmodes::text[], '{}'),
       array(SELECT pg_catalog.format_type(t, NULL) FROM unnest(p.proallargtypes) t),
       array(SELECT pg_catalog.format_type(t, NULL) FROM unnest(p.proargtypes::oid[]) t),
       p.pronargdefaults,
       coalesce(pg_catalog.pg_get_function_arguments(p.oid), ''),
       coalesce(pg_catalog.obj_description(p.oid, 'pg_proc'), ''),
       coalesce((SELECT json_agg(json_build_array(a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod))
                                 ORDER BY a.attnum)
                 FROM pg_catalog.pg_type t JOIN pg_catalog.pg_attribute a ON a.attrelid = t.typrelid
                 WHERE t.oid = p.prorettype AND a.attnum > 0 AND NOT a.attisdropped), '[]'),
       EXISTS (SELECT FROM pg_catalog.pg_roles r WHERE r.rolname = 'aio_anon'
               AND pg_catalog.has_function_privilege(r.oid, p.oid, 'EXECUTE')),
       array(SELECT coalesce(pg_catalog.pg_get_function_arg_default(p.oid, n), '')
             FROM pg_catalog.generate_series(1, p.pronargs) n)
FROM pg_catalog.pg_proc p
WHERE p.pronamespace = 'api'::regnamespace AND p.prokind = 'f'
ORDER BY p.proname
"""


# The value rules of the data tables: every commented CHECK constraint ("field: rule") of a table
# in the data schema, with its definition as PostgreSQL prints it (gateway/openapi.py turns the
# definitions it understands into JSON Schema keywords). The rules live only in these constraints.
RULES_SQL = """
SELECT t.relname,
       pg_catalog.split_part(pg_catalog.obj_description(c.oid, 'pg_constraint'), ':', 1),
       pg_catalog.pg_get_constraintdef(c.oid)
FROM pg_catalog.pg_constraint c
JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
WHERE c.contype = 'c' AND t.relnamespace = 'orchestrator'::regnamespace
  AND pg_catalog.obj_description(c.oid, 'pg_constraint') LIKE '%:%'
ORDER BY t.relname, c.conname
"""

# The one-expression SQL functions those constraints call (orchestrator.node_statuses(): the list of
# statuses; orchestrator.is_semver(version): the semver grammar): their bodies, to put in place of
# the calls, so that the rules they hold are read like rules written in the constraint itself.
RULE_FUNCTIONS_SQL = """
SELECT 'orchestrator.' || p.proname, coalesce(p.proargnames, '{}'), p.prosrc
FROM pg_catalog.pg_proc p
WHERE p.pronamespace = 'orchestrator'::regnamespace AND p.provolatile = 'i'
  AND p.prolang = (SELECT l.oid FROM pg_catalog.pg_language l WHERE l.lanname = 'sql')
  AND p.prosrc ~* '^\\s*SELECT\\s'
  AND EXISTS (SELECT FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_constraint c ON c.oid = d.objid
              WHERE d.classid = 'pg_catalog.pg_constraint'::regclass AND c.contype = 'c'
                AND d.refclassid = 'pg_catalog.pg_proc'::regclass AND d.refobjid = p.oid)
"""

# The column of each index of the data schema (its first, or the first its expression reads; for a
# generated column, the column it is made from): the field that a value too large for the index
# (54000) is about.
INDEX_COLUMNS_SQL = """
WITH index_column AS (
    SELECT i.relname AS index, x.indrelid AS tab,
           (SELECT a.attnum FROM pg_catalog.pg_attribute a
            WHERE a.attrelid = x.indrelid AND a.attnum > 0
              AND (a.attnum = ANY (x.indkey::int2[])
                   OR a.attnum IN (SELECT d.refobjsubid FROM pg_catalog.pg_depend d
                                   WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = x.indexrelid
                                     AND d.refobjid = x.indrelid))
            ORDER BY pg_catalog.array_position(x.indkey::int2[], a.attnum) NULLS LAST, a.attnum LIMIT 1) AS attnum
    FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid
    WHERE i.relnamespace = 'orchestrator'::regnamespace
)
SELECT c.index, a.attname
FROM index_column c
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.tab
 AND a.attnum = coalesce((SELECT min(d.refobjsubid) FROM pg_catalog.pg_attrdef ad
                          JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_attrdef'::regclass
                           AND d.objid = ad.oid AND d.refobjid = c.tab AND d.refobjsubid NOT IN (0, c.attnum)
                          WHERE ad.adrelid = c.tab AND ad.adnum = c.attnum
                            AND EXISTS (SELECT FROM pg_catalog.pg_attribute g
                                        WHERE g.attrelid = c.tab AND g.attnum = c.attnum AND g.attgenerated <> '')),
                         c.attnum)
"""


@dataclass(frozen=True)
class Arg:
    name: str
    type: str
    required: bool
    default: str = ""  # as PostgreSQL prints it, e.g. 'ACTIVE'::text or NULL::text; "" when required

    @property
    def nullable(self) -> bool:
        """Whether null may be passed: only where the default is NULL. An explicit null replaces a
        default, so it reaches a NOT NULL column where the default is a value ('{}', 'ACTIVE')."""
        return self.default.startswith("NULL::")


@dataclass(frozen=True)
class Function:
    name: str
    volatility: str  # i, s or v
    returns_set: bool
    return_type: str
    args: tuple[Arg, ...]
    columns: tuple[tuple[str, str], ...]  # result columns, (name, type)
    default_limit: int | None
    comment: str
    public: bool  # callable without credentials (granted to aio_anon)
    rules: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (argument, CHECK definitions of its column)

    def rules_for(self, name: str) -> tuple[str, ...]:
        return next((defs for arg, defs in self.rules if arg == name), ())

    def arg(self, name: str) -> Arg | None:
        return self.args_by_name.get(name)

    @cached_property
    def args_by_name(self) -> dict[str, Arg]:
        return {a.name: a for a in reversed(self.args)}  # the first of a name, as a scan finds it

    @property
    def summary(self) -> str:
        return self.comment.split("\n", 1)[0]

    @property
    def returns_void(self) -> bool:
        return self.return_type == "void"

    # Read on every request: computed once (a frozen dataclass still has a __dict__ for these).
    @cached_property
    def versioned(self) -> bool:
        """One row that carries a revision: answered with an ETag."""
        return not self.returns_set and any(name == "revision" for name, _ in self.columns)

    @cached_property
    def paged(self) -> bool:
        return any(name == "cursor" for name, _ in self.columns)


def _function(row: tuple) -> Function:
    (name, volatility, retset, rettype, argnames, argmodes, alltypes, intypes, ndefaults,
     signature, comment, composite, public, defaults) = row
    modes = argmodes or ["i"] * len(intypes)
    types = alltypes or intypes
    in_args, out_cols = [], []
    for i, mode in enumerate(modes):
        arg_name = argnames[i] if i < len(argnames) else f"${i + 1}"
        (in_args if mode in ("i", "b", "v") else out_cols).append((arg_name, types[i]))
    n_required = len(in_args) - ndefaults
    args = tuple(Arg(n, t, i < n_required, defaults[i] if i < len(defaults) else "") for i, (n, t) in enumerate(in_args))
    columns = tuple(tuple(c) for c in (out_cols or composite))
    default_limit = re.search(r'"limit" integer DEFAULT (\d+)', signature)
    return Function(
        name=name, volatility=volatility, returns_set=retset, return_type=rettype, args=args,
        columns=columns, default_limit=int(default_limit.group(1)) if default_limit else None,
        comment=comment, public=public,
    )


def _entity_tables(function: str, tables: dict[str, dict[str, tuple[str, ...]]]) -> list[str]:
    """The data tables a function's arguments are stored in, found by its name: node_create ->
    nodes; node_heartbeat -> node_heartbeats, then nodes; tool_create -> tools, then tool_tags
    (its child table). Most specific first."""
    def singular(table: str) -> str:
        return table[:-1] if table.endswith("s") else table

    own = sorted((t for t in tables if function.startswith(singular(t) + "_")), key=len, reverse=True)
    children = [t for t in sorted(tables) if t not in own and any(t.startswith(singular(o) + "_") for o in own)]
    return own + children


def _fields(arg: Arg, function: str) -> list[str]:
    """The field names an argument may carry: its own name, and the names it takes in the table:
    tool_name -> name (of a tool), tag_name -> tag, tags -> tag (each item)."""
    names = [arg.name, arg.name.removesuffix("_name")]
    entity = function.split("_", 1)[0] + "_"
    names.append(arg.name.removeprefix(entity))
    if arg.type.endswith("[]"):
        names.append(arg.name.removesuffix("s"))
    return list(dict.fromkeys(n for n in names if n))


def attach_rules(fn: Function, tables: dict[str, dict[str, tuple[str, ...]]]) -> Function:
    """The CHECK constraints of the column each argument is stored in (see RULES_SQL)."""
    found = []
    candidates = _entity_tables(fn.name, tables)
    for arg in fn.args:
        for table in candidates:
            defs = next((tables[table][f] for f in _fields(arg, fn.name) if f in tables[table]), None)
            if defs:
                found.append((arg.name, defs))
                break
    return replace(fn, rules=tuple(found))


def inline(definition: str, bodies: dict[str, tuple[list[str], str]]) -> str:
    """A constraint definition with each call of a function in bodies replaced by its expression
    (parameters replaced by the call's arguments): status = ANY (orchestrator.node_statuses())
    -> status = ANY (('{ACTIVE,INACTIVE,MAINTENANCE,ERROR}'::text[]))."""
    def expand(call: re.Match) -> str:
        if call[1] not in bodies:
            return call[0]
        params, body = bodies[call[1]]
        expression = re.sub(r"^\s*SELECT\s+", "", body, flags=re.IGNORECASE).strip().rstrip(";").strip()
        for param, value in zip(params, (a.strip() for a in call[2].split(","))):
            expression = re.sub(rf"\b{param}\b", value, expression)
        return f"({expression})"

    return re.sub(r"(orchestrator\.\w+)\(([\w, ]*)\)", expand, definition)


def rule_tables(rows, bodies: dict[str, tuple[list[str], str]] | None = None) -> dict[str, dict[str, tuple[str, ...]]]:
    tables: dict[str, dict[str, tuple[str, ...]]] = {}
    for table, field, definition in rows:
        fields = tables.setdefault(table, {})
        fields[field] = (*fields.get(field, ()), inline(definition, bodies or {}))
    return tables


async def load(conn) -> dict[str, Function]:
    cur = await conn.execute(CATALOG_SQL)
    functions = [_function(row) for row in await cur.fetchall()]
    cur = await conn.execute(RULE_FUNCTIONS_SQL)
    bodies = {name: (list(params), body) for name, params, body in await cur.fetchall()}
    cur = await conn.execute(RULES_SQL)
    tables = rule_tables(await cur.fetchall(), bodies)
    return {fn.name: attach_rules(fn, tables) for fn in functions}


async def index_columns(conn) -> dict[str, str]:
    cur = await conn.execute(INDEX_COLUMNS_SQL)
    return {index: column for index, column in await cur.fetchall() if column}
