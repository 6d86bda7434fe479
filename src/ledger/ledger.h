/*-------------------------------------------------------------------------
 *
 * ledger.h
 *	  Append-only ledgers with balances computed in the database.
 *
 * The ledger component is one folder:
 *
 *	append_only.c	the append_only() trigger: no UPDATE, DELETE, TRUNCATE
 *	config.c		registry lookups, per-backend config cache, row hashing
 *	heads.c			the account heads: locking, the per-transaction cache,
 *					the balance triggers, ledger_balance() and ledger_post()
 *	admin.c			ledger_attach() and ledger_detach()
 *	verify.c		ledger_verify() and ledger_digest()
 *	ledger.sql		the SQL declarations
 *
 * Model.  Each attached table ("the ledger") has a heads table in schema
 * orm_ext, one row per account: its balance, its number of entries (seq) and,
 * with the hash chain, the hash of its last entry.  The heads row is the
 * account's lock: an insert locks it by updating it (ledger_post() locks its
 * accounts first, with SELECT ... FOR UPDATE), so inserts to
 * one account serialise and inserts to different accounts do not.  Within a
 * transaction the locked heads are cached in backend memory, so that a bulk
 * insert touches the heads table once per account per statement, not once
 * per row; the statement-level trigger writes them back.
 *
 *-------------------------------------------------------------------------
 */
#ifndef ORM_EXT_LEDGER_H
#define ORM_EXT_LEDGER_H

#include "postgres.h"

#include "access/attnum.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/relcache.h"

#define LEDGER_HASH_LEN		32	/* SHA-256 */

/* SHA-256 over the server's implementations: cryptohash.h from 14 on */
#if PG_VERSION_NUM >= 140000
#include "common/cryptohash.h"
typedef struct LedgerSha
{
	pg_cryptohash_ctx *ctx;
} LedgerSha;
#else
#include "common/sha2.h"
typedef struct LedgerSha
{
	pg_sha256_ctx ctx;
} LedgerSha;
#endif

/* trigger names ledger_attach() creates */
#define LEDGER_TRIGGER_APPEND_ONLY	"orm_ext_append_only"
#define LEDGER_TRIGGER_NO_TRUNCATE	"orm_ext_append_only_truncate"
#define LEDGER_TRIGGER_BALANCE		"orm_ext_ledger_balance"
#define LEDGER_TRIGGER_FLUSH		"orm_ext_ledger_flush"

/*
 * The fillfactor of the heads tables: half of each page is left to the dead
 * versions of the heads' updates (see LedgerHeadsPruneOpt() in heads.c).
 */
#define LEDGER_HEADS_FILLFACTOR		50

/* how balances are added up */
typedef enum LedgerArith
{
	LEDGER_ARITH_INT,			/* amount and balance are integers: int64 */
	LEDGER_ARITH_NUMERIC		/* balance is numeric */
} LedgerArith;

/*
 * What orm_ext knows about one attached table.  Built from the registry
 * (orm_ext.ledgers) and the catalogs on first use in a backend, and rebuilt
 * after a relcache invalidation of the ledger or its heads table.
 */
typedef struct LedgerConfig
{
	Oid			relid;			/* hash key: the ledger table */
	bool		valid;
	MemoryContext cxt;			/* everything below lives here */

	char	   *relname;		/* qualified and quoted, for messages */
	Oid			heads_relid;
	char	   *heads_name;		/* qualified and quoted */
	Oid			internal_user;	/* owns the heads table; runs the internal
								 * queries */
	Oid			ledger_owner;	/* owns the ledger; runs count_plan */

	AttrNumber	account_att;
	AttrNumber	amount_att;
	AttrNumber	balance_att;
	AttrNumber	seq_att;
	AttrNumber	hash_att;		/* InvalidAttrNumber without a hash chain */
	char	   *account_name;
	char	   *amount_name;
	char	   *balance_name;
	char	   *seq_name;
	char	   *hash_name;

	Oid			account_type;
	Oid			account_collation;
	int16		account_typlen;
	bool		account_typbyval;
	FmgrInfo	account_cmp;	/* btree comparison of the account type */
	Oid			account_out;	/* output function */

	Oid			amount_type;
	Oid			balance_type;
	int32		balance_typmod;
	int16		balance_typlen;
	bool		balance_typbyval;
	LedgerArith arith;

	bool		allow_negative;
	bool		hash_chain;
	bool		triggers_checked;	/* no BEFORE INSERT trigger after ours */
	bool		has_arbiters;	/* a unique index or an exclusion constraint:
								 * INSERT ... ON CONFLICT can skip a row */

	/* columns the hash covers, in order, with their send functions */
	int			nhashed;
	char	  **hashed_names;
	AttrNumber *hashed_atts;
	FmgrInfo   *hashed_send;
	Oid		   *hashed_types;	/* base types: smallint and integer hash as
								 * bigint */
	bool	   *hashed_nested;	/* an array or a composite: hashed element
								 * by element (LedgerEncode) */

	/* cached plans, run as internal_user */
	SPIPlanPtr	lock_plan;		/* SELECT ... FOR UPDATE of one head */
	SPIPlanPtr	create_plan;	/* INSERT ... ON CONFLICT DO NOTHING */
	SPIPlanPtr	advance_plan;	/* UPDATE ... RETURNING: lock and add one */
	SPIPlanPtr	write_plan;		/* UPDATE of one head */
	SPIPlanPtr	count_plan;		/* entries of an account in a seq range; run
								 * as ledger_owner */
	SPIPlanPtr	read_plan;		/* SELECT of one head, no lock */

	/*
	 * Whether LedgerHeadAdvance() may update heads itself (0: not checked
	 * yet, 1: yes, -1: no), and what it needs for that: the heads table's
	 * primary key and the equality of its key column.
	 */
	int			heads_direct;
	Oid			heads_index;
	RegProcedure heads_eqproc;
	FmgrInfo	heads_eq;		/* heads_eqproc: checks a head found by TID */
	Oid			heads_opcintype;
	Oid			heads_collation;

	/*
	 * Where LedgerHeadAdvance() last found each account's head: the TID the
	 * primary key points to (the root of the head's HOT chain), keyed by the
	 * account value (or a hash of its bytes).  Only a hint: a TID that no
	 * longer leads to a visible head of that account sends the lookup back
	 * to the index.  Kept when the config is rebuilt for the same heads
	 * table (in its own context under CacheMemoryContext); NULL until used.
	 */
	struct HTAB *head_tids;
} LedgerConfig;

/* config.c */
extern void LedgerShaInit(LedgerSha *sha);
extern void LedgerShaUpdate(LedgerSha *sha, const void *data, size_t len);
extern void LedgerShaFinal(LedgerSha *sha, uint8 *result);
extern void LedgerShaFree(LedgerSha *sha);
extern bool LedgerScanIndexes(Oid relid, AttrNumber a, AttrNumber b,
							  bool *has_arbiters);
extern LedgerConfig *LedgerConfigGet(Oid relid, bool missing_ok);
extern void LedgerConfigInit(void);
extern void LedgerRunAs(Oid userid, Oid *save_userid, int *save_sec_context);
extern Oid	LedgerRelOwner(Oid relid);
extern void LedgerRunAsOwner(Oid owner, Oid *save_userid,
							 int *save_sec_context);
extern void LedgerRunAsEnd(Oid save_userid, int save_sec_context);
extern SPIPlanPtr LedgerPreparePlan(LedgerConfig *cfg, const char *query,
									int nargs, Oid *argtypes);
extern char *LedgerEqOperator(Oid type);
extern Datum LedgerAccountFromArg(LedgerConfig *cfg, Datum value, Oid argtype);
extern char *LedgerAccountText(LedgerConfig *cfg, Datum account);
extern char *LedgerValueText(Datum value, Oid type);
extern Datum LedgerBalanceAdd(LedgerConfig *cfg, Datum balance, Datum amount,
							  Datum account);
extern bool LedgerBalanceIsNegative(LedgerConfig *cfg, Datum balance);
extern Datum LedgerBalanceToNumeric(LedgerConfig *cfg, Datum balance);
extern Datum LedgerBalanceZero(LedgerConfig *cfg);
extern Datum LedgerToNumeric(Datum value, Oid type);
extern int64 LedgerDatumToInt64(Datum d, Oid type);
extern bool LedgerNumericIsFinite(Datum d);
extern Datum LedgerNumericZero(void);
extern void LedgerRowHash(LedgerConfig *cfg, const uint8 *prev_hash,
						  Datum *values, bool *nulls, const int *colmap,
						  uint8 *result);
extern void LedgerCheckPrivilege(Oid relid, AclMode mode);
extern void LedgerRequireArg(FunctionCallInfo fcinfo, int argno,
							 const char *argname);

/* heads.c */
extern void LedgerHeadsInit(void);
extern void LedgerForgetXact(Oid relid);
extern bool LedgerFlushLedger(LedgerConfig *cfg);
extern bool LedgerCachedBalance(LedgerConfig *cfg, Datum account,
								Datum *balance);

#endif							/* ORM_EXT_LEDGER_H */
