-- ============================================================================
-- orm_ext walkthrough: row-level security
-- ============================================================================
-- The seeds' role model: app_user and app_system are bound by row level
-- security, app_admin bypasses it (cron, migrations).  setup_roles() creates
-- the three as NOLOGIN roles; running it again changes nothing.
SELECT orm_ext.setup_roles();
SELECT orm_ext.setup_roles();
SELECT rolname, rolcanlogin, rolbypassrls FROM pg_roles
WHERE rolname IN ('app_user', 'app_system', 'app_admin') ORDER BY rolname;

-- The seeds' users and posts.  The application connects as a member of
-- app_user, which may read and write both tables.
CREATE SCHEMA app;
CREATE TABLE app.users (
    id serial PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE
);
CREATE TABLE app.posts (
    id serial PRIMARY KEY,
    title varchar(255) NOT NULL,
    body text,
    author_id integer NOT NULL REFERENCES app.users (id)
);
INSERT INTO app.users (email) VALUES ('ada@example.com'), ('grace@example.com');
INSERT INTO app.posts (title, author_id) VALUES
    ('ada: notes', 1), ('ada: draft', 1), ('grace: compilers', 2);
GRANT USAGE ON SCHEMA app TO app_user, app_system, app_admin;
GRANT SELECT, INSERT, UPDATE, DELETE ON app.users, app.posts TO app_user, app_system, app_admin;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA app TO app_user, app_system;

-- Before: every tenant's rows are open to app_user.  Each finding comes with
-- the SQL that fixes it.
SELECT severity, object, problem, fix FROM orm_ext.rls_audit(ARRAY['app']);

-- One call per table: ENABLE and FORCE row level security, and one policy
-- comparing the tenant column with the request context.  Without an index
-- that leads with the column, it warns.
SELECT orm_ext.enable_tenant_isolation('app.posts', 'author_id');
CREATE INDEX posts_author_id_idx ON app.posts (author_id);
SELECT orm_ext.enable_tenant_isolation('app.posts', 'author_id');   -- idempotent, no warning now
\d app.posts

-- Ada's login role is a member of app_user (NOLOGIN here, for the demo).
CREATE ROLE demo_ada NOLOGIN IN ROLE app_user;
SET ROLE demo_ada;

-- No context: no rows.  Fail closed, no error.
SELECT id, title, author_id FROM app.posts ORDER BY id;

-- The request sets the context inside its transaction.
BEGIN;
SELECT orm_ext.set_context('app.user_id', '1');
SELECT id, title, author_id FROM app.posts ORDER BY id;
INSERT INTO app.posts (title, author_id) VALUES ('ada: new', 1) RETURNING id, title;
COMMIT;

-- Writing into another tenant is refused (42501).
\set ON_ERROR_STOP 0
BEGIN;
SELECT orm_ext.set_context('app.user_id', '1');
INSERT INTO app.posts (title, author_id) VALUES ('for grace', 2);
ROLLBACK;
\set ON_ERROR_STOP 1

-- After COMMIT the next transaction on the same connection has no tenant,
-- so a pooled connection cannot carry Ada's context to the next request.
SELECT count(*) AS after_commit FROM app.posts;

-- The context is read once per statement (the InitPlan) and is the key of
-- the index scan.
BEGIN;
SELECT orm_ext.set_context('app.user_id', '1');
SET LOCAL enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id, title FROM app.posts;
COMMIT;
RESET ROLE;

-- app_admin bypasses row level security, but only after SET ROLE: the
-- attribute is not inherited by its members.
SET ROLE app_admin;
SELECT count(*) AS all_posts FROM app.posts;
RESET ROLE;

-- After: posts is protected; users is still open.  The audit found no
-- tenant column to guess there, so it proposed a REVOKE; but each user is
-- their own tenant, so protect users by id.  Audited again, schema app has
-- nothing left (role findings are cluster-wide: only the superuser's info).
SELECT severity, object, problem FROM orm_ext.rls_audit(ARRAY['app']);
SELECT orm_ext.enable_tenant_isolation('app.users', 'id');
SELECT severity, object, problem FROM orm_ext.rls_audit(ARRAY['app']);

DROP SCHEMA app CASCADE;
DROP ROLE demo_ada;
