/*-------------------------------------------------------------------------
 *
 * orm_ext.h
 *	  Declarations shared by the orm_ext components.
 *
 * Each component lives in its own file under src/ (uuid.c, ledger.c, ...)
 * with the SQL that declares it beside it.  What more than one component
 * needs is declared here and defined in orm_ext.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ORM_EXT_H
#define ORM_EXT_H

#include "postgres.h"

#include "utils/relcache.h"

#define ORM_EXT_NAME		"orm_ext"
#define ORM_EXT_VERSION		"0.1.0"

/*
 * Developer option: milliseconds added to the wall clock that uuidv7() reads.
 * Tests set it to simulate a clock that stalls or steps back.  Superuser only.
 */
extern int	orm_ext_debug_clock_offset_ms;

/* orm_ext.c: helpers shared by the components */
extern char *OrmExtQualifiedRelationName(Relation rel);
extern char *OrmExtQualifiedRelid(Oid relid);

/*
 * orm_ext.c: one relcache invalidation callback for all of orm_ext's caches
 * (the server has room for few per backend), calling each function
 * registered here in turn.
 */
typedef void (*OrmExtRelcacheFunction) (Oid relid);
extern void OrmExtOnRelcacheInvalidate(OrmExtRelcacheFunction func);

#endif							/* ORM_EXT_H */
