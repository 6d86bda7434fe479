-- Included by pgTAP files (\ir lib/error_of.sql): pg_temp.error_of(q) runs
-- q and returns NULL, or "SQLSTATE: message" of the error it raised.
CREATE FUNCTION pg_temp.error_of(q text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE q;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
