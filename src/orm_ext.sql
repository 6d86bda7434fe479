-- orm_ext install script.  Assembled by the Makefile from the SQL beside each
-- component's C (src/*.sql); edit those files, not the assembled script.

\echo Use "CREATE EXTENSION orm_ext" to load this file. \quit

-- The schema is created by CREATE EXTENSION (orm_ext.control names it).  Any
-- role may look inside it; what each function lets a role do is decided per
-- function, next to its declaration, and listed in docs/security.md.
GRANT USAGE ON SCHEMA orm_ext TO PUBLIC;
COMMENT ON SCHEMA orm_ext IS
    'orm_ext: append-only ledgers, RLS helpers, enum and UUIDv7 utilities, catalog-driven CRUD';

-------------------------------------------------------------------------------
-- Shared helpers
-------------------------------------------------------------------------------

-- The table behind a regclass argument, checked the way ALTER TABLE checks
-- it: 22004 for NULL, 42P01 for an OID that names no relation, 42809 for
-- something that is not an ordinary or partitioned table, 42501 unless the
-- caller owns it (is a member of its owner).  caller names the function in
-- the messages; the two details say why it needs a table, and ownership.
CREATE FUNCTION orm_ext.owned_table(tbl pg_catalog.regclass, caller pg_catalog.text,
                                    not_table_detail pg_catalog.text, not_owner_detail pg_catalog.text)
RETURNS pg_catalog.text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    rel record;
BEGIN
    IF tbl IS NULL THEN
        RAISE EXCEPTION '%: table must not be null', caller USING ERRCODE = '22004';
    END IF;
    SELECT c.relkind, c.relowner, pg_catalog.format('%I.%I', n.nspname, c.relname) AS qname
      INTO rel
      FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
     WHERE c.oid = tbl;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'relation with OID % does not exist', tbl::pg_catalog.oid
            USING ERRCODE = '42P01';
    END IF;
    IF rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION '% is not a table', rel.qname
            USING ERRCODE = '42809', DETAIL = not_table_detail;
    END IF;
    IF NOT pg_catalog.pg_has_role(CURRENT_USER, rel.relowner, 'USAGE') THEN
        RAISE EXCEPTION 'must be owner of table %', rel.qname
            USING ERRCODE = '42501', DETAIL = not_owner_detail;
    END IF;
    RETURN rel.qname;
END;
$$;

COMMENT ON FUNCTION orm_ext.owned_table(pg_catalog.regclass, pg_catalog.text, pg_catalog.text, pg_catalog.text) IS
    'the quoted name of a table the caller owns; 22004, 42P01, 42809 or 42501 otherwise';

-- Whether the current user owns (is a member of the owner of) a relation or
-- a function; NULL when there is no such object.
CREATE FUNCTION orm_ext.owns_relation(rel pg_catalog.oid)
RETURNS boolean
LANGUAGE sql STABLE
AS $$
    SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE')
      FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) rel
$$;
COMMENT ON FUNCTION orm_ext.owns_relation(pg_catalog.oid) IS
    'whether the current user owns the relation; NULL when it does not exist';

CREATE FUNCTION orm_ext.owns_function(fn pg_catalog.oid)
RETURNS boolean
LANGUAGE sql STABLE
AS $$
    SELECT pg_catalog.pg_has_role(p.proowner, 'USAGE')
      FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) fn
$$;
COMMENT ON FUNCTION orm_ext.owns_function(pg_catalog.oid) IS
    'whether the current user owns the function; NULL when it does not exist';
