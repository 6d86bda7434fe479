/*-------------------------------------------------------------------------
 *
 * config.c
 *	  The ledger registry as the C code sees it: a per-backend cache of each
 *	  ledger's columns, types and prepared plans, plus the arithmetic and the
 *	  row hash that the triggers and ledger_verify() share.
 *
 * The registry is the table orm_ext.ledgers (see ledger.sql).  A backend
 * reads a ledger's row once and keeps what it derived in LedgerConfig until a
 * relcache invalidation of the ledger table or its heads table marks it stale.
 * ledger_attach() and ledger_detach() change triggers on the ledger, and say
 * so with an explicit invalidation when they change only the registry.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "common/int.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "orm_ext.h"
#include "ledger.h"

static HTAB *LedgerConfigHash = NULL;

/*
 * Relcache invalidation: a change to a ledger table or to its heads table
 * (or a cache reset, relid = InvalidOid) makes the cached config stale.  Only
 * mark it here; the rebuild happens on next use, outside the callback.
 */
/* invalidations of configs; a config built across one is not kept valid */
static uint64 LedgerConfigInvalidations = 0;

static void
LedgerConfigInvalidate(Oid relid)
{
	HASH_SEQ_STATUS status;
	LedgerConfig *cfg;

	if (LedgerConfigHash == NULL)
		return;

	hash_seq_init(&status, LedgerConfigHash);
	while ((cfg = (LedgerConfig *) hash_seq_search(&status)) != NULL)
	{
		if (relid == InvalidOid || cfg->relid == relid ||
			cfg->heads_relid == relid)
		{
			cfg->valid = false;
			LedgerConfigInvalidations++;
		}
	}
}

void
LedgerConfigInit(void)
{
	OrmExtOnRelcacheInvalidate(LedgerConfigInvalidate);
}

static void
LedgerConfigHashCreate(void)
{
	HASHCTL		ctl;

	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(LedgerConfig);
	ctl.hcxt = CacheMemoryContext;
	LedgerConfigHash = hash_create("orm_ext ledger configs", 16, &ctl,
								   HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* Release what a stale config holds, keeping the hash entry. */
static void
LedgerConfigRelease(LedgerConfig *cfg)
{
	SPIPlanPtr *plans[] = {&cfg->lock_plan, &cfg->create_plan,
		&cfg->advance_plan, &cfg->write_plan, &cfg->count_plan,
	&cfg->read_plan};

	for (int i = 0; i < (int) lengthof(plans); i++)
	{
		if (*plans[i] != NULL)
			SPI_freeplan(*plans[i]);
		*plans[i] = NULL;
	}
	if (cfg->cxt != NULL)
		MemoryContextDelete(cfg->cxt);
	cfg->cxt = NULL;
}

/*
 * Column "name" of the ledger, which the registry says must be there: a
 * missing column means someone renamed or dropped it since ledger_attach().
 */
static AttrNumber
LedgerColumn(LedgerConfig *cfg, const char *name)
{
	AttrNumber	attnum = get_attnum(cfg->relid, name);

	if (attnum == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("column \"%s\" of ledger %s does not exist", name,
						cfg->relname),
				 errdetail("orm_ext.ledger_attach() registered this column; "
						   "it has since been renamed or dropped."),
				 errhint("Rename the column back, or run orm_ext.ledger_detach() "
						 "and attach the ledger again.")));
	return attnum;
}

/* The owner of a table. */
Oid
LedgerRelOwner(Oid relid)
{
	HeapTuple	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	Oid			owner;

	if (!HeapTupleIsValid(tup))
		elog(ERROR, "orm_ext: cache lookup failed for relation %u", relid);
	owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
	ReleaseSysCache(tup);
	return owner;
}

/* 55000 for a ledger column whose type changed since ledger_attach() */
static void
LedgerTypeChanged(LedgerConfig *cfg, const char *role, const char *name,
				  Oid type, int32 typmod, const char *expected)
{
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("%s column \"%s\" of ledger %s has changed type since the ledger was attached",
					role, name, cfg->relname),
			 errdetail("It is %s; the ledger needs %s.",
					   format_type_with_typemod(type, typmod), expected),
			 errhint("Change the column back to that type.")));
}

/* The type of a column of the ledger's heads table. */
static void
LedgerHeadsColumnType(LedgerConfig *cfg, const char *column, Oid *type,
					  int32 *typmod, Oid *collation)
{
	AttrNumber	att = get_attnum(cfg->heads_relid, column);

	if (att == InvalidAttrNumber)
		elog(ERROR, "orm_ext: the heads table of ledger %s has no %s column",
			 cfg->relname, column);
	get_atttypetypmodcoll(cfg->heads_relid, att, type, typmod, collation);
}

/*
 * The ledger's columns must still have the types ledger_attach() accepted,
 * and the account and balance those of the heads table, which keeps the
 * types of the time of the attach: ALTER COLUMN ... TYPE may have changed
 * them since.
 */
static void
LedgerCheckTypes(LedgerConfig *cfg, int32 account_typmod)
{
	Oid			heads_type;
	int32		heads_typmod;
	Oid			heads_coll;
	int32		base_typmod = account_typmod;
	Oid			base_type = getBaseTypeAndTypmod(cfg->account_type, &base_typmod);
	Oid			type;
	int32		typmod;
	Oid			coll;

	LedgerHeadsColumnType(cfg, "account", &heads_type, &heads_typmod, &heads_coll);
	heads_type = getBaseTypeAndTypmod(heads_type, &heads_typmod);
	if (base_type != heads_type || base_typmod != heads_typmod ||
		cfg->account_collation != heads_coll)
		LedgerTypeChanged(cfg, "account", cfg->account_name, cfg->account_type,
						  account_typmod,
						  format_type_with_typemod(heads_type, heads_typmod));

	LedgerHeadsColumnType(cfg, "balance", &heads_type, &heads_typmod, &heads_coll);
	if (cfg->balance_type != heads_type || cfg->balance_typmod != heads_typmod)
		LedgerTypeChanged(cfg, "balance", cfg->balance_name, cfg->balance_type,
						  cfg->balance_typmod,
						  format_type_with_typemod(heads_type, heads_typmod));

	if (cfg->amount_type != INT2OID && cfg->amount_type != INT4OID &&
		cfg->amount_type != INT8OID && cfg->amount_type != NUMERICOID)
		LedgerTypeChanged(cfg, "amount", cfg->amount_name, cfg->amount_type, -1,
						  "smallint, integer, bigint or numeric");

	get_atttypetypmodcoll(cfg->relid, cfg->seq_att, &type, &typmod, &coll);
	if (type != INT8OID)
		LedgerTypeChanged(cfg, "seq", cfg->seq_name, type, typmod, "bigint");
	if (cfg->hash_chain)
	{
		get_atttypetypmodcoll(cfg->relid, cfg->hash_att, &type, &typmod, &coll);
		if (type != BYTEAOID)
			LedgerTypeChanged(cfg, "hash", cfg->hash_name, type, typmod, "bytea");
	}
}

/*
 * An operator clause "OPERATOR(schema.=)" for the default btree equality of
 * a type, so that internal queries never depend on the caller's search_path.
 */
char *
LedgerEqOperator(Oid type)
{
	TypeCacheEntry *tce = lookup_type_cache(type, TYPECACHE_EQ_OPR);
	Oid			opno = tce->eq_opr;
	HeapTuple	tup;
	Form_pg_operator op;
	char	   *result;

	if (!OidIsValid(opno))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("type %s has no default btree equality operator",
						format_type_be(type))));
	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(opno));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "orm_ext: cache lookup failed for operator %u", opno);
	op = (Form_pg_operator) GETSTRUCT(tup);
	result = psprintf("OPERATOR(%s.%s)",
					  quote_identifier(get_namespace_name(op->oprnamespace)),
					  NameStr(op->oprname));
	ReleaseSysCache(tup);
	return result;
}

/* Prepare and keep a plan in the config's lifetime. */
SPIPlanPtr
LedgerPreparePlan(LedgerConfig *cfg, const char *query, int nargs,
				  Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare(query, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "orm_ext: SPI_prepare failed for \"%s\": %s", query,
			 SPI_result_code_string(SPI_result));
	SPI_keepplan(plan);
	return plan;
}

/*
 * Switch to the role that owns the heads tables (the extension's owner) for
 * internal queries.  Like the server's referential-integrity triggers, the
 * switch is local: SET ROLE is refused meanwhile, and row-level security
 * never applies to these queries.  An error restores the previous identity
 * on transaction or subtransaction abort.
 */
void
LedgerRunAs(Oid userid, Oid *save_userid, int *save_sec_context)
{
	GetUserIdAndSecContext(save_userid, save_sec_context);
	SetUserIdAndSecContext(userid, *save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_NOFORCE_RLS);
}

/*
 * Switch to the owner of a ledger table for a query that reads it, as the
 * server does for an index build: the query may run code the owner wrote
 * (an index predicate's functions, say), so it runs with the owner's rights
 * and as a security-restricted operation.  Row-level security does not
 * hide rows from the owner here.
 */
void
LedgerRunAsOwner(Oid owner, Oid *save_userid, int *save_sec_context)
{
	GetUserIdAndSecContext(save_userid, save_sec_context);
	SetUserIdAndSecContext(owner, *save_sec_context |
						   SECURITY_LOCAL_USERID_CHANGE |
						   SECURITY_RESTRICTED_OPERATION |
						   SECURITY_NOFORCE_RLS);
}

void
LedgerRunAsEnd(Oid save_userid, int save_sec_context)
{
	SetUserIdAndSecContext(save_userid, save_sec_context);
}

/* The current user must hold "mode" on the table: 42501 otherwise. */
void
LedgerCheckPrivilege(Oid relid, AclMode mode)
{
	AclResult	aclresult = pg_class_aclcheck(relid, GetUserId(), mode);

	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, get_relkind_objtype(get_rel_relkind(relid)),
					   get_rel_name(relid));
}

/* A required argument must not be NULL: 22004. */
void
LedgerRequireArg(FunctionCallInfo fcinfo, int argno, const char *argname)
{
	if (PG_ARGISNULL(argno))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", argname)));
}

/*
 * One pass over a table's indexes.  Returns whether it has a valid,
 * unconditional unique index on exactly (a, b), the one ledger_attach()
 * creates.  With has_arbiters, also tells whether INSERT ... ON CONFLICT can
 * skip a row of the table: only a unique index or an exclusion constraint
 * can report a conflict, and without one ON CONFLICT inserts every row.
 * Indexes that are not valid or ready yet count there too: the answer may be
 * yes where it could be no, never the other way round.  Index changes
 * invalidate the table's relcache entry, and with it a ledger's config.
 */
bool
LedgerScanIndexes(Oid relid, AttrNumber a, AttrNumber b, bool *has_arbiters)
{
	Relation	rel = table_open(relid, AccessShareLock);
	List	   *indexes = RelationGetIndexList(rel);
	ListCell   *lc;
	bool		found = false;

	if (has_arbiters)
		*has_arbiters = false;
	foreach(lc, indexes)
	{
		HeapTuple	tup = SearchSysCache1(INDEXRELID,
										  ObjectIdGetDatum(lfirst_oid(lc)));
		Form_pg_index idx;

		if (!HeapTupleIsValid(tup))
			continue;
		idx = (Form_pg_index) GETSTRUCT(tup);
		if (has_arbiters && (idx->indisunique || idx->indisexclusion))
			*has_arbiters = true;
		if (idx->indisunique && idx->indisvalid && idx->indnkeyatts == 2 &&
			idx->indkey.values[0] == a && idx->indkey.values[1] == b &&
			heap_attisnull(tup, Anum_pg_index_indpred, NULL) &&
			heap_attisnull(tup, Anum_pg_index_indexprs, NULL))
			found = true;
		ReleaseSysCache(tup);
	}
	list_free(indexes);
	table_close(rel, AccessShareLock);
	return found;
}

/* Build the config of one ledger from the registry and the catalogs. */
static void
LedgerConfigBuild(LedgerConfig *cfg, bool *found_in_registry)
{
	Oid			argtypes[1] = {REGCLASSOID};
	Datum		args[1];
	HeapTuple	tup;
	TupleDesc	tupdesc;
	bool		isnull;
	MemoryContext oldcxt;
	HeapTuple	classtup;
	TypeCacheEntry *tce;
	char	   *eq_account;
	char	   *q;
	bool		isvarlena;
	int32		account_typmod;
	int			ret;

	*found_in_registry = false;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "orm_ext: SPI_connect failed");

	args[0] = ObjectIdGetDatum(cfg->relid);
	ret = SPI_execute_with_args("SELECT account_column, amount_column, "
								"balance_column, seq_column, hash_column, "
								"allow_negative, hashed_columns, heads "
								"FROM orm_ext.ledgers "
								"WHERE ledger OPERATOR(pg_catalog.=) $1",
								1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "orm_ext: reading orm_ext.ledgers failed: %s",
			 SPI_result_code_string(ret));
	if (SPI_processed == 0)
	{
		SPI_finish();
		return;
	}
	*found_in_registry = true;

	cfg->cxt = AllocSetContextCreate(CacheMemoryContext, "orm_ext ledger config",
									 ALLOCSET_SMALL_SIZES);
	oldcxt = MemoryContextSwitchTo(cfg->cxt);

	tup = SPI_tuptable->vals[0];
	tupdesc = SPI_tuptable->tupdesc;

	cfg->relname = OrmExtQualifiedRelid(cfg->relid);
	cfg->account_name = SPI_getvalue(tup, tupdesc, 1);
	cfg->amount_name = SPI_getvalue(tup, tupdesc, 2);
	cfg->balance_name = SPI_getvalue(tup, tupdesc, 3);
	cfg->seq_name = SPI_getvalue(tup, tupdesc, 4);
	cfg->hash_name = SPI_getvalue(tup, tupdesc, 5);
	cfg->hash_chain = (cfg->hash_name != NULL);
	cfg->allow_negative = DatumGetBool(SPI_getbinval(tup, tupdesc, 6, &isnull));
	cfg->heads_relid = DatumGetObjectId(SPI_getbinval(tup, tupdesc, 8, &isnull));

	cfg->account_att = LedgerColumn(cfg, cfg->account_name);
	cfg->amount_att = LedgerColumn(cfg, cfg->amount_name);
	cfg->balance_att = LedgerColumn(cfg, cfg->balance_name);
	cfg->seq_att = LedgerColumn(cfg, cfg->seq_name);
	cfg->hash_att = cfg->hash_chain ? LedgerColumn(cfg, cfg->hash_name) :
		InvalidAttrNumber;

	/* the heads table, and who owns it */
	classtup = SearchSysCache1(RELOID, ObjectIdGetDatum(cfg->heads_relid));
	if (!HeapTupleIsValid(classtup))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the heads table of ledger %s is missing", cfg->relname),
				 errhint("Run orm_ext.ledger_detach() and attach the ledger again.")));
	cfg->internal_user = ((Form_pg_class) GETSTRUCT(classtup))->relowner;
	cfg->ledger_owner = LedgerRelOwner(cfg->relid);
	cfg->heads_name =
		quote_qualified_identifier(get_namespace_name(((Form_pg_class) GETSTRUCT(classtup))->relnamespace),
								   NameStr(((Form_pg_class) GETSTRUCT(classtup))->relname));
	ReleaseSysCache(classtup);

	/* types */
	get_atttypetypmodcoll(cfg->relid, cfg->account_att, &cfg->account_type,
						  &account_typmod, &cfg->account_collation);
	get_typlenbyval(cfg->account_type, &cfg->account_typlen,
					&cfg->account_typbyval);
	tce = lookup_type_cache(cfg->account_type, TYPECACHE_CMP_PROC_FINFO);
	if (!OidIsValid(tce->cmp_proc))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("account type %s has no btree ordering",
						format_type_be(cfg->account_type))));
	fmgr_info_cxt(tce->cmp_proc, &cfg->account_cmp, cfg->cxt);
	getTypeOutputInfo(cfg->account_type, &cfg->account_out, &isvarlena);

	cfg->amount_type = get_atttype(cfg->relid, cfg->amount_att);
	(void) LedgerScanIndexes(cfg->relid, cfg->account_att, cfg->seq_att,
							 &cfg->has_arbiters);
	{
		Oid			coll;

		get_atttypetypmodcoll(cfg->relid, cfg->balance_att, &cfg->balance_type,
							  &cfg->balance_typmod, &coll);
	}
	get_typlenbyval(cfg->balance_type, &cfg->balance_typlen,
					&cfg->balance_typbyval);
	cfg->arith = (cfg->balance_type == NUMERICOID) ? LEDGER_ARITH_NUMERIC :
		LEDGER_ARITH_INT;
	if (cfg->arith == LEDGER_ARITH_INT && cfg->amount_type == NUMERICOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("amount column \"%s\" of ledger %s is numeric but its balance column is an integer",
						cfg->amount_name, cfg->relname)));

	/* hashed columns */
	if (cfg->hash_chain)
	{
		Datum		arr = SPI_getbinval(tup, tupdesc, 7, &isnull);
		Datum	   *elems;
		int			nelems;

		if (isnull)
			elog(ERROR, "orm_ext: ledger %s has a hash column but no hashed columns",
				 cfg->relname);
		deconstruct_array(DatumGetArrayTypeP(arr), NAMEOID, NAMEDATALEN, false,
						  TYPALIGN_CHAR, &elems, NULL, &nelems);
		cfg->nhashed = nelems;
		cfg->hashed_names = palloc(sizeof(char *) * nelems);
		cfg->hashed_atts = palloc(sizeof(AttrNumber) * nelems);
		cfg->hashed_send = palloc(sizeof(FmgrInfo) * nelems);
		cfg->hashed_types = palloc(sizeof(Oid) * nelems);
		cfg->hashed_nested = palloc(sizeof(bool) * nelems);
		for (int i = 0; i < nelems; i++)
		{
			Oid			type;
			Oid			sendfn;
			bool		isvarlena;

			cfg->hashed_names[i] = pstrdup(NameStr(*DatumGetName(elems[i])));
			cfg->hashed_atts[i] = LedgerColumn(cfg, cfg->hashed_names[i]);
			type = get_atttype(cfg->relid, cfg->hashed_atts[i]);
			cfg->hashed_types[i] = getBaseType(type);
			cfg->hashed_nested[i] = type_is_array(cfg->hashed_types[i]) ||
				type_is_rowtype(cfg->hashed_types[i]);
			getTypeBinaryOutputInfo(type, &sendfn, &isvarlena);
			fmgr_info_cxt(sendfn, &cfg->hashed_send[i], cfg->cxt);
		}
	}

	LedgerCheckTypes(cfg, account_typmod);

	/* the internal queries, prepared once per backend */
	eq_account = LedgerEqOperator(cfg->account_type);
	{
		Oid			types[5] = {cfg->account_type, cfg->balance_type, INT8OID,
		BYTEAOID, INT8OID};

		q = psprintf("SELECT balance, seq, hash FROM %s WHERE account %s $1 FOR UPDATE",
					 cfg->heads_name, eq_account);
		cfg->lock_plan = LedgerPreparePlan(cfg, q, 1, types);
		q = psprintf("SELECT balance, seq, hash FROM %s WHERE account %s $1",
					 cfg->heads_name, eq_account);
		cfg->read_plan = LedgerPreparePlan(cfg, q, 1, types);
		q = psprintf("INSERT INTO %s (account, balance, seq) VALUES ($1, 0, 0) "
					 "ON CONFLICT (account) DO NOTHING", cfg->heads_name);
		cfg->create_plan = LedgerPreparePlan(cfg, q, 1, types);

		/*
		 * Lock a head and add one entry to it in a single statement, for the
		 * first entry of an account in a transaction.  The amount comes as
		 * bigint or numeric, so that assigning the sum to the balance column
		 * applies the column's own range and typmod checks; RETURNING hash is
		 * the hash of the previous entry, which this UPDATE leaves alone.
		 */
		{
			Oid			advtypes[2] = {cfg->account_type,
				cfg->arith == LEDGER_ARITH_INT ? INT8OID : NUMERICOID};

			q = psprintf("UPDATE %s SET balance = balance OPERATOR(pg_catalog.+) $2, "
						 "seq = seq OPERATOR(pg_catalog.+) 1 "
						 "WHERE account %s $1 RETURNING balance, seq, hash",
						 cfg->heads_name, eq_account);
			cfg->advance_plan = LedgerPreparePlan(cfg, q, 2, advtypes);
		}
		q = psprintf("UPDATE %s SET balance = $2, seq = $3, hash = $4 "
					 "WHERE account %s $1", cfg->heads_name, eq_account);
		cfg->write_plan = LedgerPreparePlan(cfg, q, 4, types);

		/*
		 * The entries of an account with a seq in ($2, $3]: after a row may
		 * have been skipped (see heads.c), a head is written back only if
		 * the entries computed since the last check are all in the table.
		 * The unique index on (account, seq) makes the count exact (a
		 * ledger attached without it is counted by whatever index leads
		 * with the account, or by a scan).  It reads the ledger, so it runs
		 * as the ledger's owner, not as internal_user.
		 */
		{
			Oid			cnttypes[3] = {cfg->account_type, INT8OID, INT8OID};

			q = psprintf("SELECT pg_catalog.count(*) FROM ONLY %s l "
						 "WHERE l.%s %s $1 "
						 "AND l.%s OPERATOR(pg_catalog.>) $2 "
						 "AND l.%s OPERATOR(pg_catalog.<=) $3",
						 cfg->relname,
						 quote_identifier(cfg->account_name), eq_account,
						 quote_identifier(cfg->seq_name),
						 quote_identifier(cfg->seq_name));
			cfg->count_plan = LedgerPreparePlan(cfg, q, 3, cnttypes);
		}
	}

	MemoryContextSwitchTo(oldcxt);
	SPI_finish();
}

/*
 * The config of ledger "relid", from the backend cache or freshly built.
 * A table that is not registered raises 42704 unless missing_ok.
 */
LedgerConfig *
LedgerConfigGet(Oid relid, bool missing_ok)
{
	LedgerConfig *cfg;
	bool		found;
	bool		registered;
	HTAB	   *volatile head_tids = NULL;
	volatile Oid heads_relid = InvalidOid;
	uint64		invalidations;

	if (LedgerConfigHash == NULL)
		LedgerConfigHashCreate();

	cfg = (LedgerConfig *) hash_search(LedgerConfigHash, &relid, HASH_ENTER,
									   &found);
	if (found && cfg->valid)
		return cfg;
	if (found)
	{
		/*
		 * The heads' TIDs outlive the rebuild (a VACUUM of the heads table
		 * is enough to invalidate the config): LedgerHeadTidFetch() checks
		 * each one when it uses it, so a stale one costs an index lookup.
		 * They are dropped below if the heads table is another one now.
		 */
		head_tids = cfg->head_tids;
		heads_relid = cfg->heads_relid;
		LedgerConfigRelease(cfg);
	}
	memset(((char *) cfg) + sizeof(Oid), 0, sizeof(LedgerConfig) - sizeof(Oid));
	invalidations = LedgerConfigInvalidations;

	PG_TRY();
	{
		LedgerConfigBuild(cfg, &registered);
	}
	PG_CATCH();
	{
		LedgerConfigRelease(cfg);
		if (head_tids != NULL)
			hash_destroy(head_tids);
		hash_search(LedgerConfigHash, &relid, HASH_REMOVE, NULL);
		PG_RE_THROW();
	}
	PG_END_TRY();

	if (head_tids != NULL)
	{
		if (registered && cfg->heads_relid == heads_relid)
			cfg->head_tids = head_tids;
		else
			hash_destroy(head_tids);
	}

	if (!registered)
	{
		hash_search(LedgerConfigHash, &relid, HASH_REMOVE, NULL);
		if (missing_ok)
			return NULL;
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("table %s is not an orm_ext ledger",
						OrmExtQualifiedRelid(relid) ? OrmExtQualifiedRelid(relid) : "(dropped)"),
				 errhint("Attach it with orm_ext.ledger_attach().")));
	}
	/*
	 * An invalidation that arrived while it was being built may concern
	 * what the build had already read: serve this call, build it again
	 * next time.
	 */
	cfg->valid = (invalidations == LedgerConfigInvalidations);
	return cfg;
}

/*
 * An account value given to a SQL function as anyelement, in the ledger's
 * account type.  A value of another type goes through its text form, so
 * '…'::text, an untyped literal, or an integer for a bigint account all work;
 * a value that the account type rejects raises that type's error.
 */
Datum
LedgerAccountFromArg(LedgerConfig *cfg, Datum value, Oid argtype)
{
	Oid			outfn;
	Oid			infn;
	Oid			ioparam;
	bool		isvarlena;
	char	   *str;

	if (getBaseType(argtype) == getBaseType(cfg->account_type))
		return value;
	getTypeOutputInfo(argtype, &outfn, &isvarlena);
	str = OidOutputFunctionCall(outfn, value);
	getTypeInputInfo(cfg->account_type, &infn, &ioparam);
	return OidInputFunctionCall(infn, str, ioparam, -1);
}

/* The text form of an account, for messages and ledger_verify() rows. */
char *
LedgerAccountText(LedgerConfig *cfg, Datum account)
{
	return OidOutputFunctionCall(cfg->account_out, account);
}

/* The text form of any value, for messages. */
char *
LedgerValueText(Datum value, Oid type)
{
	Oid			outfn;
	bool		isvarlena;

	getTypeOutputInfo(type, &outfn, &isvarlena);
	return OidOutputFunctionCall(outfn, value);
}

/* integer value of an amount or balance Datum */
int64
LedgerDatumToInt64(Datum d, Oid type)
{
	switch (type)
	{
		case INT2OID:
			return DatumGetInt16(d);
		case INT4OID:
			return DatumGetInt32(d);
		case INT8OID:
			return DatumGetInt64(d);
		default:
			elog(ERROR, "orm_ext: unexpected integer type %u", type);
	}
	return 0;					/* keep compiler quiet */
}

/* An amount or balance of any of the four types, as numeric. */
Datum
LedgerToNumeric(Datum d, Oid type)
{
	if (type == NUMERICOID)
		return d;
	return DirectFunctionCall1(int8_numeric,
							   Int64GetDatum(LedgerDatumToInt64(d, type)));
}

/* Is a numeric neither NaN nor infinite? */
bool
LedgerNumericIsFinite(Datum d)
{
	Numeric		n = DatumGetNumeric(d);

#if PG_VERSION_NUM >= 140000
	return !numeric_is_nan(n) && !numeric_is_inf(n);
#else
	return !numeric_is_nan(n);
#endif
}

Datum
LedgerNumericZero(void)
{
	return DirectFunctionCall1(int8_numeric, Int64GetDatum(0));
}

Datum
LedgerBalanceZero(LedgerConfig *cfg)
{
	switch (cfg->balance_type)
	{
		case INT2OID:
			return Int16GetDatum(0);
		case INT4OID:
			return Int32GetDatum(0);
		case INT8OID:
			return Int64GetDatum(0);
		default:
			return LedgerNumericZero();
	}
}

static void
LedgerBalanceOutOfRange(LedgerConfig *cfg, Datum account)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("balance of account %s in ledger %s is out of range for type %s",
					LedgerAccountText(cfg, account), cfg->relname,
					format_type_be(cfg->balance_type))));
}

/*
 * balance + amount, in the balance column's type (and typmod, for numeric).
 * Overflow raises 22003 naming the account.
 */
Datum
LedgerBalanceAdd(LedgerConfig *cfg, Datum balance, Datum amount, Datum account)
{
	if (cfg->arith == LEDGER_ARITH_INT)
	{
		int64		b = LedgerDatumToInt64(balance, cfg->balance_type);
		int64		a = LedgerDatumToInt64(amount, cfg->amount_type);
		int64		r;

		if (pg_add_s64_overflow(b, a, &r))
			LedgerBalanceOutOfRange(cfg, account);
		switch (cfg->balance_type)
		{
			case INT2OID:
				if (r < PG_INT16_MIN || r > PG_INT16_MAX)
					LedgerBalanceOutOfRange(cfg, account);
				return Int16GetDatum((int16) r);
			case INT4OID:
				if (r < PG_INT32_MIN || r > PG_INT32_MAX)
					LedgerBalanceOutOfRange(cfg, account);
				return Int32GetDatum((int32) r);
			default:
				return Int64GetDatum(r);
		}
	}
	else
	{
		Datum		r;

		r = DirectFunctionCall2(numeric_add, balance,
								LedgerToNumeric(amount, cfg->amount_type));
		if (cfg->balance_typmod >= 0)
			r = DirectFunctionCall2(numeric, r,
									Int32GetDatum(cfg->balance_typmod));
		return r;
	}
}

bool
LedgerBalanceIsNegative(LedgerConfig *cfg, Datum balance)
{
	if (cfg->arith == LEDGER_ARITH_INT)
		return LedgerDatumToInt64(balance, cfg->balance_type) < 0;
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, balance,
											 LedgerBalanceZero(cfg))) < 0;
}

Datum
LedgerBalanceToNumeric(LedgerConfig *cfg, Datum balance)
{
	return LedgerToNumeric(balance, cfg->balance_type);
}

/*
 * SHA-256.  The context is created and freed explicitly: with OpenSSL it is
 * tracked by the current resource owner, which frees it on error.
 */
void
LedgerShaInit(LedgerSha *sha)
{
#if PG_VERSION_NUM >= 140000
	sha->ctx = pg_cryptohash_create(PG_SHA256);
	if (sha->ctx == NULL || pg_cryptohash_init(sha->ctx) < 0)
		elog(ERROR, "orm_ext: could not initialise SHA-256");
#else
	pg_sha256_init(&sha->ctx);
#endif
}

void
LedgerShaUpdate(LedgerSha *sha, const void *data, size_t len)
{
#if PG_VERSION_NUM >= 140000
	if (pg_cryptohash_update(sha->ctx, (const uint8 *) data, len) < 0)
		elog(ERROR, "orm_ext: SHA-256 update failed");
#else
	pg_sha256_update(&sha->ctx, (const uint8 *) data, len);
#endif
}

void
LedgerShaFinal(LedgerSha *sha, uint8 *result)
{
#if PG_VERSION_NUM >= 150000
	if (pg_cryptohash_final(sha->ctx, result, LEDGER_HASH_LEN) < 0)
		elog(ERROR, "orm_ext: SHA-256 final failed");
#elif PG_VERSION_NUM >= 140000
	if (pg_cryptohash_final(sha->ctx, result) < 0)
		elog(ERROR, "orm_ext: SHA-256 final failed");
#else
	pg_sha256_final(&sha->ctx, result);
#endif
}

void
LedgerShaFree(LedgerSha *sha)
{
#if PG_VERSION_NUM >= 140000
	pg_cryptohash_free(sha->ctx);
	sha->ctx = NULL;
#endif
}

static void
LedgerAppendUint32(StringInfo buf, uint32 v)
{
	char		b[4] = {(v >> 24) & 0xFF, (v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF};

	appendBinaryStringInfo(buf, b, 4);
}

/* An integer as a bigint's send form: 8 bytes big-endian. */
static void
LedgerInt8Bytes(int64 v, uint8 *b)
{
	for (int i = 0; i < 8; i++)
		b[i] = (uint8) (((uint64) v) >> (56 - 8 * i));
}

/*
 * How the hash encodes values of one type, worked out once per type (per
 * array for its elements): '2' and '4' a smallint or an integer, 'a' an
 * array, 'r' a composite, 's' anything else, by its send function.
 */
typedef struct LedgerEncoder
{
	char		kind;
	FmgrInfo	send;			/* kind 's' */
} LedgerEncoder;

static void
LedgerEncoderInit(LedgerEncoder *enc, Oid type)
{
	Oid			base = getBaseType(type);

	if (base == INT2OID)
		enc->kind = '2';
	else if (base == INT4OID)
		enc->kind = '4';
	else if (type_is_array(base))
		enc->kind = 'a';
	else if (type_is_rowtype(base))
		enc->kind = 'r';
	else
	{
		Oid			sendfn;
		bool		isvarlena;

		enc->kind = 's';
		getTypeBinaryOutputInfo(base, &sendfn, &isvarlena);
		fmgr_info(sendfn, &enc->send);
	}
}

static void LedgerEncode(StringInfo buf, LedgerEncoder *enc, Datum value);

/* A value as the hash takes it, length-prefixed, or the NULL marker. */
static void
LedgerEncodeField(StringInfo buf, LedgerEncoder *enc, Datum value, bool isnull)
{
	int			at = buf->len;
	uint32		len;

	if (isnull)
	{
		LedgerAppendUint32(buf, 0xFFFFFFFF);
		return;
	}
	LedgerAppendUint32(buf, 0);
	LedgerEncode(buf, enc, value);
	len = (uint32) (buf->len - at - 4);
	buf->data[at] = (len >> 24) & 0xFF;
	buf->data[at + 1] = (len >> 16) & 0xFF;
	buf->data[at + 2] = (len >> 8) & 0xFF;
	buf->data[at + 3] = len & 0xFF;
}

/*
 * A value in the hash's encoding: its binary send form, except that a
 * smallint or an integer takes a bigint's, and that arrays and composites,
 * whose send forms name their element and field types by OID (which a
 * restore renumbers for the types a database defines), are taken apart:
 *
 *	array:	   number of dimensions, each one's length and lower bound, then
 *			   each element (length-prefixed, or the NULL marker);
 *	composite: number of (not dropped) fields, then each field likewise.
 *
 * All integers 4 bytes big-endian.  Domains are encoded as their base type.
 */
static void
LedgerEncode(StringInfo buf, LedgerEncoder *enc, Datum value)
{
	check_stack_depth();
	if (enc->kind == '2' || enc->kind == '4')
	{
		uint8		b[8];

		LedgerInt8Bytes(enc->kind == '2' ? DatumGetInt16(value) : DatumGetInt32(value), b);
		appendBinaryStringInfo(buf, (char *) b, 8);
	}
	else if (enc->kind == 'a')
	{
		ArrayType  *arr = DatumGetArrayTypeP(value);
		Oid			elemtype = ARR_ELEMTYPE(arr);
		int			ndim = ARR_NDIM(arr);
		LedgerEncoder elem;
		int16		typlen;
		bool		typbyval;
		char		typalign;
		Datum	   *elems;
		bool	   *nulls;
		int			n;

		LedgerAppendUint32(buf, (uint32) ndim);
		for (int d = 0; d < ndim; d++)
		{
			LedgerAppendUint32(buf, (uint32) ARR_DIMS(arr)[d]);
			LedgerAppendUint32(buf, (uint32) ARR_LBOUND(arr)[d]);
		}
		LedgerEncoderInit(&elem, elemtype);
		get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
		deconstruct_array(arr, elemtype, typlen, typbyval, typalign,
						  &elems, &nulls, &n);
		for (int i = 0; i < n; i++)
			LedgerEncodeField(buf, &elem, elems[i], nulls[i]);
	}
	else if (enc->kind == 'r')
	{
		HeapTupleHeader td = DatumGetHeapTupleHeader(value);
		TupleDesc	desc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(td),
												  HeapTupleHeaderGetTypMod(td));
		HeapTupleData tuple;
		Datum	   *values = palloc(sizeof(Datum) * desc->natts);
		bool	   *nulls = palloc(sizeof(bool) * desc->natts);
		uint32		nfields = 0;

		tuple.t_len = HeapTupleHeaderGetDatumLength(td);
		ItemPointerSetInvalid(&tuple.t_self);
		tuple.t_tableOid = InvalidOid;
		tuple.t_data = td;
		heap_deform_tuple(&tuple, desc, values, nulls);
		for (int i = 0; i < desc->natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped)
				nfields++;
		LedgerAppendUint32(buf, nfields);
		for (int i = 0; i < desc->natts; i++)
		{
			LedgerEncoder field;

			if (TupleDescAttr(desc, i)->attisdropped)
				continue;
			LedgerEncoderInit(&field, TupleDescAttr(desc, i)->atttypid);
			LedgerEncodeField(buf, &field, values[i], nulls[i]);
		}
		ReleaseTupleDesc(desc);
	}
	else
	{
		bytea	   *bytes = SendFunctionCall(&enc->send, value);

		appendBinaryStringInfo(buf, VARDATA(bytes), VARSIZE(bytes) - VARHDRSZ);
		pfree(bytes);
	}
}

/*
 * The hash of one ledger entry:
 *
 *	SHA-256( previous hash (32 zero bytes for an account's first entry)
 *			 || for each hashed column, in registry order:
 *				  NULL:	 the 4 bytes FF FF FF FF
 *				  else:	 its binary send form, as a 4-byte big-endian length
 *						 followed by the bytes; a smallint or an integer (or a
 *						 domain over one) in the form of a bigint, an array
 *						 or a composite taken apart (LedgerEncode) )
 *
 * The binary send form is what COPY BINARY and the wire protocol carry: it
 * depends on the values only, not on DateStyle, TimeZone, extra_float_digits
 * or the physical row, so the hash survives dump/restore, VACUUM FULL and
 * pg_upgrade.  Text types are sent in the database encoding: while hashing,
 * the client encoding is set to the database's so that a client's encoding
 * never changes the bytes.
 *
 * values/nulls are indexed through colmap[i] for hashed column i.
 */
void
LedgerRowHash(LedgerConfig *cfg, const uint8 *prev_hash, Datum *values,
			  bool *nulls, const int *colmap, uint8 *result)
{
	static const uint8 zeros[LEDGER_HASH_LEN] = {0};
	static const uint8 null_marker[4] = {0xFF, 0xFF, 0xFF, 0xFF};
	LedgerSha	sha;
	int			client_encoding = pg_get_client_encoding();
	int			db_encoding = GetDatabaseEncoding();
	bool		switch_encoding = (client_encoding != db_encoding);

	LedgerShaInit(&sha);
	if (switch_encoding)
		SetClientEncoding(db_encoding);

	PG_TRY();
	{
		LedgerShaUpdate(&sha, prev_hash ? prev_hash : zeros, LEDGER_HASH_LEN);
		for (int i = 0; i < cfg->nhashed; i++)
		{
			int			c = colmap[i];
			bytea	   *bytes;
			uint32		len;
			uint8		lenbuf[4];

			if (nulls[c])
			{
				LedgerShaUpdate(&sha, null_marker, 4);
				continue;
			}
			if (cfg->hashed_types[i] == INT2OID || cfg->hashed_types[i] == INT4OID)
			{
				/* as LedgerEncode() would, without allocating */
				uint8		b[12] = {0, 0, 0, 8};

				LedgerInt8Bytes(cfg->hashed_types[i] == INT2OID ?
								DatumGetInt16(values[c]) : DatumGetInt32(values[c]),
								b + 4);
				LedgerShaUpdate(&sha, b, 12);
				continue;
			}
			if (cfg->hashed_nested[i])
			{
				StringInfoData enc;
				LedgerEncoder encoder;

				initStringInfo(&enc);
				LedgerEncoderInit(&encoder, cfg->hashed_types[i]);
				LedgerEncodeField(&enc, &encoder, values[c], false);
				LedgerShaUpdate(&sha, (uint8 *) enc.data, enc.len);
				pfree(enc.data);
				continue;
			}
			bytes = SendFunctionCall(&cfg->hashed_send[i], values[c]);
			len = VARSIZE(bytes) - VARHDRSZ;
			lenbuf[0] = (len >> 24) & 0xFF;
			lenbuf[1] = (len >> 16) & 0xFF;
			lenbuf[2] = (len >> 8) & 0xFF;
			lenbuf[3] = len & 0xFF;
			LedgerShaUpdate(&sha, lenbuf, 4);
			LedgerShaUpdate(&sha, (uint8 *) VARDATA(bytes), len);
			pfree(bytes);
		}
		LedgerShaFinal(&sha, result);
	}
	PG_FINALLY();
	{
		if (switch_encoding)
			SetClientEncoding(client_encoding);
		LedgerShaFree(&sha);
	}
	PG_END_TRY();
}
