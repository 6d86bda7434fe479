#!/usr/bin/env node
/*
 * Calling the generated model functions of docs/models.md from Node.js with
 * node-postgres (the npm package `pg`, version 8): the blog schema (users
 * with timestamps and soft delete, posts with a version column).  The
 * node-postgres snippets of docs/models.md are taken from here.
 *
 * Prints TAP and exits non-zero on any failure.  Needs PGHOST/PGPORT/PGUSER
 * of a superuser on a cluster with orm_ext installed, and `pg` where
 * require() finds it (scripts/test installs it with npm and sets NODE_PATH).
 * Creates the database orm_ext_example_models_js and the login role
 * orm_ext_example_models_js_app (the application: no superuser, only table
 * privileges), and drops both at the end.  scripts/test runs it in its
 * "clients" suite.
 */
'use strict';

const DB = 'orm_ext_example_models_js';
const APP = 'orm_ext_example_models_js_app';
const results = [];

function check(ok, description) {
  description = String(description).replace(/\s+/g, ' ');    // one TAP line
  results.push(Boolean(ok));
  console.log(`${ok ? 'ok' : 'not ok'} ${results.length} - ${description}`);
}

// Expects the promise to be rejected with SQLSTATE `code`; returns the error.
async function expectError(promise, code, description, extra = () => true) {
  try {
    await promise;
    check(false, `${description} (no error)`);
    return null;
  } catch (err) {
    check(err.code === code && extra(err), description);
    return err;
  }
}

// The schema of the walkthrough in docs/models.md, as a migration would
// create it (as the superuser); the application only gets table privileges.
const SCHEMA = `
CREATE SCHEMA blog;
CREATE TABLE blog.users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username varchar(50) NOT NULL UNIQUE,
    email varchar(255) NOT NULL UNIQUE,
    display_name varchar(100),
    is_active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz
);
SELECT orm_ext.model_register('blog.users', '{"timestamps": true, "soft_delete": true}');
CREATE TABLE blog.posts (
    id uuid PRIMARY KEY DEFAULT orm_ext.uuidv7(),
    author_id bigint NOT NULL REFERENCES blog.users (id),
    title varchar(200) NOT NULL,
    slug varchar(200) NOT NULL UNIQUE,
    body text NOT NULL DEFAULT '',
    status text NOT NULL DEFAULT 'draft',
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    deleted_at timestamptz,
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX ON blog.posts (author_id);
SELECT orm_ext.model_register('blog.posts',
                              '{"timestamps": true, "soft_delete": true, "version": true}');
GRANT USAGE ON SCHEMA blog TO "${APP}";
GRANT SELECT, INSERT, UPDATE, DELETE ON blog.users, blog.posts TO "${APP}";
`;

let pg;

// node-postgres reads PGHOST, PGPORT, PGUSER from the environment.
async function connect(database, user) {
  const client = new pg.Client(user ? { database, user } : { database });
  await client.connect();
  return client;
}

async function setup() {
  const admin = await connect('postgres');
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${DB}" WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS "${APP}"`);
    await admin.query(`CREATE DATABASE "${DB}"`);
    await admin.query(`CREATE ROLE "${APP}" LOGIN`);
  } finally {
    await admin.end();
  }
  const db = await connect(DB);
  try {
    await db.query('CREATE EXTENSION orm_ext');
    await db.query(SCHEMA);             // no parameters: a multi-statement string is allowed
  } finally {
    await db.end();
  }
}

async function teardown() {
  const admin = await connect('postgres');
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${DB}" WITH (FORCE)`);
    await admin.query(`DROP ROLE IF EXISTS "${APP}"`);
  } finally {
    await admin.end();
  }
}

// A function returning a row type gives one row of NULLs for "no row" in
// SELECT * FROM; filtering on the (never NULL) primary key makes that no
// row at all.
async function getUser(client, id) {
  const { rows } = await client.query(
    'SELECT * FROM blog.users_get($1) WHERE id IS NOT NULL', [id]);
  return rows[0] ?? null;
}

// Optimistic locking: read the post, send the change with the version read,
// and on 40001 (someone else changed the post in between) read it again and
// reapply the change.  Returns the updated row and the attempts it took.
async function updatePost(client, postId, change, { attempts = 5, afterRead } = {}) {
  for (let attempt = 1; ; attempt++) {
    await client.query('BEGIN');
    try {
      const { rows: [post] } = await client.query('SELECT * FROM blog.posts_get($1)', [postId]);
      if (afterRead) await afterRead(attempt);
      const { rows: [row] } = await client.query(
        'SELECT * FROM blog.posts_update($1, $2)',
        [postId, { ...change, version: post.version }]);   // an object is sent as JSON
      await client.query('COMMIT');
      return { row, attempt };
    } catch (err) {
      await client.query('ROLLBACK');
      if (err.code !== '40001' || attempt >= attempts) throw err;
    }
  }
}

async function clientTests() {
  const client = await connect(DB, APP);
  try {
    // create: named notation with $n parameters; omitted arguments take the
    // column's default
    let { rows: [alice] } = await client.query(
      'SELECT * FROM blog.users_create(username => $1, email => $2)',
      ['alice', 'alice@example.com']);
    check(alice.username === 'alice' && alice.display_name === null && alice.is_active === true
          && alice.deleted_at === null && alice.created_at instanceof Date
          && alice.created_at.getTime() === alice.updated_at.getTime(),
          'pg: users_create with named notation; omitted display_name/is_active take the column defaults');
    check(typeof alice.id === 'string' && alice.id === '1',
          'pg: a bigint id comes back as a string (node-postgres does not narrow int8 to a Number)');
    let { rows: [bob] } = await client.query(
      'SELECT * FROM blog.users_create(username => $1, email => $2, display_name => $3)',
      ['bob', 'bob@example.com', 'Bob']);
    check(bob.id === '2' && bob.display_name === 'Bob', 'pg: a passed argument is stored');

    // an explicit null is NULL, which a NOT NULL column refuses
    await expectError(
      client.query('SELECT * FROM blog.users_create(username => $1, email => $2, is_active => $3)',
                   ['nobody', 'nobody@example.com', null]),
      '23502', "pg: an explicit null for a NOT NULL column fails with err.code '23502'");

    // a composite return: SELECT * FROM fn(...) gives columns;
    // SELECT fn(...) gives one value, the row's text, which pg does not parse
    const { rows: [composite] } = await client.query('SELECT blog.users_get($1) AS u', [alice.id]);
    check(typeof composite.u === 'string' && composite.u.startsWith('(1,alice,alice@example.com,'),
          'pg: SELECT blog.users_get($1) is one unparsed composite string; use SELECT * FROM');

    // get: the row, or null
    const got = await getUser(client, alice.id);
    check(got && got.id === alice.id && got.email === 'alice@example.com', 'pg: users_get returns the row');
    check(await getUser(client, '424242') === null,
          'pg: users_get of an absent key: no row (with WHERE id IS NOT NULL)');
    const { rows: raw } = await client.query('SELECT * FROM blog.users_get($1)', ['424242']);
    check(raw.length === 1 && Object.values(raw[0]).every((v) => v === null),
          'pg: without the WHERE, an absent key is one row of NULLs');

    // update: a JSON patch (a plain object parameter is sent as JSON)
    ({ rows: [alice] } = await client.query('SELECT * FROM blog.users_update($1, $2)',
                                            [alice.id, { display_name: 'Alice' }]));
    check(alice.display_name === 'Alice' && alice.username === 'alice'
          && alice.updated_at > alice.created_at,
          'pg: users_update with an object patch; updated_at moves, created_at stays');
    ({ rows: [bob] } = await client.query('SELECT * FROM blog.users_update($1, $2)',
                                          [bob.id, { display_name: null }]));
    check(bob.display_name === null, 'pg: a null in the patch sets NULL');
    await expectError(
      client.query('SELECT * FROM blog.users_update($1, $2)', [alice.id, { is_active: 'maybe' }]),
      '22P02', "pg: a patch value of the wrong type fails with err.code '22P02', naming the column",
      (err) => err.message.includes('"is_active"'));
    await expectError(
      client.query('SELECT * FROM blog.users_update($1, $2)', [alice.id, { created_at: '2020-01-01' }]),
      '428C9', "pg: a server-owned column in the patch fails with err.code '428C9'",
      (err) => typeof err.hint === 'string');

    // posts: the client may choose the UUID key; version starts at 1
    const postId = '01a1fe93-87d8-7b9e-9cf9-1808e6b39e01';
    let { rows: [post] } = await client.query(
      'SELECT * FROM blog.posts_create(id => $1, author_id => $2, title => $3, slug => $4)',
      [postId, alice.id, 'Getting Started', 'getting-started']);
    check(post.id === postId && post.status === 'draft' && post.body === '' && post.version === 1,
          'pg: posts_create with a client-chosen uuid; body/status defaults; version 1 (an integer is a Number)');

    // optimistic locking: a stale version is 40001
    await expectError(
      client.query('SELECT * FROM blog.posts_update($1, $2)', [postId, { title: 'Stale', version: 0 }]),
      '40001', "pg: a stale version fails with err.code === '40001', with err.detail",
      (err) => /"version" 0; the row is at 1/.test(err.detail));

    // ... and the retry loop, with a second connection writing in between
    const other = await connect(DB, APP);
    try {
      const concurrentWriter = async (attempt) => {
        if (attempt !== 1) return;      // only the first time: the second attempt goes through
        const { rows: [current] } = await other.query(
          'SELECT version FROM blog.posts_get($1)', [postId]);
        await other.query('SELECT * FROM blog.posts_update($1, $2)',
                          [postId, { title: 'Getting Started with orm_ext', version: current.version }]);
      };
      let attempt;
      ({ row: post, attempt } = await updatePost(client, postId, { status: 'published' },
                                                 { afterRead: concurrentWriter }));
      check(attempt === 2 && post.version === 3 && post.status === 'published'
            && post.title === 'Getting Started with orm_ext',
            "pg: retry on err.code '40001': 2 attempts, both changes kept, version 3");
      ({ row: post, attempt } = await updatePost(other, postId, { body: 'Hello.' }));
      check(attempt === 1 && post.version === 4 && post.body === 'Hello.',
            'pg: without a concurrent writer, one attempt');
    } finally {
      await other.end();
    }

    // more posts, for lists and pages
    for (const [author, title, slug, status] of [
      [alice.id, 'Advanced Querying', 'advanced-querying', 'draft'],
      [bob.id, 'Python Best Practices', 'python-best-practices', 'published'],
      [bob.id, 'Async Sessions', 'async-sessions', 'published'],
      [alice.id, 'Alembic Migrations', 'alembic-migrations', 'archived']]) {
      await client.query(
        'SELECT * FROM blog.posts_create(author_id => $1, title => $2, slug => $3, status => $4)',
        [author, title, slug, status]);
    }

    // list: an object filter, a JS array for order_by (sent as a text[])
    let { rows } = await client.query('SELECT title FROM blog.posts_list($1, $2)',
                                      [{ status: 'published' }, ['author_id desc', 'title']]);
    check(JSON.stringify(rows.map((r) => r.title))
          === JSON.stringify(['Async Sessions', 'Python Best Practices', 'Getting Started with orm_ext']),
          'pg: posts_list with a filter and order_by');
    ({ rows } = await client.query(
      'SELECT slug FROM blog.posts_list(filter => $1, order_by => $2)',
      [{ author_id: alice.id, status: { in: ['draft', 'archived'] } }, ['slug']]));
    check(JSON.stringify(rows.map((r) => r.slug)) === JSON.stringify(['advanced-querying', 'alembic-migrations']),
          'pg: posts_list with an operator filter ({in: [...]}), named notation');

    // page: walk next_cursor to the end; jsonb comes back parsed
    const seen = [];
    let pages = 0;
    let cursor = null;
    do {
      const { rows: [{ page }] } = await client.query(
        'SELECT blog.posts_page(order_by => $1, page_size => $2, after => $3) AS page',
        [['title'], 2, cursor]);
      pages += 1;
      seen.push(...page.items.map((item) => item.slug));
      cursor = page.next_cursor;
    } while (cursor !== null && pages <= 10);
    check(pages === 3 && JSON.stringify(seen) === JSON.stringify(
      ['advanced-querying', 'alembic-migrations', 'async-sessions', 'getting-started', 'python-best-practices']),
          'pg: posts_page walked with next_cursor: 3 pages of 2, every post once, in order');

    // delete: posts and users are soft-deleted
    const { rows: [del] } = await client.query(
      'SELECT blog.posts_delete($1) AS deleted, blog.posts_delete($1) AS again', [postId]);
    check(del.deleted === true && del.again === false, 'pg: posts_delete returns true, then false');
    const { rows: gone } = await client.query(
      'SELECT * FROM blog.posts_get($1) WHERE id IS NOT NULL', [postId]);
    const { rows: [{ n }] } = await client.query('SELECT count(*)::integer AS n FROM blog.posts_list()');
    check(gone.length === 0 && n === 4, 'pg: a deleted post is gone from posts_get and posts_list');

    // upsert brings it back, replacing every client column
    ({ rows: [post] } = await client.query(
      'SELECT * FROM blog.posts_upsert(id => $1, author_id => $2, title => $3, slug => $4)',
      [postId, alice.id, 'Getting Started', 'getting-started']));
    check(post.deleted_at === null && post.status === 'draft' && post.body === '' && post.version === 5,
          'pg: posts_upsert revives the row; omitted columns reset to their defaults; version bumped');

    const { rows: [{ deleted }] } = await client.query('SELECT blog.users_delete($1) AS deleted', [bob.id]);
    const { rows: users } = await client.query('SELECT username FROM blog.users_list()');
    check(deleted === true && users.length === 1 && users[0].username === 'alice',
          'pg: users_delete soft-deletes; users_list no longer returns the user');
  } finally {
    await client.end();
  }
}

async function main() {
  console.log('TAP version 13');
  try {
    pg = require('pg');
    await setup();
    await clientTests();
  } catch (err) {                       // a crash is a failure, reported as one
    check(false, `the example ran to the end (${err.code || err.name}: ${err.message})`);
  } finally {
    try {
      if (pg) await teardown();
    } catch (err) {
      check(false, `teardown (${err.message})`);
    }
  }
  console.log(`1..${results.length}`);
  return results.every((ok) => ok) ? 0 : 1;
}

main().then((code) => { process.exitCode = code; });
