-- pg_temp.keys(q, k): the values of key k of the rows a query returns, as
-- text, in order.  Included with \ir by the pgTAP files that compare the
-- rows of generated list functions.
CREATE FUNCTION pg_temp.keys(q text, k text DEFAULT 'id') RETURNS text[] LANGUAGE plpgsql AS $$
DECLARE
    r record;
    result text[] := '{}';
BEGIN
    FOR r IN EXECUTE q LOOP
        result := result || (to_jsonb(r) ->> k);
    END LOOP;
    RETURN result;
END $$;
