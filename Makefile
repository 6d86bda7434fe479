# Makefile for orm_ext (PGXS)
#
#   make && make install && make installcheck
#
# installcheck runs against whatever server PGHOST/PGPORT/PGUSER point at.
# scripts/test does the whole set-up (packages, a throwaway cluster, every
# suite) in one command.

EXTENSION = orm_ext
EXTVERSION = $(shell sed -n "s/^default_version *= *'\(.*\)'/\1/p" $(EXTENSION).control)

MODULE_big = orm_ext
OBJS = \
	src/orm_ext.o \
	src/uuid.o \
	src/enum.o \
	src/rls.o \
	src/ledger/append_only.o \
	src/ledger/config.o \
	src/ledger/heads.o \
	src/ledger/admin.o \
	src/ledger/verify.o \
	src/model/model.o \
	src/model/exec.o \
	src/model/list.o \
	src/model/triggers.o

# The install script is assembled from the SQL that sits beside each
# component's C, in this order.  Later components may refer to earlier ones.
SQL_PARTS = \
	src/orm_ext.sql \
	src/uuid.sql \
	src/enum.sql \
	src/rls.sql \
	src/ledger/ledger.sql \
	src/model/model.sql \
	src/model/relationships.sql

DATA_built = $(EXTENSION)--$(EXTVERSION).sql
# hand-written upgrade scripts, once a version has been released
DATA = $(wildcard $(EXTENSION)--*--*.sql)

# pg_regress: sql/NAME.sql -> expected/NAME.out (contrib layout)
# ledger_heads_prune reads the WAL with pg_walinspect, which is in 15 and later
REGRESS_PG15 = ledger_heads_prune
REGRESS = $(sort $(filter-out $(if $(filter 13 14,$(MAJORVERSION)),$(REGRESS_PG15)),\
                              $(patsubst sql/%.sql,%,$(wildcard sql/*.sql))))
REGRESS_OPTS = --load-extension=$(EXTENSION)

# isolation tests: specs/NAME.spec -> expected/NAME.out
ISOLATION = $(sort $(patsubst specs/%.spec,%,$(wildcard specs/*.spec)))
ISOLATION_OPTS = --load-extension=$(EXTENSION)

PG_CPPFLAGS = -I$(srcdir)/src
# Warnings are errors.  -Wextra's -Wunused-parameter is off: the server
# headers' inline functions and every PG_FUNCTION_ARGS that ignores fcinfo
# trip it.  A compiler other than the one the server was built with may warn
# about the server's own CFLAGS (clang: -fexcess-precision); build with
# `make WERROR=` there.
WERROR ?= -Werror
PG_CFLAGS = -Wall -Wextra $(WERROR) -Wno-unused-parameter

EXTRA_CLEAN = results output_iso regression.diffs regression.out \
	tmp_check tmp_check_iso log

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# The headers each object includes (PGXS tracks none of them): a change to
# a struct must rebuild every object that uses it.
$(OBJS): src/orm_ext.h
$(filter src/ledger/%,$(OBJS)): src/ledger/ledger.h
$(filter src/model/%,$(OBJS)): src/model/model.h

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) $(EXTENSION).control
	cat $(SQL_PARTS) > $@

.PHONY: test demo
test:
	scripts/test

demo:
	scripts/demo
