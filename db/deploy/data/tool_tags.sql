-- Deploy ai-orchestrator:data/tool_tags
-- requires: data/tools
BEGIN;
SET LOCAL ROLE aio_owner;

CREATE TABLE orchestrator.tool_tags (
    tool_id    uuid        NOT NULL,
    -- "C" collation so that a btree serves prefix searches (tag LIKE 'nlp%')
    tag        text COLLATE "C" NOT NULL,
    created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT tool_tags_pkey PRIMARY KEY (tool_id, tag),
    CONSTRAINT tool_tags_tool_id_fkey FOREIGN KEY (tool_id)
        REFERENCES orchestrator.tools (tool_id) ON DELETE CASCADE,
    CONSTRAINT tool_tags_tag_format CHECK (tag ~ '^[a-z0-9][a-z0-9._:-]{0,63}$')
);

COMMENT ON TABLE orchestrator.tool_tags IS 'Tags of tools: lower case, 1 to 64 characters of [a-z0-9._:-].';
COMMENT ON CONSTRAINT tool_tags_tool_id_fkey ON orchestrator.tool_tags IS 'tool_id: no tool has this id';
COMMENT ON CONSTRAINT tool_tags_tag_format ON orchestrator.tool_tags IS 'tag: must be 1 to 64 characters of a-z 0-9 . _ : - starting with a letter or digit';

CREATE INDEX tool_tags_tag_idx ON orchestrator.tool_tags (tag, tool_id);

CREATE TRIGGER tool_tags_touch_updated_at BEFORE UPDATE ON orchestrator.tool_tags
    FOR EACH ROW EXECUTE FUNCTION orchestrator.touch_updated_at();

COMMIT;
