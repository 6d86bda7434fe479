# shellcheck shell=bash
#
# bench/ledger/settings.sh: the server settings of the ledger benchmarks
# (bench/ledger/run and bench/ledger/paired), the same as bench/uuid/run's
# (see docs/benchmarks.md).  Sourced; sets the array "settings".

# shellcheck disable=SC2034
settings=(
	"shared_buffers = 1GB"
	"max_wal_size = 4GB"
	"checkpoint_timeout = 30min"
	"synchronous_commit = off"
	"work_mem = 256MB"
	"autovacuum = off"
	"jit = off"
	"max_parallel_workers_per_gather = 0"
)
