# g6 — collectd plugins for Indian index option chains. Plain GNU make.
#
#   make            build libg6, the collectd plugins and the tools into build/
#   make check      install missing Debian packages, build, run every test (TAP, prove)
#   make demo       run collectd with g6 against the built-in mock market (g6-mockd)
#   make install    install plugins, types.db, conf.d snippets, tools, Prometheus
#                   and Grafana files (PREFIX, DESTDIR); make uninstall removes them
#   make deb        the Debian package (mk/package.mk)
#   make bench      run the benchmarks; each prints a ratio against a named reference
#   make deps       install exactly the Debian packages g6 needs (idempotent)
#   make clean      remove build/
#
# Areas with extra build steps (spec generator, fuzzing, benchmarks) keep them in
# mk/<area>.mk, included below; they append to the variables in "Hooks".

SHELL := /bin/bash
.SUFFIXES:
.DELETE_ON_ERROR:
.SECONDARY:
.DEFAULT_GOAL := all

VERSION := $(shell cat VERSION)
B       := build
# An absolute B inside the tree (tests/integration/install.t runs `make -C
# <tree> B=$G6_BUILD`) is made relative. The dependency files (.d) name each
# object as it was made ($@): an object made once as /tree/build/x.o and
# read back as build/x.o lost its header dependencies, so a changed struct
# left it stale (collectd crashed in g6_chain after such a build).
override B := $(patsubst $(CURDIR)/%,%,$(B))
PREFIX  ?= /usr/local
DESTDIR ?=
BINDIR  ?= $(PREFIX)/bin
# Where the plugins are installed; conf.d/g6.conf points a PluginDir here.
PLUGINDIR ?= $(PREFIX)/lib/g6/collectd
DATADIR   ?= $(PREFIX)/share/g6
COLLECTD_PLUGINDIR := /usr/lib/collectd
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

# ---- flags (DESIGN §3) ------------------------------------------------------
WARN     := -Wall -Wextra -Wshadow -Wconversion -Werror
OPT      ?= -O2 -g
CPPFLAGS_G6 := -D_GNU_SOURCE -DHAVE_CONFIG_H -I/usr/include/collectd \
               -Ishared -I$(B)/gen -DG6_VERSION='"$(VERSION)"'
CFLAGS_G6   := -std=gnu11 $(OPT) $(WARN) -fPIC -MMD -MP $(EXTRA_CFLAGS)
LDFLAGS_G6  := -Wl,--as-needed $(EXTRA_LDFLAGS)
LDLIBS_G6   := -lcurl -lyajl -lsimdjson -lcrypto -lstdc++ -lm \
               -lpthread
CXXFLAGS_G6 := -std=c++17 $(OPT) -Wall -Wextra -Wshadow -Wconversion -Werror \
               -fPIC -fno-exceptions -fno-rtti -MMD -MP

# ---- Hooks: mk/*.mk fragments append to these -------------------------------
# Debian packages `make deps` installs when missing.
DEB_PACKAGES := gcc make perl python3 curl ca-certificates \
  collectd-core collectd-dev libmicrohttpd12 libprotobuf-c1 rrdtool prometheus \
  libyajl-dev libcurl4-openssl-dev libyaml-dev librrd-dev libssl-dev \
  libmicrohttpd-dev libcmocka-dev g++ libsimdjson-dev
# Extra targets built before the tests run, and extra TAP test files.
CHECK_PREREQS :=
CHECK_TESTS   :=
# Benchmark targets run by `make bench`.
BENCH_TARGETS :=
# Extra link flags per tool: LDLIBS_<tool>.
LDLIBS_g6-mockd := -lmicrohttpd
# The spec compiler (tools/g6/spec/) is the only user of libyaml: neither
# libg6 nor a plugin links it.
LDLIBS_g6 := -lyaml

# ---- sources ----------------------------------------------------------------
# libg6: one folder per concern (README "Layout"); tests/build/layers.t keeps
# lower folders from including higher ones.
LIB_DIRS := core math market store metrics collector config
LIB_SRC  := $(sort $(wildcard $(LIB_DIRS:%=shared/%/*.c)))
# two C++ files behind C functions: shortest float digits through libstdc++'s
# std::to_chars (core/dtoa.cc) and the simdjson walk of /quote bodies
# (market/quote_fast.cc)
LIB_CXX_SRC := $(sort $(wildcard $(LIB_DIRS:%=shared/%/*.cc)))
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o) $(LIB_CXX_SRC:%.cc=$(B)/%.o)
LIBG6    := $(B)/libg6.a

PLUGIN_SRC := $(sort $(wildcard plugins/*.c))
PLUGINS    := $(PLUGIN_SRC:plugins/%.c=$(B)/plugins/%.so)
# Glue that needs the collectd API (dispatch, logging) and is shared by every
# plugin: compiled into each .so, never into libg6 (which must not depend on
# symbols of the collectd binary, so its unit tests run without collectd).
PLUGIN_COMMON_OBJ := $(patsubst %.c,$(B)/%.o,$(sort $(wildcard plugins/common/*.c)))

# Every directory under tools/ holding C files is one program of that name;
# its subfolders (tools/g6/spec/) are part of it and include from its root.
TOOLS     := $(sort $(notdir $(patsubst %/,%,$(dir $(wildcard tools/*/*.c)))))
TOOL_BINS := $(TOOLS:%=$(B)/%)
tool_src   = $(sort $(wildcard tools/$(1)/*.c tools/$(1)/*/*.c))
$(B)/tools/g6/%.o: CPPFLAGS_G6 += -Itools/g6

# The spec compiler, linked into the g6 tool and into its unit test.
SPEC_OBJ := $(patsubst %.c,$(B)/%.o,$(sort $(wildcard tools/g6/spec/*.c)))

# Unit tests mirror the library: tests/unit/<concern>/test_<module>.c.
UNIT_SRC  := $(sort $(wildcard tests/unit/*/test_*.c))
UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/unit/%)
$(B)/tests/unit/%.o: CPPFLAGS_G6 += -Itests/unit
$(B)/tests/unit/spec/%.o: CPPFLAGS_G6 += -Itools/g6

TEST_SCRIPTS = $(sort $(wildcard tests/build/*.t tests/integration/*.t)) $(CHECK_TESTS)

-include $(sort $(wildcard mk/*.mk))

# ---- build ------------------------------------------------------------------
.PHONY: all plugins tools tests
all: $(LIBG6) $(PLUGINS) $(TOOL_BINS)
plugins: $(PLUGINS)
tools: $(TOOL_BINS)
tests: $(UNIT_BINS)

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_G6) $(CFLAGS_G6) -c -o $@ $<

$(B)/%.o: %.cc
	@mkdir -p $(@D)
	$(CXX) $(CPPFLAGS_G6) $(CXXFLAGS_G6) -c -o $@ $<

$(LIBG6): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

# Plugins get libg6 linked in statically with its symbols hidden
# (--exclude-libs), so two g6 plugins in one collectd never interpose on each
# other. Undefined symbols are checked against the collectd binary by
# tests/build/symbols.t, since --no-undefined cannot work for plugins.
$(B)/plugins/%.so: $(B)/plugins/%.o $(PLUGIN_COMMON_OBJ) $(LIBG6)
	$(CC) -shared -o $@ $< $(PLUGIN_COMMON_OBJ) $(LIBG6) -Wl,--exclude-libs,ALL \
	  $(LDFLAGS_G6) $(LDLIBS_G6) $(LDLIBS_$*)

define tool_rule
$(B)/$(1): $(patsubst %.c,$(B)/%.o,$(call tool_src,$(1))) $(LIBG6)
	$$(CC) -o $$@ $$(filter %.o,$$^) $(LIBG6) $$(LDFLAGS_G6) $$(LDLIBS_G6) $$(LDLIBS_$(1))
endef
$(foreach t,$(TOOLS),$(eval $(call tool_rule,$(t))))

$(B)/tests/unit/%: $(B)/tests/unit/%.o $(LIBG6)
	$(CC) -o $@ $< $(LIBG6) $(LDFLAGS_G6) -lcmocka $(LDLIBS_G6)

# test_csv_sink makes close(2) fail on demand (a write-back error reported
# at close, as on NFS), fstatfs(2) report NFS and openat(2) refuse to create
# a file as a read-only file system does: its __wrap_close, __wrap_fstatfs
# and __wrap_openat see every such call in libg6.
$(B)/tests/unit/store/test_csv_sink: LDFLAGS_G6 += -Wl,--wrap=close \
  -Wl,--wrap=fstatfs -Wl,--wrap=openat

$(B)/tests/unit/spec/test_spec: $(B)/tests/unit/spec/test_spec.o $(SPEC_OBJ) \
    $(LIBG6)
	$(CC) -o $@ $< $(SPEC_OBJ) $(LIBG6) $(LDFLAGS_G6) -lcmocka $(LDLIBS_G6) \
	  -lyaml

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# ---- check ------------------------------------------------------------------
.PHONY: check check-only deps
# `check` first installs what is missing, then builds and tests in a fresh
# make so the build sees the installed headers.
check: deps
	@$(MAKE) --no-print-directory -j$(JOBS) check-only

check-only: all $(UNIT_BINS) $(CHECK_PREREQS) $(FUZZ_BINS)
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) \
	  prove --exec '' --timer -j$(JOBS) $(UNIT_BINS) $(TEST_SCRIPTS)

# What the integration tests need beyond `all`, for make check-asan
# (mk/reliability.mk), which builds it in its own build directory.
.PHONY: check-asan-prereqs
check-asan-prereqs: $(CHECK_PREREQS)

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
deps:
	@missing=""; \
	for p in $(sort $(DEB_PACKAGES)); do \
	  dpkg-query -W -f='$${db:Status-Abbrev}' "$$p" 2>/dev/null | grep -q '^ii' \
	    || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
	  echo "deps: all $(words $(sort $(DEB_PACKAGES))) Debian packages present"; \
	else \
	  echo "deps: installing$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq \
	    --no-install-recommends $$missing; \
	fi

# ---- demo -------------------------------------------------------------------
.PHONY: demo
demo: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) \
	  $(foreach v,DEMO_SECONDS DEMO_PORT DEMO_MOCK_PORT DEMO_DIR,$(if $($(v)),$(v)=$($(v)))) \
	  tools/demo.sh

# ---- bench ------------------------------------------------------------------
.PHONY: bench
bench: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all $(BENCH_TARGETS)

# ---- install ----------------------------------------------------------------
# Plugins in $(PLUGINDIR), the CLI and g6-mockd in $(BINDIR), and under
# $(DATADIR): types.db, the exchange calendars, the collectd.conf.d snippets
# (conf.d/, paths filled in; copy the ones you want into
# /etc/collectd/collectd.conf.d), the Prometheus scrape job, rules and alerts
# (prometheus/) and the Grafana dashboards and provisioning (grafana/; the
# dashboard provider's path points at the installed dashboards, and
# manifest.json stays beside them, outside the provisioned folder). The
# Debian package (make deb, mk/package.mk) installs the same tree with
# PREFIX=/usr and puts the snippets in /etc/collectd/collectd.conf.d.
.PHONY: install uninstall
install: all
	install -d $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) \
	  $(DESTDIR)$(DATADIR)/conf.d $(DESTDIR)$(DATADIR)/calendars \
	  $(DESTDIR)$(DATADIR)/prometheus $(DESTDIR)$(DATADIR)/grafana/dashboards \
	  $(DESTDIR)$(DATADIR)/grafana/provisioning/dashboards \
	  $(DESTDIR)$(DATADIR)/grafana/provisioning/datasources
	install -m 0644 $(PLUGINS) $(DESTDIR)$(PLUGINDIR)/
	$(if $(TOOL_BINS),install -m 0755 $(TOOL_BINS) $(DESTDIR)$(BINDIR)/)
	install -m 0644 types.db $(DESTDIR)$(DATADIR)/types.db
	for f in conf.d/*.conf; do \
	  sed -e 's|@PLUGINDIR@|$(PLUGINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' \
	      -e 's|@COLLECTD_PLUGINDIR@|$(COLLECTD_PLUGINDIR)|g' "$$f" \
	    > $(DESTDIR)$(DATADIR)/conf.d/$$(basename "$$f"); \
	done
	install -m 0644 calendars/*.txt $(DESTDIR)$(DATADIR)/calendars/
	install -m 0644 prometheus/scrape.yml prometheus/rules.yml \
	  prometheus/alerts.yml $(DESTDIR)$(DATADIR)/prometheus/
	install -m 0644 grafana/manifest.json $(DESTDIR)$(DATADIR)/grafana/
	install -m 0644 grafana/dashboards/*.json $(DESTDIR)$(DATADIR)/grafana/dashboards/
	install -m 0644 grafana/provisioning/datasources/g6.yml \
	  $(DESTDIR)$(DATADIR)/grafana/provisioning/datasources/g6.yml
	sed -e 's|^      path: .*|      path: $(DATADIR)/grafana/dashboards|' \
	    -e 's|^# and the JSON files of grafana/dashboards/ to options.path.|# (this installed copy points options.path at the installed dashboards)|' \
	    grafana/provisioning/dashboards/g6.yml \
	  > $(DESTDIR)$(DATADIR)/grafana/provisioning/dashboards/g6.yml

# Removes exactly what install put there (and the directories it emptied),
# quietly when nothing is installed. Copies of the snippets enabled in a
# collectd.conf.d directory (the README's install steps) are the operator's:
# they are left alone, but each *.conf there that points at this PREFIX's
# plugin directory or types.db is named first, since collectd does not start
# while one does.
UNINSTALL_CONFDS := $(DESTDIR)/etc/collectd/collectd.conf.d $(DESTDIR)/etc/collectd.d
uninstall:
	@left=""; \
	for dir in $(UNINSTALL_CONFDS); do \
	  [ -d "$$dir" ] || continue; \
	  for f in "$$dir"/*.conf; do \
	    [ -f "$$f" ] && grep -qF -e 'PluginDir "$(PLUGINDIR)"' \
	      -e '"$(DATADIR)/' "$$f" && left="$$left $$f"; \
	  done; \
	done; \
	if [ -n "$$left" ]; then \
	  echo "make uninstall: WARNING: collectd will not start while these enabled snippets point at the files of PREFIX=$(PREFIX) this removes (its plugins, types.db, calendars):" >&2; \
	  for f in $$left; do echo "  $$f" >&2; done; \
	  echo "make uninstall: remove them first (or disable one by renaming it so it does not end in .conf, e.g. g6_chain.conf.disabled), then check with collectd -T" >&2; \
	fi
	rm -f $(addprefix $(DESTDIR)$(PLUGINDIR)/,$(notdir $(PLUGINS))) \
	  $(addprefix $(DESTDIR)$(BINDIR)/,$(notdir $(TOOL_BINS))) \
	  $(DESTDIR)$(DATADIR)/types.db \
	  $(addprefix $(DESTDIR)$(DATADIR)/conf.d/,$(notdir $(wildcard conf.d/*.conf))) \
	  $(addprefix $(DESTDIR)$(DATADIR)/,$(wildcard calendars/*.txt) \
	    prometheus/scrape.yml prometheus/rules.yml prometheus/alerts.yml \
	    grafana/manifest.json $(wildcard grafana/dashboards/*.json) \
	    grafana/provisioning/dashboards/g6.yml \
	    grafana/provisioning/datasources/g6.yml)
	@for dir in $(DESTDIR)$(PLUGINDIR) $(DESTDIR)$(PREFIX)/lib/g6 \
	  $(DESTDIR)$(DATADIR)/conf.d $(DESTDIR)$(DATADIR)/calendars \
	  $(DESTDIR)$(DATADIR)/prometheus $(DESTDIR)$(DATADIR)/grafana/dashboards \
	  $(DESTDIR)$(DATADIR)/grafana/provisioning/dashboards \
	  $(DESTDIR)$(DATADIR)/grafana/provisioning/datasources \
	  $(DESTDIR)$(DATADIR)/grafana/provisioning $(DESTDIR)$(DATADIR)/grafana \
	  $(DESTDIR)$(DATADIR); do \
	  [ ! -d "$$dir" ] || rmdir --ignore-fail-on-non-empty "$$dir"; \
	done

# ---- clean ------------------------------------------------------------------
.PHONY: clean
clean:
	rm -rf $(B)
