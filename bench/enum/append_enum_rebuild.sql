-- Append 'archived' through orm_ext's full rebuild path (what enum_sync runs
-- for a removal or a reordering): new type, one ALTER TABLE that rewrites
-- bench.sessions, the default and the partial index recreated.
BEGIN;
SELECT orm_ext.enum_rebuild('bench.session_status',
                            ARRAY['pending', 'active', 'suspended', 'closed', 'legacy', 'archived']);
COMMIT;
