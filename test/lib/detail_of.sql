-- Included by pgTAP files (\ir lib/detail_of.sql): pg_temp.detail_of(q) runs
-- q and returns NULL, or "SQLSTATE: detail" of the error it raised;
-- pg_temp.hint_of(q) the same with the error's hint.
CREATE FUNCTION pg_temp.detail_or_hint_of(q text, hint boolean) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    d text;
    h text;
BEGIN
    EXECUTE q;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS d = PG_EXCEPTION_DETAIL, h = PG_EXCEPTION_HINT;
    RETURN SQLSTATE || ': ' || CASE WHEN hint THEN h ELSE d END;
END $$;
CREATE FUNCTION pg_temp.detail_of(q text) RETURNS text LANGUAGE sql AS $$ SELECT pg_temp.detail_or_hint_of(q, false) $$;
CREATE FUNCTION pg_temp.hint_of(q text) RETURNS text LANGUAGE sql AS $$ SELECT pg_temp.detail_or_hint_of(q, true) $$;
