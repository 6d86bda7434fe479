/*-------------------------------------------------------------------------
 *
 * heads.c
 *	  Account heads: the locks that serialise one account's inserts, the
 *	  per-transaction cache that makes bulk inserts cheap, and the triggers
 *	  and functions built on them.
 *
 * Locking.  The first insert to an account in a transaction locks the
 * account's row in the heads table and adds its entry to it in one statement,
 * UPDATE ... RETURNING (creating the row first if needed); ledger_post()
 * locks its accounts with SELECT ... FOR UPDATE before inserting.  In READ
 * COMMITTED a second transaction waits for the lock and then updates the head
 * as the first one committed it, so balances chain exactly; in REPEATABLE
 * READ and SERIALIZABLE it fails with 40001 instead of reading a stale head.
 * Nothing else is locked: inserts to different accounts run in parallel.
 *
 * Caching.  Once locked, a head stays locked until the transaction ends, so
 * its values can be kept in backend memory: rows after the first one of an
 * account in a transaction cost no query at all.  The statement-level trigger
 * writes the changed heads back at the end of each statement; whatever no
 * such trigger wrote back is written before commit.  The cache is discarded
 * at the end of the transaction.
 *
 * Skipped rows.  A row can still be skipped after the BEFORE INSERT triggers
 * by INSERT ... ON CONFLICT (later BEFORE triggers are refused), which would
 * leave a computed entry out of the chain.  While such an executor runs, the
 * heads it touches are marked, and their write-back also counts their new
 * entries in the ledger.  A ledger with no unique index and no exclusion
 * constraint has nothing for ON CONFLICT to conflict on, and is never
 * counted.
 *
 * Subtransactions.  A rolled-back savepoint undoes the rows it inserted and
 * the head updates it wrote, and releases the row locks it took.  The cache
 * follows: each change to a cached head in a subtransaction other than the
 * one that last changed it pushes an undo record, and SUBXACT_EVENT_ABORT_SUB
 * pops the records of the aborted subtransaction and forgets the heads it
 * locked.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/index.h"
#include "catalog/pg_am.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "common/hashfn.h"
#include "common/int.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "lib/rbtree.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "nodes/plannodes.h"
#include "pgstat.h"
#include "storage/bufmgr.h"
#include "storage/smgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/hsearch.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/snapmgr.h"
#include "utils/rls.h"

#include "orm_ext.h"
#include "ledger.h"

PG_FUNCTION_INFO_V1(orm_ext_ledger_balance_trigger);
PG_FUNCTION_INFO_V1(orm_ext_ledger_flush_trigger);
PG_FUNCTION_INFO_V1(orm_ext_ledger_balance);
PG_FUNCTION_INFO_V1(orm_ext_ledger_post);

struct LedgerXactLedger;

/*
 * One locked account, cached for the rest of the transaction.  Allocated on
 * its own and never moved: the dirty list, the undo records and "last" point
 * at it.  The search tree holds LedgerHeadNodes that point here, because
 * rbt_delete() moves data between tree nodes.
 */
typedef struct LedgerHead
{
	Datum		account;
	Datum		balance;
	bool		balance_owned;	/* balance is ours to pfree (by-ref types) */
	bool		dirty;			/* differs from the heads table */
	bool		needs_check;	/* an entry after checked_seq may be skipped */
	bool		in_dirty_list;	/* dirty or needs_check */
	bool		has_hash;
	int64		seq;			/* entries so far, the last one's seq */
	int64		flushed_seq;	/* seq as the heads table has it */
	int64		checked_seq;	/* entries up to this one are inserted */
	uint8		hash[LEDGER_HASH_LEN];
	SubTransactionId lock_subid;	/* subtransaction that took the lock */
	SubTransactionId level_subid;	/* subtransaction of the last change */
	bool		balance_byval;
} LedgerHead;

typedef struct LedgerHeadNode
{
	RBTNode		node;			/* must be first */
	LedgerHead *head;
} LedgerHeadNode;

/* the cached heads of one ledger */
typedef struct LedgerXactLedger
{
	Oid			relid;
	struct LedgerXactLedger *next;
	RBTree	   *heads;
	FmgrInfo	cmp;
	Oid			collation;
	int16		account_typlen;
	bool		account_typbyval;
	int16		balance_typlen;
	bool		balance_typbyval;
	LedgerHead **dirty;
	int			ndirty;
	int			maxdirty;
	LedgerHead *last;			/* most recently used head */
	SubTransactionId forgot_subid;	/* on LedgerForgottenLedgers: the
									 * subtransaction that forgot it */
} LedgerXactLedger;

/* the state of a head before a subtransaction changed it */
typedef struct LedgerUndo
{
	LedgerHead *head;
	SubTransactionId subid;		/* the subtransaction that changed it */
	SubTransactionId prev_level;
	Datum		balance;
	bool		balance_owned;	/* the record frees balance; else an older
								 * record does */
	bool		dirty;
	bool		needs_check;
	bool		has_hash;
	int64		seq;
	int64		flushed_seq;
	int64		checked_seq;
	uint8		hash[LEDGER_HASH_LEN];
} LedgerUndo;

/* all of it lives in LedgerXactCxt, a child of TopTransactionContext */
static MemoryContext LedgerXactCxt = NULL;
static LedgerXactLedger *LedgerXactLedgers = NULL;	/* a short list */
static LedgerXactLedger *LedgerForgottenLedgers = NULL; /* newest first */
static LedgerUndo *LedgerUndoStack = NULL;
static int	LedgerUndoCount = 0;
static int	LedgerUndoMax = 0;

/*
 * Executors running INSERT ... ON CONFLICT in this transaction (never too
 * few), and whether executors may have started before orm_ext was loaded.
 */
static int	LedgerOnConflictRunning = 0;
static bool LedgerOnConflictUntracked = true;
static ExecutorStart_hook_type LedgerPrevExecutorStart = NULL;
static ExecutorEnd_hook_type LedgerPrevExecutorEnd = NULL;

static int
LedgerHeadCompare(const RBTNode *a, const RBTNode *b, void *arg)
{
	LedgerXactLedger *xl = (LedgerXactLedger *) arg;

	return DatumGetInt32(FunctionCall2Coll(&xl->cmp, xl->collation,
										   ((const LedgerHeadNode *) a)->head->account,
										   ((const LedgerHeadNode *) b)->head->account));
}

static void
LedgerHeadCombine(RBTNode *existing, const RBTNode *newdata, void *arg)
{
	/* heads are looked up before they are inserted: never reached */
	elog(ERROR, "orm_ext: duplicate account head");
}

static RBTNode *
LedgerHeadAlloc(void *arg)
{
	return (RBTNode *) MemoryContextAlloc(LedgerXactCxt, sizeof(LedgerHeadNode));
}

static void
LedgerHeadFree(RBTNode *node, void *arg)
{
	pfree(node);
}

/* The cached heads of a ledger in this transaction, if any (or new ones). */
static LedgerXactLedger *
LedgerXactGet(LedgerConfig *cfg, bool create)
{
	LedgerXactLedger *xl;
	MemoryContext oldcxt;

	for (xl = LedgerXactLedgers; xl != NULL; xl = xl->next)
	{
		if (xl->relid == cfg->relid)
			return xl;
	}
	if (!create)
		return NULL;

	if (LedgerXactCxt == NULL)
		LedgerXactCxt = AllocSetContextCreate(TopTransactionContext,
											  "orm_ext ledger heads",
											  ALLOCSET_DEFAULT_SIZES);
	oldcxt = MemoryContextSwitchTo(LedgerXactCxt);
	xl = palloc0(sizeof(LedgerXactLedger));
	xl->relid = cfg->relid;
	xl->heads = rbt_create(sizeof(LedgerHeadNode), LedgerHeadCompare,
						   LedgerHeadCombine, LedgerHeadAlloc, LedgerHeadFree,
						   xl);
	fmgr_info_copy(&xl->cmp, &cfg->account_cmp, LedgerXactCxt);
	xl->collation = cfg->account_collation;
	xl->account_typlen = cfg->account_typlen;
	xl->account_typbyval = cfg->account_typbyval;
	xl->balance_typlen = cfg->balance_typlen;
	xl->balance_typbyval = cfg->balance_typbyval;
	xl->maxdirty = 16;
	xl->dirty = palloc(sizeof(LedgerHead *) * xl->maxdirty);
	xl->ndirty = 0;
	xl->last = NULL;
	xl->next = LedgerXactLedgers;
	LedgerXactLedgers = xl;
	MemoryContextSwitchTo(oldcxt);
	return xl;
}

static LedgerHead *
LedgerHeadFind(LedgerXactLedger *xl, Datum account)
{
	LedgerHead	keyhead;
	LedgerHeadNode key;
	LedgerHeadNode *found;

	if (xl->last != NULL &&
		DatumGetInt32(FunctionCall2Coll(&xl->cmp, xl->collation,
										xl->last->account, account)) == 0)
		return xl->last;

	keyhead.account = account;
	key.head = &keyhead;
	found = (LedgerHeadNode *) rbt_find(xl->heads, &key.node);
	return found ? found->head : NULL;
}

/*
 * Record the state of a head before the current subtransaction changes it,
 * unless this subtransaction already did.
 */
static void
LedgerHeadTouch(LedgerXactLedger *xl, LedgerHead *h)
{
	SubTransactionId cur = GetCurrentSubTransactionId();
	LedgerUndo *u;

	if (h->level_subid == cur)
		return;

	if (LedgerUndoCount == LedgerUndoMax)
	{
		LedgerUndoMax = Max(16, LedgerUndoMax * 2);
		LedgerUndoStack = (LedgerUndoStack == NULL) ?
			MemoryContextAlloc(LedgerXactCxt, sizeof(LedgerUndo) * LedgerUndoMax) :
			repalloc(LedgerUndoStack, sizeof(LedgerUndo) * LedgerUndoMax);
	}
	u = &LedgerUndoStack[LedgerUndoCount++];
	u->head = h;
	u->subid = cur;
	u->prev_level = h->level_subid;
	u->balance = h->balance;	/* the record owns this value if the head did */
	u->balance_owned = h->balance_owned;
	u->dirty = h->dirty;
	u->needs_check = h->needs_check;
	u->has_hash = h->has_hash;
	u->seq = h->seq;
	u->flushed_seq = h->flushed_seq;
	u->checked_seq = h->checked_seq;
	memcpy(u->hash, h->hash, LEDGER_HASH_LEN);

	h->balance_owned = false;
	h->level_subid = cur;
}

/* Queue a head for the end of the statement: to write it, or to check it. */
static void
LedgerHeadQueue(LedgerXactLedger *xl, LedgerHead *h)
{
	if (h->in_dirty_list)
		return;
	if (xl->ndirty == xl->maxdirty)
	{
		xl->maxdirty *= 2;
		xl->dirty = repalloc(xl->dirty, sizeof(LedgerHead *) * xl->maxdirty);
	}
	xl->dirty[xl->ndirty++] = h;
	h->in_dirty_list = true;
}

static void
LedgerHeadSetBalance(LedgerXactLedger *xl, LedgerHead *h, Datum balance)
{
	MemoryContext oldcxt = MemoryContextSwitchTo(LedgerXactCxt);
	Datum		copy = datumCopy(balance, xl->balance_typbyval,
								 xl->balance_typlen);

	MemoryContextSwitchTo(oldcxt);
	if (!xl->balance_typbyval && h->balance_owned)
		pfree(DatumGetPointer(h->balance));
	h->balance = copy;
	h->balance_owned = true;
}

/*
 * Cache a head (its balance, seq and hash, which may be NULL), locked by the
 * current subtransaction.
 */
static LedgerHead *
LedgerHeadCacheValues(LedgerConfig *cfg, LedgerXactLedger *xl, Datum account,
					  Datum balance, int64 seq, Datum hash, bool hash_isnull)
{
	LedgerHead *h;
	LedgerHeadNode node;
	bool		isnew;
	MemoryContext oldcxt;

	h = MemoryContextAllocZero(LedgerXactCxt, sizeof(LedgerHead));
	oldcxt = MemoryContextSwitchTo(LedgerXactCxt);
	h->account = datumCopy(account, xl->account_typbyval, xl->account_typlen);
	h->balance = datumCopy(balance, xl->balance_typbyval, xl->balance_typlen);
	MemoryContextSwitchTo(oldcxt);
	h->balance_owned = true;
	h->balance_byval = xl->balance_typbyval;
	h->seq = seq;
	h->flushed_seq = h->seq;
	h->checked_seq = h->seq;
	if (!hash_isnull)
	{
		bytea	   *bytes = DatumGetByteaPP(hash);

		if (VARSIZE_ANY_EXHDR(bytes) != LEDGER_HASH_LEN)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("head of account %s in ledger %s has a malformed hash",
							LedgerAccountText(cfg, account), cfg->relname)));
		memcpy(h->hash, VARDATA_ANY(bytes), LEDGER_HASH_LEN);
		h->has_hash = true;
	}
	h->lock_subid = h->level_subid = GetCurrentSubTransactionId();

	node.head = h;
	(void) rbt_insert(xl->heads, &node.node, &isnew);
	Assert(isnew);
	xl->last = h;
	return h;
}

/*
 * Cache the head an internal query returned as (balance, seq, hash).
 */
static LedgerHead *
LedgerHeadCache(LedgerConfig *cfg, LedgerXactLedger *xl, Datum account,
				HeapTuple tup, TupleDesc tupdesc)
{
	bool		isnull;
	Datum		balance = SPI_getbinval(tup, tupdesc, 1, &isnull);
	int64		seq = DatumGetInt64(SPI_getbinval(tup, tupdesc, 2, &isnull));
	Datum		hash = SPI_getbinval(tup, tupdesc, 3, &isnull);

	return LedgerHeadCacheValues(cfg, xl, account, balance, seq, hash, isnull);
}

/*
 * Whether the heads table is still as ledger_attach() created it, so that
 * LedgerHeadAdvance() can update it without the executor: a plain table of
 * (account, balance, seq, hash) with the expected types, its primary key on
 * account as its only index, and nothing the executor would have to apply
 * on an UPDATE (triggers, rules, row security, CHECK constraints, generated
 * columns, inheritance children, a replica identity that refuses updates),
 * stored by the heap access method.  The answer is kept in the config until
 * a relcache invalidation of the heads table marks the config stale; the
 * caller checks that after locking the heads table, which is when the
 * invalidations of DDL committed meanwhile arrive.
 */
static bool
LedgerHeadsDirectCheck(LedgerConfig *cfg, Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TupleConstr *constr = desc->constr;
	List	   *indexes;
	Oid			pkoid;
	Relation	idx;
	bool		ok;
	Oid			eqop;

	if (cfg->heads_direct != 0)
		return cfg->heads_direct > 0;
	cfg->heads_direct = -1;

	if (rel->rd_rel->relkind != RELKIND_RELATION || desc->natts != 4 ||
		rel->rd_rel->relam != HEAP_TABLE_AM_OID ||
		rel->rd_rel->relhassubclass || rel->rd_rel->relispartition ||
		rel->rd_rel->relreplident == REPLICA_IDENTITY_NOTHING ||
		rel->trigdesc != NULL || rel->rd_rules != NULL ||
		rel->rd_rel->relrowsecurity ||
		(constr != NULL && (constr->num_check > 0 || constr->has_generated_stored)))
		return false;
	for (int i = 0; i < 4; i++)
		if (TupleDescAttr(desc, i)->attisdropped)
			return false;
	if (getBaseType(TupleDescAttr(desc, 0)->atttypid) != getBaseType(cfg->account_type) ||
		TupleDescAttr(desc, 1)->atttypid != cfg->balance_type ||
		TupleDescAttr(desc, 1)->atttypmod != cfg->balance_typmod ||
		TupleDescAttr(desc, 2)->atttypid != INT8OID ||
		TupleDescAttr(desc, 3)->atttypid != BYTEAOID)
		return false;

	indexes = RelationGetIndexList(rel);
	pkoid = RelationGetPrimaryKeyIndex(rel);
	ok = (list_length(indexes) == 1 && OidIsValid(pkoid) &&
		  linitial_oid(indexes) == pkoid);
	list_free(indexes);
	if (!ok)
		return false;

	idx = index_open(pkoid, AccessShareLock);
	ok = (idx->rd_rel->relam == BTREE_AM_OID &&
		  idx->rd_index->indisvalid && idx->rd_index->indisready &&
		  idx->rd_index->indimmediate &&
		  IndexRelationGetNumberOfAttributes(idx) == 1 &&
		  idx->rd_index->indkey.values[0] == 1 &&
		  RelationGetIndexExpressions(idx) == NIL &&
		  RelationGetIndexPredicate(idx) == NIL);
	if (ok)
	{
		cfg->heads_opcintype = idx->rd_opcintype[0];
		cfg->heads_collation = idx->rd_indcollation[0];
		eqop = get_opfamily_member(idx->rd_opfamily[0], cfg->heads_opcintype,
								   cfg->heads_opcintype, BTEqualStrategyNumber);
		ok = OidIsValid(eqop);
		if (ok)
		{
			cfg->heads_eqproc = get_opcode(eqop);
			fmgr_info_cxt(cfg->heads_eqproc, &cfg->heads_eq, cfg->cxt);
		}
	}
	index_close(idx, AccessShareLock);
	if (!ok)
		return false;

	cfg->heads_index = pkoid;
	cfg->heads_direct = 1;
	return true;
}

/* the most accounts a ledger's head_tids remembers */
#define LEDGER_HEAD_TIDS_MAX	65536

typedef struct LedgerHeadTid
{
	uint64		key;			/* see LedgerHeadTidKey() */
	ItemPointerData root;		/* what the heads' primary key points to */
} LedgerHeadTid;

/*
 * The key of "account" in head_tids: the value itself for a type passed by
 * value, else a hash of its bytes.  Returns false for a value kept
 * compressed or out of line, which is then not cached.  Two accounts with
 * the same key, or one value with two encodings, only cost a lookup through
 * the index: the head found at a cached TID is always compared with the
 * account.
 */
static bool
LedgerHeadTidKey(LedgerConfig *cfg, Datum account, uint64 *key)
{
	if (cfg->account_typbyval)
	{
		/* only the type's own bytes: the rest depends on how it was made */
		switch (cfg->account_typlen)
		{
			case 1:
				*key = DatumGetUInt8(account);
				break;
			case 2:
				*key = DatumGetUInt16(account);
				break;
			case 4:
				*key = DatumGetUInt32(account);
				break;
			default:
				*key = (uint64) account;
				break;
		}
	}
	else if (cfg->account_typlen > 0)
		*key = hash_bytes_extended((const unsigned char *) DatumGetPointer(account),
								   cfg->account_typlen, 0);
	else if (cfg->account_typlen == -1)
	{
		struct varlena *v = (struct varlena *) DatumGetPointer(account);

		if (VARATT_IS_COMPRESSED(v) || VARATT_IS_EXTERNAL(v))
			return false;
		*key = hash_bytes_extended((const unsigned char *) VARDATA_ANY(v),
								   VARSIZE_ANY_EXHDR(v), 0);
	}
	else
		*key = hash_bytes_extended((const unsigned char *) DatumGetCString(account),
								   strlen(DatumGetCString(account)), 0);
	return true;
}

/* The cached root TID of an account's head, if there is one. */
static bool
LedgerHeadTidGet(LedgerConfig *cfg, uint64 key, ItemPointer root)
{
	LedgerHeadTid *e;

	if (cfg->head_tids == NULL)
		return false;
	e = (LedgerHeadTid *) hash_search(cfg->head_tids, &key, HASH_FIND, NULL);
	if (e == NULL)
		return false;
	*root = e->root;
	return true;
}

/* Remember where the primary key of the heads points for an account. */
static void
LedgerHeadTidSet(LedgerConfig *cfg, uint64 key, ItemPointer root)
{
	LedgerHeadTid *e;

	if (cfg->head_tids != NULL)
	{
		e = (LedgerHeadTid *) hash_search(cfg->head_tids, &key, HASH_FIND,
										  NULL);
		if (e != NULL)
		{
			e->root = *root;
			return;
		}
		/* full: the accounts already there keep their TIDs */
		if (hash_get_num_entries(cfg->head_tids) >= LEDGER_HEAD_TIDS_MAX)
			return;
	}
	else
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(uint64);
		ctl.entrysize = sizeof(LedgerHeadTid);
		ctl.hcxt = CacheMemoryContext;
		cfg->head_tids = hash_create("orm_ext ledger head TIDs", 1024, &ctl,
									 HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	e = (LedgerHeadTid *) hash_search(cfg->head_tids, &key, HASH_ENTER, NULL);
	e->root = *root;
}

/*
 * Whether block "blkno" of the heads table exists, for a caller that holds a
 * lock on the table.
 *
 * RelationGetNumberOfBlocks() asks the kernel for the file's size, an lseek
 * per call, and LedgerHeadTidFetch() would make that call in every
 * transaction.  The storage manager keeps the last size this backend saw or
 * made (by extending or truncating the file, or asking its size).  That is a
 * lower bound: other backends extend the file without telling anybody.  It is
 * never above the real size: a truncation by another backend sends a shared
 * invalidation that closes this backend's handle, and the cached size with
 * it, and a rewrite gives the relation a new file.  A truncation needs
 * AccessExclusiveLock, which conflicts with the caller's lock, and acquiring
 * that lock processed the invalidations of any truncation before it.  So a
 * block below the cached size exists; for any other block, ask the kernel.
 * PostgreSQL 13 caches no size for the main fork.
 */
static bool
LedgerHeadsBlockExists(Relation rel, BlockNumber blkno)
{
#if PG_VERSION_NUM >= 140000
	SMgrRelation smgr;
	BlockNumber known;

#if PG_VERSION_NUM >= 150000
	smgr = RelationGetSmgr(rel);
#else
	/* RelationGetSmgr() is in 14.7 and later minor releases only */
	RelationOpenSmgr(rel);
	smgr = rel->rd_smgr;
#endif
	known = smgr->smgr_cached_nblocks[MAIN_FORKNUM];
	if (known != InvalidBlockNumber && blkno < known)
		return true;
#endif
	return blkno < RelationGetNumberOfBlocks(rel);
}

/*
 * Prune the heads page in "buf" when it is nearly full.
 *
 * Every transaction leaves a dead version of the head it updated on the
 * head's page, so heads pages need pruning all the time.  The opportunistic
 * pruning of an index scan, heap_page_prune_opt(), prunes a page whose free
 * space is below the table's fillfactor reserve (at least a tenth of the
 * page); but a page filled by inserts up to that fillfactor is back below the
 * reserve after a single update, so it would prune the whole page, a cleanup
 * lock and a WAL record, for every update, each time reclaiming one version.
 * ledger_attach() gives the heads table a fillfactor of
 * LEDGER_HEADS_FILLFACTOR, and this waits until less than a tenth of the page
 * is free: by then the dead versions of tens of updates are reclaimed at once,
 * and there is still room for the HOT updates of the backends that cannot get
 * the cleanup lock meanwhile.  The free space is read without a lock, as
 * heap_page_prune_opt() does: it is a hint.
 */
static void
LedgerHeadsPruneOpt(Relation rel, Buffer buf)
{
	Page		page = BufferGetPage(buf);

	if (PageIsFull(page) || PageGetHeapFreeSpace(page) < BLCKSZ / 10)
		heap_page_prune_opt(rel, buf);
}

/*
 * Read the version visible to "snapshot" of the HOT chain whose root is at
 * "tid" into "slot", as heapam's index fetch does (LedgerHeadsDirectCheck()
 * saw a heap), but with LedgerHeadsPruneOpt() in place of its pruning: a
 * heads page is read by every transaction that advances a head on it,
 * through the index as well as at a remembered TID.  On success "tid" is
 * the visible version's; on failure the slot must not be used, and
 * "all_dead" tells whether the whole chain is surely dead to every
 * transaction.  With an MVCC snapshot at most one version of a chain is
 * visible, so the chain is searched once (no "call_again").
 * heap_hot_search_buffer() takes the predicate lock on the tuple it returns,
 * as in an index scan.
 */
static bool
LedgerHeadFetchAt(Relation rel, Snapshot snapshot, ItemPointer tid,
				  TupleTableSlot *slot, bool *all_dead)
{
	BufferHeapTupleTableSlot *bslot = (BufferHeapTupleTableSlot *) slot;
	HeapTuple	tuple = &bslot->base.tupdata;
	Buffer		buf;
	bool		found;

	Assert(TTS_IS_BUFFERTUPLE(slot));
	Assert(IsMVCCSnapshot(snapshot));
	buf = ReadBuffer(rel, ItemPointerGetBlockNumber(tid));
	LedgerHeadsPruneOpt(rel, buf);
	LockBuffer(buf, BUFFER_LOCK_SHARE);
	found = heap_hot_search_buffer(tid, rel, buf, snapshot, tuple, all_dead,
								   true);
	LockBuffer(buf, BUFFER_LOCK_UNLOCK);
	if (found)
	{
		tuple->t_self = *tid;
		slot->tts_tableOid = RelationGetRelid(rel);
		ExecStoreBufferHeapTuple(tuple, slot, buf);
	}
	ReleaseBuffer(buf);
	return found;
}

/*
 * Find the head of "account" visible to "snapshot" at a cached root TID,
 * as an index scan would after reading that TID from the primary key: the
 * HOT chain from the root to the visible version.  False when there is no
 * usable TID, or it no longer leads to a visible head of this account (the
 * head moved to another page, the page was pruned and reused, the table was
 * rewritten); the caller then looks the head up through the index.
 *
 * The caller holds a lock on the heads table, which keeps VACUUM from
 * truncating it and TRUNCATE or a rewrite from swapping its file, so a block
 * below the current size can be read.
 */
static bool
LedgerHeadTidFetch(LedgerConfig *cfg, Relation rel, Snapshot snapshot,
				   Datum account, uint64 key, TupleTableSlot *slot)
{
	ItemPointerData tid;
	bool		all_dead = false;
	bool		found;
	bool		isnull;

	if (!LedgerHeadTidGet(cfg, key, &tid) ||
		!LedgerHeadsBlockExists(rel, ItemPointerGetBlockNumber(&tid)))
		return false;

	found = LedgerHeadFetchAt(rel, snapshot, &tid, slot, &all_dead);

	/* the primary key's own equality, as the index scan would apply it */
	if (found &&
		!DatumGetBool(FunctionCall2Coll(&cfg->heads_eq, cfg->heads_collation,
										slot_getattr(slot, 1, &isnull),
										account)))
		found = false;
	if (!found)
		ExecClearTuple(slot);
	return found;
}

/*
 * Lock the head of "account" and add "amount" to it, as the advance_plan's
 * UPDATE ... RETURNING would, but through the table and index access
 * methods rather than the executor: this runs for the first entry of every
 * account in every transaction, where starting an executor for a one-row
 * UPDATE costs more than the update.
 *
 * Concurrency follows the executor's UPDATE.  The head is found with a new
 * snapshot through its primary key, or, when this backend has found it
 * before, at the TID the primary key gave then (LedgerHeadTidFetch(), which
 * saves the descent of the index).  If another transaction updated it
 * after that snapshot, table_tuple_update() waits for it to end; then, in
 * READ COMMITTED, the newest version is locked and the update is redone on
 * it (what EvalPlanQual does for an UPDATE), and under REPEATABLE READ or
 * SERIALIZABLE the call fails with 40001.  The index scan and the update
 * take the predicate locks and report the conflicts that SERIALIZABLE needs.
 *
 * Returns NULL, having changed nothing, when the account has no head yet,
 * the heads table is not as ledger_attach() made it, or a permission-checking
 * executor hook is loaded; the caller then runs the statements through SPI.
 */
static LedgerHead *
LedgerHeadAdvance(LedgerConfig *cfg, LedgerXactLedger *xl, Datum account,
				  Datum amount)
{
	Relation	rel;
	Relation	idx = NULL;
	Snapshot	snapshot;
	ScanKeyData key;
	IndexScanDesc scan;
	bool		use_tids;
	uint64		tidkey = 0;
	TupleTableSlot *oldslot;
	TupleTableSlot *newslot;
	CommandId	cid;
	LedgerHead *h = NULL;
	bool		found;
	Oid			save_userid;
	int			save_sec_context;

	/*
	 * A module that hooks the executor's permission checks (sepgsql decides
	 * on them, pgaudit logs them) would not see an update made here, so
	 * while one is loaded the head is advanced by the UPDATE statement.
	 * Calling the hook from here instead is not safe: pgaudit expects every
	 * check to come between an ExecutorStart and an ExecutorEnd of its own,
	 * keeps the range table until that ExecutorEnd, and here there is none
	 * (the enclosing INSERT's, whose per-row memory is gone by then, or no
	 * executor at all in a logical replication apply worker).
	 */
	if (ExecutorCheckPerms_hook != NULL)
		return NULL;

	/*
	 * Locking the heads table processes the invalidations of DDL on it that
	 * committed since the config was built; a config they made stale is not
	 * used (the statement path replans).  The lock, kept to the end of the
	 * transaction, holds off further DDL.
	 */
	rel = table_open(cfg->heads_relid, RowExclusiveLock);
	if (!cfg->valid || !LedgerHeadsDirectCheck(cfg, rel))
	{
		table_close(rel, NoLock);
		return NULL;
	}
	/* the account type's functions run as the heads' owner, as in SPI */
	LedgerRunAs(cfg->internal_user, &save_userid, &save_sec_context);

	/* as SPI does for a statement that writes: see this command's changes */
	CommandCounterIncrement();
	cid = GetCurrentCommandId(true);
	snapshot = RegisterSnapshot(GetTransactionSnapshot());
	oldslot = table_slot_create(rel, NULL);

	/*
	 * Where this backend found the head last time, if that is still it.
	 * Not under SERIALIZABLE, where the index scan's predicate lock on the
	 * key is part of what the update must leave behind.
	 */
	use_tids = !IsolationIsSerializable() &&
		LedgerHeadTidKey(cfg, account, &tidkey);
	found = use_tids &&
		LedgerHeadTidFetch(cfg, rel, snapshot, account, tidkey, oldslot);

	if (!found)
	{
		ItemPointer itid;

		idx = index_open(cfg->heads_index, RowExclusiveLock);
		ScanKeyEntryInitialize(&key, 0, 1, BTEqualStrategyNumber,
							   cfg->heads_opcintype, cfg->heads_collation,
							   cfg->heads_eqproc, account);
#if PG_VERSION_NUM >= 180000
		scan = index_beginscan(rel, idx, snapshot, NULL, 1, 0);
#else
		scan = index_beginscan(rel, idx, snapshot, 1, 0);
#endif
		index_rescan(scan, &key, 1, NULL, 0);

		/*
		 * index_getnext_slot(), keeping the TID the index holds, with the
		 * heap fetch of index_fetch_heap() done by LedgerHeadFetchAt()
		 */
		while ((itid = index_getnext_tid(scan, ForwardScanDirection)) != NULL)
		{
			ItemPointerData root = *itid;
			ItemPointerData tid = *itid;
			bool		all_dead = false;

			if (LedgerHeadFetchAt(rel, snapshot, &tid, oldslot, &all_dead))
			{
				pgstat_count_heap_fetch(idx);
				found = true;
				if (use_tids)
					LedgerHeadTidSet(cfg, tidkey, &root);
				break;
			}
			/* a chain dead to all: the index may forget its entry */
			if (!scan->xactStartedInRecovery)
				scan->kill_prior_tuple = all_dead;
		}
		index_endscan(scan);
	}

	newslot = found ? table_slot_create(rel, NULL) : NULL;
	while (found)
	{
		TM_Result	result;
		TM_FailureData tmfd;
		LockTupleMode lockmode;
#if PG_VERSION_NUM >= 160000
		TU_UpdateIndexes update_indexes;
#else
		bool		update_indexes;
#endif
		Datum		balance;
		int64		seq;
		ItemPointerData tid;
		bool		isnull;

		slot_getallattrs(oldslot);
		tid = oldslot->tts_tid;
		balance = LedgerBalanceAdd(cfg, oldslot->tts_values[1], amount,
								   account);
		if (pg_add_s64_overflow(DatumGetInt64(oldslot->tts_values[2]), 1, &seq))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("bigint out of range")));

		ExecClearTuple(newslot);
		newslot->tts_values[0] = oldslot->tts_values[0];
		newslot->tts_isnull[0] = false;
		newslot->tts_values[1] = balance;
		newslot->tts_isnull[1] = false;
		newslot->tts_values[2] = Int64GetDatum(seq);
		newslot->tts_isnull[2] = false;
		newslot->tts_values[3] = oldslot->tts_values[3];
		newslot->tts_isnull[3] = oldslot->tts_isnull[3];
		ExecStoreVirtualTuple(newslot);

		result = table_tuple_update(rel, &tid, newslot, cid,
									snapshot, InvalidSnapshot, true, &tmfd,
									&lockmode, &update_indexes);
		if (result == TM_Ok)
		{
#if PG_VERSION_NUM >= 160000
			if (update_indexes == TU_All)
#else
			if (update_indexes)
#endif
			{
				/* not a HOT update: the new version needs its index entry */
				bool		isnulls[1] = {false};
				IndexInfo  *ii;

				if (idx == NULL)
					idx = index_open(cfg->heads_index, RowExclusiveLock);
				ii = BuildIndexInfo(idx);

				index_insert(idx, &newslot->tts_values[0], isnulls,
							 &newslot->tts_tid, rel, UNIQUE_CHECK_YES,
#if PG_VERSION_NUM >= 140000
							 true,
#endif
							 ii);
#if PG_VERSION_NUM >= 170000
				index_insert_cleanup(idx, ii);
#endif
				/* the new version is the root of a new chain */
				if (use_tids)
					LedgerHeadTidSet(cfg, tidkey, &newslot->tts_tid);
			}
			h = LedgerHeadCacheValues(cfg, xl, account, balance, seq,
									  newslot->tts_values[3],
									  newslot->tts_isnull[3]);
			break;
		}

		if (result == TM_Updated || result == TM_Deleted)
		{
			if (IsolationUsesXactSnapshot())
				ereport(ERROR,
						(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
						 errmsg("could not serialize access due to concurrent %s",
								result == TM_Updated ? "update" : "delete")));
			if (result == TM_Updated)
			{
				/* wait for and lock the newest version, then redo on it */
				result = table_tuple_lock(rel, &tid, snapshot, oldslot, cid,
										  lockmode, LockWaitBlock,
										  TUPLE_LOCK_FLAG_FIND_LAST_VERSION,
										  &tmfd);

				/*
				 * As EvalPlanQual would, check that the newest version is
				 * still the account's head; the key is never updated by
				 * orm_ext, so a mismatch means the table was edited by hand,
				 * and the statement path decides.
				 */
				if (result == TM_Ok &&
					DatumGetBool(FunctionCall2Coll(&cfg->heads_eq,
												   cfg->heads_collation,
												   slot_getattr(oldslot, 1, &isnull),
												   account)))
					continue;
			}
		}
		else
			elog(ERROR, "orm_ext: unexpected result %d updating the head of account %s in %s",
				 (int) result, LedgerAccountText(cfg, account), cfg->relname);

		/*
		 * The head was deleted, or replaced by a row of another account: do
		 * what the UPDATE statement does with that (it updates no row, and a
		 * new head is created).
		 */
		break;
	}

	LedgerRunAsEnd(save_userid, save_sec_context);
	if (newslot != NULL)
		ExecDropSingleTupleTableSlot(newslot);
	ExecDropSingleTupleTableSlot(oldslot);
	UnregisterSnapshot(snapshot);
	if (idx != NULL)
		index_close(idx, NoLock);
	table_close(rel, NoLock);
	if (h != NULL)
		CommandCounterIncrement();
	return h;
}

/*
 * Lock the head of an account, creating it first for a new account, and
 * cache it.  With "amount" (not NULL) the same statement also adds one entry
 * of that amount to the head, and the cached head is the one after that
 * entry; its hash is still the previous entry's.  Runs its queries as the
 * heads' owner.
 */
static LedgerHead *
LedgerHeadFetch(LedgerConfig *cfg, LedgerXactLedger *xl, Datum account,
				const Datum *amount)
{
	SPIPlanPtr	plan = amount ? cfg->advance_plan : cfg->lock_plan;
	int			expect = amount ? SPI_OK_UPDATE_RETURNING : SPI_OK_SELECT;
	Oid			save_userid;
	int			save_sec_context;
	Datum		args[2];
	int			ret;
	LedgerHead *h;

	args[0] = account;
	if (amount != NULL)
		args[1] = (cfg->arith == LEDGER_ARITH_INT) ?
			Int64GetDatum(LedgerDatumToInt64(*amount, cfg->amount_type)) :
			LedgerToNumeric(*amount, cfg->amount_type);

	if (amount != NULL)
	{
		h = LedgerHeadAdvance(cfg, xl, account, *amount);
		if (h != NULL)
		{
			ereport(DEBUG1,
					(errmsg_internal("orm_ext: ledger %s: head advanced through its primary key",
									 cfg->relname)));
			h->checked_seq = h->seq - 1;	/* the new entry is not checked yet */
			return h;
		}
		ereport(DEBUG1,
				(errmsg_internal("orm_ext: ledger %s: head advanced by an UPDATE statement",
								 cfg->relname)));
	}

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "orm_ext: SPI_connect failed");
	LedgerRunAs(cfg->internal_user, &save_userid, &save_sec_context);

	ret = SPI_execute_plan(plan, args, NULL, false, 1);
	if (ret != expect)
		elog(ERROR, "orm_ext: locking a head of %s failed: %s", cfg->relname,
			 SPI_result_code_string(ret));
	if (SPI_processed == 0)
	{
		/* a new account; a concurrent creator makes us wait, then skip */
		ret = SPI_execute_plan(cfg->create_plan, args, NULL, false, 0);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "orm_ext: creating a head of %s failed: %s",
				 cfg->relname, SPI_result_code_string(ret));
		ret = SPI_execute_plan(plan, args, NULL, false, 1);
		if (ret != expect || SPI_processed != 1)
			elog(ERROR, "orm_ext: head of account %s in %s vanished",
				 LedgerAccountText(cfg, account), cfg->relname);
	}

	h = LedgerHeadCache(cfg, xl, account, SPI_tuptable->vals[0],
						SPI_tuptable->tupdesc);
	if (amount != NULL)
		h->checked_seq = h->seq - 1;	/* the new entry is not checked yet */

	LedgerRunAsEnd(save_userid, save_sec_context);
	SPI_finish();
	return h;
}

/* Lock the head of an account; the cached one when this transaction has it. */
static LedgerHead *
LedgerHeadLock(LedgerConfig *cfg, LedgerXactLedger *xl, Datum account)
{
	LedgerHead *h = LedgerHeadFind(xl, account);

	if (h != NULL)
	{
		xl->last = h;
		return h;
	}
	return LedgerHeadFetch(cfg, xl, account, NULL);
}

/*
 * The entries of the head's account with a seq after the last check, up to
 * its seq, counted in the ledger (count_plan in config.c) as the ledger's
 * owner.  Called inside LedgerFlush(), which runs as internal_user.
 */
static int64
LedgerCountEntries(LedgerConfig *cfg, LedgerHead *h)
{
	Datum		args[3];
	Oid			save_userid;
	int			save_sec_context;
	bool		isnull;
	int			ret;
	int64		n;

	args[0] = h->account;
	args[1] = Int64GetDatum(h->checked_seq);
	args[2] = Int64GetDatum(h->seq);
	LedgerRunAsOwner(cfg->ledger_owner, &save_userid, &save_sec_context);
	ret = SPI_execute_plan(cfg->count_plan, args, NULL, false, 1);
	LedgerRunAsEnd(save_userid, save_sec_context);
	if (ret != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "orm_ext: counting the entries of %s failed: %s",
			 cfg->relname, SPI_result_code_string(ret));
	n = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0],
									SPI_tuptable->tupdesc, 1, &isnull));
	return isnull ? 0 : n;
}

/*
 * Write the changed heads of a ledger back to its heads table.  Where a row
 * may have been skipped, the write first proves that the entries computed
 * since the last check are all in the ledger (LedgerCountEntries).
 */
static void
LedgerFlush(LedgerConfig *cfg, LedgerXactLedger *xl)
{
	Oid			save_userid;
	int			save_sec_context;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "orm_ext: SPI_connect failed");
	LedgerRunAs(cfg->internal_user, &save_userid, &save_sec_context);

	for (int i = 0; i < xl->ndirty; i++)
	{
		LedgerHead *h = xl->dirty[i];
		Datum		args[4];
		char		nulls[4] = {' ', ' ', ' ', ' '};
		int			ret;

		h->in_dirty_list = false;
		if (!h->dirty && !h->needs_check)
			continue;
		args[0] = h->account;
		args[1] = h->balance;
		args[2] = Int64GetDatum(h->seq);
		if (h->has_hash)
		{
			bytea	   *b = palloc(VARHDRSZ + LEDGER_HASH_LEN);

			SET_VARSIZE(b, VARHDRSZ + LEDGER_HASH_LEN);
			memcpy(VARDATA(b), h->hash, LEDGER_HASH_LEN);
			args[3] = PointerGetDatum(b);
		}
		else
		{
			args[3] = (Datum) 0;
			nulls[3] = 'n';
		}
		if (h->needs_check && LedgerCountEntries(cfg, h) != h->seq - h->checked_seq)
			ereport(ERROR,
					(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
					 errmsg("ledger %s does not support rows skipped after their balance was computed",
							cfg->relname),
					 errdetail("Of the %lld entries computed for account %s in this statement, some were not inserted.",
							   (long long) (h->seq - h->checked_seq),
							   LedgerAccountText(cfg, h->account)),
					 errhint("INSERT ... ON CONFLICT skipped them; leave duplicates out of "
							 "the INSERT instead.")));

		ret = SPI_execute_plan(cfg->write_plan, args, nulls, false, 0);
		if (ret != SPI_OK_UPDATE || SPI_processed != 1)
			elog(ERROR, "orm_ext: writing a head of %s failed: %s",
				 cfg->relname, SPI_result_code_string(ret));

		LedgerHeadTouch(xl, h);
		h->flushed_seq = h->seq;
		h->checked_seq = h->seq;
		h->dirty = false;
		h->needs_check = false;
	}
	xl->ndirty = 0;

	LedgerRunAsEnd(save_userid, save_sec_context);
	SPI_finish();
}

/* Rebuild a ledger's dirty list from its heads, after an abort. */
static void
LedgerRebuildDirtyList(LedgerXactLedger *xl)
{
	RBTreeIterator iter;
	LedgerHeadNode *n;

	xl->ndirty = 0;
	rbt_begin_iterate(xl->heads, LeftRightWalk, &iter);
	while ((n = (LedgerHeadNode *) rbt_iterate(&iter)) != NULL)
	{
		LedgerHead *h = n->head;

		h->in_dirty_list = false;
		if (h->dirty || h->needs_check)
			LedgerHeadQueue(xl, h);
	}
}

/*
 * A subtransaction aborted: the cached heads it forgot are this
 * transaction's again, and replace any it cached since for the same ledger
 * (those belong to a heads table the abort took away).  Newest first, so
 * that of two forgets of one ledger the older one wins.
 */
static void
LedgerRestoreForgotten(SubTransactionId mySubid)
{
	while (LedgerForgottenLedgers != NULL &&
		   LedgerForgottenLedgers->forgot_subid >= mySubid)
	{
		LedgerXactLedger *xl = LedgerForgottenLedgers;
		LedgerXactLedger **link = &LedgerXactLedgers;

		LedgerForgottenLedgers = xl->next;
		while (*link != NULL)
		{
			if ((*link)->relid == xl->relid)
			{
				*link = (*link)->next;
				break;
			}
			link = &(*link)->next;
		}
		xl->forgot_subid = InvalidSubTransactionId;
		xl->next = LedgerXactLedgers;
		LedgerXactLedgers = xl;
	}
}

/*
 * A subtransaction committed: its undo records now speak for its parent.  A
 * record is dropped where the parent already holds an older one of the same
 * head, or where the parent is the top level, which no subtransaction abort
 * rolls back; the others are relabelled.  So one subtransaction per row (a
 * PL/pgSQL EXCEPTION block, a driver's automatic savepoints) leaves no
 * record behind.
 */
static void
LedgerUndoFold(SubTransactionId mySubid, SubTransactionId parentSubid)
{
	int			first = LedgerUndoCount;
	int			keep;

	/* the committed subtransaction's records sit on top of the stack */
	while (first > 0 && LedgerUndoStack[first - 1].subid >= mySubid)
		first--;
	keep = first;
	for (int i = first; i < LedgerUndoCount; i++)
	{
		LedgerUndo *u = &LedgerUndoStack[i];
		LedgerHead *h = u->head;

		h->level_subid = parentSubid;
		if (parentSubid == TopSubTransactionId || u->prev_level == parentSubid)
		{
			/*
			 * A value the record owned goes back to the head, or away; one
			 * an older record owns stays with that record.
			 */
			if (u->balance_owned)
			{
				if (h->balance == u->balance)
					h->balance_owned = true;
				else if (!h->balance_byval)
					pfree(DatumGetPointer(u->balance));
			}
			continue;
		}
		u->subid = parentSubid;
		LedgerUndoStack[keep++] = *u;
	}
	LedgerUndoCount = keep;
}

static void
LedgerSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	LedgerXactLedger *xl;

	if (LedgerXactCxt == NULL)
		return;
	if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		LedgerUndoFold(mySubid, parentSubid);
		for (xl = LedgerForgottenLedgers; xl != NULL; xl = xl->next)
		{
			if (xl->forgot_subid >= mySubid)
				xl->forgot_subid = parentSubid;
		}
		return;
	}
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;

	LedgerRestoreForgotten(mySubid);

	/* undo, newest first, what the aborted subtransaction changed */
	while (LedgerUndoCount > 0 &&
		   LedgerUndoStack[LedgerUndoCount - 1].subid >= mySubid)
	{
		LedgerUndo *u = &LedgerUndoStack[--LedgerUndoCount];
		LedgerHead *h = u->head;

		if (h->balance_owned && !h->balance_byval &&
			h->balance != u->balance)
			pfree(DatumGetPointer(h->balance));
		h->balance = u->balance;
		h->balance_owned = u->balance_owned;
		h->dirty = u->dirty;
		h->needs_check = u->needs_check;
		h->has_hash = u->has_hash;
		h->seq = u->seq;
		h->flushed_seq = u->flushed_seq;
		h->checked_seq = u->checked_seq;
		memcpy(h->hash, u->hash, LEDGER_HASH_LEN);
		h->level_subid = u->prev_level;
	}

	/* forget the heads it locked: their row locks are gone */
	for (xl = LedgerXactLedgers; xl != NULL; xl = xl->next)
	{
		RBTreeIterator iter;
		LedgerHeadNode *n;
		List	   *gone = NIL;
		ListCell   *lc;

		/*
		 * Collect the heads, not the tree nodes: rbt_delete() moves node
		 * contents around, so each one is looked up again before deletion.
		 * The heads themselves stay allocated (undo records of enclosing
		 * subtransactions may still point at them) until the transaction
		 * ends.
		 */
		rbt_begin_iterate(xl->heads, LeftRightWalk, &iter);
		while ((n = (LedgerHeadNode *) rbt_iterate(&iter)) != NULL)
		{
			if (n->head->lock_subid >= mySubid)
				gone = lappend(gone, n->head);
		}
		foreach(lc, gone)
		{
			LedgerHeadNode key;
			RBTNode    *victim;

			key.head = (LedgerHead *) lfirst(lc);
			victim = rbt_find(xl->heads, &key.node);
			if (victim != NULL)
				rbt_delete(xl->heads, victim);
		}
		list_free(gone);
		xl->last = NULL;
		LedgerRebuildDirtyList(xl);
	}
}

/*
 * Before commit (or PREPARE TRANSACTION), write back the heads that no
 * end-of-statement trigger wrote: where no statement-level trigger fires, as
 * in a logical replication subscriber's apply worker applying a transaction
 * with several entries of one account, or with orm_ext_ledger_flush
 * disabled.  They then commit with their entries, and an entry skipped by
 * ON CONFLICT still fails, at commit.  A ledger dropped or detached in this
 * transaction took its heads along.
 */
static void
LedgerFlushPending(void)
{
	LedgerXactLedger *xl;

	for (xl = LedgerXactLedgers; xl != NULL; xl = xl->next)
	{
		LedgerConfig *cfg;

		if (xl->ndirty == 0 || OrmExtQualifiedRelid(xl->relid) == NULL)
			continue;

		/*
		 * No statement is running, so SPI needs a snapshot of its own, for
		 * the write and for rebuilding the config if something invalidated
		 * it since the last insert.
		 */
		PushActiveSnapshot(GetTransactionSnapshot());
		cfg = LedgerConfigGet(xl->relid, true);
		if (cfg != NULL)
			LedgerFlush(cfg, xl);
		PopActiveSnapshot();
	}
}

static void
LedgerXactCallback(XactEvent event, void *arg)
{
	switch (event)
	{
		case XACT_EVENT_PRE_COMMIT:
		case XACT_EVENT_PARALLEL_PRE_COMMIT:
		case XACT_EVENT_PRE_PREPARE:
			LedgerFlushPending();
			break;
		case XACT_EVENT_COMMIT:
		case XACT_EVENT_PARALLEL_COMMIT:
		case XACT_EVENT_ABORT:
		case XACT_EVENT_PARALLEL_ABORT:
		case XACT_EVENT_PREPARE:
			/* the memory goes with TopTransactionContext */
			LedgerXactCxt = NULL;
			LedgerXactLedgers = NULL;
			LedgerForgottenLedgers = NULL;
			LedgerUndoStack = NULL;
			LedgerUndoCount = 0;
			LedgerUndoMax = 0;
			/* no executor outlives its transaction */
			LedgerOnConflictRunning = 0;
			LedgerOnConflictUntracked = false;
			break;
	}
}

/* Does this plan, or one of its writable CTEs, run INSERT ... ON CONFLICT? */
static bool
LedgerPlanHasOnConflict(PlannedStmt *stmt)
{
	ListCell   *lc;

	if (stmt == NULL || stmt->commandType == CMD_UTILITY)
		return false;
	if (stmt->planTree != NULL && IsA(stmt->planTree, ModifyTable) &&
		((ModifyTable *) stmt->planTree)->onConflictAction != ONCONFLICT_NONE)
		return true;
	foreach(lc, stmt->subplans)
	{
		Plan	   *sub = (Plan *) lfirst(lc);

		if (sub != NULL && IsA(sub, ModifyTable) &&
			((ModifyTable *) sub)->onConflictAction != ONCONFLICT_NONE)
			return true;
	}
	return false;
}

static void
LedgerExecutorStart(QueryDesc *queryDesc, int eflags)
{
	/* counted before starting: an executor that fails to start stays counted */
	if (LedgerPlanHasOnConflict(queryDesc->plannedstmt))
		LedgerOnConflictRunning++;
	if (LedgerPrevExecutorStart)
		LedgerPrevExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);
}

static void
LedgerExecutorEnd(QueryDesc *queryDesc)
{
	if (LedgerOnConflictRunning > 0 &&
		LedgerPlanHasOnConflict(queryDesc->plannedstmt))
		LedgerOnConflictRunning--;
	if (LedgerPrevExecutorEnd)
		LedgerPrevExecutorEnd(queryDesc);
	else
		standard_ExecutorEnd(queryDesc);
}

/*
 * Can a row whose balance is computed now still be skipped?  Only ON
 * CONFLICT skips a row after the BEFORE INSERT triggers (later BEFORE
 * triggers are refused, see LedgerCheckLaterTriggers), so the answer is no
 * unless an INSERT ... ON CONFLICT is running.  Errors only ever leave the
 * count too high, and the answer is yes for the rest of the transaction
 * that loaded orm_ext, whose executors may have started unseen.
 */
static bool
LedgerSkipPossible(void)
{
	return LedgerOnConflictRunning > 0 || LedgerOnConflictUntracked;
}

void
LedgerHeadsInit(void)
{
	RegisterXactCallback(LedgerXactCallback, NULL);
	RegisterSubXactCallback(LedgerSubXactCallback, NULL);
	LedgerPrevExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = LedgerExecutorStart;
	LedgerPrevExecutorEnd = ExecutorEnd_hook;
	ExecutorEnd_hook = LedgerExecutorEnd;
}

/*
 * Forget the cached heads of a ledger, when ledger_attach() or
 * ledger_detach() replaces its heads table.  The heads stay allocated until
 * the end of the transaction: undo records may still point at them.  They
 * are kept aside until then, because rolling back the subtransaction that
 * replaced the heads table brings the old one back, with the row locks this
 * transaction holds on it and the heads it has not written yet
 * (LedgerRestoreForgotten()).
 */
void
LedgerForgetXact(Oid relid)
{
	LedgerXactLedger **link = &LedgerXactLedgers;

	while (*link != NULL)
	{
		if ((*link)->relid == relid)
		{
			LedgerXactLedger *xl = *link;

			*link = xl->next;
			xl->forgot_subid = GetCurrentSubTransactionId();
			xl->next = LedgerForgottenLedgers;
			LedgerForgottenLedgers = xl;
			break;
		}
		link = &(*link)->next;
	}
}

/* The balance this transaction has computed for an account, if any. */
bool
LedgerCachedBalance(LedgerConfig *cfg, Datum account, Datum *balance)
{
	LedgerXactLedger *xl = LedgerXactGet(cfg, false);
	LedgerHead *h;

	if (xl == NULL)
		return false;
	h = LedgerHeadFind(xl, account);
	if (h == NULL)
		return false;
	/* a copy: a later insert in the same query may free the head's value */
	*balance = datumCopy(h->balance, cfg->balance_typbyval, cfg->balance_typlen);
	return true;
}

/*
 * Trigger-protocol checks shared by the two ledger triggers, the way
 * contrib/spi checks them: a misdeclared trigger raises 39P01.
 */
static void
LedgerCheckTrigger(FunctionCallInfo fcinfo, const char *funcname,
				   bool before_row)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	TriggerEvent event;

	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("%s() can only be called as a trigger", funcname)));
	event = trigdata->tg_event;
	if (!TRIGGER_FIRED_BY_INSERT(event) ||
		(before_row && (!TRIGGER_FIRED_BEFORE(event) ||
						!TRIGGER_FIRED_FOR_ROW(event))) ||
		(!before_row && (!TRIGGER_FIRED_AFTER(event) ||
						 !TRIGGER_FIRED_FOR_STATEMENT(event))))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be fired %s", funcname,
						before_row ? "BEFORE INSERT FOR EACH ROW" :
						"AFTER INSERT FOR EACH STATEMENT"),
				 errdetail("Trigger \"%s\" on table %s is declared otherwise.",
						   trigdata->tg_trigger->tgname,
						   OrmExtQualifiedRelationName(trigdata->tg_relation)),
				 errhint("Let orm_ext.ledger_attach() create the ledger's triggers.")));
}

/*
 * BEFORE INSERT triggers fire in name order.  One that fires after the
 * balance trigger could change the amount behind the computed balance, or
 * skip the row; refuse to compute balances until it is renamed.
 */
static void
LedgerCheckLaterTriggers(LedgerConfig *cfg, Relation rel, Trigger *self)
{
	TriggerDesc *td = rel->trigdesc;

	if (td == NULL)
		return;
	for (int i = 0; i < td->numtriggers; i++)
	{
		Trigger    *t = &td->triggers[i];

		if (t->tgenabled == TRIGGER_DISABLED ||
			!TRIGGER_FOR_ROW(t->tgtype) || !TRIGGER_FOR_BEFORE(t->tgtype) ||
			!TRIGGER_FOR_INSERT(t->tgtype) ||
			strcmp(t->tgname, self->tgname) <= 0)
			continue;
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("trigger \"%s\" on ledger %s fires after \"%s\"",
						t->tgname, cfg->relname, self->tgname),
				 errdetail("BEFORE INSERT triggers fire in name order; one that fires "
						   "after the balance is computed could change the amount or skip the row."),
				 errhint("Rename the trigger so that its name sorts before \"%s\".",
						 self->tgname)));
	}
}

static void
LedgerNotNull(LedgerConfig *cfg, Relation rel, AttrNumber att, const char *name)
{
	ereport(ERROR,
			(errcode(ERRCODE_NOT_NULL_VIOLATION),
			 errmsg("null value in column \"%s\" of ledger %s", name,
					cfg->relname),
			 errtablecol(rel, att)));
}

/*
 * orm_ext.ledger_balance_trigger() returns trigger
 *
 * BEFORE INSERT FOR EACH ROW on a ledger: sets the balance column to the
 * account's previous balance plus the amount, the seq column to the entry's
 * number within its account, and with the hash chain the hash column, all
 * regardless of what the row carried.
 */
Datum
orm_ext_ledger_balance_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Relation	rel;
	TupleDesc	tupdesc;
	HeapTuple	tuple;
	HeapTuple	newtuple;
	LedgerConfig *cfg;
	LedgerXactLedger *xl;
	LedgerHead *h;
	Datum		account;
	Datum		amount;
	Datum		balance;
	bool		isnull;
	bool		fetched;
	int64		seq;
	uint8		hash[LEDGER_HASH_LEN];

	LedgerCheckTrigger(fcinfo, "ledger_balance_trigger", true);
	rel = trigdata->tg_relation;
	tupdesc = RelationGetDescr(rel);
	tuple = trigdata->tg_trigtuple;
	cfg = LedgerConfigGet(RelationGetRelid(rel), false);
	if (!cfg->triggers_checked)
	{
		LedgerCheckLaterTriggers(cfg, rel, trigdata->tg_trigger);
		cfg->triggers_checked = true;
	}

	account = heap_getattr(tuple, cfg->account_att, tupdesc, &isnull);
	if (isnull)
		LedgerNotNull(cfg, rel, cfg->account_att, cfg->account_name);
	amount = heap_getattr(tuple, cfg->amount_att, tupdesc, &isnull);
	if (isnull)
		LedgerNotNull(cfg, rel, cfg->amount_att, cfg->amount_name);
	if (cfg->amount_type == NUMERICOID && !LedgerNumericIsFinite(amount))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("amount %s of ledger %s is not a finite number",
						LedgerValueText(amount, NUMERICOID), cfg->relname),
				 errdetail("A balance cannot count NaN or infinity."),
				 errtablecol(rel, cfg->amount_att)));

	/*
	 * The first entry of an account in this transaction locks the head and
	 * adds itself to it in one statement; later ones use the cached head.
	 */
	xl = LedgerXactGet(cfg, true);
	h = LedgerHeadFind(xl, account);
	fetched = (h == NULL);
	if (fetched)
	{
		h = LedgerHeadFetch(cfg, xl, account, &amount);
		balance = h->balance;
		seq = h->seq;
	}
	else
	{
		xl->last = h;
		balance = LedgerBalanceAdd(cfg, h->balance, amount, account);
		seq = h->seq + 1;
	}

	if (!cfg->allow_negative && LedgerBalanceIsNegative(cfg, balance))
	{
		Datum		previous;

		previous = fetched ?
			DirectFunctionCall2(numeric_sub,
								LedgerBalanceToNumeric(cfg, balance),
								LedgerToNumeric(amount, cfg->amount_type)) :
			LedgerBalanceToNumeric(cfg, h->balance);
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("insert would take the balance of account %s in ledger %s below zero",
						LedgerAccountText(cfg, account), cfg->relname),
				 errdetail("The balance is %s and the amount is %s.",
						   LedgerValueText(previous, NUMERICOID),
						   LedgerValueText(amount, cfg->amount_type)),
				 errtablecol(rel, cfg->balance_att)));
	}

	if (cfg->hash_chain)
	{
		int			natts = tupdesc->natts;
		Datum	   *values = palloc(sizeof(Datum) * natts);
		bool	   *nulls = palloc(sizeof(bool) * natts);
		int		   *colmap = palloc(sizeof(int) * cfg->nhashed);
		bytea	   *hashval;

		heap_deform_tuple(tuple, tupdesc, values, nulls);
		values[cfg->balance_att - 1] = balance;
		nulls[cfg->balance_att - 1] = false;
		values[cfg->seq_att - 1] = Int64GetDatum(seq);
		nulls[cfg->seq_att - 1] = false;
		for (int i = 0; i < cfg->nhashed; i++)
			colmap[i] = cfg->hashed_atts[i] - 1;
		LedgerRowHash(cfg, h->has_hash ? h->hash : NULL, values, nulls,
					  colmap, hash);
		hashval = palloc(VARHDRSZ + LEDGER_HASH_LEN);
		SET_VARSIZE(hashval, VARHDRSZ + LEDGER_HASH_LEN);
		memcpy(VARDATA(hashval), hash, LEDGER_HASH_LEN);
		values[cfg->hash_att - 1] = PointerGetDatum(hashval);
		nulls[cfg->hash_att - 1] = false;
		newtuple = heap_form_tuple(tupdesc, values, nulls);
	}
	else
	{
		int			cols[2] = {cfg->balance_att, cfg->seq_att};
		Datum		vals[2] = {balance, Int64GetDatum(seq)};
		bool		nulls[2] = {false, false};

		newtuple = heap_modify_tuple_by_cols(tuple, tupdesc, 2, cols, vals,
											 nulls);
	}

	/*
	 * Nothing can fail from here on: advance the head.  A fetched head is
	 * already advanced, in the heads table too, except for its hash.
	 */
	LedgerHeadTouch(xl, h);
	if (!fetched)
	{
		LedgerHeadSetBalance(xl, h, balance);
		h->seq = seq;
		h->dirty = true;
	}
	if (cfg->hash_chain)
	{
		memcpy(h->hash, hash, LEDGER_HASH_LEN);
		h->has_hash = true;
		h->dirty = true;
	}
	if (cfg->has_arbiters && LedgerSkipPossible())
		h->needs_check = true;
	if (h->dirty || h->needs_check)
		LedgerHeadQueue(xl, h);

	return PointerGetDatum(newtuple);
}

/*
 * orm_ext.ledger_flush_trigger() returns trigger
 *
 * AFTER INSERT FOR EACH STATEMENT on a ledger: writes the heads the statement
 * changed back to the heads table.
 */
Datum
orm_ext_ledger_flush_trigger(PG_FUNCTION_ARGS)
{
	TriggerData *trigdata = (TriggerData *) fcinfo->context;
	Oid			relid;
	LedgerXactLedger *xl;

	LedgerCheckTrigger(fcinfo, "ledger_flush_trigger", false);
	relid = RelationGetRelid(trigdata->tg_relation);

	for (xl = LedgerXactLedgers; xl != NULL; xl = xl->next)
	{
		if (xl->relid == relid)
			break;
	}
	if (xl != NULL && xl->ndirty > 0)
		LedgerFlush(LedgerConfigGet(relid, false), xl);
	return PointerGetDatum(NULL);
}

/*
 * Write back the heads this transaction has computed for a ledger and not
 * yet written: the flush trigger does it at the end of each statement, but
 * a caller that reads the heads table (verify, digest) must not depend on
 * that trigger being enabled.  Returns whether it wrote any; the statement's
 * snapshot does not see what it wrote.
 */
bool
LedgerFlushLedger(LedgerConfig *cfg)
{
	LedgerXactLedger *xl;

	for (xl = LedgerXactLedgers; xl != NULL; xl = xl->next)
	{
		if (xl->relid == cfg->relid)
			break;
	}
	if (xl == NULL || xl->ndirty == 0)
		return false;
	LedgerFlush(cfg, xl);
	return true;
}

/*
 * orm_ext.ledger_balance(tbl regclass, account anyelement) returns numeric
 *
 * The account's current balance, 0 for an account with no entries.  Reads
 * the account's head: one index lookup, whatever the ledger's length.  A
 * caller subject to row-level security on the ledger gets the balance of the
 * last entry it can see instead, so the heads never reveal more than the
 * ledger would.
 */
Datum
orm_ext_ledger_balance(PG_FUNCTION_ARGS)
{
	Oid			relid;
	LedgerConfig *cfg;
	Datum		account;
	Datum		balance;
	Datum		result;
	bool		found = false;

	LedgerRequireArg(fcinfo, 0, "tbl");
	LedgerRequireArg(fcinfo, 1, "account");
	relid = PG_GETARG_OID(0);
	LedgerCheckPrivilege(relid, ACL_SELECT);
	cfg = LedgerConfigGet(relid, false);
	account = LedgerAccountFromArg(cfg, PG_GETARG_DATUM(1),
								   get_fn_expr_argtype(fcinfo->flinfo, 1));

	if (check_enable_rls(relid, InvalidOid, false) == RLS_ENABLED)
	{
		Oid			argtypes[1] = {cfg->account_type};
		Datum		args[1] = {account};
		char	   *q;
		int			ret;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "orm_ext: SPI_connect failed");
		q = psprintf("SELECT %s FROM ONLY %s WHERE %s %s $1 "
					 "ORDER BY %s DESC LIMIT 1",
					 quote_identifier(cfg->balance_name), cfg->relname,
					 quote_identifier(cfg->account_name),
					 LedgerEqOperator(cfg->account_type),
					 quote_identifier(cfg->seq_name));
		ret = SPI_execute_with_args(q, 1, argtypes, args, NULL, true, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "orm_ext: reading ledger %s failed", cfg->relname);
		if (SPI_processed == 1)
		{
			bool		isnull;

			balance = SPI_getbinval(SPI_tuptable->vals[0],
									SPI_tuptable->tupdesc, 1, &isnull);
			if (!isnull)
			{
				balance = SPI_datumTransfer(balance, cfg->balance_typbyval,
											cfg->balance_typlen);
				found = true;
			}
		}
		SPI_finish();
	}
	else if (LedgerCachedBalance(cfg, account, &balance))
		found = true;
	else
	{
		Datum		args[1] = {account};
		Oid			save_userid;
		int			save_sec_context;
		int			ret;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "orm_ext: SPI_connect failed");
		LedgerRunAs(cfg->internal_user, &save_userid, &save_sec_context);
		ret = SPI_execute_plan(cfg->read_plan, args, NULL, true, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "orm_ext: reading a head of %s failed", cfg->relname);
		if (SPI_processed == 1)
		{
			bool		isnull;

			balance = SPI_getbinval(SPI_tuptable->vals[0],
									SPI_tuptable->tupdesc, 1, &isnull);
			balance = SPI_datumTransfer(balance, cfg->balance_typbyval,
										cfg->balance_typlen);
			found = true;
		}
		LedgerRunAsEnd(save_userid, save_sec_context);
		SPI_finish();
	}

	if (!found)
		balance = LedgerBalanceZero(cfg);
	result = LedgerBalanceToNumeric(cfg, balance);
	PG_RETURN_DATUM(result);
}

/* qsort_arg comparator for ledger_post's accounts */
static int
LedgerAccountSortCmp(const void *a, const void *b, void *arg)
{
	LedgerConfig *cfg = (LedgerConfig *) arg;

	return DatumGetInt32(FunctionCall2Coll(&cfg->account_cmp,
										   cfg->account_collation,
										   *(const Datum *) a,
										   *(const Datum *) b));
}

/*
 * orm_ext.ledger_post(tbl regclass, entries jsonb, balanced boolean)
 *	  returns jsonb
 *
 * Inserts the entries, a JSON array of column -> value objects, in one go and
 * returns the inserted rows as a JSON array.  Before inserting anything it
 * locks the heads of all the accounts involved in the account type's btree
 * order, so that postings over the same accounts in any order cannot
 * deadlock.  With balanced, the amounts must sum to zero.
 */
Datum
orm_ext_ledger_post(PG_FUNCTION_ARGS)
{
	Oid			relid;
	Jsonb	   *entries;
	bool		balanced;
	LedgerConfig *cfg;
	char	   *relname;
	LedgerXactLedger *xl;
	Oid			argtypes[2] = {JSONBOID, OIDOID};
	Datum		args[2];
	SPITupleTable *rows;
	uint64		nrows;
	Datum	   *accounts;
	int			naccounts = 0;
	Datum		sum;
	char	   *q;
	int			ret;
	StringInfoData result;
	MemoryContext fncxt = CurrentMemoryContext;

	LedgerRequireArg(fcinfo, 0, "tbl");
	LedgerRequireArg(fcinfo, 1, "entries");
	LedgerRequireArg(fcinfo, 2, "balanced");
	relid = PG_GETARG_OID(0);
	entries = PG_GETARG_JSONB_P(1);
	balanced = PG_GETARG_BOOL(2);

	/* it inserts, and returns what it inserted */
	LedgerCheckPrivilege(relid, ACL_INSERT);
	LedgerCheckPrivilege(relid, ACL_SELECT);
	cfg = LedgerConfigGet(relid, false);
	/* the inserts' trigger may rebuild the config, freeing what it holds */
	relname = pstrdup(cfg->relname);

	if (!JB_ROOT_IS_ARRAY(entries) || JB_ROOT_IS_SCALAR(entries))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("entries must be a JSON array of objects")));

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "orm_ext: SPI_connect failed");
	args[0] = JsonbPGetDatum(entries);
	args[1] = ObjectIdGetDatum(relid);

	/* every entry is an object whose keys are columns of the ledger */
	ret = SPI_execute_with_args("SELECT e.ord, pg_catalog.jsonb_typeof(e.v) "
								"FROM pg_catalog.jsonb_array_elements($1) "
								"WITH ORDINALITY AS e(v, ord) "
								"WHERE pg_catalog.jsonb_typeof(e.v) "
								"OPERATOR(pg_catalog.<>) 'object' "
								"ORDER BY e.ord LIMIT 1",
								1, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "orm_ext: reading entries failed");
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("entry %s of entries is a JSON %s, not an object",
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1),
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2))));

	ret = SPI_execute_with_args("SELECT e.ord, k.k FROM pg_catalog.jsonb_array_elements($1) "
								"WITH ORDINALITY AS e(v, ord), "
								"pg_catalog.jsonb_object_keys(e.v) AS k(k) "
								"WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_attribute a "
								"WHERE a.attrelid OPERATOR(pg_catalog.=) $2 "
								"AND a.attname OPERATOR(pg_catalog.=) k.k "
								"AND a.attnum OPERATOR(pg_catalog.>) 0 "
								"AND NOT a.attisdropped) "
								"ORDER BY e.ord LIMIT 1",
								2, argtypes, args, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "orm_ext: reading entries failed");
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("ledger %s has no column \"%s\"", cfg->relname,
						SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2)),
				 errdetail("Entry %s of entries names it.",
						   SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1))));

	/* the typed account and amount of each entry, and its keys */
	q = psprintf("SELECT r.%s, r.%s, e.v, "
				 "ARRAY(SELECT pg_catalog.jsonb_object_keys(e.v)) "
				 "FROM pg_catalog.jsonb_array_elements($1) WITH ORDINALITY AS e(v, ord), "
				 "pg_catalog.jsonb_populate_record(NULL::%s, e.v) AS r "
				 "ORDER BY e.ord",
				 quote_identifier(cfg->account_name),
				 quote_identifier(cfg->amount_name), cfg->relname);
	ret = SPI_execute_with_args(q, 1, argtypes, args, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "orm_ext: reading entries failed");
	rows = SPI_tuptable;
	nrows = SPI_processed;

	accounts = palloc(sizeof(Datum) * (nrows + 1));
	sum = LedgerNumericZero();
	for (uint64 i = 0; i < nrows; i++)
	{
		bool		isnull;
		Datum		d;

		d = SPI_getbinval(rows->vals[i], rows->tupdesc, 1, &isnull);
		if (!isnull)
			accounts[naccounts++] = d;
		d = SPI_getbinval(rows->vals[i], rows->tupdesc, 2, &isnull);
		if (balanced && isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("entry %llu of entries has no amount",
							(unsigned long long) i + 1)));
		if (balanced)
			sum = DirectFunctionCall2(numeric_add, sum,
									  LedgerToNumeric(d, cfg->amount_type));
	}
	if (balanced &&
		DatumGetInt32(DirectFunctionCall2(numeric_cmp, sum,
										  LedgerNumericZero())) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("entries for ledger %s do not balance", cfg->relname),
				 errdetail("Their amounts sum to %s, not 0.",
						   DatumGetCString(DirectFunctionCall1(numeric_out, sum))),
				 errhint("With balanced => true, every debit needs its credit.")));

	/* lock every account's head, in the account type's order */
	qsort_arg(accounts, naccounts, sizeof(Datum), LedgerAccountSortCmp, cfg);
	xl = LedgerXactGet(cfg, true);
	for (int i = 0; i < naccounts; i++)
	{
		if (i > 0 && LedgerAccountSortCmp(&accounts[i - 1], &accounts[i], cfg) == 0)
			continue;
		(void) LedgerHeadLock(cfg, xl, accounts[i]);
	}

	/* insert, entry by entry, as the caller: its privileges and policies */
	{
		MemoryContext old = MemoryContextSwitchTo(fncxt);

		initStringInfo(&result);
		appendStringInfoChar(&result, '[');
		MemoryContextSwitchTo(old);
	}
	for (uint64 i = 0; i < nrows; i++)
	{
		bool		isnull;
		Datum		entry = SPI_getbinval(rows->vals[i], rows->tupdesc, 3, &isnull);
		Datum		keys = SPI_getbinval(rows->vals[i], rows->tupdesc, 4, &isnull);
		Datum	   *names;
		int			nnames;
		StringInfoData cols;
		Datum		insargs[1] = {entry};
		Oid			instypes[1] = {JSONBOID};
		char	   *row;

		deconstruct_array(DatumGetArrayTypeP(keys), TEXTOID, -1, false,
						  TYPALIGN_INT, &names, NULL, &nnames);
		initStringInfo(&cols);
		for (int k = 0; k < nnames; k++)
			appendStringInfo(&cols, "%s%s", k > 0 ? ", " : "",
							 quote_identifier(TextDatumGetCString(names[k])));
		if (nnames == 0)
			q = psprintf("INSERT INTO %s AS t DEFAULT VALUES "
						 "RETURNING pg_catalog.to_jsonb(t.*)", relname);
		else
			q = psprintf("INSERT INTO %s AS t (%s) SELECT %s FROM "
						 "pg_catalog.jsonb_populate_record(NULL::%s, $1) "
						 "RETURNING pg_catalog.to_jsonb(t.*)",
						 relname, cols.data, cols.data, relname);
		ret = SPI_execute_with_args(q, nnames == 0 ? 0 : 1, instypes, insargs,
									NULL, false, 0);
		if (ret != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "orm_ext: inserting into %s failed: %s", relname,
				 SPI_result_code_string(ret));
		if (SPI_processed != 1)
			ereport(ERROR,
					(errcode(ERRCODE_TRIGGERED_ACTION_EXCEPTION),
					 errmsg("entry %llu of entries was not inserted into ledger %s",
							(unsigned long long) i + 1, relname),
					 errdetail("A BEFORE trigger or a rule on the ledger skipped it.")));
		row = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
		{
			MemoryContext old = MemoryContextSwitchTo(fncxt);

			appendStringInfo(&result, "%s%s", i > 0 ? ", " : "", row);
			MemoryContextSwitchTo(old);
		}
	}
	appendStringInfoChar(&result, ']');
	SPI_finish();

	PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(result.data)));
}
