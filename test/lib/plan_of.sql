-- Included by pgTAP files (\ir lib/plan_of.sql): pg_temp.plan_of(q) returns
-- the plan of query q (EXPLAIN (COSTS OFF)) as one text, a line each.
CREATE FUNCTION pg_temp.plan_of(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    line text;
    result text := '';
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || q LOOP
        result := result || line || E'\n';
    END LOOP;
    RETURN result;
END $$;
