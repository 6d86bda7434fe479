/*-------------------------------------------------------------------------
 *
 * model.h
 *	  What the C files of the mapping layer share: turning a JSON value into
 *	  a value of a column's type, with errors that name the column, and
 *	  preparing the statement behind a generated function.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ORM_EXT_MODEL_H
#define ORM_EXT_MODEL_H

#include "postgres.h"

#include "executor/spi.h"
#include "utils/jsonb.h"

extern AttrNumber ModelColumn(Oid relid, const char *colname, Oid *typid);
extern char *ModelJsonText(Jsonb *jb, Oid typid, const char *colname,
						   const char *relname);
extern Datum ModelInputValue(char *text, Oid typid, const char *colname,
							 const char *relname);
extern SPIPlanPtr ModelPrepare(const char *query, int nargs, Oid *argtypes);

#endif							/* ORM_EXT_MODEL_H */
