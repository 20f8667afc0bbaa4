-- Deploy ai-orchestrator:data/json_schema
-- requires: schemas
-- JSON Schema draft 2020-12: a validator in PL/pgSQL, the bundled meta-schemas, and the check a
-- schema must pass before a tool may carry it.
BEGIN;
SET LOCAL ROLE aio_owner;

-- The draft 2020-12 meta-schemas (part of the specification), so that "$ref" to them resolves
-- without the network and schemas can be checked against them.
CREATE TABLE orchestrator.json_schema_bundled (
    uri    text  PRIMARY KEY,
    schema jsonb NOT NULL,
    ctx    jsonb  -- orchestrator.json_schema_compile(schema), filled below
);
COMMENT ON TABLE orchestrator.json_schema_bundled IS
'Schemas that "$ref" may name by absolute URI without their text in the referring schema: the draft 2020-12 meta-schemas, compiled.';

INSERT INTO orchestrator.json_schema_bundled (uri, schema) VALUES
('https://json-schema.org/draft/2020-12/schema', $j${
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://json-schema.org/draft/2020-12/schema",
    "$vocabulary": {
        "https://json-schema.org/draft/2020-12/vocab/core": true,
        "https://json-schema.org/draft/2020-12/vocab/applicator": true,
        "https://json-schema.org/draft/2020-12/vocab/unevaluated": true,
        "https://json-schema.org/draft/2020-12/vocab/validation": true,
        "https://json-schema.org/draft/2020-12/vocab/meta-data": true,
        "https://json-schema.org/draft/2020-12/vocab/format-annotation": true,
        "https://json-schema.org/draft/2020-12/vocab/content": true
    },
    "$dynamicAnchor": "meta",
    "title": "Core and Validation specifications meta-schema",
    "allOf": [
        {"$ref": "meta/core"},
        {"$ref": "meta/applicator"},
        {"$ref": "meta/unevaluated"},
        {"$ref": "meta/validation"},
        {"$ref": "meta/meta-data"},
        {"$ref": "meta/format-annotation"},
        {"$ref": "meta/content"}
    ],
    "type": ["object", "boolean"],
    "properties": {
        "definitions": {"type": "object", "additionalProperties": {"$dynamicRef": "#meta"}, "deprecated": true, "default": {}},
        "dependencies": {
            "type": "object",
            "additionalProperties": {"anyOf": [{"$dynamicRef": "#meta"}, {"$ref": "meta/validation#/$defs/stringArray"}]},
            "deprecated": true,
            "default": {}
        },
        "$recursiveAnchor": {"$ref": "meta/core#/$defs/anchorString", "deprecated": true},
        "$recursiveRef": {"$ref": "meta/core#/$defs/uriReferenceString", "deprecated": true}
    }
}$j$),
('https://json-schema.org/draft/2020-12/meta/core', $j${
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://json-schema.org/draft/2020-12/meta/core",
    "$dynamicAnchor": "meta",
    "title": "Core vocabulary meta-schema",
    "type": ["object", "boolean"],
    "properties": {
        "$id": {"$ref": "#/$defs/uriReferenceString", "pattern": "^[^#]*#?$"},
        "$schema": {"$ref": "#/$defs/uriString"},
        "$ref": {"$ref": "#/$defs/uriReferenceString"},
        "$anchor": {"$ref": "#/$defs/anchorString"},
        "$dynamicRef": {"$ref": "#/$defs/uriReferenceString"},
        "$dynamicAnchor": {"$ref": "#/$defs/anchorString"},
        "$vocabulary": {"type": "object", "propertyNames": {"$ref": "#/$defs/uriString"}, "additionalProperties": {"type": "boolean"}},
        "$comment": {"type": "string"},
        "$defs": {"type": "object", "additionalProperties": {"$dynamicRef": "#meta"}}
    },
    "$defs": {
        "anchorString": {"type": "string", "pattern": "^[A-Za-z_][-A-Za-z0-9._]*$"},
        "uriString": {"type": "string", "format": "uri"},
        "uriReferenceString": {"type": "string", "format": "uri-reference"}
    }
}$j$),
('https://json-schema.org/draft/2020-12/meta/applicator', $j${
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://json-schema.org/draft/2020-12/meta/applicator",
    "$dynamicAnchor": "meta",
    "title": "Applicator vocabulary meta-schema",
    "type": ["object", "boolean"],
    "properties": {
        "prefixItems": {"$ref": "#/$defs/schemaArray"},
        "items": {"$dynamicRef": "#meta"},
        "contains": {"$dynamicRef": "#meta"},
        "additionalProperties": {"$dynamicRef": "#meta"},
        "properties": {"type": "object", "additionalProperties": {"$dynamicRef": "#meta"}, "default": {}},
        "patternProperties": {
            "type": "object",
            "additionalProperties": {"$dynamicRef": "#meta"},
            "propertyNames": {"format": "regex"},
            "default": {}
        },
        "dependentSchemas": {"type": "object", "additionalProperties": {"$dynamicRef": "#meta"}, "default": {}},
        "propertyNames": {"$dynamicRef": "#meta"},
        "if": {"$dynamicRef": "#meta"},
        "then": {"$dynamicRef": "#meta"},
        "else": {"$dynamicRef": "#meta"},
        "allOf": {"$ref": "#/$defs/schemaArray"},
        "anyOf": {"$ref": "#/$defs/schemaArray"},
        "oneOf": {"$ref": "#/$defs/schemaArray"},
        "not": {"$dynamicRef": "#meta"}
    },
    "$defs": {
        "schemaArray": {"type": "array", "minItems": 1, "items": {"$dynamicRef": "#meta"}}
    }
}$j$),
('https://json-schema.org/draft/2020-12/meta/unevaluated', $j${
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://json-schema.org/draft/2020-12/meta/unevaluated",
    "$dynamicAnchor": "meta",
    "title": "Unevaluated applicator vocabulary meta-schema",
    "type": ["object", "boolean"],
    "properties": {
        "unevaluatedItems": {"$dynamicRef": "#meta"},
        "unevaluatedProperties": {"$dynamicRef": "#meta"}
    }
}$j$),
('https://json-schema.org/draft/2020-12/meta/validation', $j${
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://json-schema.org/draft/2020-12/meta/validation",
    "$dynamicAnchor": "meta",
    "title": "Validation vocabulary meta-schema",
    "type": ["object", "boolean"],
    "properties": {
        "type": {
            "anyOf": [
                {"$ref": "#/$defs/simpleTypes"},
                {"type": "array", "items": {"$ref": "#/$defs/simpleTypes"}, "minItems": 1, "uniqueItems": true}
            ]
        },
        "const": true,
        "enum": {"type": "array", "items": true},
        "multipleOf": {"type": "number", "exclusiveMinimum": 0},
        "maximum": {"type": "number"},
        "exclusiveMaximum": {"type": "number"},
        "minimum": {"type": "number"},
        "exclusiveMinimum": {"type": "number"},
        "maxLength": {"$ref": "#/$defs/nonNegativeInteger"},
        "minLength": {"$ref": "#/$defs/nonNegativeIntegerDefault0"},
        "pattern": {"type": "string", "format": "regex"},
        "maxItems": {"$ref": "#/$defs/nonNegativeInteger"},
        "minItems": {"$ref": "#/$defs/nonNegativeIntegerDefault0"},
        "uniqueItems": {"type": "boolean", "default": false},
        "maxContains": {"$ref": "#/$defs/nonNegativeInteger"},
        "minContains": {"$ref": "#/$defs/nonNegativeInteger", "default": 1},
        "maxProperties": {"$ref": "#/$defs/nonNegativeInteger"},
        "minProperties": {"$ref": "#/$defs/nonNegativeIntegerDefault0"},
        "required": {"$ref": "#/$defs/stringArray"},
        "dependentRequired": {"type": "object", "additionalProperties": {"$ref": "#/$defs/stringArray"}}
    },
    "$defs": {
        "nonNegativeInteger": {"type": "integer", "minimum": 0},
        "nonNegativeIntegerDefault0": {"$ref": "#/$defs/nonNegativeInteger", "default": 0},
        "simpleTypes": {"enum": ["array", "boolean", "integer", "null", "number", "object", "string"]},
        "stringArray": {"type": "array", "items": {"type": "string"}, "uniqueItems": true, "default": []}
    }
}$j$),
('https://json-schema.org/draft/2020-12/meta/meta-data', $j${
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://json-schema.org/draft/2020-12/meta/meta-data",
    "$dynamicAnchor": "meta",
    "title": "Meta-data vocabulary meta-schema",
    "type": ["object", "boolean"],
    "properties": {
        "title": {"type": "string"},
        "description": {"type": "string"},
        "default": true,
        "deprecated": {"type": "boolean", "default": false},
        "readOnly": {"type": "boolean", "default": false},
        "writeOnly": {"type": "boolean", "default": false},
        "examples": {"type": "array", "items": true}
    }
}$j$),
('https://json-schema.org/draft/2020-12/meta/format-annotation', $j${
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://json-schema.org/draft/2020-12/meta/format-annotation",
    "$dynamicAnchor": "meta",
    "title": "Format vocabulary meta-schema for annotation results",
    "type": ["object", "boolean"],
    "properties": {
        "format": {"type": "string"}
    }
}$j$),
('https://json-schema.org/draft/2020-12/meta/content', $j${
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://json-schema.org/draft/2020-12/meta/content",
    "$dynamicAnchor": "meta",
    "title": "Content vocabulary meta-schema",
    "type": ["object", "boolean"],
    "properties": {
        "contentEncoding": {"type": "string"},
        "contentMediaType": {"type": "string"},
        "contentSchema": {"$dynamicRef": "#meta"}
    }
}$j$);

-- One token of a JSON Pointer (RFC 6901).
CREATE FUNCTION orchestrator.json_pointer_token(token text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT pg_catalog.replace(pg_catalog.replace(token, '~', '~0'), '/', '~1')
$$;
COMMENT ON FUNCTION orchestrator.json_pointer_token(text) IS
'One reference token of a JSON Pointer (RFC 6901): ~ as ~0, / as ~1.';

-- A URI fragment's %XX escapes (a JSON Pointer in "$ref" may be percent-encoded).
CREATE FUNCTION orchestrator.json_schema_pct_decode(s text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(pg_catalog.convert_from(pg_catalog.string_agg(
               CASE WHEN m[1] IS NOT NULL THEN pg_catalog.decode(pg_catalog.substr(m[1], 2), 'hex')
                    ELSE pg_catalog.convert_to(m[2], 'UTF8') END, ''::bytea ORDER BY o), 'UTF8'), '')
    FROM pg_catalog.regexp_matches(s, '(%[0-9A-Fa-f]{2})|([^%]+|%)', 'g') WITH ORDINALITY AS x(m, o)
$$;
COMMENT ON FUNCTION orchestrator.json_schema_pct_decode(text) IS
'Decodes the %XX escapes of a URI fragment (UTF-8).';

-- RFC 3986 section 5.2: a reference resolved against a base URI; an empty fragment is dropped.
CREATE FUNCTION orchestrator.json_schema_uri(base text, ref text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    b text[]; r text[];
    scheme text; auth text; path text; query text; frag text;
    segs text[]; outs text[] := '{}'::text[]; n integer;
BEGIN
    IF ref ~ '^[A-Za-z][A-Za-z0-9+.-]*:' THEN
        r := pg_catalog.regexp_match(ref, '^([A-Za-z][A-Za-z0-9+.-]*:)(//[^/?#]*)?([^?#]*)(\?[^#]*)?(#.*)?$');
        scheme := r[1]; auth := coalesce(r[2], ''); path := r[3]; query := coalesce(r[4], ''); frag := coalesce(r[5], '');
    ELSE
        b := pg_catalog.regexp_match(coalesce(base, ''), '^([A-Za-z][A-Za-z0-9+.-]*:)?(//[^/?#]*)?([^?#]*)(\?[^#]*)?');
        r := pg_catalog.regexp_match(ref, '^(//[^/?#]*)?([^?#]*)(\?[^#]*)?(#.*)?$');
        scheme := coalesce(b[1], ''); auth := coalesce(b[2], ''); frag := coalesce(r[4], '');
        IF r[1] IS NOT NULL THEN
            auth := r[1]; path := r[2]; query := coalesce(r[3], '');
        ELSIF r[2] = '' THEN
            path := b[3]; query := coalesce(r[3], b[4], '');
        ELSIF pg_catalog.left(r[2], 1) = '/' THEN
            path := r[2]; query := coalesce(r[3], '');
        ELSE
            path := CASE WHEN auth <> '' AND b[3] = '' THEN '/' ELSE coalesce(pg_catalog.substring(b[3], '^(.*/)'), '') END || r[2];
            query := coalesce(r[3], '');
        END IF;
    END IF;
    IF path ~ '(^|/)\.\.?(/|$)' THEN  -- remove dot segments
        segs := pg_catalog.string_to_array(path, '/');
        n := pg_catalog.cardinality(segs);
        FOR i IN 1 .. n LOOP
            IF segs[i] = '..' THEN
                IF pg_catalog.cardinality(outs) > 1 OR (pg_catalog.cardinality(outs) = 1 AND outs[1] <> '') THEN
                    outs := outs[1 : pg_catalog.cardinality(outs) - 1];
                END IF;
                IF i = n THEN outs := outs || ''::text; END IF;
            ELSIF segs[i] = '.' THEN
                IF i = n THEN outs := outs || ''::text; END IF;
            ELSE
                outs := outs || segs[i];
            END IF;
        END LOOP;
        path := pg_catalog.array_to_string(outs, '/');
    END IF;
    RETURN scheme || auth || path || query || CASE WHEN frag = '#' THEN '' ELSE frag END;
END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_uri(text, text) IS
'A URI reference resolved against a base URI (RFC 3986, 5.2), without an empty fragment: how "$id", "$ref" and "$dynamicRef" are resolved.';

-- ECMA-262 (what JSON Schema patterns are written in) and PostgreSQL's regular expressions (ARE)
-- share most syntax but read some of it differently: \d, \w, \s are ASCII digits and word
-- characters and Unicode white space in ECMA-262, locale classes in PostgreSQL; "." does not match
-- line terminators in ECMA-262; \b is a word boundary in ECMA-262 and a backspace in PostgreSQL
-- (\y there). Those are translated. What has no equal meaning in both (back-references, \p{..},
-- named groups, [[:alpha:]], [] and [^], \c, \k, letters PostgreSQL escapes differently) gives NULL.
CREATE FUNCTION orchestrator.json_schema_regex(pattern text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    ws  CONSTANT text := E'\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff';
    dot CONSTANT text := E'[^\n\r\u2028\u2029]';
    out text := '';
    n integer := pg_catalog.length(pattern);
    i integer := 1;
    c text; d text; cls text; cp integer; lo integer;
    in_class boolean := false;
BEGIN
    WHILE i <= n LOOP
        c := pg_catalog.substr(pattern, i, 1);
        IF c = '\' THEN
            i := i + 1;
            d := pg_catalog.substr(pattern, i, 1);
            cls := CASE pg_catalog.lower(d) WHEN 'd' THEN '0-9' WHEN 'w' THEN 'A-Za-z0-9_' WHEN 's' THEN ws END;
            IF d = '' THEN
                RETURN NULL;
            ELSIF cls IS NOT NULL AND d IN ('d', 'w', 's') THEN
                out := out || CASE WHEN in_class THEN cls ELSE '[' || cls || ']' END;
            ELSIF cls IS NOT NULL THEN  -- \D \W \S
                IF in_class THEN RETURN NULL; END IF;
                out := out || '[^' || cls || ']';
            ELSIF d = 'b' THEN
                out := out || CASE WHEN in_class THEN '\b' ELSE '\y' END;
            ELSIF d = 'B' AND NOT in_class THEN
                out := out || '\Y';
            ELSIF d IN ('t', 'n', 'r', 'f', 'v') THEN
                out := out || '\' || d;
            ELSIF (d = 'u' AND pg_catalog.substr(pattern, i + 1, 4) ~ '^[0-9A-Fa-f]{4}$') OR (d = 'x' AND pg_catalog.substr(pattern, i + 1, 2) ~ '^[0-9A-Fa-f]{2}$') THEN
                lo := (d = 'u')::integer * 2 + 2;  -- hex digits
                cp := ('x' || pg_catalog.lpad(pg_catalog.substr(pattern, i + 1, lo), 8, '0'))::bit(32)::integer;
                i := i + lo;
                IF cp BETWEEN 55296 AND 56319 AND pg_catalog.substr(pattern, i + 1, 6) ~ '^\\u[dD][c-fC-F][0-9A-Fa-f]{2}$' THEN
                    lo := ('x' || pg_catalog.lpad(pg_catalog.substr(pattern, i + 3, 4), 8, '0'))::bit(32)::integer;
                    cp := 65536 + (cp - 55296) * 1024 + (lo - 56320);
                    i := i + 6;
                ELSIF cp BETWEEN 55296 AND 57343 OR cp = 0 THEN
                    RETURN NULL;  -- a lone surrogate or NUL: no PostgreSQL text holds them
                END IF;
                out := out || CASE WHEN cp < 128 AND pg_catalog.chr(cp) !~ '[A-Za-z0-9]' THEN '\' ELSE '' END || pg_catalog.chr(cp);
            ELSIF d ~ '[A-Za-z0-9]' THEN
                RETURN NULL;
            ELSE
                out := out || '\' || d;  -- an escaped punctuation character is itself in both
            END IF;
        ELSIF in_class THEN
            IF c = ']' THEN
                in_class := false;
            ELSIF c = '[' AND pg_catalog.substr(pattern, i + 1, 1) IN (':', '.', '=') THEN
                RETURN NULL;
            END IF;
            out := out || c;
        ELSIF c = '[' THEN
            in_class := true;
            out := out || c;
            IF pg_catalog.substr(pattern, i + 1, 1) = '^' THEN
                out := out || '^';
                i := i + 1;
            END IF;
            IF pg_catalog.substr(pattern, i + 1, 1) = ']' THEN RETURN NULL; END IF;
        ELSIF c = '.' THEN
            out := out || dot;
        ELSIF c = '(' AND pg_catalog.substr(pattern, i + 1, 1) = '?'
              AND pg_catalog.substr(pattern, i + 2, 1) NOT IN (':', '=', '!')
              AND pg_catalog.substr(pattern, i + 2, 2) NOT IN ('<=', '<!') THEN
            RETURN NULL;
        ELSE
            out := out || c;
        END IF;
        i := i + 1;
    END LOOP;
    RETURN CASE WHEN in_class THEN NULL ELSE out END;
END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_regex(text) IS
'An ECMA-262 pattern of JSON Schema as a PostgreSQL regular expression with the same matches, or NULL when it uses what the two dialects read differently (back-references, \p{..}, named groups, POSIX classes, [] and [^], \c, \k).
Example: SELECT orchestrator.json_schema_regex(''^\d+\.\w$'');';

-- The keywords this validator knows: the draft 2020-12 vocabularies (core, applicator,
-- unevaluated, validation, meta-data, format-annotation, content). The registration check
-- refuses any other keyword, so that none is silently ignored.
CREATE FUNCTION orchestrator.json_schema_keywords() RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT '{$schema,$id,$ref,$anchor,$dynamicRef,$dynamicAnchor,$vocabulary,$comment,$defs,
             prefixItems,items,contains,additionalProperties,properties,patternProperties,dependentSchemas,
             propertyNames,if,then,else,allOf,anyOf,oneOf,not,unevaluatedItems,unevaluatedProperties,
             type,const,enum,multipleOf,maximum,exclusiveMaximum,minimum,exclusiveMinimum,maxLength,minLength,
             pattern,maxItems,minItems,uniqueItems,maxContains,minContains,maxProperties,minProperties,required,
             dependentRequired,title,description,default,deprecated,readOnly,writeOnly,examples,format,
             contentEncoding,contentMediaType,contentSchema}'::text[]
$$;
COMMENT ON FUNCTION orchestrator.json_schema_keywords() IS
'The keywords of the draft 2020-12 vocabularies that orchestrator.json_schema_errors evaluates or keeps as annotations.';

-- One pass over a schema document, following only the keywords whose values are schemas (so that
-- an "$id" inside "enum" or a property named "$ref" is no identifier). It collects into acc:
--   idx:      URI (resource, or resource#anchor) -> {p: path in the document, pb: base URI before
--             the node's own "$id", b: the resource URI, d: true for a "$dynamicAnchor"}
--   re:       pattern -> its PostgreSQL translation (null when outside the common dialect)
--   refs:     [{pointer, keyword, uri, path}]: resolved at compile time, checked by the check
--   problems: [{pointer, problem}] (only when check: unknown keywords, patterns)
--   doc:      the document, each schema object with "properties" given "@names", the names of its
--             properties as an array (the validator loops over it without a query), and each
--             schema object of value keywords only (type, lengths, bounds, pattern, enum, const,
--             annotations) marked "@leaf": orchestrator.json_schema_leaf checks it in one expression
CREATE FUNCTION orchestrator.json_schema_walk(node jsonb, base text, path text[], acc jsonb, check_problems boolean)
RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    pb CONSTANT text := base;
    ptr text;
    k text; v jsonb; kk text; vv jsonb; rx text; msg text;
BEGIN
    IF pg_catalog.jsonb_typeof(node) IS DISTINCT FROM 'object' THEN
        RETURN acc;
    ELSIF pg_catalog.cardinality(path) > 400 THEN  -- well inside max_stack_depth (2MB)
        RAISE EXCEPTION 'schema: nested deeper than 400 levels' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF check_problems OR node ?| '{$ref,$dynamicRef,pattern,patternProperties}' THEN
        ptr := coalesce((SELECT pg_catalog.string_agg('/' || orchestrator.json_pointer_token(t), '' ORDER BY o)
                         FROM pg_catalog.unnest(path) WITH ORDINALITY AS u(t, o)), '');
    END IF;
    IF node ?| '{@names,@target,@leaf}' THEN  -- the compiler's own keys: never taken from the input
        acc := ((acc #- (ARRAY['doc'] || path || '@names'::text)) #- (ARRAY['doc'] || path || '@target'::text))
               #- (ARRAY['doc'] || path || '@leaf'::text);
    END IF;
    IF node - '{type,enum,const,minLength,maxLength,pattern,minimum,maximum,exclusiveMinimum,exclusiveMaximum,
                multipleOf,minItems,maxItems,minProperties,maxProperties,format,title,description,default,
                examples,deprecated,readOnly,writeOnly,$comment,$schema,contentEncoding,contentMediaType,@names,@target,@leaf}'::text[] = '{}' THEN
        acc := pg_catalog.jsonb_set(acc, ARRAY['doc'] || path || '@leaf'::text, 'true');
    END IF;
    IF pg_catalog.jsonb_typeof(node->'properties') = 'object' THEN
        acc := pg_catalog.jsonb_set(acc, ARRAY['doc'] || path || '@names'::text,
                   coalesce((SELECT pg_catalog.jsonb_agg(e) FROM pg_catalog.jsonb_object_keys(node->'properties') e), '[]'));
    END IF;
    IF pg_catalog.jsonb_typeof(node->'$id') = 'string' THEN
        base := pg_catalog.split_part(orchestrator.json_schema_uri(base, node->>'$id'), '#', 1);
        acc := pg_catalog.jsonb_set(acc, ARRAY['idx', base], pg_catalog.jsonb_build_object('p', path::text, 'pb', pb, 'b', base));
    END IF;
    IF pg_catalog.jsonb_typeof(node->'$anchor') = 'string' THEN
        acc := pg_catalog.jsonb_set(acc, ARRAY['idx', base || '#' || (node->>'$anchor')],
                                    pg_catalog.jsonb_build_object('p', path::text, 'pb', pb, 'b', base));
    END IF;
    IF pg_catalog.jsonb_typeof(node->'$dynamicAnchor') = 'string' THEN
        acc := pg_catalog.jsonb_set(acc, ARRAY['idx', base || '#' || (node->>'$dynamicAnchor')],
                                    pg_catalog.jsonb_build_object('p', path::text, 'pb', pb, 'b', base, 'd', true));
    END IF;
    -- Queries only where there is something to find: most schema objects are leaves.
    IF node ?| '{additionalProperties,propertyNames,items,contains,not,if,then,else,unevaluatedItems,unevaluatedProperties,
                 contentSchema,$defs,definitions,properties,patternProperties,dependentSchemas,allOf,anyOf,oneOf,prefixItems}' THEN
        FOR k, v IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(node) e
                    WHERE e.key IN ('additionalProperties', 'propertyNames', 'items', 'contains', 'not', 'if', 'then', 'else',
                                    'unevaluatedItems', 'unevaluatedProperties', 'contentSchema', '$defs', 'definitions', 'properties',
                                    'patternProperties', 'dependentSchemas', 'allOf', 'anyOf', 'oneOf', 'prefixItems') LOOP
            IF k IN ('additionalProperties', 'propertyNames', 'items', 'contains', 'not', 'if', 'then', 'else',
                     'unevaluatedItems', 'unevaluatedProperties', 'contentSchema') THEN
                acc := orchestrator.json_schema_walk(v, base, path || k, acc, check_problems);
            ELSIF k IN ('$defs', 'definitions', 'properties', 'patternProperties', 'dependentSchemas') THEN
                IF pg_catalog.jsonb_typeof(v) = 'object' THEN
                    FOR kk, vv IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(v) e LOOP
                        acc := orchestrator.json_schema_walk(vv, base, path || k || kk, acc, check_problems);
                    END LOOP;
                END IF;
            ELSIF k IN ('allOf', 'anyOf', 'oneOf', 'prefixItems') THEN
                IF pg_catalog.jsonb_typeof(v) = 'array' THEN
                    FOR i IN 0 .. pg_catalog.jsonb_array_length(v) - 1 LOOP
                        acc := orchestrator.json_schema_walk(v->i, base, path || k || i::text, acc, check_problems);
                    END LOOP;
                END IF;
            END IF;
        END LOOP;
    END IF;
    FOREACH k IN ARRAY '{$ref,$dynamicRef}'::text[] LOOP
        IF pg_catalog.jsonb_typeof(node->k) = 'string' THEN
            acc := pg_catalog.jsonb_set(acc, '{refs}', (acc->'refs') || pg_catalog.jsonb_build_object(
                       'pointer', ptr || '/' || k, 'keyword', k, 'uri', orchestrator.json_schema_uri(base, node->>k), 'path', path::text));
        END IF;
    END LOOP;
    IF check_problems THEN
        FOR k IN SELECT e FROM pg_catalog.jsonb_object_keys(node) e WHERE e <> ALL (orchestrator.json_schema_keywords()) LOOP
            acc := pg_catalog.jsonb_set(acc, '{problems}', (acc->'problems') || pg_catalog.jsonb_build_object(
                       'pointer', ptr || '/' || orchestrator.json_pointer_token(k),
                       'problem', pg_catalog.format('keyword "%s" is not supported (draft 2020-12 vocabularies only%s)', k,
                                  CASE k WHEN 'definitions' THEN '; use "$defs"'
                                         WHEN 'dependencies' THEN '; use "dependentRequired" or "dependentSchemas"' ELSE '' END)));
        END LOOP;
    END IF;
    -- Patterns: the value of "pattern" and the names of "patternProperties".
    IF node ?| '{pattern,patternProperties}' THEN
        FOR kk, k IN SELECT ptr || '/pattern', node->>'pattern' WHERE pg_catalog.jsonb_typeof(node->'pattern') = 'string'
                     UNION ALL
                     SELECT ptr || '/patternProperties/' || orchestrator.json_pointer_token(e), e
                     FROM pg_catalog.jsonb_object_keys(CASE WHEN pg_catalog.jsonb_typeof(node->'patternProperties') = 'object'
                                                            THEN node->'patternProperties' END) e LOOP
            rx := orchestrator.json_schema_regex(k);
            acc := pg_catalog.jsonb_set(acc, ARRAY['re', k], coalesce(pg_catalog.to_jsonb(rx), 'null'));
            IF check_problems THEN
                msg := NULL;
                IF rx IS NULL THEN
                    msg := 'uses what ECMA-262 and PostgreSQL regular expressions read differently (back-references, \p{...}, named groups, [[:class:]], [] or [^], \c, \k, other letter escapes)';
                ELSE
                    BEGIN
                        PERFORM '' ~ rx;
                    EXCEPTION WHEN invalid_regular_expression THEN
                        msg := SQLERRM;
                    END;
                END IF;
                IF msg IS NOT NULL THEN
                    acc := pg_catalog.jsonb_set(acc, '{problems}', (acc->'problems') || pg_catalog.jsonb_build_object(
                               'pointer', kk, 'problem', pg_catalog.format('pattern %s: %s', pg_catalog.to_jsonb(k), msg)));
                END IF;
            END IF;
        END LOOP;
    END IF;
    RETURN acc;
END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_walk(jsonb, text, text[], jsonb, boolean) IS
'One pass over a schema document along the keywords whose values are schemas: identifiers and anchors by URI, patterns translated, references, and (with check) unknown keywords and patterns outside the common dialect.';

CREATE FUNCTION orchestrator.json_schema_walk_start(schema jsonb, check_problems boolean) RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT orchestrator.json_schema_walk(schema, '', '{}',
               pg_catalog.jsonb_build_object('doc', schema, 'idx', '{"": {"p": "{}", "pb": "", "b": ""}}'::jsonb,
                                             're', '{}'::jsonb, 'refs', '[]'::jsonb, 'problems', '[]'::jsonb), check_problems)
$$;
COMMENT ON FUNCTION orchestrator.json_schema_walk_start(jsonb, boolean) IS
'orchestrator.json_schema_walk from the root of a document whose own URI is unknown (the empty base).';

-- Each "$ref" that lands inside the document gets "@target" beside it: the target's path, base URI
-- and resource. The base URI of a keyword is fixed by where it stands, so this is the resolution
-- the validator would make on every visit.
CREATE FUNCTION orchestrator.json_schema_compile(schema jsonb, bundled text DEFAULT NULL) RETURNS jsonb
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    walked CONSTANT jsonb := orchestrator.json_schema_walk_start(schema, false);
    ctx jsonb := pg_catalog.jsonb_build_object('doc', walked->'doc', 'idx', walked->'idx', 're', walked->'re');
    ref jsonb;
    tg record;
BEGIN
    IF walked->'refs' = '[]' THEN
        RETURN ctx;
    END IF;
    FOR ref IN SELECT r FROM pg_catalog.jsonb_array_elements(walked->'refs') r WHERE r->>'keyword' = '$ref' LOOP
        SELECT * INTO tg FROM orchestrator.json_schema_target(ctx, ref->>'uri');
        IF tg.local THEN
            ctx := pg_catalog.jsonb_set(ctx, ARRAY['doc'] || (ref->>'path')::text[] || '@target'::text,
                       pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object('p', tg.path::text, 'b', tg.base, 'r', tg.resource, 'd', bundled)));
        END IF;
    END LOOP;
    RETURN ctx;
END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_compile(jsonb, text) IS
'A schema prepared for validation: {doc (the schema with the compiler''s "@names" property lists, "@target" resolved references and "@leaf" marks), idx (URIs of its resources and anchors), re (its patterns for PostgreSQL)}. Compile once, validate often. bundled: the URI of a bundled schema being compiled (its references then name it).
Example: SELECT orchestrator.json_schema_is_valid(orchestrator.json_schema_compile(''{"type": "integer"}''), ''1.0'');';

-- Where a URI points: the schema, the base URI to evaluate it with, its resource, and whether it is
-- a "$dynamicAnchor". Looks in the document, then in the bundled meta-schemas; all NULL if nowhere.
CREATE FUNCTION orchestrator.json_schema_target(ctx jsonb, uri text,
    OUT schema jsonb, OUT base text, OUT resource text, OUT dynamic boolean, OUT path text[], OUT local boolean)
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    r CONSTANT text := pg_catalog.split_part(uri, '#', 1);
    f text := pg_catalog.substr(uri, pg_catalog.length(r) + 2);
    pointer boolean;
    doc jsonb := ctx->'doc';
    e jsonb;
BEGIN
    IF pg_catalog.strpos(f, '%') > 0 THEN
        f := orchestrator.json_schema_pct_decode(f);
    END IF;
    pointer := f = '' OR pg_catalog.left(f, 1) = '/';
    e := ctx->'idx'->(CASE WHEN pointer THEN r ELSE r || '#' || f END);
    local := e IS NOT NULL;
    IF e IS NULL THEN
        SELECT b.ctx->'doc', b.ctx->'idx'->(CASE WHEN pointer THEN r ELSE r || '#' || f END) INTO doc, e
        FROM orchestrator.json_schema_bundled b WHERE b.uri = r;
        IF e IS NULL THEN
            RETURN;
        END IF;
    END IF;
    path := (e->>'p')::text[];
    IF f <> '' AND pointer THEN
        path := path || ARRAY(SELECT pg_catalog.replace(pg_catalog.replace(t, '~1', '/'), '~0', '~')
                              FROM pg_catalog.unnest(pg_catalog.string_to_array(pg_catalog.substr(f, 2), '/')) WITH ORDINALITY AS u(t, o)
                              ORDER BY o);
        base := e->>'b';
    ELSE
        base := e->>'pb';
    END IF;
    schema := doc #> path;
    IF schema IS NULL THEN
        local := NULL;
        RETURN;
    END IF;
    resource := e->>'b';
    dynamic := NOT pointer AND coalesce((e->>'d')::boolean, false);
END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_target(jsonb, text) IS
'The schema an absolute URI points to (in the compiled document, else in a bundled meta-schema), with the base URI to evaluate it in, its resource and whether it is a "$dynamicAnchor"; NULLs when it points nowhere.';

CREATE TYPE orchestrator.json_schema_state AS (
    ok     boolean,
    errors jsonb,     -- [{instance_location, schema_location, message}] when asked for
    props  text[],    -- annotations: property names evaluated (for unevaluatedProperties)
    items  integer,   -- annotations: leading array items evaluated (for unevaluatedItems)
    citems integer[]  -- annotations: array items matched by contains
);
COMMENT ON TYPE orchestrator.json_schema_state IS
'The outcome of one schema on one instance location: valid or not, the errors when asked for, and the annotations the unevaluated* keywords read.';

CREATE FUNCTION orchestrator.json_schema_error(instance_location text, schema_location text, message text) RETURNS jsonb
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
        'instance_location', instance_location, 'schema_location', schema_location, 'message', message))
$$;
COMMENT ON FUNCTION orchestrator.json_schema_error(text, text, text) IS
'One validation error, as the one-element array that orchestrator.json_schema_eval appends.';

-- The pattern of the compiled schema, ready for ~.
CREATE FUNCTION orchestrator.json_schema_rx(ctx jsonb, pattern text) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    rx text := coalesce(ctx->'re'->>pattern, orchestrator.json_schema_regex(pattern));
BEGIN
    IF rx IS NULL THEN
        RAISE EXCEPTION 'schema: pattern % is outside the regular expressions ECMA-262 and PostgreSQL agree on', pg_catalog.to_jsonb(pattern)
            USING ERRCODE = 'invalid_regular_expression', HINT = 'Check the schema with api.json_schema_check.';
    END IF;
    RETURN rx;
END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_rx(jsonb, text) IS
'A pattern of a compiled schema as a PostgreSQL regular expression; 2201B when it has none.';

-- enum: JSON equality (jsonb = : 1 = 1.0, key order irrelevant); containment answers scalars.
CREATE FUNCTION orchestrator.json_schema_in(enum jsonb, value jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN pg_catalog.jsonb_typeof($2) IN ('object', 'array')
                THEN EXISTS (SELECT FROM pg_catalog.jsonb_array_elements($1) AS e(item) WHERE e.item = $2)
                ELSE $1 @> pg_catalog.jsonb_build_array($2) END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_in(jsonb, jsonb) IS
'Whether value is one of the array enum, by JSON equality (1 = 1.0; objects regardless of key order).';

CREATE FUNCTION orchestrator.json_schema_unique(items jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (SELECT pg_catalog.count(DISTINCT e) FROM pg_catalog.jsonb_array_elements(items) e) = pg_catalog.jsonb_array_length(items)
$$;
COMMENT ON FUNCTION orchestrator.json_schema_unique(jsonb) IS
'Whether the items of a JSON array are unique by JSON equality (uniqueItems).';

CREATE FUNCTION orchestrator.json_schema_failed() RETURNS orchestrator.json_schema_state
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT (false, NULL, NULL, 0, NULL)::orchestrator.json_schema_state
$$;
COMMENT ON FUNCTION orchestrator.json_schema_failed() IS
'The outcome of a failed schema when the errors are not asked for.';

-- The validator: one schema (s) against one instance location. mode: 1 = collect every error
-- (else stop at the first), 2 = the caller needs the annotations of this location (an
-- unevaluated* keyword above). Annotations of a failing schema are dropped, as the spec says.
CREATE FUNCTION orchestrator.json_schema_eval(
    ctx jsonb, s jsonb, inst jsonb, base text, dyn text[], ipath text, spath text, mode integer, depth integer
) RETURNS orchestrator.json_schema_state
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    want_err CONSTANT boolean := mode & 1 = 1;
    emode CONSTANT integer := mode & 1;  -- for subschemas on child locations
    t CONSTANT text := pg_catalog.jsonb_typeof(inst);
    ann boolean;
    cmode integer;                       -- for subschemas on this location
    ok boolean := true;
    errs jsonb := '[]'::jsonb;
    props text[] := '{}'::text[];
    nitems integer := 0;
    citems integer[] := '{}'::integer[];
    r orchestrator.json_schema_state;
    first orchestrator.json_schema_state;
    tg record; tg2 record;
    v jsonb; w jsonb; sub jsonb; rest jsonb; k text; u text; rx text; str text; num numeric;
    n integer; m integer; cnt integer;
BEGIN
    IF pg_catalog.jsonb_typeof(s) = 'boolean' THEN
        IF s = 'true' THEN
            RETURN (true, NULL::jsonb, NULL::text[], 0, NULL::integer[])::orchestrator.json_schema_state;
        END IF;
        RETURN (false, CASE WHEN want_err THEN orchestrator.json_schema_error(ipath, spath, 'no value is valid against the schema false') END, NULL::text[], 0, NULL::integer[])::orchestrator.json_schema_state;
    ELSIF pg_catalog.jsonb_typeof(s) IS DISTINCT FROM 'object' THEN
        RAISE EXCEPTION 'schema: % is not a schema (an object or a boolean)', coalesce(NULLIF(spath, ''), '/')
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Check the schema with api.json_schema_check.';
    ELSIF depth > 250 THEN  -- well inside max_stack_depth (2MB)
        RAISE EXCEPTION 'schema: evaluation deeper than 250 schemas (a "$ref" cycle, or a value nested too deep) at %', pg_catalog.left(spath, 200)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    ann := mode & 2 = 2 OR s ?| '{unevaluatedProperties,unevaluatedItems}';
    cmode := emode | CASE WHEN ann THEN 2 ELSE 0 END;

    v := s->'type';
    IF v IS NOT NULL AND NOT (v ? t OR (t = 'number' AND v ? 'integer' AND inst::numeric % 1 = 0)) THEN
        IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
        ok := false;
        errs := errs || orchestrator.json_schema_error(ipath, spath || '/type', pg_catalog.format('a %s is not of type %s', t, v));
    END IF;

    IF s ?| '{$id,$ref,$dynamicRef,enum,const,allOf,anyOf,oneOf,not,if,dependentSchemas}' THEN
        v := s->'$id';
        IF pg_catalog.jsonb_typeof(v) = 'string' THEN
            base := pg_catalog.split_part(orchestrator.json_schema_uri(base, v->>0), '#', 1);
            IF dyn[pg_catalog.cardinality(dyn)] IS DISTINCT FROM base THEN
                dyn := dyn || base;
            END IF;
        END IF;

        v := s->'$ref';
        IF pg_catalog.jsonb_typeof(v) = 'string' THEN
            w := s->'@target';  -- resolved by the compiler
            IF w ? 'd' THEN  -- inside a bundled meta-schema
                SELECT b.ctx->'doc' #> (w->>'p')::text[] INTO sub FROM orchestrator.json_schema_bundled b WHERE b.uri = w->>'d';
                u := w->>'b';
                k := w->>'r';
            ELSIF w IS NOT NULL THEN
                sub := ctx->'doc' #> (w->>'p')::text[];
                u := w->>'b';
                k := w->>'r';
            ELSE
                SELECT * INTO tg FROM orchestrator.json_schema_target(ctx, orchestrator.json_schema_uri(base, v->>0));
                IF tg.schema IS NULL THEN
                    RAISE EXCEPTION 'schema: "$ref" % at %/$ref does not resolve', v, pg_catalog.left(spath, 200)
                        USING ERRCODE = 'invalid_parameter_value', HINT = 'Only references inside the schema and to the draft 2020-12 meta-schemas resolve.';
                END IF;
                sub := tg.schema; u := tg.base; k := tg.resource;
            END IF;
            r := orchestrator.json_schema_eval(ctx, sub, inst, u,
                     CASE WHEN dyn[pg_catalog.cardinality(dyn)] IS DISTINCT FROM k THEN dyn || k ELSE dyn END,
                     ipath, spath || '/$ref', cmode, depth + 1);
            IF NOT r.ok THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false; errs := errs || r.errors;
            ELSIF ann THEN
                props := props || r.props; nitems := pg_catalog.int4larger(nitems, r.items); citems := citems || r.citems;
            END IF;
        END IF;

        -- "$dynamicRef": resolved like "$ref"; when that lands on a "$dynamicAnchor", the outermost
        -- resource of the dynamic scope with a "$dynamicAnchor" of that name wins.
        v := s->'$dynamicRef';
        IF pg_catalog.jsonb_typeof(v) = 'string' THEN
            u := orchestrator.json_schema_uri(base, v->>0);
            SELECT * INTO tg FROM orchestrator.json_schema_target(ctx, u);
            IF tg.schema IS NULL THEN
                RAISE EXCEPTION 'schema: "$dynamicRef" % at %/$dynamicRef does not resolve', v, pg_catalog.left(spath, 200)
                    USING ERRCODE = 'invalid_parameter_value', HINT = 'Only references inside the schema and to the draft 2020-12 meta-schemas resolve.';
            END IF;
            IF tg.dynamic THEN
                FOREACH k IN ARRAY dyn LOOP
                    SELECT * INTO tg2 FROM orchestrator.json_schema_target(ctx, k || '#' || pg_catalog.split_part(u, '#', 2));
                    IF tg2.dynamic THEN
                        tg := tg2;
                        EXIT;
                    END IF;
                END LOOP;
            END IF;
            r := orchestrator.json_schema_eval(ctx, tg.schema, inst, tg.base,
                     CASE WHEN dyn[pg_catalog.cardinality(dyn)] IS DISTINCT FROM tg.resource THEN dyn || tg.resource ELSE dyn END,
                     ipath, spath || '/$dynamicRef', cmode, depth + 1);
            IF NOT r.ok THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false; errs := errs || r.errors;
            ELSIF ann THEN
                props := props || r.props; nitems := pg_catalog.int4larger(nitems, r.items); citems := citems || r.citems;
            END IF;
        END IF;

        v := s->'enum';
        IF v IS NOT NULL AND NOT orchestrator.json_schema_in(v, inst) THEN
            IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
            ok := false;
            errs := errs || orchestrator.json_schema_error(ipath, spath || '/enum', pg_catalog.format('value is not one of %s', pg_catalog.left(v::text, 200)));
        END IF;

        v := s->'const';
        IF v IS NOT NULL AND v <> inst THEN
            IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
            ok := false;
            errs := errs || orchestrator.json_schema_error(ipath, spath || '/const', pg_catalog.format('value is not %s', pg_catalog.left(v::text, 200)));
        END IF;

        v := s->'allOf';
        IF pg_catalog.jsonb_typeof(v) = 'array' THEN
            FOR i IN 0 .. pg_catalog.jsonb_array_length(v) - 1 LOOP
                r := orchestrator.json_schema_eval(ctx, v->i, inst, base, dyn, ipath, spath || '/allOf/' || i, cmode, depth + 1);
                IF NOT r.ok THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false; errs := errs || r.errors;
                ELSIF ann THEN
                    props := props || r.props; nitems := pg_catalog.int4larger(nitems, r.items); citems := citems || r.citems;
                END IF;
            END LOOP;
        END IF;

        -- anyOf, oneOf, not, if: branches are only asked whether they hold (and for annotations).
        v := s->'anyOf';
        IF pg_catalog.jsonb_typeof(v) = 'array' THEN
            cnt := 0;
            FOR i IN 0 .. pg_catalog.jsonb_array_length(v) - 1 LOOP
                r := orchestrator.json_schema_eval(ctx, v->i, inst, base, dyn, ipath, spath || '/anyOf/' || i, cmode & 2, depth + 1);
                IF r.ok THEN
                    cnt := cnt + 1;
                    EXIT WHEN NOT ann;
                    props := props || r.props; nitems := pg_catalog.int4larger(nitems, r.items); citems := citems || r.citems;
                END IF;
            END LOOP;
            IF cnt = 0 THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false;
                errs := errs || orchestrator.json_schema_error(ipath, spath || '/anyOf', 'value matches none of the schemas of anyOf');
            END IF;
        END IF;

        v := s->'oneOf';
        IF pg_catalog.jsonb_typeof(v) = 'array' THEN
            cnt := 0;
            FOR i IN 0 .. pg_catalog.jsonb_array_length(v) - 1 LOOP
                r := orchestrator.json_schema_eval(ctx, v->i, inst, base, dyn, ipath, spath || '/oneOf/' || i, cmode & 2, depth + 1);
                IF r.ok THEN
                    cnt := cnt + 1;
                    EXIT WHEN cnt > 1;
                    first := r;
                END IF;
            END LOOP;
            IF cnt <> 1 THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false;
                errs := errs || orchestrator.json_schema_error(ipath, spath || '/oneOf',
                            CASE cnt WHEN 0 THEN 'value matches none of the schemas of oneOf' ELSE 'value matches more than one schema of oneOf' END);
            ELSIF ann THEN
                props := props || first.props; nitems := pg_catalog.int4larger(nitems, first.items); citems := citems || first.citems;
            END IF;
        END IF;

        v := s->'not';
        IF v IS NOT NULL AND (orchestrator.json_schema_eval(ctx, v, inst, base, dyn, ipath, spath || '/not', 0, depth + 1)).ok THEN
            IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
            ok := false;
            errs := errs || orchestrator.json_schema_error(ipath, spath || '/not', 'value must not be valid against the schema of not');
        END IF;

        v := s->'if';
        IF v IS NOT NULL THEN
            r := orchestrator.json_schema_eval(ctx, v, inst, base, dyn, ipath, spath || '/if', cmode & 2, depth + 1);
            IF r.ok THEN
                IF ann THEN
                    props := props || r.props; nitems := pg_catalog.int4larger(nitems, r.items); citems := citems || r.citems;
                END IF;
                k := 'then';
            ELSE
                k := 'else';
            END IF;
            w := s->k;
            IF w IS NOT NULL THEN
                r := orchestrator.json_schema_eval(ctx, w, inst, base, dyn, ipath, spath || '/' || k, cmode, depth + 1);
                IF NOT r.ok THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false; errs := errs || r.errors;
                ELSIF ann THEN
                    props := props || r.props; nitems := pg_catalog.int4larger(nitems, r.items); citems := citems || r.citems;
                END IF;
            END IF;
        END IF;

        v := s->'dependentSchemas';
        IF t = 'object' AND pg_catalog.jsonb_typeof(v) = 'object' THEN
            FOR k, sub IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(v) e WHERE inst ? e.key LOOP
                r := orchestrator.json_schema_eval(ctx, sub, inst, base, dyn, ipath,
                         spath || '/dependentSchemas/' || orchestrator.json_pointer_token(k), cmode, depth + 1);
                IF NOT r.ok THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false; errs := errs || r.errors;
                ELSIF ann THEN
                    props := props || r.props;
                END IF;
            END LOOP;
        END IF;
    END IF;

    IF t = 'object' THEN
        rest := inst;  -- the properties no "properties" entry evaluated
        v := s->'properties';
        IF pg_catalog.jsonb_typeof(v) = 'object' THEN
            w := s->'@names';
            IF w IS NULL THEN
                w := (SELECT pg_catalog.jsonb_agg(e) FROM pg_catalog.jsonb_object_keys(v) e);
            END IF;
            FOR i IN 0 .. pg_catalog.jsonb_array_length(w) - 1 LOOP
                k := w->>i;
                CONTINUE WHEN NOT inst ? k;
                sub := v->k;
                IF sub <> 'true' THEN
                    r := orchestrator.json_schema_eval(ctx, sub, inst->k, base, dyn, ipath || '/' || orchestrator.json_pointer_token(k),
                             spath || '/properties/' || orchestrator.json_pointer_token(k), emode, depth + 1);
                    IF NOT r.ok THEN
                        IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                        ok := false; errs := errs || r.errors;
                    END IF;
                END IF;
                rest := rest - k;
                IF ann THEN props := props || k; END IF;
            END LOOP;
        END IF;

        v := s->'patternProperties';
        IF pg_catalog.jsonb_typeof(v) = 'object' THEN
            FOR u, sub IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(v) e LOOP
                rx := orchestrator.json_schema_rx(ctx, u);
                FOR k IN SELECT e FROM pg_catalog.jsonb_object_keys(inst) e WHERE e ~ rx LOOP
                    r := orchestrator.json_schema_eval(ctx, sub, inst->k, base, dyn, ipath || '/' || orchestrator.json_pointer_token(k),
                             spath || '/patternProperties/' || orchestrator.json_pointer_token(u), emode, depth + 1);
                    IF NOT r.ok THEN
                        IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                        ok := false; errs := errs || r.errors;
                    END IF;
                    props := props || k;
                END LOOP;
            END LOOP;
        END IF;

        w := s->'additionalProperties';
        IF w IS NOT NULL AND rest <> '{}' AND (w <> 'true' OR ann) THEN
            FOR k IN SELECT e FROM pg_catalog.jsonb_object_keys(rest) e
                     WHERE NOT EXISTS (SELECT FROM pg_catalog.jsonb_object_keys(CASE WHEN v IS NOT NULL AND pg_catalog.jsonb_typeof(v) = 'object' THEN v END) p
                                       WHERE e ~ orchestrator.json_schema_rx(ctx, p)) LOOP
                IF w = 'false' THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false;
                    errs := errs || orchestrator.json_schema_error(ipath || '/' || orchestrator.json_pointer_token(k), spath || '/additionalProperties',
                                pg_catalog.format('property %s is not allowed', pg_catalog.to_jsonb(k)));
                ELSE
                    r := orchestrator.json_schema_eval(ctx, w, inst->k, base, dyn, ipath || '/' || orchestrator.json_pointer_token(k),
                             spath || '/additionalProperties', emode, depth + 1);
                    IF NOT r.ok THEN
                        IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                        ok := false; errs := errs || r.errors;
                    END IF;
                END IF;
                props := props || k;
            END LOOP;
        END IF;

        IF s ?| '{propertyNames,required,dependentRequired,minProperties,maxProperties}' THEN
            w := s->'propertyNames';
            IF w IS NOT NULL THEN
                FOR k IN SELECT pg_catalog.jsonb_object_keys(inst) LOOP
                    r := orchestrator.json_schema_eval(ctx, w, pg_catalog.to_jsonb(k), base, dyn, ipath || '/' || orchestrator.json_pointer_token(k),
                             spath || '/propertyNames', emode, depth + 1);
                    IF NOT r.ok THEN
                        IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                        ok := false; errs := errs || r.errors;
                    END IF;
                END LOOP;
            END IF;

            v := s->'required';
            IF pg_catalog.jsonb_typeof(v) = 'array' THEN
                FOR i IN 0 .. pg_catalog.jsonb_array_length(v) - 1 LOOP
                    CONTINUE WHEN inst ? (v->>i);
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false;
                    errs := errs || orchestrator.json_schema_error(ipath, spath || '/required',
                                        pg_catalog.format('required property %s is missing', v->i));
                END LOOP;
            END IF;

            v := s->'dependentRequired';
            IF pg_catalog.jsonb_typeof(v) = 'object' THEN
                FOR k, u IN SELECT e.key, d FROM pg_catalog.jsonb_each(v) e, pg_catalog.jsonb_array_elements_text(e.value) d
                            WHERE inst ? e.key AND NOT inst ? d LOOP
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false;
                    errs := errs || orchestrator.json_schema_error(ipath, spath || '/dependentRequired/' || orchestrator.json_pointer_token(k),
                                pg_catalog.format('property %s is required when %s is present', pg_catalog.to_jsonb(u), pg_catalog.to_jsonb(k)));
                END LOOP;
            END IF;

            IF s ?| '{minProperties,maxProperties}' THEN
                n := (SELECT pg_catalog.count(*) FROM pg_catalog.jsonb_object_keys(inst));
                IF n < (s->'minProperties')::numeric THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false;
                    errs := errs || orchestrator.json_schema_error(ipath, spath || '/minProperties', pg_catalog.format('%s properties, fewer than %s', n, s->'minProperties'));
                END IF;
                IF n > (s->'maxProperties')::numeric THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false;
                    errs := errs || orchestrator.json_schema_error(ipath, spath || '/maxProperties', pg_catalog.format('%s properties, more than %s', n, s->'maxProperties'));
                END IF;
            END IF;
        END IF;

        -- Last: it reads what every other keyword of this location evaluated.
        w := s->'unevaluatedProperties';
        IF w IS NOT NULL THEN
            FOR k IN SELECT e FROM pg_catalog.jsonb_object_keys(inst) e WHERE e <> ALL (props) LOOP
                r := orchestrator.json_schema_eval(ctx, w, inst->k, base, dyn, ipath || '/' || orchestrator.json_pointer_token(k),
                         spath || '/unevaluatedProperties', emode, depth + 1);
                IF NOT r.ok THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false; errs := errs || r.errors;
                END IF;
                props := props || k;
            END LOOP;
        END IF;

    ELSIF t = 'array' THEN
        n := pg_catalog.jsonb_array_length(inst);
        v := s->'prefixItems';
        m := 0;
        IF pg_catalog.jsonb_typeof(v) = 'array' THEN
            m := pg_catalog.jsonb_array_length(v);
            FOR i IN 0 .. pg_catalog.int4smaller(n, m) - 1 LOOP
                r := orchestrator.json_schema_eval(ctx, v->i, inst->i, base, dyn, ipath || '/' || i, spath || '/prefixItems/' || i, emode, depth + 1);
                IF NOT r.ok THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false; errs := errs || r.errors;
                END IF;
            END LOOP;
            nitems := pg_catalog.int4larger(nitems, pg_catalog.int4smaller(n, m));
        END IF;

        w := s->'items';
        IF w IS NOT NULL THEN
            FOR i IN m .. n - 1 LOOP
                r := orchestrator.json_schema_eval(ctx, w, inst->i, base, dyn, ipath || '/' || i, spath || '/items', emode, depth + 1);
                IF NOT r.ok THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false; errs := errs || r.errors;
                END IF;
            END LOOP;
            nitems := n;
        END IF;

        IF s ?| '{contains,minItems,maxItems,uniqueItems}' THEN
            w := s->'contains';
            IF w IS NOT NULL THEN
                cnt := 0;
                FOR i IN 0 .. n - 1 LOOP
                    IF (orchestrator.json_schema_eval(ctx, w, inst->i, base, dyn, ipath || '/' || i, spath || '/contains', 0, depth + 1)).ok THEN
                        cnt := cnt + 1;
                        citems := citems || i;
                    END IF;
                END LOOP;
                IF cnt < coalesce((s->'minContains')::numeric, 1) THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false;
                    errs := errs || orchestrator.json_schema_error(ipath, spath || CASE WHEN s ? 'minContains' THEN '/minContains' ELSE '/contains' END,
                                pg_catalog.format('%s items match contains, fewer than %s', cnt, coalesce((s->'minContains')::numeric, 1)));
                END IF;
                IF cnt > (s->'maxContains')::numeric THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false;
                    errs := errs || orchestrator.json_schema_error(ipath, spath || '/maxContains',
                                pg_catalog.format('%s items match contains, more than %s', cnt, s->'maxContains'));
                END IF;
            END IF;
            IF n < (s->'minItems')::numeric THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false;
                errs := errs || orchestrator.json_schema_error(ipath, spath || '/minItems', pg_catalog.format('%s items, fewer than %s', n, s->'minItems'));
            END IF;
            IF n > (s->'maxItems')::numeric THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false;
                errs := errs || orchestrator.json_schema_error(ipath, spath || '/maxItems', pg_catalog.format('%s items, more than %s', n, s->'maxItems'));
            END IF;
            IF s->'uniqueItems' = 'true' AND n > 1 AND NOT orchestrator.json_schema_unique(inst) THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false;
                errs := errs || orchestrator.json_schema_error(ipath, spath || '/uniqueItems', 'items are not unique');
            END IF;
        END IF;

        w := s->'unevaluatedItems';
        IF w IS NOT NULL THEN
            FOR i IN nitems .. n - 1 LOOP
                CONTINUE WHEN i = ANY (citems);
                r := orchestrator.json_schema_eval(ctx, w, inst->i, base, dyn, ipath || '/' || i, spath || '/unevaluatedItems', emode, depth + 1);
                IF NOT r.ok THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false; errs := errs || r.errors;
                END IF;
            END LOOP;
            nitems := n;
        END IF;

    ELSIF t = 'string' THEN
        IF s ?| '{minLength,maxLength,pattern}' THEN
            str := inst #>> '{}';
            n := pg_catalog.char_length(str);  -- code points
            IF n < (s->'minLength')::numeric THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false;
                errs := errs || orchestrator.json_schema_error(ipath, spath || '/minLength', pg_catalog.format('%s characters, fewer than %s', n, s->'minLength'));
            END IF;
            IF n > (s->'maxLength')::numeric THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false;
                errs := errs || orchestrator.json_schema_error(ipath, spath || '/maxLength', pg_catalog.format('%s characters, more than %s', n, s->'maxLength'));
            END IF;
            IF pg_catalog.jsonb_typeof(s->'pattern') = 'string' THEN
                IF str !~ orchestrator.json_schema_rx(ctx, s->>'pattern') THEN
                    IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                    ok := false;
                    errs := errs || orchestrator.json_schema_error(ipath, spath || '/pattern', pg_catalog.format('value does not match the pattern %s', s->'pattern'));
                END IF;
            END IF;
        END IF;

    ELSIF t = 'number' THEN
        IF s ?| '{minimum,maximum,exclusiveMinimum,exclusiveMaximum,multipleOf}' THEN
            num := inst::numeric;
            IF num < (s->'minimum')::numeric THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false;
                errs := errs || orchestrator.json_schema_error(ipath, spath || '/minimum', pg_catalog.format('%s is less than %s', num, s->'minimum'));
            END IF;
            IF num <= (s->'exclusiveMinimum')::numeric THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false;
                errs := errs || orchestrator.json_schema_error(ipath, spath || '/exclusiveMinimum', pg_catalog.format('%s is not greater than %s', num, s->'exclusiveMinimum'));
            END IF;
            IF num > (s->'maximum')::numeric THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false;
                errs := errs || orchestrator.json_schema_error(ipath, spath || '/maximum', pg_catalog.format('%s is greater than %s', num, s->'maximum'));
            END IF;
            IF num >= (s->'exclusiveMaximum')::numeric THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false;
                errs := errs || orchestrator.json_schema_error(ipath, spath || '/exclusiveMaximum', pg_catalog.format('%s is not less than %s', num, s->'exclusiveMaximum'));
            END IF;
            IF num % (s->'multipleOf')::numeric <> 0 THEN
                IF NOT want_err THEN RETURN orchestrator.json_schema_failed(); END IF;
                ok := false;
                errs := errs || orchestrator.json_schema_error(ipath, spath || '/multipleOf', pg_catalog.format('%s is not a multiple of %s', num, s->'multipleOf'));
            END IF;
        END IF;
    END IF;

    IF NOT ok THEN
        RETURN (false, errs, NULL::text[], 0, NULL::integer[])::orchestrator.json_schema_state;
    END IF;
    RETURN (true, NULL::jsonb, props, nitems, citems)::orchestrator.json_schema_state;
END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_eval(jsonb, jsonb, jsonb, text, text[], text, text, integer, integer) IS
'The draft 2020-12 validator: schema s of the compiled ctx against the instance location inst. mode 1 collects every error, 2 returns the annotations for unevaluated*. Call orchestrator.json_schema_errors or orchestrator.json_schema_is_valid instead.';

-- The validator's boolean form: the same keywords as orchestrator.json_schema_eval, but it only
-- answers valid or not, so it carries no errors and no annotations and stops at the first failure:
-- the cost of a validation inside a write. A schema object that needs annotations or the dynamic
-- scope (unevaluated*, "$dynamicRef") is handed to orchestrator.json_schema_eval whole.
CREATE FUNCTION orchestrator.json_schema_valid(ctx jsonb, s jsonb, inst jsonb, base text, dyn text[], depth integer)
RETURNS boolean
LANGUAGE plpgsql STABLE PARALLEL SAFE AS $$
DECLARE
    t CONSTANT text := pg_catalog.jsonb_typeof(inst);
    v jsonb; w jsonb; sub jsonb; x jsonb; rest jsonb; k text; rx text; str text; num numeric; n integer; m integer; cnt integer;
BEGIN
    IF s = 'true' THEN
        RETURN true;
    ELSIF s ?| '{unevaluatedProperties,unevaluatedItems,$dynamicRef}' OR depth > 250 OR pg_catalog.jsonb_typeof(s) <> 'object' THEN
        RETURN (orchestrator.json_schema_eval(ctx, s, inst, base, dyn, '', '', 0, depth)).ok;  -- false, or what needs it
    END IF;

    v := s->'type';
    IF v IS NOT NULL AND NOT (v ? t OR (t = 'number' AND v ? 'integer' AND inst::numeric % 1 = 0)) THEN
        RETURN false;
    END IF;

    IF s ?| '{$id,$ref,enum,const,allOf,anyOf,oneOf,not,if,dependentSchemas}' THEN
        v := s->'$id';
        IF pg_catalog.jsonb_typeof(v) = 'string' THEN
            base := pg_catalog.split_part(orchestrator.json_schema_uri(base, v->>0), '#', 1);
            IF dyn[pg_catalog.cardinality(dyn)] IS DISTINCT FROM base THEN
                dyn := dyn || base;
            END IF;
        END IF;
        v := s->'$ref';
        IF pg_catalog.jsonb_typeof(v) = 'string' THEN
            w := s->'@target';
            IF w IS NULL OR w ? 'd' THEN  -- not resolved by the compiler, or in a bundled schema
                RETURN (orchestrator.json_schema_eval(ctx, s, inst, base, dyn, '', '', 0, depth)).ok;
            END IF;
            sub := ctx->'doc' #> (w->>'p')::text[];
            IF NOT orchestrator.json_schema_sub(ctx, sub, inst, w->>'b',
                       CASE WHEN dyn[pg_catalog.cardinality(dyn)] IS DISTINCT FROM w->>'r' THEN dyn || (w->>'r') ELSE dyn END, depth + 1) THEN
                RETURN false;
            END IF;
        END IF;
        v := s->'enum';
        IF v IS NOT NULL THEN
            IF t NOT IN ('object', 'array') THEN
                IF NOT v @> pg_catalog.jsonb_build_array(inst) THEN RETURN false; END IF;
            ELSIF NOT EXISTS (SELECT FROM pg_catalog.jsonb_array_elements(v) e WHERE e = inst) THEN
                RETURN false;
            END IF;
        END IF;
        v := s->'const';
        IF v IS NOT NULL AND v <> inst THEN
            RETURN false;
        END IF;
        v := s->'allOf';
        IF pg_catalog.jsonb_typeof(v) = 'array' THEN
            FOR i IN 0 .. pg_catalog.jsonb_array_length(v) - 1 LOOP
                sub := v->i;
                IF NOT orchestrator.json_schema_sub(ctx, sub, inst, base, dyn, depth + 1) THEN RETURN false; END IF;
            END LOOP;
        END IF;
        v := s->'anyOf';
        IF pg_catalog.jsonb_typeof(v) = 'array' THEN
            cnt := 0;
            FOR i IN 0 .. pg_catalog.jsonb_array_length(v) - 1 LOOP
                IF orchestrator.json_schema_sub(ctx, v->i, inst, base, dyn, depth + 1) THEN cnt := 1; EXIT; END IF;
            END LOOP;
            IF cnt = 0 THEN RETURN false; END IF;
        END IF;
        v := s->'oneOf';
        IF pg_catalog.jsonb_typeof(v) = 'array' THEN
            cnt := 0;
            FOR i IN 0 .. pg_catalog.jsonb_array_length(v) - 1 LOOP
                IF orchestrator.json_schema_sub(ctx, v->i, inst, base, dyn, depth + 1) THEN
                    cnt := cnt + 1;
                    EXIT WHEN cnt > 1;
                END IF;
            END LOOP;
            IF cnt <> 1 THEN RETURN false; END IF;
        END IF;
        v := s->'not';
        IF v IS NOT NULL AND orchestrator.json_schema_sub(ctx, v, inst, base, dyn, depth + 1) THEN
            RETURN false;
        END IF;
        v := s->'if';
        IF v IS NOT NULL THEN
            w := s->(CASE WHEN orchestrator.json_schema_sub(ctx, v, inst, base, dyn, depth + 1) THEN 'then' ELSE 'else' END);
            IF w IS NOT NULL AND NOT orchestrator.json_schema_sub(ctx, w, inst, base, dyn, depth + 1) THEN RETURN false; END IF;
        END IF;
        v := s->'dependentSchemas';
        IF t = 'object' AND pg_catalog.jsonb_typeof(v) = 'object' THEN
            FOR k, sub IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(v) e WHERE inst ? e.key LOOP
                IF NOT orchestrator.json_schema_sub(ctx, sub, inst, base, dyn, depth + 1) THEN RETURN false; END IF;
            END LOOP;
        END IF;
    END IF;

    IF t = 'object' THEN
        rest := inst;
        v := s->'properties';
        IF pg_catalog.jsonb_typeof(v) = 'object' THEN
            w := s->'@names';
            IF w IS NULL THEN
                w := (SELECT pg_catalog.jsonb_agg(e) FROM pg_catalog.jsonb_object_keys(v) e);
            END IF;
            FOR i IN 0 .. pg_catalog.jsonb_array_length(w) - 1 LOOP
                k := w->>i;
                x := inst->k;
                CONTINUE WHEN x IS NULL;
                sub := v->k;  -- in variables: the inlined leaf check reads them many times
                IF NOT orchestrator.json_schema_sub(ctx, sub, x, base, dyn, depth + 1) THEN RETURN false; END IF;
                rest := rest - k;
            END LOOP;
        END IF;
        v := s->'patternProperties';
        IF pg_catalog.jsonb_typeof(v) = 'object' THEN
            FOR k, sub IN SELECT e.key, e.value FROM pg_catalog.jsonb_each(v) e LOOP
                rx := orchestrator.json_schema_rx(ctx, k);
                IF EXISTS (SELECT FROM pg_catalog.jsonb_each(inst) e
                           WHERE e.key ~ rx AND NOT orchestrator.json_schema_sub(ctx, sub, e.value, base, dyn, depth + 1)) THEN
                    RETURN false;
                END IF;
            END LOOP;
        END IF;
        w := s->'additionalProperties';
        IF w IS NOT NULL AND w <> 'true' AND rest <> '{}' THEN  -- (a query only when some property is left)
            IF EXISTS (SELECT FROM pg_catalog.jsonb_each(rest) e
                       WHERE NOT EXISTS (SELECT FROM pg_catalog.jsonb_object_keys(CASE WHEN pg_catalog.jsonb_typeof(v) = 'object' THEN v END) p
                                         WHERE e.key ~ orchestrator.json_schema_rx(ctx, p))
                         AND NOT orchestrator.json_schema_sub(ctx, w, e.value, base, dyn, depth + 1)) THEN
                RETURN false;
            END IF;
        END IF;
        IF s ?| '{propertyNames,required,dependentRequired,minProperties,maxProperties}' THEN
            v := s->'required';
            IF pg_catalog.jsonb_typeof(v) = 'array' THEN
                FOR i IN 0 .. pg_catalog.jsonb_array_length(v) - 1 LOOP
                    IF NOT inst ? (v->>i) THEN RETURN false; END IF;
                END LOOP;
            END IF;
            w := s->'propertyNames';
            IF w IS NOT NULL THEN
                IF EXISTS (SELECT FROM pg_catalog.jsonb_object_keys(inst) e
                           WHERE NOT orchestrator.json_schema_sub(ctx, w, pg_catalog.to_jsonb(e), base, dyn, depth + 1)) THEN
                    RETURN false;
                END IF;
            END IF;
            v := s->'dependentRequired';
            IF pg_catalog.jsonb_typeof(v) = 'object' THEN
                IF EXISTS (SELECT FROM pg_catalog.jsonb_each(v) e, pg_catalog.jsonb_array_elements_text(e.value) d
                           WHERE inst ? e.key AND NOT inst ? d) THEN
                    RETURN false;
                END IF;
            END IF;
            IF s ?| '{minProperties,maxProperties}' THEN
                n := (SELECT pg_catalog.count(*) FROM pg_catalog.jsonb_object_keys(inst));
                IF n < (s->'minProperties')::numeric OR n > (s->'maxProperties')::numeric THEN RETURN false; END IF;
            END IF;
        END IF;

    ELSIF t = 'array' THEN
        n := pg_catalog.jsonb_array_length(inst);
        IF n < (s->'minItems')::numeric OR n > (s->'maxItems')::numeric THEN
            RETURN false;
        END IF;
        v := s->'prefixItems';
        m := 0;
        IF pg_catalog.jsonb_typeof(v) = 'array' THEN
            m := pg_catalog.jsonb_array_length(v);
            FOR i IN 0 .. pg_catalog.int4smaller(n, m) - 1 LOOP
                sub := v->i;
                x := inst->i;
                IF NOT orchestrator.json_schema_sub(ctx, sub, x, base, dyn, depth + 1) THEN RETURN false; END IF;
            END LOOP;
        END IF;
        w := s->'items';
        IF w IS NOT NULL AND w <> 'true' THEN
            FOR i IN m .. n - 1 LOOP
                x := inst->i;
                IF NOT orchestrator.json_schema_sub(ctx, w, x, base, dyn, depth + 1) THEN RETURN false; END IF;
            END LOOP;
        END IF;
        w := s->'contains';
        IF w IS NOT NULL THEN
            cnt := 0;
            m := coalesce((s->'minContains')::numeric, 1);
            FOR i IN 0 .. n - 1 LOOP
                x := inst->i;
                IF orchestrator.json_schema_sub(ctx, w, x, base, dyn, depth + 1) THEN
                    cnt := cnt + 1;
                    EXIT WHEN cnt >= m AND NOT s ? 'maxContains';
                END IF;
            END LOOP;
            IF cnt < m OR cnt > (s->'maxContains')::numeric THEN RETURN false; END IF;
        END IF;
        IF s->'uniqueItems' = 'true' AND n > 1 THEN
            IF (SELECT pg_catalog.count(DISTINCT e) FROM pg_catalog.jsonb_array_elements(inst) e) < n THEN RETURN false; END IF;
        END IF;

    ELSIF t = 'string' THEN
        IF s ?| '{minLength,maxLength,pattern}' THEN
            str := inst #>> '{}';
            n := pg_catalog.char_length(str);
            IF n < (s->'minLength')::numeric OR n > (s->'maxLength')::numeric THEN
                RETURN false;
            END IF;
            IF pg_catalog.jsonb_typeof(s->'pattern') = 'string' THEN
                IF str !~ orchestrator.json_schema_rx(ctx, s->>'pattern') THEN RETURN false; END IF;
            END IF;
        END IF;

    ELSIF t = 'number' THEN
        IF s ?| '{minimum,maximum,exclusiveMinimum,exclusiveMaximum,multipleOf}' THEN
            num := inst::numeric;
            IF num < (s->'minimum')::numeric OR num <= (s->'exclusiveMinimum')::numeric
               OR num > (s->'maximum')::numeric OR num >= (s->'exclusiveMaximum')::numeric
               OR num % (s->'multipleOf')::numeric <> 0 THEN
                RETURN false;
            END IF;
        END IF;
    END IF;
    RETURN true;
END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_valid(jsonb, jsonb, jsonb, text, text[], integer) IS
'The boolean form of orchestrator.json_schema_eval: valid or not, stopping at the first failure, without errors or annotations. Call orchestrator.json_schema_is_valid instead.';

-- A schema object marked "@leaf" (value keywords only) checked in one expression: a SQL function
-- that the planner inlines into the caller's expression, so no function call per value.
CREATE FUNCTION orchestrator.json_schema_leaf(ctx jsonb, s jsonb, i jsonb) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN s->'type' IS NOT NULL AND NOT (s->'type' ? pg_catalog.jsonb_typeof(i)
                                            OR (pg_catalog.jsonb_typeof(i) = 'number' AND s->'type' ? 'integer' AND i::numeric % 1 = 0)) THEN false
        WHEN s->'const' IS NOT NULL AND s->'const' <> i THEN false
        WHEN s->'enum' IS NOT NULL AND pg_catalog.jsonb_typeof(i) IN ('object', 'array') THEN orchestrator.json_schema_valid(ctx, s, i, '', '{}', 0)
        WHEN s->'enum' IS NOT NULL AND NOT s->'enum' @> pg_catalog.jsonb_build_array(i) THEN false
        WHEN pg_catalog.jsonb_typeof(i) = 'string' THEN
            CASE WHEN pg_catalog.char_length(i #>> '{}') < (s->'minLength')::numeric
                      OR pg_catalog.char_length(i #>> '{}') > (s->'maxLength')::numeric THEN false
                 WHEN pg_catalog.jsonb_typeof(s->'pattern') = 'string'
                      THEN (i #>> '{}') ~ coalesce(ctx->'re'->>(s->>'pattern'), orchestrator.json_schema_rx(ctx, s->>'pattern'))
                 ELSE true END
        WHEN pg_catalog.jsonb_typeof(i) = 'number' THEN
            NOT coalesce(i::numeric < (s->'minimum')::numeric OR i::numeric <= (s->'exclusiveMinimum')::numeric
                         OR i::numeric > (s->'maximum')::numeric OR i::numeric >= (s->'exclusiveMaximum')::numeric
                         OR i::numeric % (s->'multipleOf')::numeric <> 0, false)
        WHEN pg_catalog.jsonb_typeof(i) = 'array' THEN
            NOT coalesce(pg_catalog.jsonb_array_length(i) < (s->'minItems')::numeric OR pg_catalog.jsonb_array_length(i) > (s->'maxItems')::numeric, false)
        WHEN pg_catalog.jsonb_typeof(i) = 'object' AND s ?| '{minProperties,maxProperties}' THEN orchestrator.json_schema_valid(ctx, s, i, '', '{}', 0)
        ELSE true
    END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_leaf(jsonb, jsonb, jsonb) IS
'Whether i is valid against a schema of value keywords only (marked "@leaf" by the compiler), in one inlined expression.';

-- The next subschema: a leaf in place, anything else by a call.
CREATE FUNCTION orchestrator.json_schema_sub(ctx jsonb, s jsonb, i jsonb, base text, dyn text[], depth integer) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN s = 'true' THEN true
                WHEN s ? '@leaf' THEN orchestrator.json_schema_leaf(ctx, s, i)
                ELSE orchestrator.json_schema_valid(ctx, s, i, base, dyn, depth) END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_sub(jsonb, jsonb, jsonb, text, text[], integer) IS
'orchestrator.json_schema_valid of a subschema, with leaves checked in place (inlined).';

CREATE FUNCTION orchestrator.json_schema_errors(ctx jsonb, instance jsonb)
RETURNS TABLE (instance_location text, schema_location text, message text)
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT e->>'instance_location', e->>'schema_location', e->>'message'
    FROM pg_catalog.jsonb_array_elements(
             (orchestrator.json_schema_eval(ctx, ctx->'doc', instance, '', '{""}', '', '', 1, 0)).errors) e
$$;
COMMENT ON FUNCTION orchestrator.json_schema_errors(jsonb, jsonb) IS
'Every error of instance against a compiled schema (orchestrator.json_schema_compile): JSON Pointer of the value, keyword path in the schema, message. No rows: valid.';

-- Not STRICT, so that the call is inlined into the caller's expression.
CREATE FUNCTION orchestrator.json_schema_is_valid(ctx jsonb, instance jsonb) RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT orchestrator.json_schema_valid(ctx, ctx->'doc', instance, '', '{""}', 0)
$$;
COMMENT ON FUNCTION orchestrator.json_schema_is_valid(jsonb, jsonb) IS
'Whether instance is valid against a compiled schema (orchestrator.json_schema_compile); stops at the first error.
Example: SELECT orchestrator.json_schema_is_valid(orchestrator.json_schema_compile(''{"type": "integer"}''), ''1.0'');';

UPDATE orchestrator.json_schema_bundled SET ctx = orchestrator.json_schema_compile(schema, uri);

-- The registration check: what makes a schema unfit to be stored as a tool's schema.
CREATE FUNCTION orchestrator.json_schema_problems(schema jsonb)
RETURNS TABLE (pointer text, problem text)
LANGUAGE plpgsql STABLE PARALLEL SAFE STRICT AS $$
DECLARE
    walked jsonb := orchestrator.json_schema_walk_start(schema, true);
    ctx jsonb := pg_catalog.jsonb_build_object('doc', schema, 'idx', walked->'idx', 're', walked->'re');
BEGIN
    RETURN QUERY
    SELECT e.instance_location, 'not a valid draft 2020-12 schema: ' || e.message || ' (meta-schema ' || e.schema_location || ')'
    FROM orchestrator.json_schema_bundled b, orchestrator.json_schema_errors(b.ctx, json_schema_problems.schema) e
    WHERE b.uri = 'https://json-schema.org/draft/2020-12/schema';
    RETURN QUERY
    SELECT p->>'pointer', p->>'problem' FROM pg_catalog.jsonb_array_elements(walked->'problems') p;
    RETURN QUERY
    SELECT r->>'pointer', pg_catalog.format('%s %s does not resolve inside the schema or to a draft 2020-12 meta-schema', r->>'keyword', pg_catalog.to_jsonb(r->>'uri'))
    FROM pg_catalog.jsonb_array_elements(walked->'refs') r
    WHERE (orchestrator.json_schema_target(ctx, r->>'uri')).schema IS NULL;
END
$$;
COMMENT ON FUNCTION orchestrator.json_schema_problems(jsonb) IS
'What makes schema unfit for a tool, each at a JSON Pointer into the schema: not a valid draft 2020-12 schema (against the bundled meta-schema), a keyword outside the supported vocabularies, a "$ref" or "$dynamicRef" that does not resolve, a pattern outside the dialect ECMA-262 and PostgreSQL agree on. No rows: fit.
Example: SELECT * FROM orchestrator.json_schema_problems(''{"type": "strnig"}'');';

COMMIT;
