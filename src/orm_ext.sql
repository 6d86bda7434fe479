-- orm_ext install script.  Assembled by the Makefile from the SQL beside each
-- component's C (src/*.sql); edit those files, not the assembled script.

\echo Use "CREATE EXTENSION orm_ext" to load this file. \quit

-- The schema is created by CREATE EXTENSION (orm_ext.control names it).  Any
-- role may look inside it; what each function lets a role do is decided per
-- function, next to its declaration, and listed in docs/security.md.
GRANT USAGE ON SCHEMA orm_ext TO PUBLIC;
COMMENT ON SCHEMA orm_ext IS
    'orm_ext: append-only ledgers, RLS helpers, enum and UUIDv7 utilities, catalog-driven CRUD';
