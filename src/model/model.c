/*-------------------------------------------------------------------------
 *
 * model.c
 *	  The C side of the mapping layer (src/model/model.sql generates the
 *	  typed functions): turning JSON values from patches and filters, and
 *	  the text values of cursors, into typed SQL literals with errors that
 *	  name the column, finding a column type's comparison operators, and the
 *	  ddl_command_start event trigger that drops a model's functions before
 *	  DROP TABLE.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/transam.h"
#include "catalog/namespace.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "orm_ext.h"
#include "model.h"

PG_FUNCTION_INFO_V1(orm_ext_model_value_literal);
PG_FUNCTION_INFO_V1(orm_ext_model_cursor_value);
PG_FUNCTION_INFO_V1(orm_ext_model_cursor_literal);
PG_FUNCTION_INFO_V1(orm_ext_model_operator);
PG_FUNCTION_INFO_V1(orm_ext_model_ddl_command_start);

/*
 * The settings under which a cursor's values are written as text and read
 * back: those that change how a value of an orderable type prints (a float
 * loses digits with extra_float_digits below 1, a timestamptz prints a zone
 * abbreviation that may read back as another zone in the SQL and Postgres
 * DateStyles, an interval prints per IntervalStyle, money per lc_monetary,
 * a regclass per search_path) or reads (array_nulls).  Under them a value
 * reads back as itself whatever the session's settings were when its cursor
 * was made and are when it is used.  Each is pinned only for the types that
 * depend on it (ModelCursorSettings), so that an order of integers and
 * strings costs nothing.
 */
enum
{
	MCS_DATESTYLE,
	MCS_TIMEZONE,
	MCS_INTERVALSTYLE,
	MCS_FLOAT_DIGITS,
	MCS_BYTEA_OUTPUT,
	MCS_MONETARY,
	MCS_ARRAY_NULLS,
	MCS_SEARCH_PATH,
	MCS_COUNT
};

#define MCS(setting)	(1 << (setting))
#define MCS_ALL			(MCS(MCS_COUNT) - 1)

/*
 * The attribute number and type of column "colname" of relation "relid".
 * Raises 42P01 for a missing relation and 42703 for a missing or dropped
 * column, naming both.
 */
AttrNumber
ModelColumn(Oid relid, const char *colname, Oid *typid)
{
	HeapTuple	tup;
	Form_pg_attribute att;
	AttrNumber	attnum;
	char	   *relname = OrmExtQualifiedRelid(relid);

	if (relname == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	tup = SearchSysCacheAttName(relid, colname);
	if (!HeapTupleIsValid(tup))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of table %s does not exist",
						colname, relname)));
	att = (Form_pg_attribute) GETSTRUCT(tup);
	attnum = att->attnum;
	*typid = att->atttypid;
	ReleaseSysCache(tup);
	if (attnum <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of table %s does not exist",
						colname, relname),
				 errdetail("\"%s\" is a system column.", colname)));
	return attnum;
}

/*
 * The first two arguments of a function taking (tbl regclass, col name, ...):
 * both must not be NULL (22004), and the column must exist (ModelColumn).
 * Returns the column's name, and its table and type in *relid and *typid.
 */
static Name
ModelTableColumnArgs(FunctionCallInfo fcinfo, Oid *relid, Oid *typid)
{
	Name		colname;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table and column must not be null")));
	*relid = PG_GETARG_OID(0);
	colname = PG_GETARG_NAME(1);
	ModelColumn(*relid, NameStr(*colname), typid);
	return colname;
}

/*
 * Append a JSON array as the text of a PostgreSQL array literal: {1,"a",NULL}
 * for [1, "a", null], with nested arrays as nested braces.  Strings and JSON
 * objects are double-quoted and escaped; numbers and booleans are written as
 * they are.
 */
static void
ModelAppendArrayLiteral(StringInfo buf, JsonbValue *array)
{
	appendStringInfoChar(buf, '{');
	for (int i = 0; i < array->val.array.nElems; i++)
	{
		JsonbValue *elem = &array->val.array.elems[i];

		if (i > 0)
			appendStringInfoChar(buf, ',');
		switch (elem->type)
		{
			case jbvNull:
				appendStringInfoString(buf, "NULL");
				break;
			case jbvBool:
				appendStringInfoString(buf, elem->val.boolean ? "true" : "false");
				break;
			case jbvNumeric:
				appendStringInfoString(buf,
									   DatumGetCString(DirectFunctionCall1(numeric_out,
																		   NumericGetDatum(elem->val.numeric))));
				break;
			case jbvString:
			case jbvBinary:
				{
					const char *s;

					if (elem->type == jbvString)
						s = pnstrdup(elem->val.string.val, elem->val.string.len);
					else
						s = JsonbToCString(NULL, elem->val.binary.data,
										   elem->val.binary.len);
					appendStringInfoChar(buf, '"');
					for (; *s; s++)
					{
						if (*s == '"' || *s == '\\')
							appendStringInfoChar(buf, '\\');
						appendStringInfoChar(buf, *s);
					}
					appendStringInfoChar(buf, '"');
					break;
				}
			case jbvArray:
				ModelAppendArrayLiteral(buf, elem);
				break;
			default:
				elog(ERROR, "model: unexpected JSON value type %d", elem->type);
		}
	}
	appendStringInfoChar(buf, '}');
}

/*
 * The text form of a JSON value for the input function of type typid, or NULL
 * for a JSON null.  Strings give their contents, numbers and booleans their
 * JSON text, any JSON for json and jsonb, and arrays an array literal for
 * array types; anything else is 22P02 naming the column.
 */
char *
ModelJsonText(Jsonb *jb, Oid typid, const char *colname, const char *relname)
{
	Oid			basetype = getBaseType(typid);
	JsonbValue	scalar;

	if (basetype == JSONOID || basetype == JSONBOID)
	{
		if (JB_ROOT_IS_SCALAR(jb) && JsonbExtractScalar(&jb->root, &scalar) &&
			scalar.type == jbvNull)
			return NULL;
		return JsonbToCString(NULL, &jb->root, VARSIZE(jb));
	}

	if (JB_ROOT_IS_SCALAR(jb))
	{
		if (!JsonbExtractScalar(&jb->root, &scalar))
			elog(ERROR, "model: could not extract a JSON scalar");
		switch (scalar.type)
		{
			case jbvNull:
				return NULL;
			case jbvString:
				return pnstrdup(scalar.val.string.val, scalar.val.string.len);
			case jbvNumeric:
				return DatumGetCString(DirectFunctionCall1(numeric_out,
														   NumericGetDatum(scalar.val.numeric)));
			case jbvBool:
				return pstrdup(scalar.val.boolean ? "true" : "false");
			default:
				elog(ERROR, "model: unexpected JSON scalar type %d", scalar.type);
		}
	}

	if (JB_ROOT_IS_ARRAY(jb) && OidIsValid(get_element_type(basetype)))
	{
		JsonbValue	array;
		StringInfoData buf;
		JsonbIterator *it = JsonbIteratorInit(&jb->root);
		JsonbValue	v;
		JsonbIteratorToken tok;
		JsonbValue *stack[64];
		int			depth = -1;

		/* collect the array (and nested arrays) into JsonbValues */
		memset(&array, 0, sizeof(array));
		while ((tok = JsonbIteratorNext(&it, &v, false)) != WJB_DONE)
		{
			if (tok == WJB_BEGIN_ARRAY)
			{
				JsonbValue *a = depth < 0 ? &array : palloc0(sizeof(JsonbValue));

				if (depth + 1 >= (int) lengthof(stack))
					ereport(ERROR,
							(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
							 errmsg("invalid value for column \"%s\" of table %s: arrays nest too deeply",
									colname, relname)));
				a->type = jbvArray;
				a->val.array.nElems = 0;
				a->val.array.elems = palloc(sizeof(JsonbValue) * 8);
				stack[++depth] = a;
			}
			else if (tok == WJB_END_ARRAY)
			{
				JsonbValue *done = stack[depth--];

				if (depth >= 0)
				{
					JsonbValue *parent = stack[depth];

					if ((parent->val.array.nElems & 7) == 0 && parent->val.array.nElems > 0)
						parent->val.array.elems = repalloc(parent->val.array.elems,
														   sizeof(JsonbValue) * (parent->val.array.nElems + 8));
					parent->val.array.elems[parent->val.array.nElems++] = *done;
				}
			}
			else if (tok == WJB_ELEM)
			{
				JsonbValue *parent = stack[depth];

				if ((parent->val.array.nElems & 7) == 0 && parent->val.array.nElems > 0)
					parent->val.array.elems = repalloc(parent->val.array.elems,
													   sizeof(JsonbValue) * (parent->val.array.nElems + 8));
				parent->val.array.elems[parent->val.array.nElems++] = v;
			}
			else if (tok == WJB_BEGIN_OBJECT)
			{
				/* an object inside the array: keep it as one binary value */
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
						 errmsg("invalid value for column \"%s\" of table %s: a JSON object cannot be an element of type %s",
								colname, relname, format_type_be(typid))));
			}
		}
		initStringInfo(&buf);
		ModelAppendArrayLiteral(&buf, &array);
		return buf.data;
	}

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid value for column \"%s\" of table %s: a JSON %s cannot be converted to type %s",
					colname, relname,
					JB_ROOT_IS_ARRAY(jb) ? "array" : "object",
					format_type_be(typid))));
	return NULL;				/* keep the compiler quiet */
}

/*
 * Run the input function of typid on text, re-raising any error with the
 * column in the message (the error's SQLSTATE is kept: 22P02, 22003, 22007,
 * 23514 for a domain's CHECK, ...).
 */
Datum
ModelInputValue(char *text, Oid typid, const char *colname, const char *relname)
{
	Oid			typinput;
	Oid			typioparam;
	MemoryContext oldcxt = CurrentMemoryContext;
	Datum		result = (Datum) 0;

	getTypeInputInfo(typid, &typinput, &typioparam);
	PG_TRY();
	{
		/* a JSON null in an array is NULL whatever array_nulls says */
		int			nestlevel = ModelCursorSettingsPush(ModelCursorSettings(typid) &
														MCS(MCS_ARRAY_NULLS));

		result = OidInputFunctionCall(typinput, text, typioparam, -1);
		ModelCursorSettingsPop(nestlevel);
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		/* only to re-raise it at once, with the column named */
		MemoryContextSwitchTo(oldcxt);
		edata = CopyErrorData();
		FlushErrorState();
		ereport(ERROR,
				(errcode(edata->sqlerrcode),
				 errmsg("invalid value for column \"%s\" of table %s: %s",
						colname, relname, edata->message),
				 edata->detail ? errdetail_internal("%s", edata->detail) : 0,
				 edata->hint ? errhint("%s", edata->hint) : 0));
	}
	PG_END_TRY();
	return result;
}

/*
 * orm_ext.model_value_literal(tbl regclass, col name, value jsonb) returns text
 *
 * The JSON value as a SQL literal of the column's type, ready to paste into
 * dynamic SQL: '42'::integer, '{a,b}'::text[], NULL::uuid.  The value is
 * converted (and so validated) here, so a bad value fails with the column in
 * the message instead of in the middle of a generated statement.  The cast
 * names the type without its typmod, so that it cannot truncate; the column's
 * own typmod applies when the value is stored.
 */
Datum
orm_ext_model_value_literal(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Name		colname;
	Oid			typid;
	char	   *relname;
	char	   *text;
	StringInfoData buf;

	colname = ModelTableColumnArgs(fcinfo, &relid, &typid);
	relname = OrmExtQualifiedRelid(relid);

	text = PG_ARGISNULL(2) ? NULL :
		ModelJsonText(PG_GETARG_JSONB_P(2), typid, NameStr(*colname), relname);

	initStringInfo(&buf);
	if (text == NULL)
		appendStringInfoString(&buf, "NULL");
	else
	{
		Oid			typoutput;
		bool		isvarlena;
		Datum		value = ModelInputValue(text, typid, NameStr(*colname), relname);
		int			settings = ModelCursorSettings(typid);
		int			nestlevel;
		char	   *out;

		/*
		 * Printed under the settings that make it read back as itself
		 * whatever the session's are (all digits of a float, a timestamp
		 * with its offset in ISO form, reg* names qualified), except
		 * lc_monetary: money reads back under the session's, so it prints
		 * under it too.  A NULL element of an array prints as NULL, which
		 * array_nulls off would read as the string "NULL": a value of a
		 * type with arrays in it is printed under all the settings and
		 * read back under them by model_cursor_value().
		 */
		getTypeOutputInfo(typid, &typoutput, &isvarlena);
		if (settings & MCS(MCS_ARRAY_NULLS))
		{
			nestlevel = ModelCursorSettingsPush(settings);
			out = OidOutputFunctionCall(typoutput, value);
			ModelCursorSettingsPop(nestlevel);
			appendStringInfo(&buf, "orm_ext.model_cursor_value(%s, NULL::%s)",
							 quote_literal_cstr(out), format_type_be_qualified(typid));
			PG_RETURN_TEXT_P(cstring_to_text(buf.data));
		}
		nestlevel = ModelCursorSettingsPush(settings &
											~MCS(MCS_MONETARY) &
											~MCS(MCS_ARRAY_NULLS));
		out = OidOutputFunctionCall(typoutput, value);
		ModelCursorSettingsPop(nestlevel);
		appendStringInfoString(&buf, quote_literal_cstr(out));
	}
	appendStringInfo(&buf, "::%s", format_type_be_qualified(typid));
	PG_RETURN_TEXT_P(cstring_to_text(buf.data));
}

/*
 * The ~~ (op "like") or ~~* (op "ilike") operator that takes type typid (a
 * domain's base type) on the left and text on the right, looked up in the
 * schema of that type only, as OPERATOR(schema.op) text: citext's own, which
 * ignores case, and character's, which keeps the padding as the column
 * compared in SQL does.  Only an operator owned by the type's owner counts:
 * another role with CREATE on that schema cannot plant one.  NULL for a type
 * without one (varchar): the caller then compares the column's text with
 * pg_catalog's operator.
 */
static text *
ModelLikeOperator(Oid typid, const char *op)
{
	Oid			base = getBaseType(typid);
	HeapTuple	tup;
	Form_pg_type typ;
	Oid			typnamespace;
	Oid			typowner;
	char	   *nspname;
	const char *oprname = strcmp(op, "like") == 0 ? "~~" : "~~*";
	Oid			oproid;
	bool		owned = false;

	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(base));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for type %u", base);
	typ = (Form_pg_type) GETSTRUCT(tup);
	typnamespace = typ->typnamespace;
	typowner = typ->typowner;
	ReleaseSysCache(tup);
	nspname = get_namespace_name(typnamespace);
	if (nspname == NULL)
		return NULL;
	oproid = OpernameGetOprid(list_make2(makeString(nspname),
										 makeString(pstrdup(oprname))),
							  base, TEXTOID);
	if (!OidIsValid(oproid))
		return NULL;
	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(oproid));
	if (HeapTupleIsValid(tup))
	{
		owned = ((Form_pg_operator) GETSTRUCT(tup))->oprowner == typowner;
		ReleaseSysCache(tup);
	}
	if (!owned)
		return NULL;
	return cstring_to_text(psprintf("OPERATOR(%s.%s)",
									quote_identifier(nspname), oprname));
}

/* the value each setting is pinned to */
static const char *const ModelCursorSettingValues[MCS_COUNT][2] = {
	[MCS_DATESTYLE] = {"DateStyle", "ISO, YMD"},
	[MCS_TIMEZONE] = {"TimeZone", "UTC"},
	[MCS_INTERVALSTYLE] = {"IntervalStyle", "postgres"},
	[MCS_FLOAT_DIGITS] = {"extra_float_digits", "1"},
	[MCS_BYTEA_OUTPUT] = {"bytea_output", "hex"},
	[MCS_MONETARY] = {"lc_monetary", "C"},
	[MCS_ARRAY_NULLS] = {"array_nulls", "on"},
	[MCS_SEARCH_PATH] = {"search_path", "pg_catalog, pg_temp"},
};

/*
 * The settings (a mask of MCS bits) that the text of a value of type typid
 * depends on: those of its base type, its elements, fields or subtype.  A
 * type whose input or output function is not built in may depend on any.
 */
int
ModelCursorSettings(Oid typid)
{
	Oid			elemtype;
	Oid			typinput;
	Oid			typoutput;
	Oid			typioparam;
	bool		isvarlena;
	int			result = 0;

	check_stack_depth();
	typid = getBaseType(typid);
	switch (typid)
	{
		case FLOAT4OID:
		case FLOAT8OID:
			return MCS(MCS_FLOAT_DIGITS);
		case DATEOID:
		case TIMEOID:
		case TIMETZOID:
		case TIMESTAMPOID:
			return MCS(MCS_DATESTYLE);
		case TIMESTAMPTZOID:
			return MCS(MCS_DATESTYLE) | MCS(MCS_TIMEZONE);
		case INTERVALOID:
			return MCS(MCS_INTERVALSTYLE);
		case BYTEAOID:
			return MCS(MCS_BYTEA_OUTPUT);
		case CASHOID:
			return MCS(MCS_MONETARY);
		case REGPROCOID:
		case REGPROCEDUREOID:
		case REGOPEROID:
		case REGOPERATOROID:
		case REGCLASSOID:
		case REGTYPEOID:
		case REGCOLLATIONOID:
		case REGCONFIGOID:
		case REGDICTIONARYOID:
		case REGNAMESPACEOID:
		case REGROLEOID:
			return MCS(MCS_SEARCH_PATH);
	}

	elemtype = get_element_type(typid);
	if (OidIsValid(elemtype))
		return MCS(MCS_ARRAY_NULLS) | ModelCursorSettings(elemtype);

	switch (get_typtype(typid))
	{
		case TYPTYPE_COMPOSITE:
			{
				TupleDesc	tupdesc = lookup_rowtype_tupdesc(typid, -1);

				for (int i = 0; i < tupdesc->natts; i++)
				{
					Form_pg_attribute att = TupleDescAttr(tupdesc, i);

					if (!att->attisdropped)
						result |= ModelCursorSettings(att->atttypid);
				}
				ReleaseTupleDesc(tupdesc);
				return result;
			}
		case TYPTYPE_RANGE:
			return ModelCursorSettings(get_range_subtype(typid));
#if PG_VERSION_NUM >= 140000
		case TYPTYPE_MULTIRANGE:
			return ModelCursorSettings(get_multirange_range(typid));
#endif
		case TYPTYPE_ENUM:
			return 0;
		case TYPTYPE_BASE:
			getTypeInputInfo(typid, &typinput, &typioparam);
			getTypeOutputInfo(typid, &typoutput, &isvarlena);
			if (typinput < FirstNormalObjectId && typoutput < FirstNormalObjectId)
				return 0;
			return MCS_ALL;
		default:
			return MCS_ALL;
	}
}

/*
 * Pin the cursor's value of each setting in the mask "settings" (see
 * ModelCursorSettings) that the session has otherwise, until
 * ModelCursorSettingsPop() with the level returned; an error unwinds them.
 */
int
ModelCursorSettingsPush(int settings)
{
	int			nestlevel = -1;

	for (int i = 0; i < MCS_COUNT; i++)
	{
		const char *name = ModelCursorSettingValues[i][0];
		const char *value = ModelCursorSettingValues[i][1];
		const char *current;

		if ((settings & MCS(i)) == 0)
			continue;
		current = GetConfigOption(name, false, false);
		if (current != NULL && strcmp(current, value) == 0)
			continue;
		if (nestlevel < 0)
			nestlevel = NewGUCNestLevel();
		(void) set_config_option(name, value, PGC_USERSET, PGC_S_SESSION,
								 GUC_ACTION_SAVE, true, ERROR, false);
	}
	return nestlevel;
}

void
ModelCursorSettingsPop(int nestlevel)
{
	if (nestlevel >= 0)
		AtEOXact_GUC(true, nestlevel);
}

/*
 * A cursor's value of a column of type typid: its text read as a value of
 * the type's base type, under the cursor's settings, which the caller has
 * pinned.  A domain's checks are left out: the value is only a bound to
 * compare the column with, and a row that a constraint added NOT VALID
 * rejects still ends a page.  Errors name the column, as ModelInputValue()'s.
 */
Datum
ModelCursorValue(char *text, Oid typid, const char *colname,
				 const char *relname)
{
	return ModelInputValue(text, getBaseType(typid), colname, relname);
}

/*
 * orm_ext.model_cursor_value(value text, proto anyelement) returns anyelement
 *
 * A cursor's value, as model_cursor_literal() writes it into a list's SQL:
 * the text read as a value of proto's type under the cursor's settings.
 */
Datum
orm_ext_model_cursor_value(PG_FUNCTION_ARGS)
{
	Oid			typid = get_fn_expr_argtype(fcinfo->flinfo, 1);
	Oid			typinput;
	Oid			typioparam;
	int			nestlevel;
	Datum		result;

	if (!OidIsValid(typid))
		elog(ERROR, "model_cursor_value: could not determine the type of proto");
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	getTypeInputInfo(typid, &typinput, &typioparam);
	nestlevel = ModelCursorSettingsPush(ModelCursorSettings(typid));
	result = OidInputFunctionCall(typinput, text_to_cstring(PG_GETARG_TEXT_PP(0)),
								  typioparam, -1);
	ModelCursorSettingsPop(nestlevel);
	PG_RETURN_DATUM(result);
}

/*
 * orm_ext.model_cursor_literal(tbl regclass, col name, value text) returns text
 *
 * A cursor's value of the column, checked as ModelCursorValue() reads it
 * (a bad one raises its SQLSTATE naming the column), as an expression for
 * dynamic SQL: orm_ext.model_cursor_value('1.5', NULL::double precision).
 * The text is read again when the SQL runs, under the same settings, so it
 * is the same value whatever the session's settings are then.
 */
Datum
orm_ext_model_cursor_literal(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Name		colname;
	Oid			typid;
	char	   *value;
	int			nestlevel;

	colname = ModelTableColumnArgs(fcinfo, &relid, &typid);
	if (PG_ARGISNULL(2))
		PG_RETURN_TEXT_P(cstring_to_text(psprintf("NULL::%s",
												  format_type_be_qualified(getBaseType(typid)))));
	value = text_to_cstring(PG_GETARG_TEXT_PP(2));
	nestlevel = ModelCursorSettingsPush(ModelCursorSettings(typid));
	(void) ModelCursorValue(value, typid, NameStr(*colname),
							OrmExtQualifiedRelid(relid));
	ModelCursorSettingsPop(nestlevel);
	PG_RETURN_TEXT_P(cstring_to_text(psprintf("orm_ext.model_cursor_value(%s, NULL::%s)",
											  quote_literal_cstr(value),
											  format_type_be_qualified(getBaseType(typid)))));
}

/*
 * orm_ext.model_operator(tbl regclass, col name, op text) returns text
 *
 * The operator the mapping layer compares the column with, schema-qualified
 * for dynamic SQL: OPERATOR(pg_catalog.<) for op 'lt' on an integer column.
 * op is one of eq, neq, lt, lte, gt, gte; they come from the default btree
 * operator class of the column's type (so a domain uses its base type's, and
 * citext its own).  A type without one raises 42883.  op like and ilike give
 * ModelLikeOperator's, or NULL.
 */
Datum
orm_ext_model_operator(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Name		colname;
	char	   *op;
	Oid			typid;
	TypeCacheEntry *tce;
	Oid			oproid = InvalidOid;
	HeapTuple	tup;
	Form_pg_operator oper;
	char	   *result;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("table, column and operator must not be null")));
	relid = PG_GETARG_OID(0);
	colname = PG_GETARG_NAME(1);
	op = text_to_cstring(PG_GETARG_TEXT_PP(2));
	ModelColumn(relid, NameStr(*colname), &typid);

	if (strcmp(op, "like") == 0 || strcmp(op, "ilike") == 0)
	{
		text	   *like = ModelLikeOperator(typid, op);

		if (like == NULL)
			PG_RETURN_NULL();
		PG_RETURN_TEXT_P(like);
	}

	tce = lookup_type_cache(typid, TYPECACHE_EQ_OPR | TYPECACHE_BTREE_OPFAMILY);
	if (OidIsValid(tce->btree_opf))
	{
		int			strategy = 0;

		if (strcmp(op, "eq") == 0 || strcmp(op, "neq") == 0)
			strategy = BTEqualStrategyNumber;
		else if (strcmp(op, "lt") == 0)
			strategy = BTLessStrategyNumber;
		else if (strcmp(op, "lte") == 0)
			strategy = BTLessEqualStrategyNumber;
		else if (strcmp(op, "gt") == 0)
			strategy = BTGreaterStrategyNumber;
		else if (strcmp(op, "gte") == 0)
			strategy = BTGreaterEqualStrategyNumber;
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown comparison \"%s\"", op),
					 errhint("Use one of eq, neq, lt, lte, gt, gte, like, ilike.")));
		oproid = get_opfamily_member(tce->btree_opf, tce->btree_opintype,
									 tce->btree_opintype, strategy);
		if (OidIsValid(oproid) && strcmp(op, "neq") == 0)
			oproid = get_negator(oproid);
	}
	if (!OidIsValid(oproid))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("column \"%s\" of table %s cannot be compared with \"%s\"",
						NameStr(*colname), OrmExtQualifiedRelid(relid), op),
				 errdetail("Type %s has no default btree operator class.",
						   format_type_be(typid))));

	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(oproid));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", oproid);
	oper = (Form_pg_operator) GETSTRUCT(tup);
	result = psprintf("OPERATOR(%s.%s)",
					  quote_identifier(get_namespace_name(oper->oprnamespace)),
					  NameStr(oper->oprname));
	ReleaseSysCache(tup);
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

/*
 * orm_ext.model_ddl_command_start() returns event_trigger
 *
 * A registered table's generated functions depend on its row type, so a
 * plain DROP TABLE would fail on them.  Before DROP TABLE runs, this drops
 * the generated functions of every registered table the statement names and
 * the current user owns (for anyone else the DROP fails on its own terms);
 * the sql_drop trigger then removes the registration.
 *
 * Before DROP EXTENSION orm_ext, and DROP SCHEMA orm_ext CASCADE (which drops
 * the extension with it), model_before_drop_extension() refuses while
 * generated functions exist, or drops them under CASCADE: their bodies call
 * orm_ext's functions but record no dependency on them.  Under CASCADE,
 * ledger_before_drop_extension() also drops the ledgers' heads tables, which
 * the cascade would leave behind.  Any other command returns at once.
 */
static void
ModelBeforeDropExtension(DropStmt *stmt)
{
	bool		names_us = false;
	ListCell   *lc;
	Oid			argtypes[1] = {BOOLOID};
	Datum		args[1];
	int			ret;

	foreach(lc, stmt->objects)
	{
		if (strcmp(strVal(lfirst(lc)), "orm_ext") == 0)
			names_us = true;
	}
	if (!names_us)
		return;
	/* DROP SCHEMA orm_ext without CASCADE fails on the extension by itself */
	if (stmt->removeType == OBJECT_SCHEMA && stmt->behavior != DROP_CASCADE)
		return;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "model: SPI_connect failed");
	args[0] = BoolGetDatum(stmt->behavior == DROP_CASCADE);
	/* the models first: without CASCADE they refuse, the ledgers do not */
	ret = SPI_execute_with_args("SELECT orm_ext.model_before_drop_extension($1), "
								"orm_ext.ledger_before_drop_extension($1)",
								1, argtypes, args, NULL, false, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "model: SPI_execute_with_args returned %s",
			 SPI_result_code_string(ret));
	SPI_finish();
}

Datum
orm_ext_model_ddl_command_start(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	DropStmt   *stmt;
	List	   *relids = NIL;
	ListCell   *lc;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model_ddl_command_start() can only be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (trigdata->parsetree == NULL || !IsA(trigdata->parsetree, DropStmt))
		PG_RETURN_VOID();
	stmt = (DropStmt *) trigdata->parsetree;
	if (stmt->removeType == OBJECT_EXTENSION || stmt->removeType == OBJECT_SCHEMA)
	{
		ModelBeforeDropExtension(stmt);
		PG_RETURN_VOID();
	}
	if (stmt->removeType != OBJECT_TABLE)
		PG_RETURN_VOID();

	foreach(lc, stmt->objects)
	{
		RangeVar   *rv = makeRangeVarFromNameList((List *) lfirst(lc));
		Oid			relid = RangeVarGetRelid(rv, NoLock, true);

		if (OidIsValid(relid))
			relids = lappend_oid(relids, relid);
	}
	if (relids == NIL)
		PG_RETURN_VOID();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "model: SPI_connect failed");
	foreach(lc, relids)
	{
		Oid			argtypes[1] = {OIDOID};
		Datum		args[1];
		int			ret;

		args[0] = ObjectIdGetDatum(lfirst_oid(lc));
		ret = SPI_execute_with_args("SELECT orm_ext.model_drop_functions_before_drop($1::pg_catalog.regclass)",
									1, argtypes, args, NULL, false, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "model: SPI_execute_with_args returned %s",
				 SPI_result_code_string(ret));
	}
	SPI_finish();
	PG_RETURN_VOID();
}
