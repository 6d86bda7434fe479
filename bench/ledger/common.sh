# shellcheck shell=bash
#
# bench/ledger/common.sh: what the ledger benchmarks (bench/ledger/run,
# paired and callgrind) share.  Sourced after scripts/lib.sh.
#
#   settings                      the server settings, the same as
#                                 bench/uuid/run's (see docs/benchmarks.md)
#   ledger_bench_variant_ok V     whether V is a variant of bench.sql
#   ledger_bench_pgbench_script V the pgbench script of V's table shape
#   ledger_bench_start            installs the packages, builds and installs
#                                 orm_ext unless LEDGER_BENCH_SKIP_BUILD is
#                                 set, starts a throwaway cluster with the
#                                 settings and loads bench.sql and
#                                 plpgsql_ledger.sql into it
#   psql_run                      psql that stops on the first error

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

ledger_bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

psql_run() {
	psql -X -q -v ON_ERROR_STOP=1 "$@"
}

ledger_bench_variant_ok() {
	case $1 in
	plain | plain_idx | orm_ext | orm_ext_noidx | orm_ext_hash | plpgsql) return 0 ;;
	seed_plain | seed_plain_idx | seed_orm_ext | seed_orm_ext_noidx | seed_orm_ext_hash | seed_plpgsql) return 0 ;;
	*) return 1 ;;
	esac
}

ledger_bench_pgbench_script() {
	case $1 in
	seed_*) echo "$ledger_bench_dir/oltp_seed.pgbench" ;;
	*) echo "$ledger_bench_dir/oltp.pgbench" ;;
	esac
}

ledger_bench_start() {
	orm_ext_install_packages
	if [ -n "${LEDGER_BENCH_SKIP_BUILD:-}" ]; then
		orm_ext_log "LEDGER_BENCH_SKIP_BUILD is set: using the installed orm_ext"
	else
		orm_ext_build_install >&2
	fi
	orm_ext_start_cluster "${settings[@]}"
	export PGOPTIONS="-c client_min_messages=warning"
	psql_run -c 'CREATE EXTENSION orm_ext' -f "$ledger_bench_dir/bench.sql" \
		-f "$ledger_bench_dir/plpgsql_ledger.sql"
}
