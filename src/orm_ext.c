/*-------------------------------------------------------------------------
 *
 * orm_ext.c
 *	  Module entry point: the module magic block, GUCs and per-component
 *	  initialisation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "orm_ext.h"
#include "ledger/ledger.h"
#include "model/model.h"

#if PG_VERSION_NUM >= 180000
PG_MODULE_MAGIC_EXT(.name = ORM_EXT_NAME,.version = ORM_EXT_VERSION);
#else
PG_MODULE_MAGIC;
#endif

/* MarkGUCPrefixReserved() is new in PostgreSQL 15 */
#if PG_VERSION_NUM < 150000
#define MarkGUCPrefixReserved(prefix) EmitWarningsOnPlaceholders(prefix)
#endif

int			orm_ext_debug_clock_offset_ms = 0;

/* fmgr.h declares _PG_init itself from PostgreSQL 16 on */
#if PG_VERSION_NUM < 160000
void		_PG_init(void);
#endif

/*
 * Module load callback.  Runs once per backend, or once in the postmaster when
 * orm_ext is listed in shared_preload_libraries.  Nothing here needs shared
 * memory, so preloading is optional.
 */
void
_PG_init(void)
{
	DefineCustomIntVariable("orm_ext.debug_clock_offset_ms",
							"Shifts the wall clock read by uuidv7(), in milliseconds.",
							"For testing only: simulates a clock that steps back "
							"or jumps forward.",
							&orm_ext_debug_clock_offset_ms,
							0,
							INT_MIN,
							INT_MAX,
							PGC_SUSET,
							GUC_NOT_IN_SAMPLE | GUC_NO_SHOW_ALL | GUC_UNIT_MS,
							NULL,
							NULL,
							NULL);

	MarkGUCPrefixReserved(ORM_EXT_NAME);

	LedgerConfigInit();
	LedgerHeadsInit();
	ModelTriggersInit();
}

/*
 * The schema-qualified, quoted name of a relation, as error messages show it:
 * public.credit_ledger, "My Schema"."select".
 */
char *
OrmExtQualifiedRelationName(Relation rel)
{
	return quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)),
									  RelationGetRelationName(rel));
}

/*
 * The same by OID, for code that has not opened the relation; NULL when no
 * relation has that OID (any more).
 */
char *
OrmExtQualifiedRelid(Oid relid)
{
	char	   *relname = get_rel_name(relid);

	if (relname == NULL)
		return NULL;
	return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
									  relname);
}

/*
 * The functions OrmExtOnRelcacheInvalidate() registered, called by the one
 * relcache callback orm_ext registers with the server.
 */
#define ORM_EXT_MAX_RELCACHE_FUNCTIONS 8

static OrmExtRelcacheFunction RelcacheFunctions[ORM_EXT_MAX_RELCACHE_FUNCTIONS];
static int	NumRelcacheFunctions = 0;

static void
OrmExtRelcacheCallback(Datum arg, Oid relid)
{
	for (int i = 0; i < NumRelcacheFunctions; i++)
		RelcacheFunctions[i] (relid);
}

/*
 * Have func called with the relation's OID whenever a relcache entry is
 * invalidated, or with InvalidOid when all are.  Call it once per function
 * and backend.
 */
void
OrmExtOnRelcacheInvalidate(OrmExtRelcacheFunction func)
{
	if (NumRelcacheFunctions >= ORM_EXT_MAX_RELCACHE_FUNCTIONS)
		elog(ERROR, "orm_ext: too many relcache invalidation functions");
	if (NumRelcacheFunctions == 0)
		CacheRegisterRelcacheCallback(OrmExtRelcacheCallback, (Datum) 0);
	RelcacheFunctions[NumRelcacheFunctions++] = func;
}
