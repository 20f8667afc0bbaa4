-- Deploy ai-orchestrator:data/tool_tags_list_order
-- requires: data/tool_tags
-- A tag row carries its tool's list-order columns (name, version_key), kept by triggers, and
-- tool_tags_list_idx (tag, tool_name, tool_version_key DESC, tool_id) serves a tag search in list
-- order: a page reads its 50 index entries, however common the tag.
-- tool_tags.tag keeps statistics on up to 1,000 distinct tags, so that rare tags are known as rare.
BEGIN;
SET LOCAL ROLE aio_owner;

ALTER TABLE orchestrator.tool_tags ALTER COLUMN tag SET STATISTICS 1000;

ALTER TABLE orchestrator.tool_tags
    ADD COLUMN tool_name text,
    ADD COLUMN tool_version_key text COLLATE "C";
COMMENT ON COLUMN orchestrator.tool_tags.tool_name IS 'The tool''s name, copied for the list order of tag searches (kept by triggers).';
COMMENT ON COLUMN orchestrator.tool_tags.tool_version_key IS 'The tool''s version_key, copied for the list order of tag searches (kept by triggers).';

-- The backfill is bookkeeping, not a change anyone made: no trigger sees it.
ALTER TABLE orchestrator.tool_tags DISABLE TRIGGER USER;
UPDATE orchestrator.tool_tags g SET tool_name = t.name, tool_version_key = t.version_key
FROM orchestrator.tools t WHERE t.tool_id = g.tool_id;
ALTER TABLE orchestrator.tool_tags ENABLE TRIGGER USER;

CREATE INDEX tool_tags_list_idx ON orchestrator.tool_tags (tag, tool_name, tool_version_key DESC, tool_id);

-- The trigger functions run as the caller, without a pinned search_path: writes reach the tables
-- through the api functions, which run as the owner with search_path '', and every name here is
-- qualified. A definer with its own search_path saves and restores settings on every call.
CREATE FUNCTION orchestrator.tag_takes_list_order() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- No tool: the copies stay null and the foreign key refuses the row.
    SELECT t.name, t.version_key INTO NEW.tool_name, NEW.tool_version_key
    FROM orchestrator.tools t WHERE t.tool_id = NEW.tool_id;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION orchestrator.tag_takes_list_order() IS
'Trigger: a new tag row (or one moved to another tool) copies its tool''s name and version_key.';
CREATE TRIGGER tool_tags_list_order BEFORE INSERT OR UPDATE OF tool_id ON orchestrator.tool_tags
    FOR EACH ROW EXECUTE FUNCTION orchestrator.tag_takes_list_order();

CREATE FUNCTION orchestrator.tool_gives_list_order() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orchestrator.tool_tags g SET tool_name = NEW.name, tool_version_key = NEW.version_key
    WHERE g.tool_id = NEW.tool_id;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION orchestrator.tool_gives_list_order() IS
'Trigger: a renamed or re-versioned tool updates the copies its tag rows carry.';
CREATE TRIGGER tools_list_order_to_tags AFTER UPDATE OF name, version ON orchestrator.tools
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.version_key IS DISTINCT FROM NEW.version_key)
    EXECUTE FUNCTION orchestrator.tool_gives_list_order();

ANALYZE orchestrator.tool_tags;

COMMIT;
