/*-------------------------------------------------------------------------
 *
 * list.c
 *	  The engine of the generated _list functions: the page's SELECT with a
 *	  plan kept per backend for each shape of call.
 *
 * model_list_build() (model.sql) turns a filter document, an order and a
 * cursor into a SELECT.  Written with the values as literals, that SELECT
 * would be parsed and planned on every call, which costs several times what
 * running it does.  So model_list_rows() asks for it with parameters instead
 * (one per value of the filter and the cursor),
 * prepares it once, keeps the plan, and on later calls of the same shape
 * only converts the values and runs it.
 *
 * The shape is everything model_list_build() reads except the values it
 * turns into parameters: the model's metadata (written into the generated
 * function, so it changes when DDL regenerates the function), the filter's
 * keys and operators and the JSON type of each value (a null, or a true or
 * false for is_null, gives other SQL than a number or a string), which
 * elements of an "in" array are null, the order_by, the page size, and the
 * cursor's order and which of its values are null.  A call whose shape was seen before was
 * accepted by model_list_build() with that shape, so only its values can
 * still be wrong; they are converted here with the errors model_list_build()
 * raises (22P02 and the like naming the column, 22023 for a cursor).
 * Everything else -- the first call of a shape, and any call that would
 * fail before its values are looked at -- goes through model_list_build().
 *
 * The server's plan cache plans a kept statement again after DDL on the
 * table and when the role or row security setting changes; the column types
 * the parameters were prepared with are checked on every call.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/tuplestore.h"
#include "utils/typcache.h"

#include "orm_ext.h"
#include "model.h"

PG_FUNCTION_INFO_V1(orm_ext_model_list_rows);
PG_FUNCTION_INFO_V1(orm_ext_model_page_rows);
PG_FUNCTION_INFO_V1(orm_ext_model_page_cursor);

/*
 * At most this many kept statements per backend; calls of further shapes
 * prepare theirs each time.  A kept statement that a column's type change
 * made stale is freed when its shape is kept again, unless a call further
 * up the stack is running it: then the new statement is not kept until that
 * call has returned.
 */
#define MODEL_LIST_CACHE_LIMIT 1024

/* where a parameter's value comes from */
typedef struct ModelListParam
{
	char		kind;			/* 'v': a value of the column's type; 't': text;
								 * 'a': an array of the column's type, from
								 * the non-null values of an "in" list */
	bool		from_cursor;	/* the cursor's values, else the filter */
	char	   *key;			/* filter: the column's key */
	char	   *op;				/* filter: the operator's key, or NULL */
	int			index;			/* an "in" element, a cursor value; or -1 */
	char	   *colname;
	Oid			typid;			/* the type it was prepared with */
	Oid			coltypid;		/* the column's type then */
} ModelListParam;

typedef struct ModelListKey
{
	const char *data;			/* binary; in ModelListContext once entered */
	int			len;
} ModelListKey;

typedef struct ModelListEntry
{
	ModelListKey key;
	SPIPlanPtr	plan;			/* kept */
	Oid			relid;
	char	   *relname;		/* qualified, for messages */
	int			nparams;
	ModelListParam *params;
	Jsonb	   *order_key;		/* [[column, descending], ...] */
	int			running;		/* calls running plan, on the stack */
} ModelListEntry;

static HTAB *ModelListCache = NULL;
static MemoryContext ModelListContext = NULL;

static void ModelListCursorError(const char *model, bool bad_value) pg_attribute_noreturn();

static uint32
ModelListHash(const void *key, Size keysize)
{
	const ModelListKey *k = (const ModelListKey *) key;

	return hash_bytes((const unsigned char *) k->data, k->len);
}

static int
ModelListMatch(const void *key1, const void *key2, Size keysize)
{
	const ModelListKey *a = (const ModelListKey *) key1;
	const ModelListKey *b = (const ModelListKey *) key2;

	if (a->len != b->len)
		return 1;
	return memcmp(a->data, b->data, a->len);
}

static void
ModelListCacheInit(void)
{
	ModelListContext = AllocSetContextCreate(TopMemoryContext,
											 "orm_ext model lists",
											 ALLOCSET_SMALL_SIZES);
	ModelListCache = ModelCacheCreate("orm_ext model lists", 64,
									  sizeof(ModelListKey),
									  sizeof(ModelListEntry),
									  ModelListHash, ModelListMatch,
									  ModelListContext);
}

/*
 * Frees what a kept entry holds, its key apart: the statement, and its
 * parameters, name and order in ModelListContext.
 */
static void
ModelListEntryFree(ModelListEntry *entry)
{
	SPI_freeplan(entry->plan);
	for (int i = 0; i < entry->nparams; i++)
	{
		ModelListParam *p = &entry->params[i];

		pfree(p->colname);
		if (p->key)
			pfree(p->key);
		if (p->op)
			pfree(p->op);
	}
	pfree(entry->params);
	pfree(entry->relname);
	pfree(entry->order_key);
}

/* Runs a kept statement, which is not to be freed while it runs. */
static int
ModelListExecuteKept(ModelListEntry *entry, Datum *values, const char *nulls)
{
	volatile int rc = 0;

	entry->running++;
	PG_TRY();
	{
		rc = SPI_execute_plan(entry->plan, values, nulls, true, 0);
	}
	PG_FINALLY();
	{
		entry->running--;
	}
	PG_END_TRY();
	return rc;
}

static void
KeyAppendInt(StringInfo key, int32 v)
{
	appendBinaryStringInfo(key, (const char *) &v, sizeof(v));
}

static void
KeyAppendString(StringInfo key, const char *s, int len)
{
	KeyAppendInt(key, len);
	appendBinaryStringInfo(key, s, len);
}

/*
 * The type category (pg_type.typcategory) of column "col" as the list's
 * metadata records it, or 0.
 */
static char
ModelListColumnCategory(Jsonb *meta, const char *col, int len)
{
	JsonbValue *cols = getKeyJsonValueFromContainer(&meta->root, "cols", 4, NULL);
	JsonbValue *info;
	JsonbValue *cat;

	if (cols == NULL || cols->type != jbvBinary)
		return 0;
	info = getKeyJsonValueFromContainer(cols->val.binary.data, col, len, NULL);
	if (info == NULL || info->type != jbvBinary)
		return 0;
	cat = getKeyJsonValueFromContainer(info->val.binary.data, "cat", 3, NULL);
	if (cat == NULL || cat->type != jbvString || cat->val.string.len < 1)
		return 0;
	return cat->val.string.val[0];
}

/*
 * Append the shape of a JSON value: its type, and for the filter's top
 * level object (depth 0) and an operator object (depth 1) the keys and the
 * shapes of their values, for an array the null-ness of each element.
 * Booleans are kept ("is_null": true and false give different SQL).  An
 * "in" list of a column that is not an array is one parameter whatever its
 * length (see model_filter_sql), so its shape is just that of a list: col
 * and op are the column (from depth 1) and the operator (at depth 2) above
 * v, with their lengths.
 */
static void
KeyAppendShape(StringInfo key, JsonbValue *v, int depth, Jsonb *meta,
			   const char *col, int collen, const char *op, int oplen)
{
	switch (v->type)
	{
		case jbvNull:
			appendStringInfoChar(key, 'z');
			break;
		case jbvString:
			appendStringInfoChar(key, 's');
			break;
		case jbvNumeric:
			appendStringInfoChar(key, 'n');
			break;
		case jbvBool:
			appendStringInfoChar(key, v->val.boolean ? 't' : 'f');
			break;
		case jbvBinary:
			{
				JsonbContainer *c = v->val.binary.data;
				JsonbIterator *it;
				JsonbValue	elem;
				JsonbIteratorToken tok;

				if (JsonContainerIsArray(c) && depth == 2 &&
					oplen == 2 && memcmp(op, "in", 2) == 0 &&
					ModelListColumnCategory(meta, col, collen) != TYPCATEGORY_ARRAY)
				{
					appendStringInfoString(key, "[a]");
					break;
				}
				if (JsonContainerIsArray(c))
				{
					appendStringInfoChar(key, '[');
					it = JsonbIteratorInit(c);
					while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
						if (tok == WJB_ELEM)
							appendStringInfoChar(key, elem.type == jbvNull ? 'z' : 'v');
					appendStringInfoChar(key, ']');
					break;
				}
				if (depth > 1)
				{
					/* a value (of a json or jsonb column): a parameter */
					appendStringInfoChar(key, 'o');
					break;
				}
				appendStringInfoChar(key, '{');
				it = JsonbIteratorInit(c);
				while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
				{
					if (tok == WJB_KEY)
					{
						KeyAppendString(key, elem.val.string.val, elem.val.string.len);
						if (depth == 0)
						{
							col = pnstrdup(elem.val.string.val, elem.val.string.len);
							collen = elem.val.string.len;
						}
						else
						{
							op = pnstrdup(elem.val.string.val, elem.val.string.len);
							oplen = elem.val.string.len;
						}
					}
					else if (tok == WJB_VALUE)
						KeyAppendShape(key, &elem, depth + 1, meta, col, collen,
									   op, oplen);
				}
				appendStringInfoChar(key, '}');
				break;
			}
		default:
			elog(ERROR, "model: unexpected JSON value type %d", v->type);
	}
}

/*
 * Inside PG_CATCH, in the caller's memory context: replace the error being
 * handled by the cursor's, as model_list_build() reports it ("bad_value":
 * the cursor decoded but holds a value that does not fit its column).  A
 * cancel goes on as it is.
 */
static void
ModelListCursorError(const char *model, bool bad_value)
{
	ErrorData  *edata = CopyErrorData();

	if (edata->sqlerrcode == ERRCODE_QUERY_CANCELED)
		PG_RE_THROW();
	FlushErrorState();
	if (bad_value)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s_list: invalid cursor", model),
				 errdetail("It holds a value that does not fit the column.")));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("%s_list: invalid cursor", model),
			 errdetail("A cursor is valid only with the order_by of the page that returned it."),
			 errhint("Pass the next_cursor of a _page call unchanged, with the same order_by.")));
}

/*
 * The decoded cursor of a page: base64url of the JSON text
 * {"k": key, "o": order} (see ModelListEncodeCursor).  What cannot be
 * decoded is an invalid cursor.
 */
static Jsonb *
ModelListDecodeCursor(text *after, const char *model)
{
	MemoryContext oldcxt = CurrentMemoryContext;
	Jsonb	   *cur = NULL;
	char	   *s = text_to_cstring(after);

	for (char *p = s; *p; p++)
	{
		if (*p == '-')
			*p = '+';
		else if (*p == '_')
			*p = '/';
	}
	PG_TRY();
	{
		Datum		bytes;
		NameData	utf8;

		bytes = DirectFunctionCall2(binary_decode, CStringGetTextDatum(s),
									CStringGetTextDatum("base64"));
		namestrcpy(&utf8, "UTF8");
		cur = DatumGetJsonbP(DirectFunctionCall1(jsonb_in,
												 CStringGetDatum(TextDatumGetCString(DirectFunctionCall2(pg_convert_from,
																										 bytes,
																										 NameGetDatum(&utf8))))));
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(oldcxt);
		ModelListCursorError(model, false);
	}
	PG_END_TRY();
	return cur;
}

/* the model's name in meta, for messages */
static char *
ModelListName(Jsonb *meta)
{
	JsonbValue *v = getKeyJsonValueFromContainer(&meta->root, "model", 5, NULL);

	if (v == NULL || v->type != jbvString)
		return pstrdup("model");
	return pnstrdup(v->val.string.val, v->val.string.len);
}

static char *
JsonbStringDup(JsonbValue *v)
{
	if (v == NULL || v->type != jbvString)
		elog(ERROR, "model: malformed parameter list of a list statement");
	return pnstrdup(v->val.string.val, v->val.string.len);
}

/*
 * Ask model_list_build() for the statement of this call, with parameters:
 * returns the SQL, fills relid and the parameters.  Raises whatever
 * model_list_build() raises for the call.  Inside SPI.
 */
static char *
ModelListBuild(Jsonb *meta, Jsonb *filter, ArrayType *order_by,
			   int32 page_size, text *after, int32 extra,
			   Oid *relid, int *nparams, ModelListParam **params,
			   Jsonb **order_key, MemoryContext cxt)
{
	Oid			argtypes[6] = {JSONBOID, JSONBOID, TEXTARRAYOID, INT4OID,
	TEXTOID, INT4OID};
	Datum		values[6];
	char		nulls[6];
	bool		isnull;
	char	   *sql;
	Jsonb	   *list;
	JsonbIterator *it;
	JsonbValue	v;
	JsonbIteratorToken tok;
	int			n = 0;
	int			rc;

	values[0] = JsonbPGetDatum(meta);
	values[1] = filter ? JsonbPGetDatum(filter) : (Datum) 0;
	values[2] = order_by ? PointerGetDatum(order_by) : (Datum) 0;
	values[3] = Int32GetDatum(page_size);
	values[4] = after ? PointerGetDatum(after) : (Datum) 0;
	values[5] = Int32GetDatum(extra);
	nulls[0] = ' ';
	nulls[1] = filter ? ' ' : 'n';
	nulls[2] = order_by ? ' ' : 'n';
	nulls[3] = ' ';
	nulls[4] = after ? ' ' : 'n';
	nulls[5] = ' ';
	rc = SPI_execute_with_args("SELECT p.relid, p.sql, p.params, p.order_key "
							   "FROM orm_ext.model_list_plan($1, $2, $3, $4, $5, $6) AS p",
							   6, argtypes, values, nulls, true, 1);
	if (rc != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "model: model_list_plan() failed: %s",
			 SPI_result_code_string(rc));
	*relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1, &isnull));
	sql = MemoryContextStrdup(cxt, SPI_getvalue(SPI_tuptable->vals[0],
												SPI_tuptable->tupdesc, 2));
	list = DatumGetJsonbP(SPI_getbinval(SPI_tuptable->vals[0],
										SPI_tuptable->tupdesc, 3, &isnull));
	if (isnull || !JB_ROOT_IS_ARRAY(list))
		elog(ERROR, "model: malformed parameter list of a list statement");
	*order_key = DatumGetJsonbPCopy(SPI_getbinval(SPI_tuptable->vals[0],
												  SPI_tuptable->tupdesc, 4,
												  &isnull));
	if (isnull || !JB_ROOT_IS_ARRAY(*order_key))
		elog(ERROR, "model: malformed order of a list statement");

	*params = MemoryContextAllocZero(cxt, sizeof(ModelListParam) *
									 Max(1, JB_ROOT_COUNT(list)));
	it = JsonbIteratorInit(&list->root);
	while ((tok = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
	{
		ModelListParam *p;
		JsonbContainer *obj;
		JsonbValue *path;
		JsonbValue *kind;
		JsonbValue *e;
		int			plen;
		char	   *source;

		if (tok != WJB_ELEM)
			continue;
		if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
			elog(ERROR, "model: malformed parameter list of a list statement");
		obj = v.val.binary.data;
		p = &(*params)[n++];
		p->index = -1;
		p->colname = MemoryContextStrdup(cxt,
										 JsonbStringDup(getKeyJsonValueFromContainer(obj, "c", 1, NULL)));
		kind = getKeyJsonValueFromContainer(obj, "k", 1, NULL);
		p->kind = JsonbStringDup(kind)[0];
		path = getKeyJsonValueFromContainer(obj, "p", 1, NULL);
		if (path == NULL || path->type != jbvBinary ||
			!JsonContainerIsArray(path->val.binary.data))
			elog(ERROR, "model: malformed parameter list of a list statement");
		plen = JsonContainerSize(path->val.binary.data);
		source = JsonbStringDup(getIthJsonbValueFromContainer(path->val.binary.data, 0));
		p->from_cursor = strcmp(source, "c") == 0;
		for (int i = 1; i < plen; i++)
		{
			e = getIthJsonbValueFromContainer(path->val.binary.data, i);
			if (e != NULL && e->type == jbvNumeric)
				p->index = DatumGetInt32(DirectFunctionCall1(numeric_int4,
															 NumericGetDatum(e->val.numeric)));
			else if (i == 1)
				p->key = MemoryContextStrdup(cxt, JsonbStringDup(e));
			else if (i == 2)
				p->op = MemoryContextStrdup(cxt, JsonbStringDup(e));
		}
		if (p->kind == 't')
			p->typid = p->coltypid = TEXTOID;
		else
		{
			(void) ModelColumn(*relid, p->colname, &p->coltypid);
			p->typid = p->coltypid;
			if (p->kind == 'a')
			{
				p->typid = get_array_type(p->coltypid);
				if (!OidIsValid(p->typid))
					ereport(ERROR,
							(errcode(ERRCODE_UNDEFINED_OBJECT),
							 errmsg("could not find array type for data type %s",
									format_type_be(p->coltypid))));
			}
		}
	}
	*nparams = n;
	return sql;
}

/* the JSON value a parameter takes, or NULL if the call has none there */
static JsonbValue *
ModelListParamValue(ModelListParam *p, Jsonb *filter, JsonbContainer *vals)
{
	JsonbValue *v;

	if (p->from_cursor)
		return vals ? getIthJsonbValueFromContainer(vals, p->index) : NULL;
	v = getKeyJsonValueFromContainer(&filter->root, p->key, strlen(p->key), NULL);
	if (v != NULL && p->op != NULL)
	{
		if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
			return NULL;
		v = getKeyJsonValueFromContainer(v->val.binary.data, p->op,
										 strlen(p->op), NULL);
	}
	if (v != NULL && p->index >= 0)
	{
		if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
			return NULL;
		v = getIthJsonbValueFromContainer(v->val.binary.data, p->index);
	}
	return v;
}

/*
 * An "in" list's parameter: an array of the column's type holding the
 * list's values, JSON nulls left out (they never match).
 */
static Datum
ModelListConvertArray(ModelListParam *p, JsonbValue *v, const char *relname)
{
	ArrayBuildState *astate = initArrayResult(p->coltypid,
											  CurrentMemoryContext, false);
	JsonbIterator *it;
	JsonbValue	elem;
	JsonbIteratorToken tok;

	if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data))
		elog(ERROR, "model: the value of an \"in\" parameter is not an array");
	it = JsonbIteratorInit(v->val.binary.data);
	while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
	{
		char	   *text;

		if (tok != WJB_ELEM || elem.type == jbvNull)
			continue;
		text = ModelJsonText(JsonbValueToJsonb(&elem), p->coltypid,
							 p->colname, relname);
		if (text == NULL)
			continue;
		astate = accumArrayResult(astate,
								  ModelInputValue(text, p->coltypid,
												  p->colname, relname),
								  false, p->coltypid, CurrentMemoryContext);
	}
	return makeArrayResult(astate, CurrentMemoryContext);
}

/* a parameter's value: NULL for a JSON null */
static Datum
ModelListConvert(ModelListParam *p, JsonbValue *v, const char *relname,
				 bool *isnull)
{
	char	   *text;

	if (p->kind == 'a')
	{
		*isnull = false;
		return ModelListConvertArray(p, v, relname);
	}
	if (v->type == jbvNull)
	{
		*isnull = true;
		return (Datum) 0;
	}
	*isnull = false;
	if (p->kind == 't')
		return PointerGetDatum(cstring_to_text(JsonbStringDup(v)));
	text = ModelJsonText(JsonbValueToJsonb(v), p->typid, p->colname, relname);
	if (text == NULL)
	{
		*isnull = true;
		return (Datum) 0;
	}
	return ModelInputValue(text, p->typid, p->colname, relname);
}

/*
 * A cursor's value: a JSON string, the text of a value of the column's type
 * (see ModelListEncodeCursor).  Any error is the cursor's, as
 * model_list_build() reports it.
 */
static Datum
ModelListConvertCursor(ModelListParam *p, JsonbValue *v, const char *relname,
					   Jsonb *meta)
{
	MemoryContext cxt = CurrentMemoryContext;
	Datum		result = (Datum) 0;

	PG_TRY();
	{
		if (v->type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a cursor's value must be a JSON string")));
		result = ModelCursorValue(pnstrdup(v->val.string.val, v->val.string.len),
								  p->typid, p->colname, relname);
	}
	PG_CATCH();
	{
		MemoryContextSwitchTo(cxt);
		ModelListCursorError(ModelListName(meta), true);
	}
	PG_END_TRY();
	return result;
}

/*
 * Run the page's statement for the call in fcinfo (the arguments of
 * model_list_rows), with "extra" rows more than page_size.  Leaves the rows
 * in SPI_tuptable, inside SPI: the caller calls SPI_finish().  Returns the
 * cache entry, or "local" filled in for a statement that is not kept.
 */
static ModelListEntry *
ModelListRun(FunctionCallInfo fcinfo, Oid rowtype, int32 extra,
			 ModelListEntry *local_entry)
{
	Jsonb	   *meta;
	Jsonb	   *filter;
	ArrayType  *order_by;
	text	   *after;
	int32		page_size;
	Jsonb	   *cur = NULL;
	JsonbContainer *vals = NULL;
	StringInfoData key;
	bool		cacheable = true;
	bool		stale = false;
	ModelListEntry *entry = NULL;
	ModelListKey lookup;
	Datum	   *values;
	char	   *nulls;
	int			rc;

	if (!OidIsValid(rowtype) || !type_is_rowtype(rowtype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("model_list_rows: proto must be a table's row type")));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("model_list_rows: meta must not be null")));
	meta = PG_GETARG_JSONB_P(1);
	filter = PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2);
	order_by = PG_ARGISNULL(3) ? NULL : PG_GETARG_ARRAYTYPE_P(3);
	after = PG_ARGISNULL(5) ? NULL : PG_GETARG_TEXT_PP(5);

	/* the checks model_list_build() makes first, in its order */
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s_list: page_size must not be null", ModelListName(meta))));
	page_size = PG_GETARG_INT32(4);
	if (page_size < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s_list: page_size must be at least 1, not %d",
						ModelListName(meta), page_size)));

	/* the shape of the call */
	initStringInfo(&key);
	KeyAppendInt(&key, (int32) rowtype);
	KeyAppendInt(&key, page_size);
	KeyAppendInt(&key, extra);
	KeyAppendString(&key, (const char *) meta, VARSIZE(meta));
	if (filter == NULL || !JB_ROOT_IS_OBJECT(filter))
		cacheable = false;
	else
	{
		JsonbValue	top;

		top.type = jbvBinary;
		top.val.binary.data = &filter->root;
		top.val.binary.len = VARSIZE(filter) - VARHDRSZ;
		KeyAppendShape(&key, &top, 0, meta, NULL, 0, NULL, 0);
	}
	if (order_by == NULL)
		appendStringInfoChar(&key, 'N');
	else if (ARR_NDIM(order_by) > 1 || array_contains_nulls(order_by))
		cacheable = false;
	else
	{
		Datum	   *items;
		int			nitems;

		deconstruct_array(order_by, TEXTOID, -1, false, TYPALIGN_INT,
						  &items, NULL, &nitems);
		KeyAppendInt(&key, nitems);
		for (int i = 0; i < nitems; i++)
			KeyAppendString(&key, VARDATA_ANY(items[i]),
							VARSIZE_ANY_EXHDR(items[i]));
	}
	if (after == NULL)
		appendStringInfoChar(&key, 'N');
	else if (cacheable)
	{
		JsonbValue *o;
		JsonbValue *v;

		cur = ModelListDecodeCursor(after, ModelListName(meta));
		o = JB_ROOT_IS_OBJECT(cur) ?
			getKeyJsonValueFromContainer(&cur->root, "o", 1, NULL) : NULL;
		v = JB_ROOT_IS_OBJECT(cur) ?
			getKeyJsonValueFromContainer(&cur->root, "k", 1, NULL) : NULL;
		if (o == NULL || o->type != jbvBinary ||
			v == NULL || v->type != jbvBinary ||
			!JsonContainerIsArray(v->val.binary.data))
			cacheable = false;
		else
		{
			JsonbIterator *it;
			JsonbValue	elem;
			JsonbIteratorToken tok;
			char	   *otext = JsonbToCString(NULL, o->val.binary.data,
											   o->val.binary.len);

			vals = v->val.binary.data;
			appendStringInfoChar(&key, 'C');
			KeyAppendString(&key, otext, strlen(otext));
			it = JsonbIteratorInit(vals);
			while ((tok = JsonbIteratorNext(&it, &elem, true)) != WJB_DONE)
				if (tok == WJB_ELEM)
					appendStringInfoChar(&key, elem.type == jbvNull ? 'z' : 'v');
		}
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");

	if (cacheable)
	{
		if (ModelListCache == NULL)
			ModelListCacheInit();
		lookup.data = key.data;
		lookup.len = key.len;
		entry = (ModelListEntry *) hash_search(ModelListCache, &lookup,
											   HASH_FIND, NULL);
		/* a column's type changed under the same metadata: build again */
		if (entry != NULL)
		{
			for (int i = 0; i < entry->nparams; i++)
			{
				ModelListParam *p = &entry->params[i];
				Oid			typid = InvalidOid;
				HeapTuple	tup;

				if (p->kind == 't')
					continue;
				tup = SearchSysCacheAttName(entry->relid, p->colname);
				if (HeapTupleIsValid(tup))
				{
					typid = ((Form_pg_attribute) GETSTRUCT(tup))->atttypid;
					ReleaseSysCache(tup);
				}
				if (typid != p->coltypid)
				{
					/* a call further up is running it: leave it be */
					if (entry->running > 0)
						cacheable = false;
					else
						stale = true;
					entry = NULL;
					break;
				}
			}
		}
		/* a full cache takes no new shape, but still renews its own */
		if (entry == NULL && !stale &&
			hash_get_num_entries(ModelListCache) >= MODEL_LIST_CACHE_LIMIT)
			cacheable = false;
	}

	if (entry == NULL)
	{
		MemoryContext cxt = cacheable ? ModelListContext : CurrentMemoryContext;
		char	   *sql;
		Oid		   *argtypes;
		bool		found;

		/* build into "local" first: an error leaves the cache as it was */
		ModelListEntry local;

		memset(&local, 0, sizeof(local));
		sql = ModelListBuild(meta, filter, order_by, page_size, after, extra,
							 &local.relid, &local.nparams, &local.params,
							 &local.order_key, CurrentMemoryContext);
		argtypes = palloc(sizeof(Oid) * Max(1, local.nparams));
		for (int i = 0; i < local.nparams; i++)
			argtypes[i] = local.params[i].typid;
		local.plan = ModelPrepare(sql, local.nparams, argtypes);
		local.relname = OrmExtQualifiedRelid(local.relid);
		if (cacheable)
		{
			ModelListParam *params;

			if (SPI_keepplan(local.plan) != 0)
				elog(ERROR, "SPI_keepplan failed");
			params = MemoryContextAllocZero(cxt, sizeof(ModelListParam) *
											Max(1, local.nparams));
			for (int i = 0; i < local.nparams; i++)
			{
				ModelListParam *src = &local.params[i];

				params[i] = *src;
				params[i].colname = MemoryContextStrdup(cxt, src->colname);
				if (src->key)
					params[i].key = MemoryContextStrdup(cxt, src->key);
				if (src->op)
					params[i].op = MemoryContextStrdup(cxt, src->op);
			}
			local.params = params;
			local.relname = MemoryContextStrdup(cxt, local.relname);
			{
				Jsonb	   *ok = MemoryContextAlloc(cxt, VARSIZE(local.order_key));

				memcpy(ok, local.order_key, VARSIZE(local.order_key));
				local.order_key = ok;
			}
			entry = (ModelListEntry *) hash_search(ModelListCache, &lookup,
												   HASH_ENTER, &found);
			if (!found)
			{
				char	   *data = MemoryContextAlloc(cxt, key.len);

				memcpy(data, key.data, key.len);
				local.key.data = data;
				local.key.len = key.len;
			}
			else
			{
				/* the stale statement this one replaces; nothing runs it */
				Assert(entry->running == 0);
				local.key = entry->key;
				ModelListEntryFree(entry);
			}
			local.running = 0;
			*entry = local;
		}
		else
		{
			*local_entry = local;
			entry = local_entry;
		}

		/* model_list_build() decoded and checked the cursor */
		if (after != NULL && cur == NULL)
		{
			cur = ModelListDecodeCursor(after, ModelListName(meta));
			vals = getKeyJsonValueFromContainer(&cur->root, "k", 1, NULL)->val.binary.data;
		}
	}

	/*
	 * The values: the filter's first, then the cursor's (never null: a null
	 * one is not a parameter), read under the cursor's settings.
	 */
	values = palloc(sizeof(Datum) * Max(1, entry->nparams));
	nulls = palloc(Max(1, entry->nparams));
	for (int pass = 0; pass < 2; pass++)
	{
		int			nestlevel = -1;

		if (pass == 1 && vals != NULL)
		{
			int			settings = 0;

			/*
			 * From the column types as they are now: a composite's new
			 * attribute (ALTER TYPE ... ADD ATTRIBUTE) does not change the
			 * column's type, nor make the statement stale
			 */
			for (int i = 0; i < entry->nparams; i++)
				if (entry->params[i].from_cursor)
					settings |= ModelCursorSettings(entry->params[i].typid);
			nestlevel = ModelCursorSettingsPush(settings);
		}
		for (int i = 0; i < entry->nparams; i++)
		{
			ModelListParam *p = &entry->params[i];
			JsonbValue *v;
			bool		isnull = false;

			if (p->from_cursor != (pass == 1))
				continue;
			v = ModelListParamValue(p, filter, vals);
			if (v == NULL)
				elog(ERROR, "model: the call has no value for parameter $%d", i + 1);
			if (!p->from_cursor)
				values[i] = ModelListConvert(p, v, entry->relname, &isnull);
			else
				values[i] = ModelListConvertCursor(p, v, entry->relname, meta);
			nulls[i] = isnull ? 'n' : ' ';
		}
		ModelCursorSettingsPop(nestlevel);
	}

	if (entry == local_entry)
		rc = SPI_execute_plan(entry->plan, values, nulls, true, 0);
	else
		rc = ModelListExecuteKept(entry, values, nulls);
	if (rc != SPI_OK_SELECT)
		elog(ERROR, "model: the list statement failed: %s",
			 SPI_result_code_string(rc));
	if (SPI_tuptable->tupdesc->natts != 1 ||
		TupleDescAttr(SPI_tuptable->tupdesc, 0)->atttypid != rowtype)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("model_list_rows: proto is not the row type of table %s",
						entry->relname)));
	return entry;
}

/*
 * orm_ext.model_list_rows(proto anyelement, meta jsonb, filter jsonb,
 *						   order_by text[], page_size integer, after text
 *						   [, extra integer]) returns setof anyelement
 *
 * The rows of a _list call (see model_list_build for the arguments), and
 * "extra" rows more than page_size.
 */
Datum
orm_ext_model_list_rows(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			rowtype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	int32		extra = 0;
	ModelListEntry local;
	Tuplestorestate *tupstore;
	TupleDesc	tupdesc;
	MemoryContext oldcxt;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		(rsinfo->allowedModes & SFRM_Materialize) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("model_list_rows: set-valued function called in a context that cannot accept a set")));
	if (PG_NARGS() > 6)
	{
		if (PG_ARGISNULL(6))
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("model_list_rows: extra must not be null")));
		if (PG_GETARG_INT32(6) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model_list_rows: extra must be zero or more")));
		extra = PG_GETARG_INT32(6);
	}
	(void) ModelListRun(fcinfo, rowtype, extra, &local);

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	tupdesc = lookup_rowtype_tupdesc_copy(rowtype, -1);
	tupstore = tuplestore_begin_heap((rsinfo->allowedModes & SFRM_Materialize_Random) != 0,
									 false, work_mem);
	MemoryContextSwitchTo(oldcxt);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		bool		isnull;
		Datum		row = SPI_getbinval(SPI_tuptable->vals[i],
										SPI_tuptable->tupdesc, 1, &isnull);
		HeapTupleHeader td;
		HeapTupleData tuple;

		if (isnull)
			continue;
		td = DatumGetHeapTupleHeader(row);
		tuple.t_len = HeapTupleHeaderGetDatumLength(td);
		ItemPointerSetInvalid(&tuple.t_self);
		tuple.t_tableOid = InvalidOid;
		tuple.t_data = td;
		tuplestore_puttuple(tupstore, &tuple);
	}
	/* a plan that is not kept goes with the rest of the call's SPI memory */
	SPI_finish();

	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = tupstore;
	rsinfo->setDesc = tupdesc;
	return (Datum) 0;
}

/*
 * The cursor of a page whose last row is "row", a value of the table's row
 * type, in the order order_key ([[column, descending], ...]): base64url
 * (with - and _ for + and /) of the UTF-8 JSON text
 *
 *		{"k": [value, ...], "o": order_key}
 *
 * where each value is the row's value of an order column as its type's text
 * output under the cursor's settings (those the columns' types depend on:
 * ModelCursorSettings), or null for SQL NULL.  The text gives back the very
 * value it was made from, which JSON would not: a jsonb null would read as
 * SQL NULL, a float as a number of fewer digits, an array without its
 * bounds, and a composite or hstore value not at all.
 */
static text *
ModelListEncodeCursor(Jsonb *order_key, HeapTupleHeader row)
{
	TupleDesc	tupdesc = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(row),
												 HeapTupleHeaderGetTypMod(row));
	HeapTupleData tuple;
	int			ncols = 0;
	Form_pg_attribute *cols;
	JsonbParseState *state = NULL;
	JsonbValue	jv;
	JsonbValue	pair;
	JsonbIterator *it;
	JsonbIteratorToken tok;
	Jsonb	   *cur;
	int			settings = 0;
	int			nestlevel;
	char	   *json;
	char	   *enc;
	char	   *out;
	char	   *q;

	tuple.t_len = HeapTupleHeaderGetDatumLength(row);
	ItemPointerSetInvalid(&tuple.t_self);
	tuple.t_tableOid = InvalidOid;
	tuple.t_data = row;

	/* the row's attribute of each order column */
	cols = palloc(sizeof(Form_pg_attribute) * Max(1, JB_ROOT_COUNT(order_key)));
	it = JsonbIteratorInit(&order_key->root);
	while ((tok = JsonbIteratorNext(&it, &pair, true)) != WJB_DONE)
	{
		JsonbValue *col;
		Form_pg_attribute att = NULL;

		if (tok != WJB_ELEM)
			continue;
		col = NULL;
		if (pair.type == jbvBinary && JsonContainerIsArray(pair.val.binary.data) &&
			JsonContainerSize(pair.val.binary.data) == 2)
		{
			JsonbValue *desc = getIthJsonbValueFromContainer(pair.val.binary.data, 1);

			if (desc != NULL && desc->type == jbvBool)
				col = getIthJsonbValueFromContainer(pair.val.binary.data, 0);
		}
		if (col == NULL || col->type != jbvString)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("model_page_cursor: order_key must be an array of [column, descending] pairs")));
		for (int i = 0; i < tupdesc->natts; i++)
		{
			Form_pg_attribute a = TupleDescAttr(tupdesc, i);

			if (!a->attisdropped &&
				strlen(NameStr(a->attname)) == (size_t) col->val.string.len &&
				memcmp(NameStr(a->attname), col->val.string.val,
					   col->val.string.len) == 0)
			{
				att = a;
				break;
			}
		}
		if (att == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_COLUMN),
					 errmsg("model_page_cursor: order column \"%.*s\" is not in the row",
							col->val.string.len, col->val.string.val)));
		cols[ncols++] = att;
	}
	for (int i = 0; i < ncols; i++)
		settings |= ModelCursorSettings(cols[i]->atttypid);

	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	jv.type = jbvString;
	jv.val.string.val = "k";
	jv.val.string.len = 1;
	pushJsonbValue(&state, WJB_KEY, &jv);
	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	nestlevel = ModelCursorSettingsPush(settings);
	for (int i = 0; i < ncols; i++)
	{
		bool		isnull;
		Datum		value = heap_getattr(&tuple, cols[i]->attnum, tupdesc, &isnull);

		if (isnull)
			jv.type = jbvNull;
		else
		{
			Oid			typoutput;
			bool		isvarlena;

			getTypeOutputInfo(cols[i]->atttypid, &typoutput, &isvarlena);
			jv.type = jbvString;
			jv.val.string.val = OidOutputFunctionCall(typoutput, value);
			jv.val.string.len = strlen(jv.val.string.val);
		}
		pushJsonbValue(&state, WJB_ELEM, &jv);
	}
	ModelCursorSettingsPop(nestlevel);
	pushJsonbValue(&state, WJB_END_ARRAY, NULL);
	ReleaseTupleDesc(tupdesc);
	jv.type = jbvString;
	jv.val.string.val = "o";
	jv.val.string.len = 1;
	pushJsonbValue(&state, WJB_KEY, &jv);
	jv.type = jbvBinary;
	jv.val.binary.data = &order_key->root;
	jv.val.binary.len = VARSIZE(order_key) - VARHDRSZ;
	pushJsonbValue(&state, WJB_VALUE, &jv);
	cur = JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));

	json = JsonbToCString(NULL, &cur->root, VARSIZE(cur));
	json = pg_server_to_any(json, strlen(json), PG_UTF8);
	enc = TextDatumGetCString(DirectFunctionCall2(binary_encode,
												  PointerGetDatum(cstring_to_text(json)),
												  CStringGetTextDatum("base64")));
	out = palloc(strlen(enc) + 1);
	q = out;
	for (char *p = enc; *p; p++)
	{
		if (*p == '\n')
			continue;
		*q++ = *p == '+' ? '-' : *p == '/' ? '_' : *p;
	}
	*q = '\0';
	return cstring_to_text(out);
}

/*
 * orm_ext.model_page_cursor(order_key jsonb, last anyelement) returns text
 *
 * The cursor of a page whose last row is "last", in the order order_key, as
 * _page gives it; _fetch_many's cursors are made here too, so that they are
 * _page's.
 */
Datum
orm_ext_model_page_cursor(PG_FUNCTION_ARGS)
{
	Oid			rowtype = get_fn_expr_argtype(fcinfo->flinfo, 1);
	Jsonb	   *order_key = PG_GETARG_JSONB_P(0);

	if (!OidIsValid(rowtype) || !type_is_rowtype(rowtype))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("model_page_cursor: last must be a table's row")));
	if (!JB_ROOT_IS_ARRAY(order_key) || JB_ROOT_IS_SCALAR(order_key))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("model_page_cursor: order_key must be a JSON array")));
	PG_RETURN_TEXT_P(ModelListEncodeCursor(order_key, PG_GETARG_HEAPTUPLEHEADER(1)));
}

/*
 * orm_ext.model_page_rows(proto anyelement, meta jsonb, filter jsonb,
 *						   order_by text[], page_size integer, after text)
 *		returns jsonb
 *
 * The engine of the generated _page functions: {"items": [rows as JSON],
 * "next_cursor": text or null}.  It asks for one row more than the page, to
 * know whether there is a next page; the cursor is the last row's (see
 * ModelListEncodeCursor).
 */
Datum
orm_ext_model_page_rows(PG_FUNCTION_ARGS)
{
	Oid			rowtype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	ModelListEntry local;
	ModelListEntry *entry;
	int32		page_size;
	FmgrInfo	to_jsonb;
	JsonbParseState *state = NULL;
	JsonbValue	jv;
	JsonbValue *items;
	Datum		last = (Datum) 0;
	Datum		cursor = (Datum) 0;
	bool		more;
	uint64		n;
	Jsonb	   *result;
	MemoryContext cxt = CurrentMemoryContext;

	entry = ModelListRun(fcinfo, rowtype, 1, &local);
	page_size = PG_GETARG_INT32(4);
	more = SPI_processed > (uint64) page_size;
	n = more ? (uint64) page_size : SPI_processed;

	/* to_jsonb() of the rows, as the SQL function would be called */
	fmgr_info(F_TO_JSONB, &to_jsonb);
	to_jsonb.fn_expr = (Node *) makeFuncExpr(F_TO_JSONB, JSONBOID,
											 list_make1(makeNullConst(rowtype, -1, InvalidOid)),
											 InvalidOid, InvalidOid,
											 COERCE_EXPLICIT_CALL);
	pushJsonbValue(&state, WJB_BEGIN_ARRAY, NULL);
	for (uint64 i = 0; i < n; i++)
	{
		bool		isnull;
		Datum		row = SPI_getbinval(SPI_tuptable->vals[i],
										SPI_tuptable->tupdesc, 1, &isnull);
		Jsonb	   *jb;

		if (isnull)
			continue;
		jb = DatumGetJsonbP(FunctionCall1(&to_jsonb, row));
		jv.type = jbvBinary;
		jv.val.binary.data = &jb->root;
		jv.val.binary.len = VARSIZE(jb) - VARHDRSZ;
		pushJsonbValue(&state, WJB_ELEM, &jv);
		last = row;
	}
	items = pushJsonbValue(&state, WJB_END_ARRAY, NULL);

	if (more && last != (Datum) 0)
		cursor = PointerGetDatum(ModelListEncodeCursor(entry->order_key,
													   DatumGetHeapTupleHeader(last)));

	/* {"items": [...], "next_cursor": ...} */
	state = NULL;
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	jv.type = jbvString;
	jv.val.string.val = "items";
	jv.val.string.len = 5;
	pushJsonbValue(&state, WJB_KEY, &jv);
	{
		Jsonb	   *arr = JsonbValueToJsonb(items);

		jv.type = jbvBinary;
		jv.val.binary.data = &arr->root;
		jv.val.binary.len = VARSIZE(arr) - VARHDRSZ;
		pushJsonbValue(&state, WJB_VALUE, &jv);
	}
	jv.type = jbvString;
	jv.val.string.val = "next_cursor";
	jv.val.string.len = 11;
	pushJsonbValue(&state, WJB_KEY, &jv);
	if (cursor == (Datum) 0)
		jv.type = jbvNull;
	else
	{
		jv.type = jbvString;
		jv.val.string.val = VARDATA_ANY(DatumGetPointer(cursor));
		jv.val.string.len = VARSIZE_ANY_EXHDR(DatumGetPointer(cursor));
	}
	pushJsonbValue(&state, WJB_VALUE, &jv);
	MemoryContextSwitchTo(cxt);
	result = JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, NULL));
	SPI_finish();
	PG_RETURN_JSONB_P(result);
}
