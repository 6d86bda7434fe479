/*-------------------------------------------------------------------------
 *
 * admin.c
 *	  ledger_attach() and ledger_detach().
 *
 * Attaching a table makes it a ledger:
 *	- the seq column (and, with the hash chain, the hash column) is added if
 *	  the table does not have it, with a unique index on (account, seq)
 *	  unless seq_index is false;
 *	- a heads table orm_ext.ledger_heads_<oid> is created, owned by the
 *	  extension's owner, keyed by the account column's type and collation;
 *	- the ledger is registered in orm_ext.ledgers, which pg_dump keeps;
 *	- four triggers are created and marked ENABLE ALWAYS, so that they also
 *	  fire under session_replication_role = replica.
 *
 * Both functions run as their caller, who must own the table; only the work
 * on the heads table and the registry switches to the extension's owner.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "orm_ext.h"
#include "ledger.h"

PG_FUNCTION_INFO_V1(orm_ext_ledger_attach);
PG_FUNCTION_INFO_V1(orm_ext_ledger_detach);

#if PG_VERSION_NUM >= 160000
#define LedgerIsOwner(relid) object_ownercheck(RelationRelationId, (relid), GetUserId())
#else
#define LedgerIsOwner(relid) pg_class_ownercheck((relid), GetUserId())
#endif

static const char *const LedgerTriggers[] = {
	LEDGER_TRIGGER_APPEND_ONLY,
	LEDGER_TRIGGER_NO_TRUNCATE,
	LEDGER_TRIGGER_BALANCE,
	LEDGER_TRIGGER_FLUSH
};

/* Run one SQL command in the current SPI connection, or fail loudly. */
static void
LedgerExec(const char *sql, int expected)
{
	int			ret = SPI_execute(sql, false, 0);

	if (ret != expected)
		elog(ERROR, "orm_ext: \"%s\" failed: %s", sql,
			 SPI_result_code_string(ret));
}

/*
 * Does the table hold any row, by the latest snapshot?  A plain heap scan:
 * no query is planned, so no index predicate or expression of the table,
 * which its owner wrote, is evaluated here, and no row-level security
 * policy hides a row from the question.  The caller holds a lock that keeps
 * writers out.
 */
static bool
LedgerHasRows(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	Snapshot	snapshot = RegisterSnapshot(GetLatestSnapshot());
	TableScanDesc scan = table_beginscan(rel, snapshot, 0, NULL);
	TupleTableSlot *slot = table_slot_create(rel, NULL);
	bool		found = table_scan_getnextslot(scan, ForwardScanDirection, slot);

	ExecDropSingleTupleTableSlot(slot);
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	return found;
}

/*
 * Before allow_negative is turned off: no entry may have a negative balance,
 * or ledger_verify() would report entries that were valid when written.
 * Asked as the table's owner, as a security-restricted operation (the query
 * runs code the owner wrote, such as an index predicate), and past row-level
 * security.
 */
static void
LedgerCheckNoNegative(Oid relid, const char *qualified, const char *account,
					  const char *balance)
{
	Oid			save_userid;
	int			save_sec_context;

	LedgerRunAsOwner(LedgerRelOwner(relid), &save_userid, &save_sec_context);
	LedgerExec(psprintf("SELECT %s::pg_catalog.text, %s::pg_catalog.text "
						"FROM ONLY %s WHERE %s OPERATOR(pg_catalog.<) 0 LIMIT 1",
						quote_identifier(account), quote_identifier(balance),
						qualified, quote_identifier(balance)),
			   SPI_OK_SELECT);
	LedgerRunAsEnd(save_userid, save_sec_context);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("ledger %s has negative balances: allow_negative cannot be turned off",
						qualified),
				 errdetail("Account %s went to a balance of %s.",
						   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
						   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)),
				 errhint("Keep allow_negative on, or move the entries into a new ledger "
						 "attached with allow_negative => false.")));
}

/* The role that owns schema orm_ext: it owns the heads tables. */
static Oid
LedgerExtensionOwner(void)
{
	Oid			nspid = get_namespace_oid(ORM_EXT_NAME, false);
	HeapTuple	tup = SearchSysCache1(NAMESPACEOID, ObjectIdGetDatum(nspid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "orm_ext: cache lookup failed for schema %u", nspid);
	owner = ((Form_pg_namespace) GETSTRUCT(tup))->nspowner;
	ReleaseSysCache(tup);
	return owner;
}

/*
 * The table "relid" must exist, be an ordinary permanent table, and belong
 * to the caller.  Returns its qualified name.
 */
static char *
LedgerCheckTable(Oid relid)
{
	char		relkind = get_rel_relkind(relid);
	char	   *relname = get_rel_name(relid);
	char	   *qualified = OrmExtQualifiedRelid(relid);

	if (relname == NULL || qualified == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (!LedgerIsOwner(relid))
		aclcheck_error(ACLCHECK_NOT_OWNER, get_relkind_objtype(relkind), relname);
	if (relkind == RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("partitioned table %s cannot be a ledger", qualified),
				 errhint("Attach an ordinary table.")));
	if (relkind != RELKIND_RELATION)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is not a table", qualified)));
	if (get_rel_persistence(relid) == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("temporary table %s cannot be a ledger", qualified)));
	return qualified;
}

/* A column of the table that must exist, with its type. */
static AttrNumber
LedgerAttachColumn(Oid relid, const char *qualified, const char *name,
				   Oid *type, int32 *typmod, Oid *collation)
{
	AttrNumber	attnum = get_attnum(relid, name);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation %s does not exist", name,
						qualified)));
	if (attnum < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("system column \"%s\" cannot be a ledger column", name)));
	if (get_attgenerated(relid, attnum) != '\0')
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("generated column \"%s\" cannot be a ledger column", name),
				 errdetail("The server computes it after the ledger's trigger has run.")));
	get_atttypetypmodcoll(relid, attnum, type, typmod, collation);
	return attnum;
}

static bool
LedgerIsAmountType(Oid type)
{
	return type == INT2OID || type == INT4OID || type == INT8OID ||
		type == NUMERICOID;
}

static void
LedgerWrongType(const char *qualified, const char *role, const char *name,
				Oid type, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATATYPE_MISMATCH),
			 errmsg("%s column \"%s\" of %s has type %s", role, name, qualified,
					format_type_be(type)),
			 errdetail("The %s column must be %s.", role, expected)));
}

/* "COLLATE schema.name" for a collatable column, or "" */
static char *
LedgerCollateClause(Oid collation)
{
	HeapTuple	tup;
	Form_pg_collation coll;
	char	   *result;

	if (!OidIsValid(collation))
		return "";
	tup = SearchSysCache1(COLLOID, ObjectIdGetDatum(collation));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "orm_ext: cache lookup failed for collation %u", collation);
	coll = (Form_pg_collation) GETSTRUCT(tup);
	result = psprintf(" COLLATE %s",
					  quote_qualified_identifier(get_namespace_name(coll->collnamespace),
												 NameStr(coll->collname)));
	ReleaseSysCache(tup);
	return result;
}

/* Drop the ledger's triggers (as the caller, who owns the table). */
static void
LedgerDropTriggers(Oid relid, const char *qualified)
{
	for (int i = 0; i < (int) lengthof(LedgerTriggers); i++)
	{
		if (!OidIsValid(get_trigger_oid(relid, LedgerTriggers[i], true)))
			continue;
		LedgerExec(psprintf("DROP TRIGGER %s ON %s",
							quote_identifier(LedgerTriggers[i]), qualified),
				   SPI_OK_UTILITY);
	}
}

/*
 * Remove the registration and the heads table of a ledger, leaving its
 * data.  Runs inside an SPI connection.
 */
static void
LedgerUnregister(Oid relid, const char *qualified, Oid heads)
{
	Oid			owner = LedgerExtensionOwner();
	Oid			save_userid;
	int			save_sec_context;
	Oid			argtypes[1] = {REGCLASSOID};
	Datum		args[1] = {ObjectIdGetDatum(relid)};
	char	   *heads_name = OrmExtQualifiedRelid(heads);

	LedgerDropTriggers(relid, qualified);

	LedgerRunAs(owner, &save_userid, &save_sec_context);
	if (SPI_execute_with_args("DELETE FROM orm_ext.ledgers "
							  "WHERE ledger OPERATOR(pg_catalog.=) $1",
							  1, argtypes, args, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "orm_ext: unregistering %s failed", qualified);
	if (heads_name != NULL)
		LedgerExec(psprintf("DROP TABLE IF EXISTS %s", heads_name),
				   SPI_OK_UTILITY);
	LedgerRunAsEnd(save_userid, save_sec_context);

	LedgerForgetXact(relid);
	CacheInvalidateRelcacheByRelid(relid);
}

/*
 * orm_ext.ledger_attach(tbl regclass, account_column name, amount_column name,
 *		balance_column name, allow_negative boolean, hash_chain boolean,
 *		seq_column name, hash_column name, seq_index boolean) returns void
 */
Datum
orm_ext_ledger_attach(PG_FUNCTION_ARGS)
{
	Oid			relid;
	const char *account;
	const char *amount;
	const char *balance;
	bool		allow_negative;
	bool		hash_chain;
	const char *seqcol;
	const char *hashcol;
	bool		seq_index;
	char	   *qualified;
	Oid			account_type,
				amount_type,
				balance_type,
				type;
	int32		account_typmod,
				balance_typmod,
				typmod;
	Oid			account_coll,
				coll;
	AttrNumber	account_att,
				amount_att,
				balance_att,
				seq_att,
				hash_att = InvalidAttrNumber;
	TypeCacheEntry *tce;
	Oid			owner;
	Oid			save_userid;
	int			save_sec_context;
	Oid			regtypes[1] = {REGCLASSOID};
	Datum		regargs[1];
	Oid			heads;
	char	   *heads_name;
	StringInfoData hashed;
	int			ret;

	LedgerRequireArg(fcinfo, 0, "tbl");
	LedgerRequireArg(fcinfo, 1, "account_column");
	LedgerRequireArg(fcinfo, 2, "amount_column");
	LedgerRequireArg(fcinfo, 3, "balance_column");
	LedgerRequireArg(fcinfo, 4, "allow_negative");
	LedgerRequireArg(fcinfo, 5, "hash_chain");
	LedgerRequireArg(fcinfo, 6, "seq_column");
	relid = PG_GETARG_OID(0);
	account = NameStr(*PG_GETARG_NAME(1));
	amount = NameStr(*PG_GETARG_NAME(2));
	balance = NameStr(*PG_GETARG_NAME(3));
	allow_negative = PG_GETARG_BOOL(4);
	hash_chain = PG_GETARG_BOOL(5);
	seqcol = NameStr(*PG_GETARG_NAME(6));
	LedgerRequireArg(fcinfo, 7, "hash_column");
	hashcol = hash_chain ? NameStr(*PG_GETARG_NAME(7)) : NULL;
	LedgerRequireArg(fcinfo, 8, "seq_index");
	seq_index = PG_GETARG_BOOL(8);

	qualified = LedgerCheckTable(relid);
	LockRelationOid(relid, AccessExclusiveLock);
	/* it may have changed while we waited */
	qualified = LedgerCheckTable(relid);

	/* the three named columns */
	account_att = LedgerAttachColumn(relid, qualified, account, &account_type,
									 &account_typmod, &account_coll);
	amount_att = LedgerAttachColumn(relid, qualified, amount, &amount_type,
									&typmod, &coll);
	balance_att = LedgerAttachColumn(relid, qualified, balance, &balance_type,
									 &balance_typmod, &coll);
	if (account_att == amount_att || account_att == balance_att ||
		amount_att == balance_att)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the account, amount and balance columns of a ledger must be three different columns")));
	tce = lookup_type_cache(account_type, TYPECACHE_CMP_PROC | TYPECACHE_EQ_OPR);
	if (!OidIsValid(tce->cmp_proc) || !OidIsValid(tce->eq_opr))
		LedgerWrongType(qualified, "account", account, account_type,
						"of a type with a default btree operator class");
	if (!LedgerIsAmountType(amount_type))
		LedgerWrongType(qualified, "amount", amount, amount_type,
						"smallint, integer, bigint or numeric");
	if (!LedgerIsAmountType(balance_type))
		LedgerWrongType(qualified, "balance", balance, balance_type,
						"smallint, integer, bigint or numeric");
	if (balance_type != NUMERICOID && amount_type == NUMERICOID)
		LedgerWrongType(qualified, "balance", balance, balance_type,
						"numeric when the amount column is numeric");

	/* the seq and hash columns: used if present, added if not */
	if (strcmp(seqcol, account) == 0 || strcmp(seqcol, amount) == 0 ||
		strcmp(seqcol, balance) == 0 ||
		(hashcol && (strcmp(hashcol, account) == 0 ||
					 strcmp(hashcol, amount) == 0 ||
					 strcmp(hashcol, balance) == 0 ||
					 strcmp(hashcol, seqcol) == 0)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("the seq and hash columns of a ledger must differ from each other and from its account, amount and balance columns")));
	seq_att = get_attnum(relid, seqcol);
	if (seq_att != InvalidAttrNumber)
	{
		get_atttypetypmodcoll(relid, seq_att, &type, &typmod, &coll);
		if (seq_att < 0 || type != INT8OID)
			LedgerWrongType(qualified, "seq", seqcol, type, "bigint");
	}
	if (hash_chain)
	{
		hash_att = get_attnum(relid, hashcol);
		if (hash_att != InvalidAttrNumber)
		{
			get_atttypetypmodcoll(relid, hash_att, &type, &typmod, &coll);
			if (hash_att < 0 || type != BYTEAOID)
				LedgerWrongType(qualified, "hash", hashcol, type, "bytea");
		}
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "orm_ext: SPI_connect failed");
	owner = LedgerExtensionOwner();
	regargs[0] = ObjectIdGetDatum(relid);

	/* already a ledger? */
	ret = SPI_execute_with_args("SELECT account_column, amount_column, balance_column, "
								"seq_column, hash_column, allow_negative, heads "
								"FROM orm_ext.ledgers WHERE ledger OPERATOR(pg_catalog.=) $1",
								1, regtypes, regargs, NULL, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "orm_ext: reading orm_ext.ledgers failed");
	if (SPI_processed == 1)
	{
		HeapTuple	tup = SPI_tuptable->vals[0];
		TupleDesc	desc = SPI_tuptable->tupdesc;
		char	   *old_hash = SPI_getvalue(tup, desc, 5);
		bool		isnull;
		bool		same;
		bool		old_allow_negative;
		Oid			old_heads;

		same = strcmp(SPI_getvalue(tup, desc, 1), account) == 0 &&
			strcmp(SPI_getvalue(tup, desc, 2), amount) == 0 &&
			strcmp(SPI_getvalue(tup, desc, 3), balance) == 0 &&
			strcmp(SPI_getvalue(tup, desc, 4), seqcol) == 0 &&
			((old_hash == NULL && hashcol == NULL) ||
			 (old_hash != NULL && hashcol != NULL &&
			  strcmp(old_hash, hashcol) == 0));
		old_heads = DatumGetObjectId(SPI_getbinval(tup, desc, 7, &isnull));
		old_allow_negative = DatumGetBool(SPI_getbinval(tup, desc, 6, &isnull));

		if (same && OidIsValid(get_rel_relkind(old_heads)))
		{
			/*
			 * The same ledger: only allow_negative may change, and the index
			 * a call with seq_index => false left out is created now.
			 */
			if (seq_index && seq_att != InvalidAttrNumber &&
				!LedgerScanIndexes(relid, account_att, seq_att, NULL))
				LedgerExec(psprintf("CREATE UNIQUE INDEX ON %s (%s, %s)", qualified,
									quote_identifier(account), quote_identifier(seqcol)),
						   SPI_OK_UTILITY);
			if (old_allow_negative && !allow_negative)
				LedgerCheckNoNegative(relid, qualified, account, balance);
			LedgerRunAs(owner, &save_userid, &save_sec_context);
			regargs[0] = ObjectIdGetDatum(relid);
			{
				Oid			types[2] = {REGCLASSOID, BOOLOID};
				Datum		vals[2] = {ObjectIdGetDatum(relid),
				BoolGetDatum(allow_negative)};

				if (SPI_execute_with_args("UPDATE orm_ext.ledgers SET allow_negative = $2 "
										  "WHERE ledger OPERATOR(pg_catalog.=) $1 "
										  "AND allow_negative OPERATOR(pg_catalog.<>) $2",
										  2, types, vals, NULL, false, 0) != SPI_OK_UPDATE)
					elog(ERROR, "orm_ext: updating orm_ext.ledgers failed");
			}
			LedgerRunAsEnd(save_userid, save_sec_context);
			CacheInvalidateRelcacheByRelid(relid);
			SPI_finish();
			PG_RETURN_VOID();
		}
		/* a different shape: only while the ledger has no entries */
		if (LedgerHasRows(relid))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("ledger %s is already attached with other columns", qualified),
					 errdetail("Its entries were chained with the registered columns; they cannot be re-chained."),
					 errhint("Call orm_ext.ledger_attach() with the same columns, or copy the entries into a new ledger.")));
		LedgerUnregister(relid, qualified, old_heads);
	}
	else
	{
		/* a new ledger must start empty: its entries are chained on insert */
		if (LedgerHasRows(relid))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("table %s is not empty", qualified),
					 errdetail("A ledger computes every balance itself, from its first entry on."),
					 errhint("Attach an empty table, then copy the entries in with "
							 "INSERT ... SELECT ... ORDER BY in the order they should chain.")));
	}

	/* columns and index, as the caller */
	if (seq_att == InvalidAttrNumber)
	{
		LedgerExec(psprintf("ALTER TABLE %s ADD COLUMN %s pg_catalog.int8 NOT NULL",
							qualified, quote_identifier(seqcol)), SPI_OK_UTILITY);
		seq_att = get_attnum(relid, seqcol);
	}
	if (hash_chain && hash_att == InvalidAttrNumber)
	{
		LedgerExec(psprintf("ALTER TABLE %s ADD COLUMN %s pg_catalog.bytea NOT NULL",
							qualified, quote_identifier(hashcol)), SPI_OK_UTILITY);
		hash_att = get_attnum(relid, hashcol);
	}
	if (seq_index && !LedgerScanIndexes(relid, account_att, seq_att, NULL))
		LedgerExec(psprintf("CREATE UNIQUE INDEX ON %s (%s, %s)", qualified,
							quote_identifier(account), quote_identifier(seqcol)),
				   SPI_OK_UTILITY);

	/*
	 * The columns the hash covers: every column but the hash, in order,
	 * except generated ones, which the server computes after the BEFORE
	 * triggers have run, from columns the hash covers.
	 */
	initStringInfo(&hashed);
	if (hash_chain)
	{
		ret = SPI_execute_with_args("SELECT pg_catalog.array_agg(attname ORDER BY attnum) "
									"FROM pg_catalog.pg_attribute "
									"WHERE attrelid OPERATOR(pg_catalog.=) $1 "
									"AND attnum OPERATOR(pg_catalog.>) 0 AND NOT attisdropped "
									"AND attgenerated OPERATOR(pg_catalog.=) '' "
									"AND attname OPERATOR(pg_catalog.<>) $2",
									2, (Oid[]) {OIDOID, NAMEOID},
									(Datum[]) {ObjectIdGetDatum(relid),
									DirectFunctionCall1(namein, CStringGetDatum(hashcol))},
									NULL, false, 1);	/* see the new columns */
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "orm_ext: listing the columns of %s failed", qualified);
		appendStringInfoString(&hashed,
							   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1));
	}

	/*
	 * The heads table and the registration, as the extension's owner.  The
	 * heads keep the account in its base type: a domain's constraints, which
	 * the ledger's own column checks, would otherwise run as that owner.
	 */
	account_type = getBaseTypeAndTypmod(account_type, &account_typmod);
	LedgerRunAs(owner, &save_userid, &save_sec_context);
	heads_name = psprintf("ledger_heads_%u", relid);
	for (int n = 2; OidIsValid(get_relname_relid(heads_name,
												 get_namespace_oid(ORM_EXT_NAME, false))); n++)
		heads_name = psprintf("ledger_heads_%u_%d", relid, n);
	LedgerExec(psprintf("CREATE TABLE orm_ext.%s ("
						"account %s%s PRIMARY KEY, "
						"balance %s NOT NULL, "
						"seq pg_catalog.int8 NOT NULL, "
						"hash pg_catalog.bytea) "
						"WITH (fillfactor = %d)",
						quote_identifier(heads_name),
						format_type_extended(account_type, account_typmod,
											 FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY),
						LedgerCollateClause(account_coll),
						format_type_extended(balance_type, balance_typmod,
											 FORMAT_TYPE_TYPEMOD_GIVEN | FORMAT_TYPE_FORCE_QUALIFY),
						LEDGER_HEADS_FILLFACTOR),
			   SPI_OK_UTILITY);
	LedgerExec(psprintf("COMMENT ON TABLE orm_ext.%s IS %s",
						quote_identifier(heads_name),
						quote_literal_cstr(psprintf("orm_ext: account heads of ledger %s; "
													"maintained by its triggers",
													qualified))),
			   SPI_OK_UTILITY);
	heads = get_relname_relid(heads_name, get_namespace_oid(ORM_EXT_NAME, false));
	{
		Oid			types[9] = {REGCLASSOID, NAMEOID, NAMEOID, NAMEOID, NAMEOID,
		NAMEOID, BOOLOID, TEXTOID, REGCLASSOID};
		Datum		vals[9];
		char		nulls[9] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};

		vals[0] = ObjectIdGetDatum(relid);
		vals[1] = CStringGetDatum(account);
		vals[2] = CStringGetDatum(amount);
		vals[3] = CStringGetDatum(balance);
		vals[4] = CStringGetDatum(seqcol);
		vals[5] = hash_chain ? CStringGetDatum(hashcol) : (Datum) 0;
		nulls[5] = hash_chain ? ' ' : 'n';
		vals[6] = BoolGetDatum(allow_negative);
		vals[7] = hash_chain ? CStringGetTextDatum(hashed.data) : (Datum) 0;
		nulls[7] = hash_chain ? ' ' : 'n';
		vals[8] = ObjectIdGetDatum(heads);
		/* name parameters are passed as cstrings converted by namein */
		for (int i = 1; i <= 5; i++)
			if (nulls[i] == ' ')
				vals[i] = DirectFunctionCall1(namein, vals[i]);
		ret = SPI_execute_with_args("INSERT INTO orm_ext.ledgers "
									"(ledger, account_column, amount_column, balance_column, "
									"seq_column, hash_column, allow_negative, hashed_columns, heads) "
									"VALUES ($1, $2, $3, $4, $5, $6, $7, $8::pg_catalog.name[], $9)",
									9, types, vals, nulls, false, 0);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "orm_ext: registering %s failed", qualified);
	}
	LedgerRunAsEnd(save_userid, save_sec_context);

	/* the triggers, as the caller */
	LedgerDropTriggers(relid, qualified);
	LedgerExec(psprintf("CREATE TRIGGER %s BEFORE UPDATE OR DELETE ON %s "
						"FOR EACH ROW EXECUTE FUNCTION orm_ext.append_only()",
						LEDGER_TRIGGER_APPEND_ONLY, qualified), SPI_OK_UTILITY);
	LedgerExec(psprintf("CREATE TRIGGER %s BEFORE TRUNCATE ON %s "
						"FOR EACH STATEMENT EXECUTE FUNCTION orm_ext.append_only()",
						LEDGER_TRIGGER_NO_TRUNCATE, qualified), SPI_OK_UTILITY);
	LedgerExec(psprintf("CREATE TRIGGER %s BEFORE INSERT ON %s "
						"FOR EACH ROW EXECUTE FUNCTION orm_ext.ledger_balance_trigger()",
						LEDGER_TRIGGER_BALANCE, qualified), SPI_OK_UTILITY);
	LedgerExec(psprintf("CREATE TRIGGER %s AFTER INSERT ON %s "
						"FOR EACH STATEMENT EXECUTE FUNCTION orm_ext.ledger_flush_trigger()",
						LEDGER_TRIGGER_FLUSH, qualified), SPI_OK_UTILITY);
	for (int i = 0; i < (int) lengthof(LedgerTriggers); i++)
		LedgerExec(psprintf("ALTER TABLE %s ENABLE ALWAYS TRIGGER %s", qualified,
							quote_identifier(LedgerTriggers[i])), SPI_OK_UTILITY);

	SPI_finish();
	LedgerForgetXact(relid);
	CacheInvalidateRelcacheByRelid(relid);
	PG_RETURN_VOID();
}

/*
 * orm_ext.ledger_detach(tbl regclass) returns void
 *
 * Removes the ledger's triggers, heads table and registration.  The rows,
 * and the seq and hash columns, stay.
 */
Datum
orm_ext_ledger_detach(PG_FUNCTION_ARGS)
{
	Oid			relid;
	char	   *qualified;
	Oid			regtypes[1] = {REGCLASSOID};
	Datum		regargs[1];
	bool		isnull;
	Oid			heads;

	LedgerRequireArg(fcinfo, 0, "tbl");
	relid = PG_GETARG_OID(0);
	qualified = LedgerCheckTable(relid);
	LockRelationOid(relid, AccessExclusiveLock);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "orm_ext: SPI_connect failed");
	regargs[0] = ObjectIdGetDatum(relid);
	if (SPI_execute_with_args("SELECT heads FROM orm_ext.ledgers "
							  "WHERE ledger OPERATOR(pg_catalog.=) $1",
							  1, regtypes, regargs, NULL, false, 1) != SPI_OK_SELECT)
		elog(ERROR, "orm_ext: reading orm_ext.ledgers failed");
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("table %s is not an orm_ext ledger", qualified)));
	heads = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull));
	LedgerUnregister(relid, qualified, heads);
	SPI_finish();
	PG_RETURN_VOID();
}
