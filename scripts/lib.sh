# shellcheck shell=bash
#
# scripts/lib.sh: set-up shared by scripts/test, scripts/demo and bench/*/run.
#
#   orm_ext_install_packages   install the Debian packages that are missing
#   orm_ext_build_install      make && make install
#   orm_ext_start_cluster      a private throwaway cluster on loopback; exports
#                              PGHOST, PGPORT, PGUSER, PGDATABASE and removes
#                              the cluster when the calling script exits
#
# Works as root or as a user with sudo, on a fresh Debian 12 machine or one
# that already has PostgreSQL.

set -euo pipefail

ORM_EXT_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PG_MAJOR=${PG_MAJOR:-15}
PG_BINDIR=/usr/lib/postgresql/$PG_MAJOR/bin
export PG_CONFIG=${PG_CONFIG:-$PG_BINDIR/pg_config}

# Packages every script needs; callers may add more in ORM_EXT_EXTRA_PACKAGES.
ORM_EXT_PACKAGES=(
	build-essential
	"postgresql-$PG_MAJOR"
	"postgresql-server-dev-$PG_MAJOR"
	"postgresql-$PG_MAJOR-pgtap"
	libtap-parser-sourcehandler-pgtap-perl
	python3-psycopg
	python3-psycopg2
	python3-sqlalchemy
)

orm_ext_log() {
	printf '==> %s\n' "$*" >&2
}

# Runs a command as root: directly when we are root, through sudo otherwise.
orm_ext_as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	else
		sudo "$@"
	fi
}

orm_ext_install_packages() {
	local wanted=("${ORM_EXT_PACKAGES[@]}" ${ORM_EXT_EXTRA_PACKAGES:-})
	local missing=() p
	for p in "${wanted[@]}"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	if [ ${#missing[@]} -eq 0 ]; then
		orm_ext_log "Debian packages: all present"
		return 0
	fi
	orm_ext_log "installing Debian packages: ${missing[*]}"
	# The server package must not create and start a system cluster of its
	# own.  The setting is needed only while the package installs.
	local conf=/etc/postgresql-common/createcluster.d/orm_ext.conf created=
	if [ ! -e "$conf" ]; then
		orm_ext_as_root mkdir -p "$(dirname "$conf")"
		echo 'create_main_cluster = false' | orm_ext_as_root tee "$conf" >/dev/null
		created=1
	fi
	orm_ext_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	orm_ext_as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	[ -z "$created" ] || orm_ext_as_root rm -f "$conf"
}

orm_ext_build_install() {
	orm_ext_log "building and installing orm_ext"
	make -C "$ORM_EXT_ROOT" -s PG_CONFIG="$PG_CONFIG"
	orm_ext_as_root make -C "$ORM_EXT_ROOT" -s install PG_CONFIG="$PG_CONFIG" >/dev/null
}

# The OS user that owns the throwaway cluster: initdb refuses to run as root.
orm_ext_cluster_owner() {
	if [ "$(id -u)" -eq 0 ]; then
		echo postgres
	else
		id -un
	fi
}

orm_ext_as_owner() {
	local owner
	owner=$(orm_ext_cluster_owner)
	if [ "$(id -un)" = "$owner" ]; then
		"$@"
	else
		runuser -u "$owner" -- "$@"
	fi
}

# Prints the end of the throwaway cluster's server log, for failed runs.
orm_ext_server_log_tail() {
	if [ -n "${ORM_EXT_CLUSTER_DIR:-}" ] && [ -f "$ORM_EXT_CLUSTER_DIR/server.log" ]; then
		echo "---- last 50 lines of the server log ----"
		tail -n 50 "$ORM_EXT_CLUSTER_DIR/server.log"
	fi
}

orm_ext_stop_cluster() {
	if [ -n "${ORM_EXT_CLUSTER_DIR:-}" ] && [ -d "$ORM_EXT_CLUSTER_DIR" ]; then
		orm_ext_as_owner "$PG_BINDIR/pg_ctl" -D "$ORM_EXT_CLUSTER_DIR/data" \
			-m immediate -w stop >/dev/null 2>&1 || true
		rm -rf "$ORM_EXT_CLUSTER_DIR"
	fi
	ORM_EXT_CLUSTER_DIR=
}

# Starts a cluster in a private temp dir.  It listens on 127.0.0.1 only, on a
# random free port, and on a Unix socket inside that dir (mode 0700).  Local socket
# connections are trusted; TCP needs the password in PGPASSWORD.
# Extra server settings can be passed as arguments: name=value ...
orm_ext_start_cluster() {
	local owner port setting
	owner=$(orm_ext_cluster_owner)
	ORM_EXT_CLUSTER_DIR=$(mktemp -d /tmp/orm_ext_cluster.XXXXXX)
	trap orm_ext_stop_cluster EXIT
	chmod 0700 "$ORM_EXT_CLUSTER_DIR"
	[ "$(id -un)" = "$owner" ] || chown "$owner" "$ORM_EXT_CLUSTER_DIR"

	export PGPASSWORD
	PGPASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
	printf '%s\n' "$PGPASSWORD" >"$ORM_EXT_CLUSTER_DIR/pwfile"
	chmod 0600 "$ORM_EXT_CLUSTER_DIR/pwfile"
	[ "$(id -un)" = "$owner" ] || chown "$owner" "$ORM_EXT_CLUSTER_DIR/pwfile"

	orm_ext_as_owner "$PG_BINDIR/initdb" -D "$ORM_EXT_CLUSTER_DIR/data" -U postgres \
		--auth-local=trust --auth-host=scram-sha-256 --pwfile="$ORM_EXT_CLUSTER_DIR/pwfile" \
		--encoding=UTF8 --locale=C.UTF-8 >"$ORM_EXT_CLUSTER_DIR/initdb.log" 2>&1 ||
		{ cat "$ORM_EXT_CLUSTER_DIR/initdb.log" >&2; return 1; }

	{
		echo "listen_addresses = '127.0.0.1'"
		echo "unix_socket_directories = '$ORM_EXT_CLUSTER_DIR'"
		for setting in "$@"; do
			echo "$setting"
		done
	} | orm_ext_as_owner tee -a "$ORM_EXT_CLUSTER_DIR/data/postgresql.conf" >/dev/null

	# A random free port; another process may take it first, so try a few.
	local attempt
	for attempt in 1 2 3 4 5; do
		port=$((20000 + RANDOM % 30000))
		if ss -Hltn "sport = :$port" 2>/dev/null | grep -q .; then
			port=
			continue
		fi
		if orm_ext_as_owner "$PG_BINDIR/pg_ctl" -D "$ORM_EXT_CLUSTER_DIR/data" \
			-o "-p $port" -l "$ORM_EXT_CLUSTER_DIR/server.log" -w -t 60 start >/dev/null; then
			break
		fi
		port=
	done
	if [ -z "$port" ]; then
		orm_ext_log "could not start the throwaway cluster on a free loopback port"
		[ ! -f "$ORM_EXT_CLUSTER_DIR/server.log" ] || cat "$ORM_EXT_CLUSTER_DIR/server.log" >&2
		return 1
	fi
	orm_ext_log "throwaway cluster in $ORM_EXT_CLUSTER_DIR, listening on 127.0.0.1:$port"

	export PGHOST=$ORM_EXT_CLUSTER_DIR PGPORT=$port PGUSER=postgres PGDATABASE=postgres
	export PATH=$PG_BINDIR:$PATH
}
