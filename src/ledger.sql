-------------------------------------------------------------------------------
-- Append-only tables and ledgers (src/ledger.c).
--
-- Privileges: append_only() is a trigger function.  EXECUTE stays with
-- PUBLIC so that any table owner can protect their own tables; attaching a
-- trigger needs ownership of the table, and the function refuses changes
-- rather than making any.
-------------------------------------------------------------------------------

CREATE FUNCTION orm_ext.append_only()
RETURNS trigger
AS 'MODULE_PATHNAME', 'orm_ext_append_only'
LANGUAGE C;

COMMENT ON FUNCTION orm_ext.append_only() IS
    'trigger: rejects UPDATE, DELETE and TRUNCATE with SQLSTATE 23001, for every role';
