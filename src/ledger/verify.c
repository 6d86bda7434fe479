/*-------------------------------------------------------------------------
 *
 * verify.c
 *	  ledger_verify() and ledger_digest().
 *
 * ledger_verify() reads the ledger once, in (account, seq) order, next to
 * the heads table in account order, both under the calling statement's
 * snapshot, and checks for every account:
 *	- seq runs 1, 2, 3, ... without gaps;
 *	- every balance is the previous balance plus the amount;
 *	- with the hash chain, every hash is the hash of the previous one and of
 *	  the entry's columns (config.c, LedgerRowHash);
 *	- the head agrees with the last entry;
 *	- given a digest, the entry at each digested head is the digested one.
 * It keeps one account's state at a time and fetches in batches, so memory
 * stays flat; the sort, when no index provides the order, spills to disk.
 *
 * A digest is a JSON object listing each account's head (seq, balance and,
 * with the hash chain, hash) plus a root hash over that list.  Stored away
 * from the database, it lets ledger_verify() prove later that the entries it
 * covers were not rewritten, even by someone who recomputed every hash.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "orm_ext.h"
#include "ledger.h"

PG_FUNCTION_INFO_V1(orm_ext_ledger_verify);
PG_FUNCTION_INFO_V1(orm_ext_ledger_digest);

#define LEDGER_FETCH	1000

/* a cursor read in batches */
typedef struct LedgerStream
{
	Portal		portal;
	SPITupleTable *batch;
	uint64		pos;
	uint64		n;
	bool		done;
} LedgerStream;

/* one head of a digest */
typedef struct DigestHead
{
	int64		seq;
	char	   *balance;
	bool		has_hash;
	uint8		hash[LEDGER_HASH_LEN];
	bool		seen;
} DigestHead;

typedef struct VerifyState
{
	LedgerConfig *cfg;
	Tuplestorestate *out;
	TupleDesc	outdesc;
	HTAB	   *digest;			/* account text -> DigestHead, or NULL */
	Size		digest_keysize;
} VerifyState;

static HeapTuple
LedgerStreamCurrent(LedgerStream *s)
{
	if (s->done)
		return NULL;
	if (s->batch == NULL || s->pos >= s->n)
	{
		if (s->batch != NULL)
			SPI_freetuptable(s->batch);
		SPI_cursor_fetch(s->portal, true, LEDGER_FETCH);
		s->batch = SPI_tuptable;
		s->n = SPI_processed;
		s->pos = 0;
		if (s->n == 0)
		{
			s->done = true;
			return NULL;
		}
	}
	return s->batch->vals[s->pos];
}

static void
Report(VerifyState *st, const char *account, const char *entry,
	   const char *problem)
{
	Datum		values[3];
	bool		nulls[3] = {account == NULL, entry == NULL, false};

	values[0] = account ? CStringGetTextDatum(account) : (Datum) 0;
	values[1] = entry ? CStringGetTextDatum(entry) : (Datum) 0;
	values[2] = CStringGetTextDatum(problem);
	tuplestore_putvalues(st->out, st->outdesc, values, nulls);
}

static char *
Int64Text(int64 v)
{
	return psprintf(INT64_FORMAT, v);
}

static char *
HexText(const uint8 *bytes, int len)
{
	char	   *s = palloc(len * 2 + 1);

	for (int i = 0; i < len; i++)
		sprintf(s + i * 2, "%02x", bytes[i]);
	return s;
}

static bool
HexParse(const char *hex, uint8 *out, int len)
{
	if (hex == NULL || strlen(hex) != (size_t) len * 2)
		return false;
	for (int i = 0; i < len; i++)
	{
		unsigned int b;

		if (!isxdigit((unsigned char) hex[i * 2]) ||
			!isxdigit((unsigned char) hex[i * 2 + 1]) ||
			sscanf(hex + i * 2, "%2x", &b) != 1)
			return false;
		out[i] = (uint8) b;
	}
	return true;
}

static char *
NumericText(Datum n)
{
	return DatumGetCString(DirectFunctionCall1(numeric_out, n));
}

/*
 * previous balance + amount, as the trigger computes it, but never failing:
 * integers are added as numeric, and numeric results are rounded to the
 * column's scale instead of being checked against its precision.
 */
static Datum
ExpectedBalance(LedgerConfig *cfg, Datum prev, Datum amount)
{
	Datum		r = DirectFunctionCall2(numeric_add, prev,
										LedgerToNumeric(amount, cfg->amount_type));

	if (cfg->arith == LEDGER_ARITH_NUMERIC && cfg->balance_typmod >= (int32) VARHDRSZ)
	{
		/*
		 * The scale is the low 11 bits of the typmod, signed: PostgreSQL 15
		 * accepts a negative scale (numeric(10, -2) rounds to hundreds), and
		 * earlier versions' scales of 0 to 1000 read the same way.
		 */
		int32		scale = ((((cfg->balance_typmod - VARHDRSZ) & 0x7ff) ^ 1024) - 1024);

		r = DirectFunctionCall2(numeric_round, r, Int32GetDatum(scale));
	}
	return r;
}

static void
ShaUpdateText(LedgerSha *sha, const char *s)
{
	uint32		len = s ? strlen(s) : 0xFFFFFFFF;
	uint8		lenbuf[4] = {(len >> 24) & 0xFF, (len >> 16) & 0xFF,
	(len >> 8) & 0xFF, len & 0xFF};

	LedgerShaUpdate(sha, lenbuf, 4);
	if (s)
		LedgerShaUpdate(sha, s, strlen(s));
}

/*
 * The root hash of a digest: SHA-256 over its heads in list order, each as
 * account text, seq (8 bytes big-endian), balance text and hash (32 bytes,
 * or nothing without the hash chain); texts are length-prefixed.
 */
typedef struct RootHash
{
	LedgerSha	sha;
} RootHash;

static void
RootHashBegin(RootHash *rh)
{
	LedgerShaInit(&rh->sha);
	ShaUpdateText(&rh->sha, "orm_ext ledger digest v1");
}

static void
RootHashAdd(RootHash *rh, const char *account, int64 seq, const char *balance,
			const uint8 *hash)
{
	uint8		seqbuf[8];

	for (int i = 0; i < 8; i++)
		seqbuf[i] = (uint8) (((uint64) seq) >> (56 - 8 * i));
	ShaUpdateText(&rh->sha, account);
	LedgerShaUpdate(&rh->sha, seqbuf, 8);
	ShaUpdateText(&rh->sha, balance);
	if (hash)
		LedgerShaUpdate(&rh->sha, hash, LEDGER_HASH_LEN);
}

static char *
RootHashEnd(RootHash *rh)
{
	uint8		root[LEDGER_HASH_LEN];

	LedgerShaFinal(&rh->sha, root);
	LedgerShaFree(&rh->sha);
	return HexText(root, LEDGER_HASH_LEN);
}

static void
BadDigest(const char *why)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("digest is not an orm_ext ledger digest"),
			 errdetail("%s", why),
			 errhint("Pass the value orm_ext.ledger_digest() returned.")));
}

static DigestHead *
DigestLookup(VerifyState *st, const char *account)
{
	char	   *key;
	char	   *entry;

	if (st->digest == NULL || strlen(account) >= st->digest_keysize)
		return NULL;
	key = palloc0(st->digest_keysize);
	strcpy(key, account);
	entry = hash_search(st->digest, key, HASH_FIND, NULL);
	return entry ? (DigestHead *) (entry + MAXALIGN(st->digest_keysize)) : NULL;
}

/*
 * Load a digest: check its shape and its root, and index its heads by
 * account text.  Runs inside the SPI connection.
 */
static void
LoadDigest(VerifyState *st, Jsonb *digest, const char *relname)
{
	Oid			types[1] = {JSONBOID};
	Datum		args[1] = {JsonbPGetDatum(digest)};
	int			ret;
	SPITupleTable *tt;
	uint64		n;
	Size		maxlen = 1;
	HASHCTL		ctl;
	RootHash	rh;
	char	   *root;
	char	   *given_root;
	char	   *given_ledger;
	bool		hash_chain;

	if (!JB_ROOT_IS_OBJECT(digest))
		BadDigest("It is not a JSON object.");
	ret = SPI_execute_with_args("SELECT $1 OPERATOR(pg_catalog.->>) 'root', "
								"$1 OPERATOR(pg_catalog.->>) 'ledger', "
								"pg_catalog.jsonb_typeof($1 OPERATOR(pg_catalog.->) 'heads'), "
								"($1 OPERATOR(pg_catalog.->>) 'hash_chain'), "
								"$1 OPERATOR(pg_catalog.->>) 'algorithm'",
								1, types, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "orm_ext: reading the digest failed");
	given_root = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	given_ledger = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2);
	{
		uint8		rootbytes[LEDGER_HASH_LEN];
		char	   *algorithm = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5);

		if (!HexParse(given_root, rootbytes, LEDGER_HASH_LEN))
			BadDigest("Its \"root\" is not 64 hex digits.");
		if (algorithm == NULL || strcmp(algorithm, "sha256") != 0)
			BadDigest("Its \"algorithm\" is not \"sha256\".");
	}
	{
		char	   *t = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3);
		char	   *hc = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4);

		if (t == NULL || strcmp(t, "array") != 0)
			BadDigest("Its \"heads\" is not an array.");
		if (hc == NULL || (strcmp(hc, "true") != 0 && strcmp(hc, "false") != 0))
			BadDigest("Its \"hash_chain\" is not a boolean.");
		hash_chain = strcmp(hc, "true") == 0;
	}
	if (hash_chain != st->cfg->hash_chain)
		BadDigest(hash_chain ? "It was taken of a ledger with a hash chain." :
				  "It was taken of a ledger without a hash chain.");
	if (given_ledger == NULL || strcmp(given_ledger, relname) != 0)
		Report(st, NULL, NULL,
			   psprintf("the digest was taken of ledger %s",
						given_ledger ? given_ledger : "(unnamed)"));

	ret = SPI_execute_with_args("SELECT h OPERATOR(pg_catalog.->>) 'account', "
								"h OPERATOR(pg_catalog.->>) 'seq', "
								"h OPERATOR(pg_catalog.->>) 'balance', "
								"h OPERATOR(pg_catalog.->>) 'hash', "
								"pg_catalog.jsonb_typeof(h OPERATOR(pg_catalog.->) 'balance') "
								"FROM pg_catalog.jsonb_array_elements($1 OPERATOR(pg_catalog.->) 'heads') "
								"WITH ORDINALITY AS e(h, ord) ORDER BY e.ord",
								1, types, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		BadDigest("Its heads are not objects.");
	tt = SPI_tuptable;
	n = SPI_processed;

	for (uint64 i = 0; i < n; i++)
	{
		char	   *a = SPI_getvalue(tt->vals[i], tt->tupdesc, 1);

		if (a == NULL)
			BadDigest("A head has no \"account\".");
		maxlen = Max(maxlen, strlen(a) + 1);
	}
	st->digest_keysize = maxlen;
	ctl.keysize = maxlen;
	ctl.entrysize = MAXALIGN(maxlen) + sizeof(DigestHead);
	ctl.hcxt = CurrentMemoryContext;
	st->digest = hash_create("orm_ext ledger digest", Max(n, 16), &ctl,
							 HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);

	RootHashBegin(&rh);
	for (uint64 i = 0; i < n; i++)
	{
		char	   *a = SPI_getvalue(tt->vals[i], tt->tupdesc, 1);
		char	   *seqtext = SPI_getvalue(tt->vals[i], tt->tupdesc, 2);
		char	   *bal = SPI_getvalue(tt->vals[i], tt->tupdesc, 3);
		char	   *hash = SPI_getvalue(tt->vals[i], tt->tupdesc, 4);
		char	   *key = palloc0(maxlen);
		char	   *endp;
		bool		found;
		char	   *entry;
		DigestHead *dh;
		int64		seq;

		char	   *baltype = SPI_getvalue(tt->vals[i], tt->tupdesc, 5);

		if (seqtext == NULL || bal == NULL)
			BadDigest("A head has no \"seq\" or no \"balance\".");
		if (strcmp(baltype, "number") != 0 &&
			!(strcmp(baltype, "string") == 0 &&
			  (strcmp(bal, "NaN") == 0 || strcmp(bal, "Infinity") == 0 ||
			   strcmp(bal, "-Infinity") == 0)))
			BadDigest("A head's \"balance\" is not a number.");
		errno = 0;
		seq = strtoi64(seqtext, &endp, 10);
		if (errno != 0 || *endp != '\0' || seq < 1)
			BadDigest("A head's \"seq\" is not a positive integer.");
		strcpy(key, a);
		entry = hash_search(st->digest, key, HASH_ENTER, &found);
		if (found)
			BadDigest(psprintf("Account %s appears twice.", a));
		dh = (DigestHead *) (entry + MAXALIGN(maxlen));
		dh->seq = seq;
		dh->balance = bal;
		dh->seen = false;
		dh->has_hash = false;
		if (hash_chain)
		{
			if (!HexParse(hash, dh->hash, LEDGER_HASH_LEN))
				BadDigest("A head's \"hash\" is not 64 hex digits.");
			dh->has_hash = true;
		}
		RootHashAdd(&rh, a, seq, bal, dh->has_hash ? dh->hash : NULL);
	}
	root = RootHashEnd(&rh);
	if (pg_strcasecmp(root, given_root) != 0)
		Report(st, NULL, NULL,
			   "the digest's root hash does not match its heads: the digest itself was altered");
}

/* what verify knows about the account it is reading */
typedef struct AccountState
{
	char	   *account;		/* text form */
	bool		started;
	int64		seq;
	Datum		balance;		/* numeric */
	bool		has_hash;
	uint8		hash[LEDGER_HASH_LEN];
	DigestHead *digest;
} AccountState;

/* Check one entry against its account's running state. */
static void
CheckEntry(VerifyState *st, AccountState *as, HeapTuple tup, TupleDesc desc,
		   int *colmap)
{
	LedgerConfig *cfg = st->cfg;
	bool		isnull;
	Datum		seqd = SPI_getbinval(tup, desc, 2, &isnull);
	int64		seq = isnull ? 0 : DatumGetInt64(seqd);
	Datum		amount = SPI_getbinval(tup, desc, 3, &isnull);
	bool		amount_null = isnull;
	Datum		balance_raw = SPI_getbinval(tup, desc, 4, &isnull);
	bool		balance_null = isnull;
	Datum		balance = balance_null ? (Datum) 0 :
		LedgerToNumeric(balance_raw, cfg->balance_type);
	char	   *entry = Int64Text(seq);
	bool		linked = true;
	uint8		stored_hash[LEDGER_HASH_LEN];
	bool		has_stored_hash = false;

	if (seq != as->seq + 1)
	{
		linked = false;
		if (seq <= as->seq)
			Report(st, as->account, entry,
				   psprintf("entry %s appears again after entry %s", entry,
							Int64Text(as->seq)));
		else if (seq == as->seq + 2)
			Report(st, as->account, Int64Text(as->seq + 1), "entry is missing");
		else
			Report(st, as->account, Int64Text(as->seq + 1),
				   psprintf("entries %s to %s are missing",
							Int64Text(as->seq + 1), Int64Text(seq - 1)));
	}

	if (amount_null || balance_null)
	{
		Report(st, as->account, entry,
			   amount_null ? "amount is null" : "balance is null");
		linked = false;
	}
	else if (!LedgerNumericIsFinite(LedgerToNumeric(amount, cfg->amount_type)) ||
			 !LedgerNumericIsFinite(balance))
	{
		/* NaN equals NaN to numeric_cmp: the chain check would pass it */
		Report(st, as->account, entry,
			   psprintf("%s %s is not a finite number",
						LedgerNumericIsFinite(balance) ? "amount" : "balance",
						LedgerNumericIsFinite(balance) ?
						LedgerValueText(amount, cfg->amount_type) : NumericText(balance)));
		linked = false;
	}
	else if (linked)
	{
		Datum		expected = ExpectedBalance(cfg, as->balance, amount);

		if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, expected, balance)) != 0)
			Report(st, as->account, entry,
				   psprintf("balance is %s, but the previous balance %s plus the amount %s is %s",
							NumericText(balance), NumericText(as->balance),
							LedgerValueText(amount, cfg->amount_type),
							NumericText(expected)));
	}
	if (!balance_null && !cfg->allow_negative &&
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, balance,
										  LedgerNumericZero())) < 0)
		Report(st, as->account, entry,
			   psprintf("balance %s is negative in a ledger that does not allow it",
						NumericText(balance)));

	if (cfg->hash_chain)
	{
		Datum		h = SPI_getbinval(tup, desc, 5, &isnull);

		if (isnull)
			Report(st, as->account, entry, "hash is missing");
		else
		{
			bytea	   *b = DatumGetByteaPP(h);

			if (VARSIZE_ANY_EXHDR(b) != LEDGER_HASH_LEN)
				Report(st, as->account, entry, "hash is not 32 bytes long");
			else
			{
				memcpy(stored_hash, VARDATA_ANY(b), LEDGER_HASH_LEN);
				has_stored_hash = true;
			}
		}
		if (has_stored_hash && linked)
		{
			Datum	   *values = palloc(sizeof(Datum) * desc->natts);
			bool	   *nulls = palloc(sizeof(bool) * desc->natts);
			uint8		computed[LEDGER_HASH_LEN];

			for (int i = 0; i < cfg->nhashed; i++)
				values[colmap[i]] = SPI_getbinval(tup, desc, colmap[i] + 1,
												  &nulls[colmap[i]]);
			LedgerRowHash(cfg, as->has_hash ? as->hash : NULL, values, nulls,
						  colmap, computed);
			if (memcmp(computed, stored_hash, LEDGER_HASH_LEN) != 0)
				Report(st, as->account, entry,
					   "hash does not match the entry and the previous hash: the entry was changed");
		}
	}

	if (as->digest != NULL && seq == as->digest->seq)
	{
		as->digest->seen = true;
		if (cfg->hash_chain)
		{
			if (!has_stored_hash ||
				memcmp(stored_hash, as->digest->hash, LEDGER_HASH_LEN) != 0)
				Report(st, as->account, entry,
					   "entry differs from the digest: it or an entry before it was rewritten");
		}
		else if (balance_null ||
				 strcmp(NumericText(balance), NumericText(DirectFunctionCall3(numeric_in,
																			   CStringGetDatum(as->digest->balance),
																			   ObjectIdGetDatum(InvalidOid),
																			   Int32GetDatum(-1)))) != 0)
			Report(st, as->account, entry,
				   psprintf("balance differs from the digest's %s", as->digest->balance));
	}

	/* move on, anchored on what is stored, so one change is reported once */
	as->seq = seq;
	if (!balance_null)
		as->balance = balance;
	as->has_hash = has_stored_hash;
	if (has_stored_hash)
		memcpy(as->hash, stored_hash, LEDGER_HASH_LEN);
}

/* Compare the end of an account's entries with its head and digest. */
static void
FinishAccount(VerifyState *st, AccountState *as, HeapTuple head, TupleDesc hdesc)
{
	LedgerConfig *cfg = st->cfg;

	if (as->digest != NULL && !as->digest->seen)
	{
		as->digest->seen = true;
		if (as->digest->seq > as->seq)
			Report(st, as->account, Int64Text(as->digest->seq),
				   psprintf("entry covered by the digest is missing: the account ends at entry %s",
							Int64Text(as->seq)));
	}

	if (head == NULL)
	{
		Report(st, as->account, NULL, "account has entries but no head");
		return;
	}
	{
		bool		isnull;
		Datum		hb = SPI_getbinval(head, hdesc, 2, &isnull);
		Datum		hbal = LedgerToNumeric(hb, cfg->balance_type);
		int64		hseq = DatumGetInt64(SPI_getbinval(head, hdesc, 3, &isnull));
		Datum		hh = SPI_getbinval(head, hdesc, 4, &isnull);

		if (hseq != as->seq)
			Report(st, as->account, NULL,
				   psprintf("head counts %s entries, but the last entry is %s",
							Int64Text(hseq), Int64Text(as->seq)));
		if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, hbal, as->balance)) != 0)
			Report(st, as->account, NULL,
				   psprintf("head balance %s differs from the last entry's balance %s",
							NumericText(hbal), NumericText(as->balance)));
		if (cfg->hash_chain)
		{
			bytea	   *b = isnull ? NULL : DatumGetByteaPP(hh);

			if (b == NULL || VARSIZE_ANY_EXHDR(b) != LEDGER_HASH_LEN ||
				!as->has_hash ||
				memcmp(VARDATA_ANY(b), as->hash, LEDGER_HASH_LEN) != 0)
				Report(st, as->account, NULL,
					   "head hash differs from the last entry's hash");
		}
	}
}

/* A set-returning function's tuplestore, as every server version allows. */
static void
VerifyInitOutput(FunctionCallInfo fcinfo, VerifyState *st)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	MemoryContext oldcxt;
	TupleDesc	tupdesc;

	if (rsinfo == NULL || !IsA(rsinfo, ReturnSetInfo) ||
		!(rsinfo->allowedModes & SFRM_Materialize))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("set-valued function called in context that cannot accept a set")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "orm_ext: return type must be a row type");

	oldcxt = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
	st->outdesc = CreateTupleDescCopy(tupdesc);
	st->out = tuplestore_begin_heap(true, false, work_mem);
	MemoryContextSwitchTo(oldcxt);
	rsinfo->returnMode = SFRM_Materialize;
	rsinfo->setResult = st->out;
	rsinfo->setDesc = st->outdesc;
}

/* ledger_verify() and ledger_digest() need to see every row */
static void
LedgerRequireFullView(Oid relid, const char *funcname)
{
	LedgerCheckPrivilege(relid, ACL_SELECT);
	if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("%s() must see every row of ledger %s", funcname,
						get_rel_name(relid)),
				 errdetail("Row-level security on the ledger applies to the current role."),
				 errhint("Run it as the ledger's owner or as a role with BYPASSRLS.")));
}

/*
 * Write back the heads this transaction computed for the ledger and has not
 * written yet (see LedgerFlushLedger), and if there were any, make them
 * visible to the queries that follow: a copy of the active snapshot with a
 * new command id, which the caller pops.  Entries and heads are read with
 * one snapshot, so that a concurrent commit never splits them.
 */
static bool
FlushHeads(LedgerConfig *cfg)
{
	if (!LedgerFlushLedger(cfg))
		return false;
	CommandCounterIncrement();
	PushCopiedSnapshot(GetActiveSnapshot());
	UpdateActiveSnapshotCommandId();
	return true;
}

/*
 * A digest names its accounts by their text forms, which some settings
 * change (a date account prints per DateStyle, a timestamptz per TimeZone):
 * digest and verify print them with these settings, whatever the session's.
 * Returns the GUC nest level for AtEOXact_GUC(); an error unwinds it.
 */
static int
PinOutputSettings(void)
{
	static const char *const settings[][2] = {
		{"DateStyle", "ISO, YMD"},
		{"IntervalStyle", "postgres"},
		{"TimeZone", "UTC"},
		{"extra_float_digits", "1"},
		{"bytea_output", "hex"},
		{"lc_monetary", "C"},
	};
	int			nestlevel = NewGUCNestLevel();

	for (int i = 0; i < (int) lengthof(settings); i++)
		(void) set_config_option(settings[i][0], settings[i][1], PGC_USERSET,
								 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return nestlevel;
}

/*
 * orm_ext.ledger_verify(tbl regclass, digest jsonb DEFAULT NULL)
 *	  returns table(account text, entry text, problem text)
 */
Datum
orm_ext_ledger_verify(PG_FUNCTION_ARGS)
{
	Oid			relid;
	VerifyState st;
	LedgerConfig *cfg;
	StringInfoData q;
	int		   *colmap = NULL;
	LedgerStream entries = {0};
	LedgerStream heads = {0};
	Oid			save_userid;
	int			save_sec_context;
	MemoryContext rowcxt;
	MemoryContext oldcxt;
	AccountState as;
	MemoryContext acctcxt;
	int			nestlevel;
	bool		pushed;

	LedgerRequireArg(fcinfo, 0, "tbl");
	relid = PG_GETARG_OID(0);
	LedgerRequireFullView(relid, "ledger_verify");
	cfg = LedgerConfigGet(relid, false);
	pushed = FlushHeads(cfg);
	nestlevel = PinOutputSettings();

	memset(&st, 0, sizeof(st));
	st.cfg = cfg;
	VerifyInitOutput(fcinfo, &st);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "orm_ext: SPI_connect failed");
	if (!PG_ARGISNULL(1))
		LoadDigest(&st, PG_GETARG_JSONB_P(1), cfg->relname);

	/* entries: account, seq, amount, balance, hash, then the hashed columns */
	initStringInfo(&q);
	appendStringInfo(&q, "SELECT %s, %s, %s, %s, %s",
					 quote_identifier(cfg->account_name),
					 quote_identifier(cfg->seq_name),
					 quote_identifier(cfg->amount_name),
					 quote_identifier(cfg->balance_name),
					 cfg->hash_chain ? quote_identifier(cfg->hash_name) : "NULL::pg_catalog.bytea");
	if (cfg->hash_chain)
	{
		colmap = palloc(sizeof(int) * cfg->nhashed);
		for (int i = 0; i < cfg->nhashed; i++)
		{
			appendStringInfo(&q, ", %s", quote_identifier(cfg->hashed_names[i]));
			colmap[i] = 5 + i;
		}
	}
	appendStringInfo(&q, " FROM ONLY %s ORDER BY 1, 2", cfg->relname);
	entries.portal = SPI_cursor_open_with_args(NULL, q.data, 0, NULL, NULL,
											   NULL, true, CURSOR_OPT_NO_SCROLL);

	LedgerRunAs(cfg->internal_user, &save_userid, &save_sec_context);
	heads.portal = SPI_cursor_open_with_args(NULL,
											 psprintf("SELECT account, balance, seq, hash FROM %s "
													  "ORDER BY account", cfg->heads_name),
											 0, NULL, NULL, NULL, true,
											 CURSOR_OPT_NO_SCROLL);
	LedgerRunAsEnd(save_userid, save_sec_context);

	rowcxt = AllocSetContextCreate(CurrentMemoryContext, "orm_ext verify row",
								   ALLOCSET_DEFAULT_SIZES);
	acctcxt = AllocSetContextCreate(CurrentMemoryContext, "orm_ext verify account",
									ALLOCSET_DEFAULT_SIZES);

	for (;;)
	{
		HeapTuple	e = LedgerStreamCurrent(&entries);
		HeapTuple	h = LedgerStreamCurrent(&heads);
		Datum		eacc = (Datum) 0;
		Datum		hacc = (Datum) 0;
		bool		isnull;
		int			c;

		CHECK_FOR_INTERRUPTS();
		if (e == NULL && h == NULL)
			break;
		if (e != NULL)
		{
			eacc = SPI_getbinval(e, entries.batch->tupdesc, 1, &isnull);
			if (isnull)
			{
				/*
				 * An entry without an account (the trigger refuses one, so
				 * it was changed): NULLs sort last, after every account.
				 */
				Datum		seqd = SPI_getbinval(e, entries.batch->tupdesc, 2, &isnull);

				oldcxt = MemoryContextSwitchTo(rowcxt);
				Report(&st, NULL, isnull ? NULL : Int64Text(DatumGetInt64(seqd)),
					   "entry has no account");
				MemoryContextSwitchTo(oldcxt);
				MemoryContextReset(rowcxt);
				entries.pos++;
				continue;
			}
		}
		if (h != NULL)
			hacc = SPI_getbinval(h, heads.batch->tupdesc, 1, &isnull);
		if (e == NULL)
			c = 1;
		else if (h == NULL)
			c = -1;
		else
			c = DatumGetInt32(FunctionCall2Coll(&cfg->account_cmp,
												cfg->account_collation,
												eacc, hacc));

		if (c > 0)
		{
			/* a head with no entries: fine only while it counts none */
			int64		hseq = DatumGetInt64(SPI_getbinval(h, heads.batch->tupdesc, 3, &isnull));

			if (hseq != 0)
			{
				oldcxt = MemoryContextSwitchTo(rowcxt);
				Report(&st, LedgerAccountText(cfg, hacc), NULL,
					   psprintf("head counts %s entries, but the account has none",
								Int64Text(hseq)));
				MemoryContextSwitchTo(oldcxt);
				MemoryContextReset(rowcxt);
			}
			{
				DigestHead *dh;

				oldcxt = MemoryContextSwitchTo(rowcxt);
				dh = DigestLookup(&st, LedgerAccountText(cfg, hacc));
				if (dh != NULL && !dh->seen)
				{
					dh->seen = true;
					Report(&st, LedgerAccountText(cfg, hacc), Int64Text(dh->seq),
						   "entry covered by the digest is missing: the account has no entries");
				}
				MemoryContextSwitchTo(oldcxt);
				MemoryContextReset(rowcxt);
			}
			heads.pos++;
			continue;
		}

		/* an account with entries: read them all */
		MemoryContextReset(acctcxt);
		oldcxt = MemoryContextSwitchTo(acctcxt);
		memset(&as, 0, sizeof(as));
		as.account = LedgerAccountText(cfg, eacc);
		eacc = datumCopy(eacc, cfg->account_typbyval, cfg->account_typlen);
		as.balance = LedgerNumericZero();
		as.digest = DigestLookup(&st, as.account);
		MemoryContextSwitchTo(oldcxt);

		while ((e = LedgerStreamCurrent(&entries)) != NULL)
		{
			Datum		a = SPI_getbinval(e, entries.batch->tupdesc, 1, &isnull);

			if (isnull ||
				DatumGetInt32(FunctionCall2Coll(&cfg->account_cmp,
												cfg->account_collation,
												a, eacc)) != 0)
				break;
			{
				Datum		kept = as.balance;	/* in acctcxt */

				oldcxt = MemoryContextSwitchTo(rowcxt);
				CheckEntry(&st, &as, e, entries.batch->tupdesc, colmap);
				/* keep the running balance across the reset */
				MemoryContextSwitchTo(acctcxt);
				if (as.balance != kept)
				{
					as.balance = datumCopy(as.balance, false, -1);
					pfree(DatumGetPointer(kept));
				}
				MemoryContextSwitchTo(oldcxt);
			}
			MemoryContextReset(rowcxt);
			entries.pos++;
			CHECK_FOR_INTERRUPTS();
		}

		oldcxt = MemoryContextSwitchTo(rowcxt);
		FinishAccount(&st, &as, c == 0 ? h : NULL,
					  c == 0 ? heads.batch->tupdesc : NULL);
		MemoryContextSwitchTo(oldcxt);
		MemoryContextReset(rowcxt);
		if (c == 0)
			heads.pos++;
	}

	/* digested accounts the ledger no longer has at all */
	if (st.digest != NULL)
	{
		HASH_SEQ_STATUS status;
		char	   *entry;

		hash_seq_init(&status, st.digest);
		while ((entry = hash_seq_search(&status)) != NULL)
		{
			DigestHead *dh = (DigestHead *) (entry + MAXALIGN(st.digest_keysize));

			if (!dh->seen)
				Report(&st, entry, Int64Text(dh->seq),
					   "entry covered by the digest is missing: the account has no entries");
		}
	}

	SPI_cursor_close(entries.portal);
	SPI_cursor_close(heads.portal);
	SPI_finish();
	AtEOXact_GUC(true, nestlevel);
	if (pushed)
		PopActiveSnapshot();
	return (Datum) 0;
}

/*
 * orm_ext.ledger_digest(tbl regclass) returns jsonb
 *
 * {"ledger": ..., "algorithm": "sha256", "hash_chain": ..., "taken_at": ...,
 *	"accounts": n, "root": hex, "heads": [{"account", "seq", "balance",
 *	"hash"}, ...]}, heads in account order, accounts without entries left out.
 */
Datum
orm_ext_ledger_digest(PG_FUNCTION_ARGS)
{
	Oid			relid;
	LedgerConfig *cfg;
	LedgerStream heads = {0};
	Oid			save_userid;
	int			save_sec_context;
	StringInfoData list;
	StringInfoData out;
	RootHash	rh;
	int64		naccounts = 0;
	char	   *root;
	HeapTuple	h;
	MemoryContext fncxt = CurrentMemoryContext;
	MemoryContext oldcxt;
	int			nestlevel;
	bool		pushed;
	Datum		result;

	LedgerRequireArg(fcinfo, 0, "tbl");
	relid = PG_GETARG_OID(0);
	LedgerRequireFullView(relid, "ledger_digest");
	cfg = LedgerConfigGet(relid, false);
	pushed = FlushHeads(cfg);
	nestlevel = PinOutputSettings();

	initStringInfo(&list);
	RootHashBegin(&rh);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "orm_ext: SPI_connect failed");
	LedgerRunAs(cfg->internal_user, &save_userid, &save_sec_context);
	heads.portal = SPI_cursor_open_with_args(NULL,
											 psprintf("SELECT account, balance, seq, hash FROM %s "
													  "WHERE seq OPERATOR(pg_catalog.>) 0 "
													  "ORDER BY account", cfg->heads_name),
											 0, NULL, NULL, NULL, true,
											 CURSOR_OPT_NO_SCROLL);
	LedgerRunAsEnd(save_userid, save_sec_context);

	while ((h = LedgerStreamCurrent(&heads)) != NULL)
	{
		TupleDesc	desc = heads.batch->tupdesc;
		bool		isnull;
		char	   *account = LedgerAccountText(cfg, SPI_getbinval(h, desc, 1, &isnull));
		char	   *balance = NumericText(LedgerToNumeric(SPI_getbinval(h, desc, 2, &isnull),
													cfg->balance_type));
		int64		seq = DatumGetInt64(SPI_getbinval(h, desc, 3, &isnull));
		Datum		hd = SPI_getbinval(h, desc, 4, &isnull);
		uint8	   *hash = NULL;

		if (cfg->hash_chain && !isnull &&
			VARSIZE_ANY_EXHDR(DatumGetByteaPP(hd)) == LEDGER_HASH_LEN)
			hash = (uint8 *) VARDATA_ANY(DatumGetByteaPP(hd));
		else if (cfg->hash_chain)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("head of account %s in ledger %s has no valid hash",
							account, cfg->relname),
					 errhint("Run orm_ext.ledger_verify() on the ledger.")));

		RootHashAdd(&rh, account, seq, balance, hash);
		oldcxt = MemoryContextSwitchTo(fncxt);
		appendStringInfoString(&list, naccounts > 0 ? ", {\"account\": " : "{\"account\": ");
		escape_json(&list, account);
		appendStringInfo(&list, ", \"seq\": " INT64_FORMAT ", \"balance\": ", seq);
		/* JSON has no NaN or Infinity: those, which verify reports, as text */
		if (strcmp(balance, "NaN") == 0 || strcmp(balance, "Infinity") == 0 ||
			strcmp(balance, "-Infinity") == 0)
			escape_json(&list, balance);
		else
			appendStringInfoString(&list, balance);
		if (hash)
			appendStringInfo(&list, ", \"hash\": \"%s\"", HexText(hash, LEDGER_HASH_LEN));
		appendStringInfoChar(&list, '}');
		MemoryContextSwitchTo(oldcxt);
		naccounts++;
		heads.pos++;
	}
	SPI_cursor_close(heads.portal);
	SPI_finish();

	root = RootHashEnd(&rh);
	initStringInfo(&out);
	appendStringInfoString(&out, "{\"ledger\": ");
	escape_json(&out, cfg->relname);
	appendStringInfo(&out, ", \"algorithm\": \"sha256\", \"hash_chain\": %s, \"taken_at\": ",
					 cfg->hash_chain ? "true" : "false");
	escape_json(&out, timestamptz_to_str(GetCurrentTransactionStartTimestamp()));
	appendStringInfo(&out, ", \"accounts\": " INT64_FORMAT ", \"root\": \"%s\", \"heads\": [%s]}",
					 naccounts, root, list.data);

	result = DirectFunctionCall1(jsonb_in, CStringGetDatum(out.data));
	AtEOXact_GUC(true, nestlevel);
	if (pushed)
		PopActiveSnapshot();
	PG_RETURN_DATUM(result);
}
