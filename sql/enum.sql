--
-- Enum utilities: the walkthrough of docs/enum.md on the seeds'
-- app.session_status.  Errors show their detail and hint; CONTEXT lines
-- (PL/pgSQL line numbers) are left out.
--
\set SHOW_CONTEXT never
CREATE SCHEMA app;

-- the migration creates the type; running it again is a no-op
SELECT orm_ext.enum_create('app.session_status', ARRAY['active', 'expired', 'revoked']);
SELECT orm_ext.enum_create('app.session_status', ARRAY['active', 'expired', 'revoked']);
-- the same name with other labels, or another order, is an error
SELECT orm_ext.enum_create('app.session_status', ARRAY['active', 'expired']);
SELECT orm_ext.enum_create('app.session_status', ARRAY['revoked', 'active', 'expired']);

CREATE TABLE app.sessions (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    user_id uuid NOT NULL,
    status app.session_status NOT NULL DEFAULT 'active',
    revoked_reason text,
    CONSTRAINT sessions_revoked_has_reason
        CHECK (status <> 'revoked' OR revoked_reason IS NOT NULL)
);
CREATE INDEX sessions_live_by_user ON app.sessions (user_id) WHERE status = 'active';
CREATE VIEW app.live_sessions AS
    SELECT id, user_id FROM app.sessions WHERE status = 'active';
INSERT INTO app.sessions (user_id, status, revoked_reason) VALUES
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 'active', NULL),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e22', 'expired', NULL),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e23', 'active', NULL),
    ('01a1fe93-87d8-7b9e-9cf9-1808e6b39e23', 'revoked', 'password reset');

-- readers
SELECT orm_ext.enum_values('app.session_status');
SELECT orm_ext.enum_has('app.session_status', 'expired') AS has_expired,
       orm_ext.enum_has('app.session_status', 'Expired') AS case_matters;
SELECT orm_ext.enum_try_cast('expired', NULL::app.session_status) AS known,
       orm_ext.enum_try_cast('EXPIRED', NULL::app.session_status) AS unknown,
       orm_ext.enum_try_cast('EXPIRED', NULL::app.session_status) IS NULL AS is_null;
SELECT * FROM orm_ext.enum_usage('app.session_status');

-- migration 1: a new status, in place: the table keeps its file
SELECT relfilenode AS sessions_file FROM pg_class WHERE oid = 'app.sessions'::regclass \gset
SELECT orm_ext.enum_add_value('app.session_status', 'idle', after => 'active');
SELECT orm_ext.enum_add_value('app.session_status', 'idle', after => 'active');
SELECT relfilenode = :sessions_file AS not_rewritten
FROM pg_class WHERE oid = 'app.sessions'::regclass;
SELECT orm_ext.enum_values('app.session_status');

-- a value added in this transaction cannot be used in it (55P04), and no
-- table is locked meanwhile: only the type
BEGIN;
SELECT orm_ext.enum_add_value('app.session_status', 'away', after => 'idle');
SELECT orm_ext.enum_has('app.session_status', 'away') AS catalog_has_it;
SELECT l.mode, c.relname
FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid()
  AND (l.locktype = 'object' AND l.classid = 'pg_type'::regclass
       AND l.objid = 'app.session_status'::regtype
       OR c.relnamespace = 'app'::regnamespace)
ORDER BY 1, 2;
SELECT orm_ext.enum_try_cast('away', NULL::app.session_status);
ROLLBACK;
BEGIN;
SELECT orm_ext.enum_add_value('app.session_status', 'away', after => 'idle');
UPDATE app.sessions SET status = 'away' WHERE status = 'active';
ROLLBACK;
SELECT orm_ext.enum_has('app.session_status', 'away') AS rolled_back;

-- migration 2, after migration 1 committed, uses it
UPDATE app.sessions SET status = 'idle'
WHERE user_id = '01a1fe93-87d8-7b9e-9cf9-1808e6b39e23' AND status = 'active';

-- migration 3: a rename, in place; the CHECK constraint follows
SELECT orm_ext.enum_rename_value('app.session_status', 'revoked', 'logged_out');
SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'sessions_revoked_has_reason';
SELECT status, count(*) FROM app.sessions GROUP BY status ORDER BY status;

-- migration 4: a status goes away; refused while rows use it
SELECT orm_ext.enum_drop_value('app.session_status', 'idle');
SELECT orm_ext.enum_drop_value('app.session_status', 'idle', replace_with => 'nope');
-- with a replacement: one rebuild, the table rewritten once, everything kept
BEGIN;
SELECT orm_ext.enum_drop_value('app.session_status', 'idle', replace_with => 'active');
SELECT l.mode, c.relname
FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
WHERE l.pid = pg_backend_pid() AND c.relnamespace = 'app'::regnamespace
ORDER BY 1, 2;
COMMIT;
SELECT relfilenode <> :sessions_file AS rewritten
FROM pg_class WHERE oid = 'app.sessions'::regclass;
SELECT orm_ext.enum_values('app.session_status');
SELECT status, count(*) FROM app.sessions GROUP BY status ORDER BY status;
SELECT count(*) AS live FROM app.live_sessions;
\d app.sessions
\d+ app.live_sessions

-- migration 5: follow the Python enum
SELECT * FROM orm_ext.enum_diff('app.session_status',
                                ARRAY['pending', 'active', 'expired', 'logged_out']);
SELECT orm_ext.enum_sync('app.session_status',
                         ARRAY['pending', 'active', 'expired', 'logged_out']);
SELECT * FROM orm_ext.enum_diff('app.session_status',
                                ARRAY['pending', 'active', 'expired', 'logged_out']);
SELECT orm_ext.enum_sync('app.session_status',
                         ARRAY['pending', 'active', 'expired', 'logged_out']);
-- a rename and a reorder: the plan says it rewrites
SELECT * FROM orm_ext.enum_diff('app.session_status',
                                ARRAY['pending', 'active', 'revoked', 'expired'],
                                renames => '{"logged_out": "revoked"}');
SELECT orm_ext.enum_sync('app.session_status',
                         ARRAY['pending', 'active', 'revoked', 'expired'],
                         renames => '{"logged_out": "revoked"}');
SELECT orm_ext.enum_values('app.session_status');
SELECT status, count(*) FROM app.sessions GROUP BY status ORDER BY status;
-- removing a label that rows use: refused, nothing changed
SELECT orm_ext.enum_sync('app.session_status', ARRAY['pending', 'active', 'expired']);
SELECT orm_ext.enum_values('app.session_status');
\d app.sessions

-- privileges: readers need nothing, changes need ownership of the type
CREATE ROLE regress_orm_ext_enum_app;
GRANT USAGE ON SCHEMA app TO regress_orm_ext_enum_app;
SET ROLE regress_orm_ext_enum_app;
-- (terse: the hint names the owner, the role that ran the suite)
\set VERBOSITY terse
SELECT orm_ext.enum_values('app.session_status');
SELECT orm_ext.enum_try_cast('active', NULL::app.session_status);
SELECT * FROM orm_ext.enum_usage('app.session_status');   -- no SELECT on the table: no rows
SELECT orm_ext.enum_create('app.session_status', ARRAY['pending', 'active', 'revoked', 'expired']);
SELECT orm_ext.enum_add_value('app.session_status', 'suspended');
SELECT orm_ext.enum_rename_value('app.session_status', 'pending', 'new');
SELECT orm_ext.enum_drop_value('app.session_status', 'pending');
SELECT orm_ext.enum_sync('app.session_status', ARRAY['active']);
RESET ROLE;
\set VERBOSITY default

-- what a rebuild refuses
CREATE FUNCTION app.is_live(s app.session_status) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT s = 'active' $$;
SELECT orm_ext.enum_drop_value('app.session_status', 'pending');
DROP FUNCTION app.is_live(app.session_status);

-- NULL arguments
SELECT orm_ext.enum_add_value('app.session_status', NULL);
SELECT orm_ext.enum_create(NULL, ARRAY['a']);

SET client_min_messages = warning;
DROP SCHEMA app CASCADE;
RESET client_min_messages;
DROP ROLE regress_orm_ext_enum_app;
