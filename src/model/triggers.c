/*-------------------------------------------------------------------------
 *
 * triggers.c
 *	  Row triggers the mapping layer installs, also usable on their own:
 *
 *	  timestamps()	 BEFORE INSERT OR UPDATE: sets created_at and updated_at
 *					 to the transaction's start time on INSERT, keeps
 *					 created_at and sets updated_at on UPDATE.  Client values
 *					 for either column are ignored.
 *	  soft_delete()	 BEFORE DELETE: sets deleted_at on the row instead of
 *					 deleting it, and skips the delete.  Also fired by
 *					 UPDATE on a partitioned table, it lets a row an UPDATE
 *					 moves to another partition move.
 *
 * The column names are the trigger arguments (defaults: created_at,
 * updated_at; deleted_at).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/partition.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "optimizer/optimizer.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/partcache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "orm_ext.h"

PG_FUNCTION_INFO_V1(orm_ext_timestamps);
PG_FUNCTION_INFO_V1(orm_ext_soft_delete);

/*
 * Refuse a call outside a row-level BEFORE trigger, the way contrib/spi's
 * triggers do.  Returns the trigger data.
 */
static TriggerData *
ModelTriggerCheck(FunctionCallInfo fcinfo, const char *funcname)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s() can only be called as a trigger", funcname)));
	if (!TRIGGER_FIRED_FOR_ROW(trigdata->tg_event) ||
		!TRIGGER_FIRED_BEFORE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be fired BEFORE ... FOR EACH ROW", funcname),
				 errdetail("Trigger \"%s\" on table %s is declared otherwise.",
						   trigdata->tg_trigger->tgname,
						   OrmExtQualifiedRelationName(trigdata->tg_relation))));
	return trigdata;
}

/*
 * The attribute number of trigger argument "argno" (or of "dflt" when the
 * trigger has no arguments), which must name a column of type timestamptz or
 * timestamp.  Raises 42703 or 42804 naming the trigger.
 */
static int
ModelTimestampColumn(TriggerData *trigdata, const char *funcname,
					 int argno, const char *dflt, Oid *typid)
{
	Trigger    *trigger = trigdata->tg_trigger;
	Relation	rel = trigdata->tg_relation;
	const char *colname = trigger->tgnargs == 0 ? dflt : trigger->tgargs[argno];
	int			attnum = SPI_fnumber(RelationGetDescr(rel), colname);

	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of table %s does not exist",
						colname, OrmExtQualifiedRelationName(rel)),
				 errdetail("Trigger \"%s\" calls %s() with that column.",
						   trigger->tgname, funcname),
				 errtable(rel)));
	*typid = getBaseType(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid);
	if (*typid != TIMESTAMPTZOID && *typid != TIMESTAMPOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of table %s must be of type timestamp with time zone or timestamp",
						colname, OrmExtQualifiedRelationName(rel)),
				 errdetail("Trigger \"%s\" calls %s() with that column, which is of type %s.",
						   trigger->tgname, funcname,
						   format_type_be(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid)),
				 errtable(rel)));
	return attnum;
}

/* The transaction's start time as a value of typid (timestamptz or timestamp) */
static Datum
ModelNow(Oid typid)
{
	TimestampTz now = GetCurrentTransactionStartTimestamp();

	if (typid == TIMESTAMPTZOID)
		return TimestampTzGetDatum(now);
	return DirectFunctionCall1(timestamptz_timestamp, TimestampTzGetDatum(now));
}

/*
 * Row movement.  An UPDATE that changes a partitioned table's row so that it
 * belongs in another partition deletes it from its partition and inserts it
 * into the other, and fires the row's BEFORE DELETE and BEFORE INSERT
 * triggers on the way, with nothing that tells those triggers apart from a
 * DELETE or an INSERT of the client's.  timestamps() would then give the
 * moved row a new created_at, and soft_delete() would mark it deleted and
 * cancel the move.  Both see the UPDATE first, in their BEFORE UPDATE call
 * on the partition the row is in: when the new row fails that partition's
 * constraint there, the row is about to move, and the call notes it for the
 * DELETE or INSERT that follows in the same command.
 */
typedef struct ModelMove
{
	bool		valid;
	LocalTransactionId lxid;	/* the transaction, */
	SubTransactionId subxid;	/* subtransaction */
	CommandId	cid;			/* and command of the UPDATE */
	Oid			relid;			/* soft_delete: the partition it leaves */
	ItemPointerData tid;		/* soft_delete: the row there */
	Oid			root;			/* timestamps: the partitioned table */
	int64		created;		/* timestamps: created_at of the row */
	bool		created_null;
	int64		updated;		/* timestamps: updated_at the UPDATE set */
} ModelMove;

static ModelMove TimestampsMove;
static ModelMove SoftDeleteMove;

static LocalTransactionId
ModelLocalXid(void)
{
#if PG_VERSION_NUM >= 170000
	return MyProc->vxid.lxid;
#else
	return MyProc->lxid;
#endif
}

/* Note the current command in move; the caller fills in the rest */
static void
ModelMoveNote(ModelMove *move)
{
	memset(move, 0, sizeof(ModelMove));
	move->valid = true;
	move->lxid = ModelLocalXid();
	move->subxid = GetCurrentSubTransactionId();
	move->cid = GetCurrentCommandId(false);
}

/* Whether move was noted by the current command */
static bool
ModelMoveCurrent(const ModelMove *move)
{
	return move->valid &&
		move->lxid == ModelLocalXid() &&
		move->subxid == GetCurrentSubTransactionId() &&
		move->cid == GetCurrentCommandId(false);
}

/*
 * The columns each partition's constraint reads, by partition, for this
 * backend; an entry goes when its relation's relcache entry is invalidated
 * (ATTACH, DETACH and ALTER TABLE all do that).
 */
typedef struct ModelPartColumns
{
	Oid			relid;			/* hash key */
	Bitmapset  *attnos;			/* offset by FirstLowInvalidHeapAttributeNumber */
} ModelPartColumns;

static HTAB *PartColumns = NULL;

static void
ModelPartColumnsInvalidate(Datum arg, Oid relid)
{
	HASH_SEQ_STATUS status;
	ModelPartColumns *entry;

	if (PartColumns == NULL)
		return;
	if (OidIsValid(relid))
	{
		entry = hash_search(PartColumns, &relid, HASH_FIND, NULL);
		if (entry != NULL)
		{
			bms_free(entry->attnos);
			hash_search(PartColumns, &relid, HASH_REMOVE, NULL);
		}
		return;
	}
	hash_seq_init(&status, PartColumns);
	while ((entry = hash_seq_search(&status)) != NULL)
	{
		bms_free(entry->attnos);
		hash_search(PartColumns, &entry->relid, HASH_REMOVE, NULL);
	}
}

/* The columns partition rel's constraint reads */
static Bitmapset *
ModelPartitionColumns(Relation rel)
{
	Oid			relid = RelationGetRelid(rel);
	ModelPartColumns *entry;
	bool		found;
	Bitmapset  *attnos = NULL;
	MemoryContext old;

	if (PartColumns == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(ModelPartColumns);
		ctl.hcxt = CacheMemoryContext;
		PartColumns = hash_create("orm_ext partition constraint columns", 16,
								  &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		CacheRegisterRelcacheCallback(ModelPartColumnsInvalidate, (Datum) 0);
	}
	entry = hash_search(PartColumns, &relid, HASH_FIND, NULL);
	if (entry != NULL)
		return entry->attnos;

	pull_varattnos((Node *) RelationGetPartitionQual(rel), 1, &attnos);
	old = MemoryContextSwitchTo(CacheMemoryContext);
	attnos = bms_copy(attnos);
	MemoryContextSwitchTo(old);
	entry = hash_search(PartColumns, &relid, HASH_ENTER, &found);
	entry->attnos = attnos;
	return attnos;
}

/*
 * Whether newtuple, the new version of a row of partition rel, fails rel's
 * partition constraint (which includes its ancestors'), so that the UPDATE
 * moves it to another partition.  Only a change to a column the constraint
 * reads can do that, so the constraint is evaluated only then.
 */
static bool
ModelRowMoves(Relation rel, HeapTuple oldtuple, HeapTuple newtuple)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	List	   *qual;
	Bitmapset  *attnos;
	int			i = -1;
	bool		changed = false;
	EState	   *estate;
	ExprState  *check;
	ExprContext *econtext;
	TupleTableSlot *slot;
	bool		fits;

	if (!rel->rd_rel->relispartition)
		return false;
	attnos = ModelPartitionColumns(rel);
	while ((i = bms_next_member(attnos, i)) >= 0)
	{
		AttrNumber	attnum = i + FirstLowInvalidHeapAttributeNumber;
		Form_pg_attribute att;
		bool		oldnull;
		bool		newnull;
		Datum		oldval;
		Datum		newval;

		if (attnum <= 0)
			continue;
		att = TupleDescAttr(tupdesc, attnum - 1);
		oldval = heap_getattr(oldtuple, attnum, tupdesc, &oldnull);
		newval = heap_getattr(newtuple, attnum, tupdesc, &newnull);
		if (oldnull != newnull ||
			(!oldnull && !datumIsEqual(oldval, newval, att->attbyval, att->attlen)))
		{
			changed = true;
			break;
		}
	}
	if (!changed)
		return false;

	qual = RelationGetPartitionQual(rel);
	if (qual == NIL)
		return false;
	estate = CreateExecutorState();
	check = ExecPrepareCheck(qual, estate);
	econtext = GetPerTupleExprContext(estate);
	slot = MakeSingleTupleTableSlot(tupdesc, &TTSOpsHeapTuple);
	ExecStoreHeapTuple(newtuple, slot, false);
	econtext->ecxt_scantuple = slot;
	fits = ExecCheck(check, econtext);
	ExecDropSingleTupleTableSlot(slot);
	FreeExecutorState(estate);
	return !fits;
}

/* The partitioned table at the top of partition rel's tree */
static Oid
ModelPartitionRoot(Relation rel)
{
	List	   *ancestors = get_partition_ancestors(RelationGetRelid(rel));

	return ancestors == NIL ? InvalidOid : llast_oid(ancestors);
}

/*
 * orm_ext.timestamps([created_column, updated_column]) returns trigger
 *
 * Attach as BEFORE INSERT OR UPDATE ... FOR EACH ROW.  Takes no arguments
 * (created_at, updated_at) or exactly two.
 */
Datum
orm_ext_timestamps(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = ModelTriggerCheck(fcinfo, "timestamps");
	Trigger    *trigger = trigdata->tg_trigger;
	Relation	rel = trigdata->tg_relation;
	HeapTuple	newtuple;
	int			attnums[2];
	Datum		values[2];
	bool		nulls[2] = {false, false};
	Oid			created_type;
	Oid			updated_type;

	if (trigger->tgnargs != 0 && trigger->tgnargs != 2)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("timestamps() takes no arguments or two column names"),
				 errdetail("Trigger \"%s\" on table %s passes %d.",
						   trigger->tgname, OrmExtQualifiedRelationName(rel),
						   trigger->tgnargs)));
	if (!TRIGGER_FIRED_BY_INSERT(trigdata->tg_event) &&
		!TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("timestamps() must be fired by INSERT or UPDATE"),
				 errdetail("Trigger \"%s\" on table %s is declared for DELETE.",
						   trigger->tgname, OrmExtQualifiedRelationName(rel))));

	attnums[0] = ModelTimestampColumn(trigdata, "timestamps", 0, "created_at",
									  &created_type);
	attnums[1] = ModelTimestampColumn(trigdata, "timestamps", 1, "updated_at",
									  &updated_type);
	if (attnums[0] == attnums[1])
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("timestamps() needs two different columns"),
				 errdetail("Trigger \"%s\" on table %s passes \"%s\" twice.",
						   trigger->tgname, OrmExtQualifiedRelationName(rel),
						   trigger->tgargs[0])));

	values[1] = ModelNow(updated_type);
	if (TRIGGER_FIRED_BY_INSERT(trigdata->tg_event))
	{
		newtuple = trigdata->tg_trigtuple;
		values[0] = ModelNow(created_type);
		if (rel->rd_rel->relispartition &&
			ModelMoveCurrent(&TimestampsMove))
		{
			bool		cnull;
			bool		unull;
			Datum		c = heap_getattr(newtuple, attnums[0],
										 RelationGetDescr(rel), &cnull);
			Datum		u = heap_getattr(newtuple, attnums[1],
										 RelationGetDescr(rel), &unull);

			/*
			 * The row an UPDATE of this command is moving here, as that
			 * UPDATE left it: it keeps its created_at.
			 */
			if (TimestampsMove.root == ModelPartitionRoot(rel) &&
				cnull == TimestampsMove.created_null &&
				(cnull || DatumGetInt64(c) == TimestampsMove.created) &&
				!unull && DatumGetInt64(u) == TimestampsMove.updated)
			{
				values[0] = c;
				nulls[0] = cnull;
			}
			TimestampsMove.valid = false;
		}
	}
	else
	{
		bool		isnull;

		newtuple = trigdata->tg_newtuple;
		/* created_at stays what it was, whatever the UPDATE said */
		values[0] = heap_getattr(trigdata->tg_trigtuple, attnums[0],
								 RelationGetDescr(rel), &isnull);
		nulls[0] = isnull;
	}

	/*
	 * The server does not check a domain's constraints again on values a
	 * BEFORE trigger sets, so a domain over timestamptz with a CHECK does
	 * not guard these columns.
	 */
	newtuple = heap_modify_tuple_by_cols(newtuple, RelationGetDescr(rel),
										 2, attnums, values, nulls);
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event) &&
		ModelRowMoves(rel, trigdata->tg_trigtuple, newtuple))
	{
		ModelMoveNote(&TimestampsMove);
		TimestampsMove.root = ModelPartitionRoot(rel);
		TimestampsMove.created_null = nulls[0];
		TimestampsMove.created = nulls[0] ? 0 : DatumGetInt64(values[0]);
		TimestampsMove.updated = DatumGetInt64(values[1]);
	}
	return PointerGetDatum(newtuple);
}

/* plans of soft_delete()'s UPDATE, by query text, for this backend */
typedef struct SoftDeletePlan
{
	char		query[1024];		/* hash key: the query text */
	SPIPlanPtr	plan;
} SoftDeletePlan;

static HTAB *SoftDeletePlans = NULL;

/*
 * orm_ext.soft_delete([deleted_column]) returns trigger
 *
 * Attach as BEFORE DELETE (or UPDATE OR DELETE, see "Row movement" above)
 * ... FOR EACH ROW.  Sets the column (default
 * deleted_at) to the transaction's start time, unless it is already set, and
 * returns NULL so that the row is not deleted.  The UPDATE runs as the
 * current user: it needs UPDATE on the column and passes the table's UPDATE
 * policies and triggers.
 */
Datum
orm_ext_soft_delete(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = ModelTriggerCheck(fcinfo, "soft_delete");
	Trigger    *trigger = trigdata->tg_trigger;
	Relation	rel = trigdata->tg_relation;
	const char *colname;
	int			attnum;
	Oid			typid;
	StringInfoData query;
	SoftDeletePlan *entry;
	bool		found;
	Datum		args[2];
	Oid			argtypes[2];
	int			ret;

	if (trigger->tgnargs > 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("soft_delete() takes no arguments or one column name"),
				 errdetail("Trigger \"%s\" on table %s passes %d.",
						   trigger->tgname, OrmExtQualifiedRelationName(rel),
						   trigger->tgnargs)));
	if (!TRIGGER_FIRED_BY_DELETE(trigdata->tg_event) &&
		!TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("soft_delete() must be fired by DELETE or UPDATE"),
				 errdetail("Trigger \"%s\" on table %s is declared for another event.",
						   trigger->tgname, OrmExtQualifiedRelationName(rel))));

	colname = trigger->tgnargs == 0 ? "deleted_at" : trigger->tgargs[0];
	attnum = SPI_fnumber(RelationGetDescr(rel), colname);
	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of table %s does not exist",
						colname, OrmExtQualifiedRelationName(rel)),
				 errdetail("Trigger \"%s\" calls soft_delete() with that column.",
						   trigger->tgname),
				 errtable(rel)));
	typid = getBaseType(TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid);
	if (typid != TIMESTAMPTZOID && typid != TIMESTAMPOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("column \"%s\" of table %s must be of type timestamp with time zone or timestamp",
						colname, OrmExtQualifiedRelationName(rel)),
				 errtable(rel)));

	/*
	 * Fired by UPDATE, it only notes a row about to move to another
	 * partition, so that the DELETE that moves it is let through.
	 */
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		if (ModelRowMoves(rel, trigdata->tg_trigtuple, trigdata->tg_newtuple))
		{
			ModelMoveNote(&SoftDeleteMove);
			SoftDeleteMove.relid = RelationGetRelid(rel);
			SoftDeleteMove.tid = trigdata->tg_trigtuple->t_self;
		}
		return PointerGetDatum(trigdata->tg_newtuple);
	}
	if (ModelMoveCurrent(&SoftDeleteMove) &&
		SoftDeleteMove.relid == RelationGetRelid(rel) &&
		ItemPointerEquals(&SoftDeleteMove.tid, &trigdata->tg_trigtuple->t_self))
	{
		SoftDeleteMove.valid = false;
		return PointerGetDatum(trigdata->tg_trigtuple);
	}

	/*
	 * UPDATE ONLY the relation the trigger fired on (a partition, for a
	 * partitioned table), by the row's ctid: the DELETE has locked the row.
	 */
	initStringInfo(&query);
	appendStringInfo(&query,
					 "UPDATE ONLY %s SET %s = $1 WHERE ctid OPERATOR(pg_catalog.=) $2 AND %s IS NULL",
					 OrmExtQualifiedRelationName(rel),
					 quote_identifier(colname), quote_identifier(colname));
	/* the parameter's type is part of the plan */
	appendStringInfo(&query, " /* %u */", typid);
	if (query.len >= (int) sizeof(((SoftDeletePlan *) NULL)->query))
		elog(ERROR, "soft_delete: query too long");

	if (SoftDeletePlans == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(((SoftDeletePlan *) NULL)->query);
		ctl.entrysize = sizeof(SoftDeletePlan);
#if PG_VERSION_NUM >= 140000
		SoftDeletePlans = hash_create("orm_ext soft_delete plans", 16, &ctl,
									  HASH_ELEM | HASH_STRINGS);
#else
		SoftDeletePlans = hash_create("orm_ext soft_delete plans", 16, &ctl,
									  HASH_ELEM);
#endif
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "soft_delete: SPI_connect failed");

	argtypes[0] = typid;
	argtypes[1] = TIDOID;
	entry = hash_search(SoftDeletePlans, query.data, HASH_ENTER, &found);
	if (!found || entry->plan == NULL)
	{
		SPIPlanPtr	plan;

		entry->plan = NULL;
		plan = SPI_prepare(query.data, 2, argtypes);
		if (plan == NULL)
			elog(ERROR, "soft_delete: SPI_prepare failed: %s",
				 SPI_result_code_string(SPI_result));
		if (SPI_keepplan(plan) != 0)
			elog(ERROR, "soft_delete: SPI_keepplan failed");
		entry->plan = plan;
	}

	args[0] = ModelNow(typid);
	args[1] = PointerGetDatum(&trigdata->tg_trigtuple->t_self);
	ret = SPI_execute_plan(entry->plan, args, NULL, false, 0);
	if (ret != SPI_OK_UPDATE)
		elog(ERROR, "soft_delete: SPI_execute_plan returned %s",
			 SPI_result_code_string(ret));
	SPI_finish();

	/* skip the delete */
	return PointerGetDatum(NULL);
}
