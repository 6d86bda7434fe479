/*-------------------------------------------------------------------------
 *
 * model.h
 *	  What the C files of the mapping layer share: turning a JSON value into
 *	  a value of a column's type, with errors that name the column,
 *	  preparing the statement behind a generated function, and the
 *	  backend-lifetime caches of statements.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ORM_EXT_MODEL_H
#define ORM_EXT_MODEL_H

#include "postgres.h"

#include "executor/spi.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"

extern AttrNumber ModelColumn(Oid relid, const char *colname, Oid *typid);
extern char *ModelJsonText(Jsonb *jb, Oid typid, const char *colname,
						   const char *relname);
extern Datum ModelInputValue(char *text, Oid typid, const char *colname,
							 const char *relname);
extern int	ModelCursorSettings(Oid typid);
extern int	ModelCursorSettingsPush(int settings);
extern void ModelCursorSettingsPop(int nestlevel);
extern Datum ModelCursorValue(char *text, Oid typid, const char *colname,
							  const char *relname);
extern SPIPlanPtr ModelPrepare(const char *query, int nargs, Oid *argtypes);
extern HTAB *ModelCacheCreate(const char *name, long nelem, Size keysize,
							  Size entrysize, HashValueFunc hash,
							  HashCompareFunc match, MemoryContext cxt);

/* triggers.c: its executor hook, installed by _PG_init */
extern void ModelTriggersInit(void);

#endif							/* ORM_EXT_MODEL_H */
