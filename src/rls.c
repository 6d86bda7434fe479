/*-------------------------------------------------------------------------
 *
 * rls.c
 *	  Row-level security helpers: the request context that policies read,
 *	  and the expression analysis behind orm_ext.rls_audit().
 *
 * The request context is a set of custom settings ("app.user_id") that the
 * application sets at the start of each transaction.  set_context() makes
 * them transaction-local, so that a pooled connection never carries one
 * tenant's context into the next transaction; context() reads one back and
 * treats the empty string a finished SET LOCAL leaves behind as unset.
 *
 * The audit helpers take a policy expression as stored in pg_policy and
 * find what makes a policy slow or unindexable: calls that do not depend on
 * the row but are evaluated for every row, and the columns the policy
 * compares with row-independent values.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/ruleutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "orm_ext.h"

PG_FUNCTION_INFO_V1(orm_ext_context);
PG_FUNCTION_INFO_V1(orm_ext_set_context);
PG_FUNCTION_INFO_V1(orm_ext_clear_context);
PG_FUNCTION_INFO_V1(orm_ext_rls_equality_operator);
PG_FUNCTION_INFO_V1(orm_ext_rls_expr_row_calls);
PG_FUNCTION_INFO_V1(orm_ext_rls_expr_hoisted);
PG_FUNCTION_INFO_V1(orm_ext_rls_expr_columns);

/*
 * Context keys are custom settings: "prefix.name".  A key without a dot
 * would name one of the server's own settings (search_path, work_mem, ...),
 * which is not what a request context is for; it raises 22023.  Whether
 * the rest is a valid name is left to the GUC machinery (42602).
 */
static char *
ContextKey(text *key, const char *caller)
{
	char	   *name = text_to_cstring(key);

	if (strchr(name, '.') == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("context key \"%s\" is not a custom setting name", name),
				 errdetail("%s() takes keys of the form \"prefix.name\", such as \"app.user_id\".",
						   caller)));
	return name;
}

/*
 * A transaction-local setting made outside a transaction block ends with
 * the statement that made it.  Say so, with the code the server uses for
 * SET LOCAL in the same place.
 */
static void
WarnIfNoTransactionBlock(const char *caller)
{
	if (!IsTransactionBlock())
		ereport(WARNING,
				(errcode(ERRCODE_NO_ACTIVE_SQL_TRANSACTION),
				 errmsg("%s() called outside a transaction block", caller),
				 errdetail("The change lasts only until the end of the current statement."),
				 errhint("Call it after BEGIN, in the transaction that runs the queries.")));
}

/* set_config(key, value, true), as the SQL function would do it */
static void
SetLocal(char *key, const char *value)
{
	DirectFunctionCall3(set_config_by_name,
						CStringGetTextDatum(key),
						CStringGetTextDatum(value),
						BoolGetDatum(true));
}

/*
 * orm_ext.context(key text) returns text
 *
 * The value of a request context key, or NULL when it is unset or empty.
 * After a transaction-local setting ends, PostgreSQL leaves the key defined
 * with the value '' for the rest of the session; that counts as unset, so a
 * policy comparing with it matches nothing instead of failing on a cast.
 */
Datum
orm_ext_context(PG_FUNCTION_ARGS)
{
	char	   *name = ContextKey(PG_GETARG_TEXT_PP(0), "context");
	const char *value;

	/* missing_ok; settings the caller may not read raise 42501 */
	value = GetConfigOption(name, true, true);
	if (value == NULL || value[0] == '\0')
		PG_RETURN_NULL();
	PG_RETURN_TEXT_P(cstring_to_text(value));
}

/*
 * orm_ext.set_context(key text, value text) returns void
 *
 * Sets a request context key for the rest of the current transaction.  A
 * NULL value clears it.
 */
Datum
orm_ext_set_context(PG_FUNCTION_ARGS)
{
	char	   *name;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("context key must not be null")));
	name = ContextKey(PG_GETARG_TEXT_PP(0), "set_context");
	WarnIfNoTransactionBlock("set_context");
	SetLocal(name, PG_ARGISNULL(1) ? "" : text_to_cstring(PG_GETARG_TEXT_PP(1)));
	PG_RETURN_VOID();
}

/*
 * orm_ext.clear_context(key text) returns void
 *
 * Unsets a request context key for the rest of the current transaction.
 */
Datum
orm_ext_clear_context(PG_FUNCTION_ARGS)
{
	char	   *name;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("context key must not be null")));
	name = ContextKey(PG_GETARG_TEXT_PP(0), "clear_context");
	WarnIfNoTransactionBlock("clear_context");
	SetLocal(name, "");
	PG_RETURN_VOID();
}

/*
 * orm_ext.rls_equality_operator(t regtype) returns text
 *
 * The equality operator of t's default btree operator class, as
 * OPERATOR(schema.=), for building policies whose meaning does not depend
 * on anyone's search_path.  Domains, binary-coercible types (varchar) and
 * polymorphic classes (enums) resolve the way the server resolves them for
 * an index.  A type with no btree equality raises 42883.
 */
Datum
orm_ext_rls_equality_operator(PG_FUNCTION_ARGS)
{
	Oid			type = PG_GETARG_OID(0);
	TypeCacheEntry *tce;
	HeapTuple	tup;
	Form_pg_operator op;
	char	   *result;

	if (!SearchSysCacheExists1(TYPEOID, ObjectIdGetDatum(type)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("type with OID %u does not exist", type)));

	tce = lookup_type_cache(type, TYPECACHE_EQ_OPR);
	if (!OidIsValid(tce->eq_opr))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("type %s has no default btree equality operator",
						format_type_be(type)),
				 errhint("A tenant column needs a type that can be compared with = and indexed with btree.")));

	tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(tce->eq_opr));
	if (!HeapTupleIsValid(tup))
		elog(ERROR, "cache lookup failed for operator %u", tce->eq_opr);
	op = (Form_pg_operator) GETSTRUCT(tup);
	result = psprintf("OPERATOR(%s.%s)",
					  quote_identifier(get_namespace_name(op->oprnamespace)),
					  NameStr(op->oprname));
	ReleaseSysCache(tup);
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

/*-------------------------------------------------------------------------
 * Policy expression analysis
 *
 * A policy's USING and WITH CHECK expressions are stored in pg_policy as
 * parse trees (pg_node_tree).  A sub-expression that reads no column of the
 * row but calls a function that is neither immutable nor leakproof, such as
 * current_setting('app.user_id')::int or auth.uid(), is evaluated again for
 * every row the policy filters.  Wrapped in a sub-select, the planner runs
 * it once per statement as an InitPlan and can use it as an index key.
 *-------------------------------------------------------------------------
 */

/* Parameter numbers that stand in for hoisted calls while deparsing */
#define HOIST_PARAM_BASE	900000000

typedef struct HoistContext
{
	Oid			relid;
	List	   *dpcontext;
	List	   *calls;			/* deparsed text of each hoisted call */
} HoistContext;

/*
 * true when the tree reads a column of the row, holds a sub-select, or reads
 * the value a CASE or an array coercion is working on (CaseTestExpr: that
 * value comes from the enclosing expression, which may be the row's)
 */
static bool
row_dependent_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var) || IsA(node, SubLink) || IsA(node, CaseTestExpr))
		return true;
	return expression_tree_walker(node, row_dependent_walker, context);
}

/*
 * true when the tree reads a column of the row outside any sub-select (an
 * uncorrelated sub-select is one value per statement)
 */
static bool
row_var_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
		return ((Var *) node)->varlevelsup == 0;
	if (IsA(node, SubLink))
		return row_var_walker(((SubLink *) node)->testexpr, context);
	return expression_tree_walker(node, row_var_walker, context);
}

static bool
per_row_function_checker(Oid funcid, void *context)
{
	return func_volatile(funcid) != PROVOLATILE_IMMUTABLE &&
		!get_func_leakproof(funcid);
}

/* true when the tree calls a function that is neither immutable nor leakproof */
static bool
per_row_function_walker(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
		return false;
	if (check_functions_in_node(node, per_row_function_checker, context))
		return true;
	return expression_tree_walker(node, per_row_function_walker, context);
}

/*
 * A volatile call is left where it is: run once per statement instead of
 * once per row, random() or nextval() would mean something else.
 */
static bool
IsHoistable(Node *node)
{
	if (IsA(node, Const) || IsA(node, Param))
		return false;
	return !row_dependent_walker(node, NULL) &&
		per_row_function_walker(node, NULL) &&
		!contain_volatile_functions(node);
}

/*
 * Replaces each outermost hoistable sub-expression by a numbered Param and
 * remembers its deparsed text.  Sub-selects are left alone: they are
 * already evaluated apart from the row (or are correlated, and then cannot
 * be hoisted at all).
 */
static Node *
hoist_mutator(Node *node, HoistContext *ctx)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, SubLink))
		return node;

	/*
	 * The mutator also visits parts that are not expressions of their own:
	 * the lists of a row comparison, of subscripts or of xmlattributes, and
	 * the WHEN arms of a CASE.  Only what they hold can be hoisted.
	 */
	if (IsA(node, List) || IsA(node, CaseWhen))
		return expression_tree_mutator(node, hoist_mutator, ctx);
	if (IsHoistable(node))
	{
		Param	   *param = makeNode(Param);

		ctx->calls = lappend(ctx->calls,
							 deparse_expression(node, ctx->dpcontext, false, false));
		param->paramkind = PARAM_EXTERN;
		param->paramid = HOIST_PARAM_BASE + list_length(ctx->calls);
		param->paramtype = exprType(node);
		param->paramtypmod = exprTypmod(node);
		param->paramcollid = exprCollation(node);
		param->location = -1;
		return (Node *) param;
	}
	return expression_tree_mutator(node, hoist_mutator, ctx);
}

/*
 * Every column the expression reads must be a column of relation relid, as
 * in the policies of that relation; anything else is not its expression.
 */
static bool
foreign_var_walker(Node *node, Oid *relid)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var))
	{
		Var		   *var = (Var *) node;

		if (var->varlevelsup == 0 &&
			(var->varno != 1 ||
			 (var->varattno > 0 &&
			  get_attname(*relid, var->varattno, true) == NULL)))
			return true;
		return false;
	}
	if (IsA(node, SubLink))
		return foreign_var_walker(((SubLink *) node)->testexpr, relid);
	return expression_tree_walker(node, foreign_var_walker, relid);
}

/*
 * A stored policy expression of table relid, read back into a tree.  Only
 * expressions are accepted: a list (index expressions, argument defaults) or
 * a query tree (a rule's action) from another catalog raises 22023, and so
 * does an expression that reads a column relid does not have.  (Another
 * table's expression whose columns happen to exist in relid cannot be told
 * apart; the audit always passes polqual with its own polrelid.)
 */
static Node *
ReadPolicyExpr(text *exprtext, Oid relid)
{
	Node	   *expr;
	char		relkind = get_rel_relkind(relid);

	if (relkind == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", relid)));
	if (relkind != RELKIND_RELATION && relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("%s is not a table", OrmExtQualifiedRelid(relid)),
				 errdetail("Only tables have row level security policies.")));
	expr = stringToNode(text_to_cstring(exprtext));
	if (expr == NULL || IsA(expr, List) || IsA(expr, Query) ||
		foreign_var_walker(expr, &relid))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("not an expression over relation %s",
						OrmExtQualifiedRelid(relid)),
				 errdetail("Pass a policy's polqual or polwithcheck from pg_policy with its polrelid.")));
	return expr;
}

/*
 * Reads a stored policy expression of relation relid and hoists it.  Returns
 * the mutated tree; ctx->calls lists what was hoisted.
 */
static Node *
HoistPolicyExpr(text *exprtext, Oid relid, HoistContext *ctx)
{
	Node	   *expr = ReadPolicyExpr(exprtext, relid);

	ctx->relid = relid;
	ctx->dpcontext = deparse_context_for(get_rel_name(relid), relid);
	ctx->calls = NIL;
	return hoist_mutator(expr, ctx);
}

static ArrayType *
TextListToArray(List *items)
{
	Datum	   *elems = palloc(sizeof(Datum) * Max(list_length(items), 1));
	ListCell   *lc;
	int			n = 0;

	foreach(lc, items)
		elems[n++] = CStringGetTextDatum((char *) lfirst(lc));
	return construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT);
}

/*
 * orm_ext.rls_expr_row_calls(expr pg_node_tree, rel regclass) returns text[]
 *
 * The row-independent, non-immutable, non-leakproof calls of a policy
 * expression that are evaluated per row: empty when there are none.
 */
Datum
orm_ext_rls_expr_row_calls(PG_FUNCTION_ARGS)
{
	HoistContext ctx;

	(void) HoistPolicyExpr(PG_GETARG_TEXT_PP(0), PG_GETARG_OID(1), &ctx);
	PG_RETURN_ARRAYTYPE_P(TextListToArray(ctx.calls));
}

/*
 * orm_ext.rls_expr_hoisted(expr pg_node_tree, rel regclass) returns text
 *
 * The policy expression with each of those calls wrapped in a sub-select,
 * ready for ALTER POLICY; NULL when there is nothing to wrap.
 */
Datum
orm_ext_rls_expr_hoisted(PG_FUNCTION_ARGS)
{
	HoistContext ctx;
	Node	   *hoisted;
	char	   *result;
	StringInfoData buf;
	int			i;

	hoisted = HoistPolicyExpr(PG_GETARG_TEXT_PP(0), PG_GETARG_OID(1), &ctx);
	if (ctx.calls == NIL)
		PG_RETURN_NULL();

	result = deparse_expression(hoisted, ctx.dpcontext, false, false);

	/* put each call back, inside a sub-select, where its Param stands */
	for (i = 1; i <= list_length(ctx.calls); i++)
	{
		char	   *marker = psprintf("$%d", HOIST_PARAM_BASE + i);
		char	   *at = strstr(result, marker);

		/*
		 * The marker must appear exactly once; anything else (a literal that
		 * happens to contain it) means the text cannot be rebuilt safely.
		 */
		if (at == NULL || strstr(at + strlen(marker), marker) != NULL)
			PG_RETURN_NULL();

		initStringInfo(&buf);
		appendBinaryStringInfo(&buf, result, at - result);
		appendStringInfo(&buf, "(SELECT %s)", (char *) list_nth(ctx.calls, i - 1));
		appendStringInfoString(&buf, at + strlen(marker));
		result = buf.data;
	}
	PG_RETURN_TEXT_P(cstring_to_text(result));
}

typedef struct ColumnsContext
{
	Oid			relid;
	List	   *columns;		/* char * attribute names, no duplicates */
} ColumnsContext;

static Var *
StripToVar(Node *node)
{
	while (node && IsA(node, RelabelType))
		node = (Node *) ((RelabelType *) node)->arg;
	if (node && IsA(node, Var) && ((Var *) node)->varlevelsup == 0 &&
		((Var *) node)->varattno > 0)
		return (Var *) node;
	return NULL;
}

static void
NoteColumn(ColumnsContext *ctx, Var *var)
{
	char	   *name = get_attname(ctx->relid, var->varattno, false);
	ListCell   *lc;

	foreach(lc, ctx->columns)
		if (strcmp((char *) lfirst(lc), name) == 0)
			return;
	ctx->columns = lappend(ctx->columns, name);
}

/*
 * A two-argument comparison: one side a column, the other row-independent
 * and not volatile (a volatile value is computed per row, never an index
 * condition).
 */
static void
NoteComparison(ColumnsContext *ctx, List *args)
{
	Var		   *left;
	Var		   *right;

	if (list_length(args) != 2)
		return;
	left = StripToVar(linitial(args));
	right = StripToVar(lsecond(args));
	if (left && !row_var_walker(lsecond(args), NULL) &&
		!contain_volatile_functions(lsecond(args)))
		NoteColumn(ctx, left);
	else if (right && !row_var_walker(linitial(args), NULL) &&
			 !contain_volatile_functions(linitial(args)))
		NoteColumn(ctx, right);
}

static bool
columns_walker(Node *node, ColumnsContext *ctx)
{
	if (node == NULL)
		return false;
	if (IsA(node, SubLink))
	{
		/* col = (SELECT ...) is a comparison with a row-independent value */
		return false;
	}
	if (IsA(node, OpExpr))
		NoteComparison(ctx, ((OpExpr *) node)->args);
	else if (IsA(node, ScalarArrayOpExpr))
		NoteComparison(ctx, ((ScalarArrayOpExpr *) node)->args);
	return expression_tree_walker(node, columns_walker, ctx);
}

/*
 * orm_ext.rls_expr_columns(expr pg_node_tree, rel regclass) returns text[]
 *
 * The columns a policy expression compares with values that do not depend
 * on the row (tenant_id = (SELECT ...), owner = current_user): the columns
 * an index must lead with for the policy to be an index condition.
 */
Datum
orm_ext_rls_expr_columns(PG_FUNCTION_ARGS)
{
	ColumnsContext ctx;
	Node	   *expr;

	ctx.relid = PG_GETARG_OID(1);
	ctx.columns = NIL;
	expr = ReadPolicyExpr(PG_GETARG_TEXT_PP(0), ctx.relid);
	(void) columns_walker(expr, &ctx);
	PG_RETURN_ARRAYTYPE_P(TextListToArray(ctx.columns));
}
