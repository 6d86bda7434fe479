/*-------------------------------------------------------------------------
 *
 * enum.c
 *	  Enum utilities read straight from pg_enum: the labels of a type in
 *	  sort order, membership, and a cast that returns NULL for an unknown
 *	  label instead of failing.
 *
 * These are the per-row and per-request helpers.  The lifecycle functions
 * (create, add, rename, drop, diff, sync), which run once per migration,
 * are SQL in enum.sql and build on these.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_enum.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "orm_ext.h"

PG_FUNCTION_INFO_V1(orm_ext_enum_values);
PG_FUNCTION_INFO_V1(orm_ext_enum_has);
PG_FUNCTION_INFO_V1(orm_ext_enum_try_cast);

/*
 * The enum type behind "type": the type itself, or the base type of a domain
 * over an enum.  Anything else raises 42809 (wrong_object_type), and an OID
 * that names no type 42704 (undefined_object).
 */
static Oid
EnumTypeOf(Oid type)
{
	Oid			base;

	/* a regtype given by number need not name a type any more */
	if (!SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(type)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type with OID %u does not exist", type)));
	base = getBaseType(type);

	if (get_typtype(base) != TYPTYPE_ENUM)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("type %s is not an enum", format_type_be(type))));
	return base;
}

/*
 * The pg_enum row of "label" in enum "type", or NULL.  Labels are names, so
 * one of NAMEDATALEN bytes or more cannot be there.
 */
static HeapTuple
EnumLabelLookup(Oid type, text *label)
{
	char	   *name = text_to_cstring(label);

	if (strlen(name) >= NAMEDATALEN)
		return NULL;
	return SearchSysCache2(ENUMTYPOIDNAME, ObjectIdGetDatum(type),
						   CStringGetDatum(name));
}

/*
 * orm_ext.enum_values(t regtype) returns text[]
 *
 * The labels of enum t in sort order (the order of <, not of OIDs).
 */
Datum
orm_ext_enum_values(PG_FUNCTION_ARGS)
{
	Oid			type = EnumTypeOf(PG_GETARG_OID(0));
	Relation	rel;
	Relation	idx;
	SysScanDesc scan;
	ScanKeyData key;
	HeapTuple	tup;
	ArrayBuildState *astate = NULL;

	ScanKeyInit(&key, Anum_pg_enum_enumtypid, BTEqualStrategyNumber,
				F_OIDEQ, ObjectIdGetDatum(type));
	rel = table_open(EnumRelationId, AccessShareLock);
	idx = index_open(EnumTypIdSortOrderIndexId, AccessShareLock);
	scan = systable_beginscan_ordered(rel, idx, NULL, 1, &key);
	astate = initArrayResult(TEXTOID, CurrentMemoryContext, false);

	/* the index on (enumtypid, enumsortorder) returns them in sort order */
	while (HeapTupleIsValid(tup = systable_getnext_ordered(scan, ForwardScanDirection)))
	{
		Form_pg_enum en = (Form_pg_enum) GETSTRUCT(tup);

		astate = accumArrayResult(astate,
								  CStringGetTextDatum(NameStr(en->enumlabel)),
								  false, TEXTOID, CurrentMemoryContext);
	}
	systable_endscan_ordered(scan);
	index_close(idx, AccessShareLock);
	table_close(rel, AccessShareLock);

	PG_RETURN_DATUM(makeArrayResult(astate, CurrentMemoryContext));
}

/*
 * orm_ext.enum_has(t regtype, label text) returns boolean
 */
Datum
orm_ext_enum_has(PG_FUNCTION_ARGS)
{
	Oid			type = EnumTypeOf(PG_GETARG_OID(0));
	HeapTuple	tup = EnumLabelLookup(type, PG_GETARG_TEXT_PP(1));

	if (!HeapTupleIsValid(tup))
		PG_RETURN_BOOL(false);
	ReleaseSysCache(tup);
	PG_RETURN_BOOL(true);
}

/*
 * orm_ext.enum_try_cast(label text, hint anyenum) returns anyenum
 *
 * The value of "label" in the type of "hint" (whose value is ignored), or
 * NULL when the type has no such label.  A known label goes through the
 * type's own input function, so a value added by the current transaction is
 * refused with PostgreSQL's 55P04, as a cast would refuse it.
 */
Datum
orm_ext_enum_try_cast(PG_FUNCTION_ARGS)
{
	Oid			argtype = get_fn_expr_argtype(fcinfo->flinfo, 1);
	Oid			type;
	HeapTuple	tup;
	char	   *name;

	if (!OidIsValid(argtype))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("could not determine the enum type of enum_try_cast()'s hint")));
	type = EnumTypeOf(argtype);
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();

	tup = EnumLabelLookup(type, PG_GETARG_TEXT_PP(0));
	if (!HeapTupleIsValid(tup))
		PG_RETURN_NULL();
	ReleaseSysCache(tup);

	name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	PG_RETURN_DATUM(DirectFunctionCall2(enum_in, CStringGetDatum(name),
										ObjectIdGetDatum(type)));
}
