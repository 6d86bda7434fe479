-- Append 'archived' with orm_ext.enum_sync: one ALTER TYPE ... ADD VALUE,
-- no table lock, no rewrite.
BEGIN;
SELECT orm_ext.enum_sync('bench.session_status',
                         ARRAY['pending', 'active', 'suspended', 'closed', 'legacy', 'archived']);
COMMIT;
