/*-------------------------------------------------------------------------
 *
 * ledger.c
 *	  Append-only tables and ledgers.
 *
 * append_only() is a trigger function that refuses UPDATE, DELETE and
 * TRUNCATE on the table it is attached to, for every role: the table owner
 * and superusers included.  The only way past it is to disable the trigger,
 * which needs ownership of the table.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/rel.h"

#include "orm_ext.h"

PG_FUNCTION_INFO_V1(orm_ext_append_only);

/*
 * orm_ext.append_only() returns trigger
 *
 * Attach as BEFORE UPDATE OR DELETE ... FOR EACH ROW and BEFORE TRUNCATE ...
 * FOR EACH STATEMENT.  Any firing for UPDATE, DELETE or TRUNCATE raises
 * restrict_violation (23001) naming the table; a statement-level UPDATE or
 * DELETE trigger rejects the statement even when it matches no row.
 */
Datum
orm_ext_append_only(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TriggerEvent event;
	Relation	rel;
	const char *message = NULL;

	/* a C trigger function can be called directly: refuse as PL/pgSQL does */
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("append_only() can only be called as a trigger")));

	event = trigdata->tg_event;
	rel = trigdata->tg_relation;

	if (TRIGGER_FIRED_BY_INSERT(event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("append_only() must not be fired by INSERT"),
				 errdetail("Trigger \"%s\" on table %s is declared for INSERT.",
						   trigdata->tg_trigger->tgname,
						   OrmExtQualifiedRelationName(rel)),
				 errhint("Declare it BEFORE UPDATE OR DELETE FOR EACH ROW, "
						 "and BEFORE TRUNCATE FOR EACH STATEMENT.")));

	if (trigdata->tg_trigger->tgnargs != 0)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("append_only() takes no arguments"),
				 errdetail("Trigger \"%s\" on table %s passes %d.",
						   trigdata->tg_trigger->tgname,
						   OrmExtQualifiedRelationName(rel),
						   trigdata->tg_trigger->tgnargs)));

	if (TRIGGER_FIRED_BY_UPDATE(event))
		message = gettext_noop("cannot update append-only table %s");
	else if (TRIGGER_FIRED_BY_DELETE(event))
		message = gettext_noop("cannot delete from append-only table %s");
	else if (TRIGGER_FIRED_BY_TRUNCATE(event))
		message = gettext_noop("cannot truncate append-only table %s");
	else
		elog(ERROR, "append_only: unexpected trigger event %u", event);

	ereport(ERROR,
			(errcode(ERRCODE_RESTRICT_VIOLATION),
			 errmsg(message, OrmExtQualifiedRelationName(rel)),
			 errdetail("Trigger \"%s\" keeps the rows of this table unchanged once written.",
					   trigdata->tg_trigger->tgname),
			 errhint("Insert a correcting row instead."),
			 errtable(rel)));

	PG_RETURN_NULL();
}
