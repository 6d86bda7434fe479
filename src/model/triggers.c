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
 *					 UPDATE, it lets a row an UPDATE moves to another
 *					 partition move.
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
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "orm_ext.h"
#include "model.h"

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
 * on the partition the row is in, and note every such row: the UPDATE of
 * which statement, which row, and for timestamps() the two values it set.
 * The DELETE (soft_delete()) or INSERT (timestamps()) call that follows in
 * the same statement is the move when it is of that very row: the same
 * partition and tuple for the DELETE, the same partition tree and the noted
 * values for the INSERT.  Every row is noted, not only one whose new version
 * fails its partition's constraint, because a BEFORE UPDATE trigger that
 * fires later may still change the partition key.
 *
 * The statement is told by its snapshot's command id, which the statement
 * keeps while triggers run SQL of their own (each such command advances the
 * transaction's command counter, under a snapshot of its own), together with
 * the transaction and the subtransaction.  Each statement notes in a slot of
 * its own, so that a statement a trigger runs in between (one that updates
 * another row of the table) leaves the outer statement's note alone, and
 * gives it back when its executor ends (ModelExecutorEnd), so that only
 * running statements hold slots.  A backend has MODEL_MOVE_SLOTS of them,
 * the least recently noted giving way, which only statements nested deeper
 * than that, each noting, would need.  What else would be taken for a
 * move: a DELETE of the row in the same statement after an UPDATE of it
 * that another trigger skipped (a data-modifying WITH), and an INSERT in the
 * same statement that sends exactly the two values noted last (docs/models.md
 * says both).
 */
typedef struct ModelMove
{
	bool		valid;
	LocalTransactionId lxid;	/* the transaction, */
	SubTransactionId subxid;	/* subtransaction */
	CommandId	cid;			/* and statement of the UPDATE */
	Oid			relid;			/* the partition the row was in */
	ItemPointerData tid;		/* soft_delete: the row there */
	int64		created;		/* timestamps: created_at of the row */
	bool		created_null;
	int64		updated;		/* timestamps: updated_at the UPDATE set */
	uint64		stamp;			/* when noted, for the least recent */
} ModelMove;

#define MODEL_MOVE_SLOTS 16

static ModelMove TimestampsMoves[MODEL_MOVE_SLOTS];
static ModelMove SoftDeleteMoves[MODEL_MOVE_SLOTS];
static uint64 ModelMoveStamp = 0;
static int	ModelMovesNoted = 0;	/* valid slots, or more */

static ExecutorEnd_hook_type ModelPrevExecutorEnd = NULL;

static LocalTransactionId
ModelLocalXid(void)
{
#if PG_VERSION_NUM >= 170000
	return MyProc->vxid.lxid;
#else
	return MyProc->lxid;
#endif
}

/* The command id of the running statement's snapshot */
static bool
ModelStatementCid(CommandId *cid)
{
	if (!ActiveSnapshotSet())
		return false;
	*cid = GetActiveSnapshot()->curcid;
	return true;
}

/*
 * The slot of slots (MODEL_MOVE_SLOTS of them) in which the running
 * statement noted, or NULL.
 */
static ModelMove *
ModelMoveCurrent(ModelMove *slots)
{
	CommandId	cid;
	LocalTransactionId lxid = ModelLocalXid();
	SubTransactionId subxid = GetCurrentSubTransactionId();

	if (!ModelStatementCid(&cid))
		return NULL;
	for (int i = 0; i < MODEL_MOVE_SLOTS; i++)
		if (slots[i].valid && slots[i].lxid == lxid &&
			slots[i].subxid == subxid && slots[i].cid == cid)
			return &slots[i];
	return NULL;
}

/*
 * Note the UPDATE of a row of partition rel in slots, for the running
 * statement: in its slot, or else in a free one, one of another transaction
 * or the least recently noted one.  Returns the slot, whose other fields the
 * caller fills in, or NULL (nothing noted) outside a statement.
 */
static ModelMove *
ModelMoveNote(ModelMove *slots, Relation rel)
{
	CommandId	cid;
	ModelMove  *move = ModelMoveCurrent(slots);

	if (!ModelStatementCid(&cid))
		return NULL;
	if (move == NULL)
	{
		LocalTransactionId lxid = ModelLocalXid();

		move = &slots[0];
		for (int i = 0; i < MODEL_MOVE_SLOTS; i++)
		{
			if (!slots[i].valid || slots[i].lxid != lxid)
			{
				move = &slots[i];
				break;
			}
			if (slots[i].stamp < move->stamp)
				move = &slots[i];
		}
	}
	memset(move, 0, sizeof(ModelMove));
	move->valid = true;
	ModelMovesNoted++;
	move->lxid = ModelLocalXid();
	move->subxid = GetCurrentSubTransactionId();
	move->cid = cid;
	move->relid = RelationGetRelid(rel);
	move->stamp = ++ModelMoveStamp;
	return move;
}

/*
 * A statement's executor ends: the slots it noted in (its snapshot's command
 * id, this transaction) are free again.  Only a statement that can write
 * notes: a read-only one (a STABLE function's query) runs under the snapshot
 * of the statement that called it, whose notes are still wanted.
 */
static void
ModelExecutorEnd(QueryDesc *queryDesc)
{
	if (ModelMovesNoted > 0 && queryDesc->snapshot != NULL &&
		(queryDesc->operation != CMD_SELECT ||
		 (queryDesc->plannedstmt != NULL && queryDesc->plannedstmt->hasModifyingCTE)))
	{
		LocalTransactionId lxid = ModelLocalXid();
		CommandId	cid = queryDesc->snapshot->curcid;
		int			left = 0;

		for (int i = 0; i < MODEL_MOVE_SLOTS; i++)
		{
			ModelMove  *slots[2] = {&TimestampsMoves[i], &SoftDeleteMoves[i]};

			for (int j = 0; j < 2; j++)
			{
				if (!slots[j]->valid)
					continue;
				if (slots[j]->lxid == lxid && slots[j]->cid == cid)
					slots[j]->valid = false;
				else
					left++;
			}
		}
		ModelMovesNoted = left;
	}
	if (ModelPrevExecutorEnd)
		ModelPrevExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
}

void
ModelTriggersInit(void)
{
	ModelPrevExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = ModelExecutorEnd;
}

/*
 * The partitioned table at the top of each partition's tree, by partition,
 * for this backend; entries go when a relcache entry is invalidated (ATTACH
 * and DETACH invalidate the partition's).
 */
typedef struct ModelPartRoot
{
	Oid			relid;			/* hash key */
	Oid			root;
} ModelPartRoot;

static HTAB *PartRoots = NULL;

static void
ModelPartRootsInvalidate(Oid relid)
{
	HASH_SEQ_STATUS status;
	ModelPartRoot *entry;

	if (PartRoots == NULL)
		return;
	if (OidIsValid(relid))
	{
		hash_search(PartRoots, &relid, HASH_REMOVE, NULL);
		return;
	}
	hash_seq_init(&status, PartRoots);
	while ((entry = hash_seq_search(&status)) != NULL)
		hash_search(PartRoots, &entry->relid, HASH_REMOVE, NULL);
}

/* The partitioned table at the top of partition relid's tree */
static Oid
ModelPartitionRoot(Oid relid)
{
	ModelPartRoot *entry;
	List	   *ancestors;
	Oid			root;
	bool		found;

	if (PartRoots == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(ModelPartRoot);
		ctl.hcxt = CacheMemoryContext;
		PartRoots = hash_create("orm_ext partition roots", 16, &ctl,
								HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		OrmExtOnRelcacheInvalidate(ModelPartRootsInvalidate);
	}
	entry = hash_search(PartRoots, &relid, HASH_FIND, NULL);
	if (entry != NULL)
		return entry->root;
	ancestors = get_partition_ancestors(relid);
	root = ancestors == NIL ? InvalidOid : llast_oid(ancestors);
	list_free(ancestors);
	entry = hash_search(PartRoots, &relid, HASH_ENTER, &found);
	entry->root = root;
	return root;
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
	ModelMove  *move;

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
		move = rel->rd_rel->relispartition ?
			ModelMoveCurrent(TimestampsMoves) : NULL;
		if (move != NULL)
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
			if (move->relid != RelationGetRelid(rel) &&
				ModelPartitionRoot(move->relid) ==
				ModelPartitionRoot(RelationGetRelid(rel)) &&
				cnull == move->created_null &&
				(cnull || DatumGetInt64(c) == move->created) &&
				!unull && DatumGetInt64(u) == move->updated)
			{
				values[0] = c;
				nulls[0] = cnull;
			}
			move->valid = false;
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
		rel->rd_rel->relispartition &&
		(move = ModelMoveNote(TimestampsMoves, rel)) != NULL)
	{
		move->created_null = nulls[0];
		move->created = nulls[0] ? 0 : DatumGetInt64(values[0]);
		move->updated = DatumGetInt64(values[1]);
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
	ModelMove  *move;

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
	 * Fired by UPDATE, it only notes the row (see "Row movement" above), so
	 * that the DELETE that moves it, if the UPDATE moves it, is let through.
	 */
	if (TRIGGER_FIRED_BY_UPDATE(trigdata->tg_event))
	{
		if (rel->rd_rel->relispartition &&
			(move = ModelMoveNote(SoftDeleteMoves, rel)) != NULL)
			move->tid = trigdata->tg_trigtuple->t_self;
		return PointerGetDatum(trigdata->tg_newtuple);
	}
	move = ModelMoveCurrent(SoftDeleteMoves);
	if (move != NULL && move->relid == RelationGetRelid(rel) &&
		ItemPointerEquals(&move->tid, &trigdata->tg_trigtuple->t_self))
	{
		move->valid = false;
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
