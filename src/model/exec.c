/*-------------------------------------------------------------------------
 *
 * exec.c
 *	  Running the statement of a generated function with a plan kept for
 *	  the life of the backend.
 *
 * A generated function written in SQL is parsed and planned again each time
 * a query calls it: SQL functions keep their plans only for the duration of
 * the calling query.  For a primary-key lookup or a single-row INSERT that
 * planning costs more than running the statement.  So _create, _upsert and
 * _delete are one-line SQL functions whose body,
 *
 *		SELECT orm_ext.model_row_exec('<statement>', NULL::<row type>, $1, ...)
 *
 * the planner inlines into the calling query (_get's calls model_row_get(),
 * below).  model_row_query() and model_row_exec() prepare the statement once
 * per backend through SPI, keep the plan, and run it with the arguments.  The
 * plan cache of the server re-plans a kept plan after DDL on the tables it
 * reads and when the role or row-security setting it was planned for
 * changes, so privileges and RLS policies apply exactly as they would to the
 * statement written out.  A call finds its kept plan through the address of
 * its statement constant, checked against the text, and (PostgreSQL 14 and
 * later) takes the row straight from the executor, without a tuple table.
 *
 * The statement must return at most one row of one column, of the type of
 * the second argument; its value (or NULL for no row) is the result.
 *
 * _get goes one step further: model_row_get() looks the key up in the
 * primary key index itself, as the executor would, when nothing but the
 * table's SELECT privilege stands between the caller and the row (no row
 * security, no ExecutorCheckPerms_hook).  Otherwise it runs the statement.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relation.h"
#include "access/stratnum.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "common/hashfn.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/params.h"
#include "nodes/value.h"
#include "parser/parse_coerce.h"
#include "parser/parse_func.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "orm_ext.h"
#include "model.h"

PG_FUNCTION_INFO_V1(orm_ext_model_row_query);
PG_FUNCTION_INFO_V1(orm_ext_model_row_exec);
PG_FUNCTION_INFO_V1(orm_ext_model_row_get);
PG_FUNCTION_INFO_V1(orm_ext_model_statement_check);
PG_FUNCTION_INFO_V1(orm_ext_model_fetch_statement);

/*
 * At most this many kept plans per backend; statements beyond them are
 * prepared for each call.  Kept plans are never freed: a call may be running
 * one further up the stack (a generated function called from a statement
 * that one of them runs), so replacing it could free a plan in use.
 */
#define MODEL_PLAN_CACHE_LIMIT 4096

/*
 * The key is the statement's text after its argument types, "23,25;SELECT
 * ...", so that the same text called with other types gets its own plan.
 */
typedef struct ModelPlanKey
{
	const char *key;			/* in ModelPlanContext */
} ModelPlanKey;

typedef struct ModelPlanEntry
{
	ModelPlanKey key;
	SPIPlanPtr	plan;			/* kept (SPI_keepplan) */
	int			nargs;
	Oid		   *argtypes;		/* in ModelPlanContext */
	const char *query;			/* the statement, inside key.key */
	Size		querylen;
} ModelPlanEntry;

static HTAB *ModelPlans = NULL;
static MemoryContext ModelPlanContext = NULL;

/*
 * The entries last used, by the address of the statement argument.  A query
 * run from a cached plan passes the same Const to every call, so a call
 * usually finds its entry here without building and hashing the key.  The
 * address alone proves nothing (the memory may since hold another
 * statement), so a hit is taken only when the text and the argument types
 * are those of the entry.  Entries are never removed, so the pointers stay
 * valid.
 */
#define MODEL_CALL_SITES 64

typedef struct ModelCallSite
{
	const void *stmt;
	ModelPlanEntry *entry;
} ModelCallSite;

static ModelCallSite ModelCallSites[MODEL_CALL_SITES];

static uint32
ModelPlanHash(const void *key, Size keysize)
{
	const char *k = ((const ModelPlanKey *) key)->key;

	return hash_bytes((const unsigned char *) k, strlen(k));
}

static int
ModelPlanMatch(const void *key1, const void *key2, Size keysize)
{
	return strcmp(((const ModelPlanKey *) key1)->key,
				  ((const ModelPlanKey *) key2)->key);
}

/*
 * A hash table "name" with its own hash and match functions, allocated in
 * "cxt" (a context of the cache, for the life of the backend).
 */
HTAB *
ModelCacheCreate(const char *name, long nelem, Size keysize, Size entrysize,
				 HashValueFunc hash, HashCompareFunc match, MemoryContext cxt)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hash = hash;
	ctl.match = match;
	ctl.hcxt = cxt;
	return hash_create(name, nelem, &ctl,
					   HASH_ELEM | HASH_FUNCTION | HASH_COMPARE | HASH_CONTEXT);
}

static void
ModelPlansInit(void)
{
	ModelPlanContext = AllocSetContextCreate(TopMemoryContext,
											 "orm_ext model plans",
											 ALLOCSET_SMALL_SIZES);
	ModelPlans = ModelCacheCreate("orm_ext model plans", 256,
								  sizeof(ModelPlanKey), sizeof(ModelPlanEntry),
								  ModelPlanHash, ModelPlanMatch,
								  ModelPlanContext);
}

/*
 * Prepare the statement of a generated function (inside SPI_connect()).
 */
SPIPlanPtr
ModelPrepare(const char *query, int nargs, Oid *argtypes)
{
	SPIPlanPtr	plan = SPI_prepare(query, nargs, argtypes);

	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s",
			 SPI_result_code_string(SPI_result));

	/*
	 * One command: its rows go straight to the caller's receiver, which
	 * could not tell the results of several commands apart.
	 */
	if (list_length(SPI_plan_get_plan_sources(plan)) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_SYNTAX_ERROR),
				 errmsg("the statement of a generated function must be a single SQL command")));
	return plan;
}

/*
 * The kept plan of statement "stmt" for these argument types, prepared now
 * if this backend has not seen the statement with them.  Must be called
 * inside SPI_connect(); a plan that is not kept (the cache is full) goes
 * with SPI_finish().
 */
static SPIPlanPtr
ModelPlanFor(text *stmt, int nargs, Oid *argtypes)
{
	ModelCallSite *site;
	ModelPlanEntry *entry;
	char	   *query;
	StringInfoData buf;
	ModelPlanKey key;
	Oid		   *types;
	bool		found;
	SPIPlanPtr	plan;

	site = &ModelCallSites[murmurhash32((uint32) (uintptr_t) stmt) %
						   MODEL_CALL_SITES];
	entry = site->entry;
	if (site->stmt == (const void *) stmt && entry->nargs == nargs &&
		entry->querylen == VARSIZE_ANY_EXHDR(stmt) &&
		memcmp(entry->query, VARDATA_ANY(stmt), entry->querylen) == 0 &&
		(nargs == 0 ||
		 memcmp(entry->argtypes, argtypes, nargs * sizeof(Oid)) == 0))
		return entry->plan;

	if (ModelPlans == NULL)
		ModelPlansInit();

	/* the argument types in hex, then the statement */
	query = text_to_cstring(stmt);
	initStringInfo(&buf);
	for (int i = 0; i < nargs; i++)
	{
		char		hex[9];
		Oid			t = argtypes[i];

		for (int d = 7; d >= 0; d--, t >>= 4)
			hex[d] = "0123456789abcdef"[t & 0xF];
		hex[8] = ',';
		appendBinaryStringInfo(&buf, hex, sizeof(hex));
	}
	appendStringInfoChar(&buf, ';');
	appendStringInfoString(&buf, query);
	key.key = buf.data;

	entry = (ModelPlanEntry *) hash_search(ModelPlans, &key, HASH_FIND, NULL);
	if (entry == NULL)
	{
		if (hash_get_num_entries(ModelPlans) >= MODEL_PLAN_CACHE_LIMIT)
			return ModelPrepare(query, nargs, argtypes);

		/*
		 * Prepare first: a statement that fails to prepare leaves the table
		 * as it was.  (Running out of memory after SPI_keepplan() would
		 * leave the kept plan behind, unused.)
		 */
		plan = ModelPrepare(query, nargs, argtypes);
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "SPI_keepplan failed");
		key.key = MemoryContextStrdup(ModelPlanContext, buf.data);
		types = MemoryContextAlloc(ModelPlanContext,
								   Max(nargs, 1) * sizeof(Oid));
		if (nargs > 0)
			memcpy(types, argtypes, nargs * sizeof(Oid));
		entry = (ModelPlanEntry *) hash_search(ModelPlans, &key, HASH_ENTER,
											   &found);
		Assert(!found);
		entry->plan = plan;
		entry->nargs = nargs;
		entry->argtypes = types;
		entry->querylen = strlen(query);
		entry->query = entry->key.key + (buf.len - entry->querylen);
	}

	site->stmt = stmt;
	site->entry = entry;
	return entry->plan;
}

#if PG_VERSION_NUM >= 140000
/*
 * Receives the statement's rows straight from its executor: the value of
 * the first row's only column is copied to the caller's memory, and a
 * second row stops the statement.  Saves SPI building a tuple table.
 */
typedef struct ModelRowReceiver
{
	DestReceiver pub;
	Oid			rowtype;		/* the type the column must have */
	MemoryContext cxt;			/* where the value goes */
	bool		started;		/* rStartup ran: the statement returns rows */
	bool		shape_ok;		/* one column of type rowtype */
	int16		typlen;
	bool		typbyval;
	uint64		rows;
	Datum		value;
	bool		isnull;
} ModelRowReceiver;

static void
ModelRowStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
	ModelRowReceiver *r = (ModelRowReceiver *) self;

	r->started = true;
	r->shape_ok = (typeinfo->natts == 1 &&
				   TupleDescAttr(typeinfo, 0)->atttypid == r->rowtype);
	if (r->shape_ok)
	{
		r->typlen = TupleDescAttr(typeinfo, 0)->attlen;
		r->typbyval = TupleDescAttr(typeinfo, 0)->attbyval;
	}
}

static bool
ModelRowReceive(TupleTableSlot *slot, DestReceiver *self)
{
	ModelRowReceiver *r = (ModelRowReceiver *) self;

	if (++r->rows > 1 || !r->shape_ok)
		return false;
	r->value = slot_getattr(slot, 1, &r->isnull);
	if (!r->isnull)
	{
		MemoryContext old = MemoryContextSwitchTo(r->cxt);

		r->value = datumCopy(r->value, r->typbyval, r->typlen);
		MemoryContextSwitchTo(old);
	}
	return true;
}

static void
ModelRowNoop(DestReceiver *self)
{
}
#endif

/*
 * Run the statement in argument 0 with arguments "first" onwards, and return
 * its value, which must be of the type of argument "protoarg".
 */
static Datum
ModelRowCall(FunctionCallInfo fcinfo, bool read_only, const char *fname,
			 int protoarg, int first)
{
	Oid			rowtype;
	int			nargs = PG_NARGS() - first;
	Oid			argtypes[FUNC_MAX_ARGS];
	ParamListInfo params;
	SPIPlanPtr	plan;
	int			rc;
	bool		shape_ok;
	uint64		rows;
	Datum		result = (Datum) 0;
	bool		isnull = true;

#if PG_VERSION_NUM >= 140000
	ModelRowReceiver receiver;
	SPIExecuteOptions options;
#endif

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s: the statement must not be NULL", fname)));
	rowtype = get_fn_expr_argtype(fcinfo->flinfo, protoarg);
	if (!OidIsValid(rowtype))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: could not determine the result type", fname)));
	if (get_fn_expr_variadic(fcinfo->flinfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s does not take its arguments as a VARIADIC array",
						fname),
				 errhint("Pass each argument of the statement separately.")));

	params = makeParamList(nargs);
	for (int i = 0; i < nargs; i++)
	{
		ParamExternData *prm = &params->params[i];

		argtypes[i] = get_fn_expr_argtype(fcinfo->flinfo, first + i);
		if (!OidIsValid(argtypes[i]))
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("%s: could not determine the type of argument %d",
							fname, first + i + 1)));
		prm->value = PG_GETARG_DATUM(first + i);
		prm->isnull = PG_ARGISNULL(first + i);
		if (argtypes[i] == UNKNOWNOID)
		{
			/* an untyped literal arrives as a C string: pass it as text */
			argtypes[i] = TEXTOID;
			if (!prm->isnull)
				prm->value = CStringGetTextDatum(DatumGetCString(prm->value));
		}
		prm->pflags = PARAM_FLAG_CONST;
		prm->ptype = argtypes[i];
	}

#if PG_VERSION_NUM >= 140000
	memset(&receiver, 0, sizeof(receiver));
	receiver.pub.receiveSlot = ModelRowReceive;
	receiver.pub.rStartup = ModelRowStartup;
	receiver.pub.rShutdown = ModelRowNoop;
	receiver.pub.rDestroy = ModelRowNoop;
	receiver.pub.mydest = DestNone;
	receiver.rowtype = rowtype;
	receiver.cxt = CurrentMemoryContext;
	receiver.isnull = true;
#endif

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = ModelPlanFor(PG_GETARG_TEXT_PP(0), nargs, argtypes);
#if PG_VERSION_NUM >= 140000
	memset(&options, 0, sizeof(options));
	options.params = params;
	options.read_only = read_only;
	options.tcount = 2;
	options.dest = (DestReceiver *) &receiver;
	rc = SPI_execute_plan_extended(plan, &options);
	shape_ok = receiver.started && receiver.shape_ok;
	rows = receiver.rows;
	if (shape_ok && rows == 1)
	{
		result = receiver.value;
		isnull = receiver.isnull;
	}
#else
	rc = SPI_execute_plan_with_paramlist(plan, params, read_only, 2);
	shape_ok = (SPI_tuptable != NULL && SPI_tuptable->tupdesc->natts == 1 &&
				TupleDescAttr(SPI_tuptable->tupdesc, 0)->atttypid == rowtype);
	rows = SPI_processed;
	if (shape_ok && rows == 1)
	{
		Form_pg_attribute att = TupleDescAttr(SPI_tuptable->tupdesc, 0);

		result = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
							   1, &isnull);
		if (!isnull)
			result = SPI_datumTransfer(result, att->attbyval, att->attlen);
	}
#endif
	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s: the statement cannot run here (%s)",
						fname, SPI_result_code_string(rc)),
				 errdetail("Transaction control and COPY are not allowed.")));
	if (!shape_ok)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s: the statement must return one column of type %s",
						fname, format_type_be(rowtype))));
	if (rows > 1)
		ereport(ERROR,
				(errcode(ERRCODE_CARDINALITY_VIOLATION),
				 errmsg("%s: the statement returned more than one row",
						fname),
				 strcmp(fname, "model_row_get") == 0 ?
				 errdetail("More than one row has this primary key: a primary key is not unique across the tables that inherit from a table.") : 0));
	SPI_finish();

	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(result);
}

/*
 * model_row_query(statement text, proto anyelement, VARIADIC "any")
 *		-> anyelement
 *
 * Runs a read-only statement (STABLE: it sees the snapshot of the calling
 * query).
 */
Datum
orm_ext_model_row_query(PG_FUNCTION_ARGS)
{
	return ModelRowCall(fcinfo, true, "model_row_query", 1, 2);
}

/*
 * model_row_exec(statement text, proto anyelement, VARIADIC "any")
 *		-> anyelement
 *
 * Runs a statement that may write (VOLATILE).
 */
Datum
orm_ext_model_row_exec(PG_FUNCTION_ARGS)
{
	return ModelRowCall(fcinfo, false, "model_row_exec", 1, 2);
}

/*
 * Look up the row of table "relid" whose primary key equals the arguments
 * from "first" on, skipping rows whose column "deleted" (if not NULL) is not
 * NULL.  Returns false, having done nothing, when the lookup must be left to
 * the executor: the table is not a plain table with a valid immediate
 * primary key over columns, row security or a permission hook may have a
 * say, the caller lacks SELECT on any column, or the arguments do not fit
 * the key.
 */
static bool
ModelFastGet(FunctionCallInfo fcinfo, Oid relid, const char *deleted,
			 Oid rowtype, int first, Datum *result, bool *isnull)
{
	int			nkeys = PG_NARGS() - first;
	Oid			userid = GetUserId();
	Relation	rel;
	Relation	idx = NULL;
	Oid			pkoid;
	AttrNumber	deleted_attnum = InvalidAttrNumber;
	ScanKeyData keys[INDEX_MAX_KEYS];
	IndexScanDesc scan;
	TupleTableSlot *slot;
	bool		ok = false;

	if (ExecutorCheckPerms_hook != NULL || nkeys <= 0 || nkeys > INDEX_MAX_KEYS)
		return false;

	/*
	 * Lock first, as the executor does: taking the lock processes the
	 * invalidations of a concurrent ALTER TABLE ... ENABLE ROW LEVEL
	 * SECURITY (or GRANT, REVOKE) that committed while we waited, so the
	 * checks below see the table as the SELECT would.
	 */
	rel = try_relation_open(relid, AccessShareLock);
	if (rel == NULL)
		return false;
	if (check_enable_rls(relid, InvalidOid, true) != RLS_NONE ||
		(pg_class_aclcheck(relid, userid, ACL_SELECT) != ACLCHECK_OK &&
		 pg_attribute_aclcheck_all(relid, userid, ACL_SELECT,
								   ACLMASK_ALL) != ACLCHECK_OK))
		goto done;
	/* rows of inheritance children are not in the parent's index */
	if (rel->rd_rel->relkind != RELKIND_RELATION ||
		rel->rd_rel->relhassubclass ||
		rel->rd_rel->reltype != rowtype)
		goto done;
	if (deleted != NULL)
	{
		deleted_attnum = get_attnum(relid, deleted);
		if (deleted_attnum <= 0)
			goto done;
	}
	pkoid = RelationGetPrimaryKeyIndex(rel);
	if (!OidIsValid(pkoid))
		goto done;
	idx = index_open(pkoid, AccessShareLock);
	if (!idx->rd_index->indisvalid || !idx->rd_index->indimmediate ||
		idx->rd_rel->relam != BTREE_AM_OID ||
		IndexRelationGetNumberOfKeyAttributes(idx) != nkeys)
		goto done;

	for (int i = 0; i < nkeys; i++)
	{
		Oid			argtype = get_fn_expr_argtype(fcinfo->flinfo, first + i);
		Oid			opcintype = idx->rd_opcintype[i];
		Oid			eqop;

		if (idx->rd_index->indkey.values[i] == 0 || !OidIsValid(argtype))
			goto done;

		/*
		 * A polymorphic operator class (enum, range, array) compares values
		 * of one concrete type: the key must have the column's own type.
		 */
		if (IsPolymorphicType(opcintype) ?
			argtype != TupleDescAttr(RelationGetDescr(idx), i)->atttypid :
			!IsBinaryCoercible(argtype, opcintype))
			goto done;
		eqop = get_opfamily_member(idx->rd_opfamily[i], opcintype, opcintype,
								   BTEqualStrategyNumber);
		if (!OidIsValid(eqop))
			goto done;
		if (PG_ARGISNULL(first + i))
		{
			/* a primary key is never NULL: no row */
			*isnull = true;
			ok = true;
			goto done;
		}
		ScanKeyEntryInitialize(&keys[i], 0, i + 1, BTEqualStrategyNumber,
							   opcintype, idx->rd_indcollation[i],
							   get_opcode(eqop), PG_GETARG_DATUM(first + i));
	}

	*isnull = true;
	slot = table_slot_create(rel, NULL);
	scan = index_beginscan(rel, idx, GetActiveSnapshot(), nkeys, 0);
	index_rescan(scan, keys, nkeys, NULL, 0);
	while (index_getnext_slot(scan, ForwardScanDirection, slot))
	{
		if (deleted_attnum != InvalidAttrNumber)
		{
			bool		deleted_null;

			(void) slot_getattr(slot, deleted_attnum, &deleted_null);
			if (!deleted_null)
				continue;
		}
		/*
		 * Form the row from the slot's values, not from the stored tuple,
		 * which lacks the columns added since it was written (their default
		 * is in the catalog).  heap_form_tuple() fills in the header of a
		 * composite datum; HeapTupleGetDatum() brings any TOASTed value
		 * inline.
		 */
		slot_getallattrs(slot);
		*result = HeapTupleGetDatum(heap_form_tuple(slot->tts_tupleDescriptor,
													slot->tts_values,
													slot->tts_isnull));
		*isnull = false;
		break;
	}
	index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	ok = true;

done:
	if (idx != NULL)
		index_close(idx, NoLock);
	relation_close(rel, NoLock);
	return ok;
}

/*
 * model_row_get(statement text, tbl regclass, deleted name, proto anyelement,
 *				 VARIADIC key "any") -> anyelement
 *
 * The row of tbl with this primary key (NULL when it is absent, soft-deleted
 * through column "deleted", or not visible).  "statement" is the equivalent
 * SELECT over $1, $2, ..., run when the lookup cannot be done directly.
 */
Datum
orm_ext_model_row_get(PG_FUNCTION_ARGS)
{
	Oid			rowtype;
	Datum		result = (Datum) 0;
	bool		isnull = true;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model_row_get: the statement must not be NULL")));
	rowtype = get_fn_expr_argtype(fcinfo->flinfo, 3);
	if (!PG_ARGISNULL(1) && OidIsValid(rowtype) &&
		!get_fn_expr_variadic(fcinfo->flinfo) &&
		ModelFastGet(fcinfo, PG_GETARG_OID(1),
					 PG_ARGISNULL(2) ? NULL : NameStr(*PG_GETARG_NAME(2)),
					 rowtype, 4, &result, &isnull))
	{
		if (isnull)
			PG_RETURN_NULL();
		PG_RETURN_DATUM(result);
	}
	return ModelRowCall(fcinfo, true, "model_row_get", 3, 4);
}

/*
 * model_statement_check(statement text, argtypes regtype[]) -> void
 *
 * Parses and analyses the statement with parameters of these types
 * and throws the plan away, so that model generation reports a statement
 * that no longer fits the table (a renamed column: 42703) as CREATE FUNCTION
 * would for a SQL body.  Like CREATE FUNCTION, it checks nothing while
 * check_function_bodies is off (pg_restore).
 */
Datum
orm_ext_model_statement_check(PG_FUNCTION_ARGS)
{
	char	   *query;
	ArrayType  *types;
	Datum	   *elems;
	bool	   *elemnulls;
	int			nargs;
	Oid		   *argtypes;
	SPIPlanPtr	plan;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model_statement_check: arguments must not be NULL")));
	if (!check_function_bodies)
		PG_RETURN_VOID();

	query = text_to_cstring(PG_GETARG_TEXT_PP(0));
	types = PG_GETARG_ARRAYTYPE_P(1);
	if (ARR_NDIM(types) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("model_statement_check: argtypes must be one-dimensional")));
	deconstruct_array(types, REGTYPEOID, sizeof(Oid), true, TYPALIGN_INT,
					  &elems, &elemnulls, &nargs);
	argtypes = palloc((nargs > 0 ? nargs : 1) * sizeof(Oid));
	for (int i = 0; i < nargs; i++)
	{
		if (elemnulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("model_statement_check: argtypes must not contain NULL")));
		argtypes[i] = DatumGetObjectId(elems[i]);
		/* as model_row_query and model_row_exec pass an untyped literal */
		if (argtypes[i] == UNKNOWNOID)
			argtypes[i] = TEXTOID;
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	plan = SPI_prepare(query, nargs, argtypes);
	if (plan == NULL)
		elog(ERROR, "SPI_prepare failed: %s",
			 SPI_result_code_string(SPI_result));
	SPI_freeplan(plan);
	SPI_finish();
	PG_RETURN_VOID();
}

/*
 * The statements of _fetch, by model and include list.
 *
 * model_fetch_sql() (PL/pgSQL) builds the statement of a _fetch call from the
 * registry, the navigation functions and the columns of the tables; building
 * it costs about as much as a small fetch.  model_fetch_statement() keeps
 * what it built, per backend, until a function or a relation changes: any
 * pg_proc invalidation (navigation functions are regenerated by every change
 * that alters a relationship) or relcache invalidation (columns) empties the
 * cache.  Errors are not kept; the next call raises them again.
 */
#define MODEL_FETCH_CACHE_LIMIT 1024

typedef struct ModelFetchEntry
{
	ModelPlanKey key;			/* "<oid>|<include>" */
	char	   *statement;		/* in ModelFetchContext */
} ModelFetchEntry;

static HTAB *ModelFetchCache = NULL;
static MemoryContext ModelFetchContext = NULL;
static bool ModelFetchCallbacks = false;
static bool ModelFetchStale = false;
static uint64 ModelFetchGeneration = 0;	/* invalidations seen */
static Oid	ModelFetchSqlOid = InvalidOid;

static void
ModelFetchInvalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	ModelFetchStale = true;
	ModelFetchGeneration++;
	if (cacheid == PROCOID)
		ModelFetchSqlOid = InvalidOid;
}

static void
ModelFetchRelInvalidate(Oid relid)
{
	ModelFetchStale = true;
	ModelFetchGeneration++;
}

static void
ModelFetchReset(void)
{
	HASHCTL		ctl;

	if (!ModelFetchCallbacks)
	{
		CacheRegisterSyscacheCallback(PROCOID, ModelFetchInvalidate, (Datum) 0);
		OrmExtOnRelcacheInvalidate(ModelFetchRelInvalidate);
		ModelFetchCallbacks = true;
	}
	if (ModelFetchContext == NULL)
		ModelFetchContext = AllocSetContextCreate(TopMemoryContext,
												  "orm_ext fetch statements",
												  ALLOCSET_SMALL_SIZES);
	else
		MemoryContextReset(ModelFetchContext);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(ModelPlanKey);
	ctl.entrysize = sizeof(ModelFetchEntry);
	ctl.hash = ModelPlanHash;
	ctl.match = ModelPlanMatch;
	ctl.hcxt = ModelFetchContext;
	ModelFetchCache = hash_create("orm_ext fetch statements", 64, &ctl,
								  HASH_ELEM | HASH_FUNCTION | HASH_COMPARE |
								  HASH_CONTEXT);
	ModelFetchStale = false;
}

/*
 * model_fetch_statement(tbl regclass, include text[]) -> text
 *
 * model_fetch_sql(tbl, include), from the backend's cache when nothing has
 * changed since it was built.
 */
Datum
orm_ext_model_fetch_statement(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Datum		include;
	StringInfoData buf;
	ModelPlanKey key;
	ModelFetchEntry *entry;
	Datum		statement;
	bool		found;
	uint64		generation;
	bool		cacheable;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model_fetch_statement: the table must not be NULL")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("include must not be or contain NULL"),
				 errhint("Pass '{}' to include nothing.")));
	relid = PG_GETARG_OID(0);
	include = PG_GETARG_DATUM(1);

	/*
	 * model_fetch_sql() reads the catalogs with the active snapshot.  What it
	 * builds is kept only when that is a snapshot taken after this backend
	 * accepted the invalidations it has been sent (below), and none arrive
	 * while it is built; not under REPEATABLE READ or SERIALIZABLE, where
	 * the call reads the transaction's snapshot.  Otherwise the statement is
	 * built for this call alone.
	 */
	generation = ModelFetchGeneration;
	AcceptInvalidationMessages();
	cacheable = !IsolationUsesXactSnapshot() && generation == ModelFetchGeneration;
	if (ModelFetchCache == NULL || ModelFetchStale ||
		hash_get_num_entries(ModelFetchCache) >= MODEL_FETCH_CACHE_LIMIT)
		ModelFetchReset();

	initStringInfo(&buf);
	appendStringInfo(&buf, "%u|%s", relid,
					 OidOutputFunctionCall(F_ARRAY_OUT, include));
	key.key = buf.data;
	entry = (ModelFetchEntry *) hash_search(ModelFetchCache, &key, HASH_FIND,
											NULL);
	if (entry != NULL)
		PG_RETURN_TEXT_P(cstring_to_text(entry->statement));

	if (!OidIsValid(ModelFetchSqlOid))
	{
		Oid			argtypes[2] = {REGCLASSOID, TEXTARRAYOID};

		ModelFetchSqlOid = LookupFuncName(list_make2(makeString("orm_ext"),
													 makeString("model_fetch_sql")),
										  2, argtypes, false);
	}

	/*
	 * A statement to keep is built from the catalogs as they are now, not as
	 * the calling statement's snapshot saw them: invalidations this backend
	 * took after that snapshot (in an earlier row of the same statement, say)
	 * would otherwise leave a kept statement that no later invalidation
	 * replaces.
	 */
	if (cacheable)
		PushActiveSnapshot(GetLatestSnapshot());
	statement = OidFunctionCall2(ModelFetchSqlOid, ObjectIdGetDatum(relid),
								 include);
	if (cacheable)
		PopActiveSnapshot();

	if (!cacheable || generation != ModelFetchGeneration)
		PG_RETURN_DATUM(statement);
	if (ModelFetchStale)
		ModelFetchReset();
	entry = (ModelFetchEntry *) hash_search(ModelFetchCache, &key, HASH_ENTER,
											&found);
	if (!found)
	{
		entry->key.key = MemoryContextStrdup(ModelFetchContext, buf.data);
		entry->statement = MemoryContextStrdup(ModelFetchContext,
											   TextDatumGetCString(statement));
	}
	PG_RETURN_DATUM(statement);
}
