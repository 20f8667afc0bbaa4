"""What the gateway knows about `api` functions, read from pg_catalog (never hand-written)."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
               AND pg_catalog.has_function_privilege(r.oid, p.oid, 'EXECUTE'))
FROM pg_catalog.pg_proc p
WHERE p.pronamespace = 'api'::regnamespace AND p.prokind = 'f'
ORDER BY p.proname
"""


@dataclass(frozen=True)
class Arg:
    name: str
    type: str
    required: bool


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

    def arg(self, name: str) -> Arg | None:
        return next((a for a in self.args if a.name == name), None)

    @property
    def summary(self) -> str:
        return self.comment.split("\n", 1)[0]

    @property
    def returns_void(self) -> bool:
        return self.return_type == "void"

    @property
    def versioned(self) -> bool:
        """One row that carries a revision: answered with an ETag."""
        return not self.returns_set and any(name == "revision" for name, _ in self.columns)

    @property
    def paged(self) -> bool:
        return any(name == "cursor" for name, _ in self.columns)


def _function(row: tuple) -> Function:
    (name, volatility, retset, rettype, argnames, argmodes, alltypes, intypes, ndefaults,
     signature, comment, composite, public) = row
    modes = argmodes or ["i"] * len(intypes)
    types = alltypes or intypes
    in_args, out_cols = [], []
    for i, mode in enumerate(modes):
        arg_name = argnames[i] if i < len(argnames) else f"${i + 1}"
        (in_args if mode in ("i", "b", "v") else out_cols).append((arg_name, types[i]))
    n_required = len(in_args) - ndefaults
    args = tuple(Arg(n, t, i < n_required) for i, (n, t) in enumerate(in_args))
    columns = tuple(tuple(c) for c in (out_cols or composite))
    default_limit = re.search(r'"limit" integer DEFAULT (\d+)', signature)
    return Function(
        name=name, volatility=volatility, returns_set=retset, return_type=rettype, args=args,
        columns=columns, default_limit=int(default_limit.group(1)) if default_limit else None,
        comment=comment, public=public,
    )


async def load(conn) -> dict[str, Function]:
    cur = await conn.execute(CATALOG_SQL)
    return {row[0]: _function(row) for row in await cur.fetchall()}
