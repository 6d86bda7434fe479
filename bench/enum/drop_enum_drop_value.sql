-- Drop 'legacy', its rows become 'closed': orm_ext.enum_drop_value.  It
-- finds the column, the default and the partial index from the catalogs and
-- recreates them; one ALTER TABLE rewrites bench.sessions.
BEGIN;
SELECT orm_ext.enum_drop_value('bench.session_status', 'legacy', replace_with => 'closed') AS changed
\gset
COMMIT;
