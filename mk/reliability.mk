# Reliability and security harness (issue 17): fuzz targets of the parsers
# not covered elsewhere, the whole integration suite with ASan/UBSan
# (check-asan), valgrind memcheck of collectd with every g6 plugin
# (valgrind), the soak (soak), the fault and bad-configuration matrices and
# the secrets test (make check).

# tests/integration/fault_matrix.t steps collectd's wall clock with
# libfaketime (LD_PRELOAD into collectd alone; the machine's clock is never
# touched).
DEB_PACKAGES += libfaketime

# ---- fuzzing (mk/fuzz.mk) ----------------------------------------------------
# options: the option tables' parser fed random oconfig_item_t trees, through
# every registered plugin's parse function.
FUZZ_TARGETS += options
CHECK_TESTS  += tests/fuzz/options.t
# iv_csv: the `g6 iv` batch format (math/iv_csv.h) and the solver behind it.
FUZZ_TARGETS += iv_csv
CHECK_TESTS  += tests/fuzz/iv_csv.t
# panels: a panel directory read by the integrity check, `g6 summary`, the
# schemas and the writer taking it over (seeds: tests/fuzz/panels_corpus.py).
FUZZ_TARGETS += panels
CHECK_TESTS  += tests/fuzz/panels.t
# spec: the metric spec compiler (tools/g6/spec/, with libyaml), its
# objects built with the fuzzing flags beside libg6's.
FUZZ_TARGETS += spec
CHECK_TESTS  += tests/fuzz/spec.t
FUZZ_SPEC_OBJ := $(patsubst %.c,$(B)/fuzz/obj/%.o,$(sort $(wildcard tools/g6/spec/*.c)))
$(B)/fuzz/obj/tools/g6/spec/%.o: tools/g6/spec/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) -D_GNU_SOURCE \
	  -Ishared -Itools/g6 -I$(B)/gen -std=gnu11 -DG6_VERSION='"$(VERSION)"' \
	  -MMD -MP -c -o $@ $<
-include $(FUZZ_SPEC_OBJ:.o=.d)
$(B)/fuzz/fuzz_spec: $(FUZZ_SPEC_OBJ)
FUZZ_EXTRA_spec := -Itools/g6 $(FUZZ_SPEC_OBJ)
FUZZ_LIBS_spec  := -lyaml
# csv_read: the per-strike CSV files read back (row parser, file reader, the
# book of chains) and the analytics on them, as `g6 replay FILE.csv`.
# overlay: a day's CSV file, a master, its state files (`g6 overlay`).
# Seeds: tests/fuzz/make_corpus.py, from a real run.
FUZZ_TARGETS += csv_read overlay
CHECK_TESTS  += tests/fuzz/csv_read.t tests/fuzz/overlay.t
# retention: the data directory's layout grammar and a pruning sweep over a
# tree built from it (exactly the prunable files go; never via a symlink).
FUZZ_TARGETS += retention
CHECK_TESTS  += tests/fuzz/retention.t
# session: the /session/token answer `g6 kite-token` reads (it carries the
# access token: an error message must never hold it).
FUZZ_TARGETS += session
CHECK_TESTS  += tests/fuzz/session.t

# ---- make check-asan: the whole suite with ASan and UBSan ----------------------
# libg6, every plugin, the tools and the unit tests built with
# -fsanitize=address,undefined in build-asan/; the plugins load into the
# stock collectd with the sanitizer runtimes preloaded (DESIGN §3). Runs
# every unit test and every integration test (not the fuzz targets, which
# are sanitized already). A report fails the run two ways: collectd's go to
# its output, which each test's harness reads (g6test.unexpected_errors:
# never declared away); the tools' (g6, g6-mockd, with leak detection) go to
# files under build-asan/sanitizer-reports/, and any file there fails the
# target. Not part of `make check` (it takes several times longer).
ASAN_RUNTIMES  = $(shell gcc -print-file-name=libasan.so) \
                 $(shell gcc -print-file-name=libubsan.so)
ASAN_B         := build-asan
ASAN_REPORTS   := $(CURDIR)/$(ASAN_B)/sanitizer-reports
ASAN_UNIT_BINS  = $(UNIT_SRC:tests/unit/%.c=$(ASAN_B)/tests/unit/%)
# The build flags go to the tests' environment too: install.t runs
# `make B=build-asan install`, which must not relink without them.
ASAN_FLAGS     := OPT="-O1 -g" \
  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
  EXTRA_LDFLAGS="-fsanitize=address,undefined"
.PHONY: check-asan
check-asan: deps
	@$(MAKE) --no-print-directory -j$(JOBS) B=$(ASAN_B) $(ASAN_FLAGS) \
	  all tests check-asan-prereqs
	@rm -rf $(ASAN_REPORTS) && mkdir -p $(ASAN_REPORTS)
	$(ASAN_FLAGS) G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(ASAN_B) \
	  G6_SANITIZE="$(ASAN_RUNTIMES)" \
	  ASAN_OPTIONS="log_path=$(ASAN_REPORTS)/asan:detect_leaks=1" \
	  LSAN_OPTIONS="suppressions=$(CURDIR)/tests/reliability/lsan.supp:print_suppressions=0" \
	  UBSAN_OPTIONS="log_path=$(ASAN_REPORTS)/ubsan:print_stacktrace=1" \
	  prove --exec '' --timer -j$(JOBS) $(ASAN_UNIT_BINS) \
	    $(sort $(wildcard tests/integration/*.t))
	@if [ -n "$$(ls -A $(ASAN_REPORTS))" ]; then \
	  echo "check-asan: sanitizer reports of the tools:"; \
	  for f in $(ASAN_REPORTS)/*; do echo "== $$f"; cat "$$f"; done; exit 1; \
	else echo "check-asan: no sanitizer report"; fi

# What the integration tests need beyond `all` (run in the sanitized build):
# check-asan-prereqs, defined in the Makefile after every mk/*.mk has added
# to CHECK_PREREQS (a prerequisite list is expanded when it is read).

# ---- make valgrind: memcheck of collectd with every g6 plugin --------------------
# tests/reliability/valgrind.t: >= 50 cycles of every index with faults
# switched on and off, then a clean shutdown; 0 errors and 0 bytes
# definitely lost after tests/reliability/valgrind.supp (known third-party
# leaks only, each explained). G6_VALGRIND_CYCLES raises the count.
DEB_PACKAGES += valgrind
.PHONY: valgrind
valgrind: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) \
	  prove --exec '' --timer -v tests/reliability/valgrind.t

# ---- make soak: every plugin at a fast interval for >= 10,000 index cycles ------
# tests/reliability/soak.t: faults on and off through g6-mockd's admin
# endpoint; RSS growth after warm-up <= 2 MiB, no descriptor leak, every
# cycle and every request accounted for in the metrics; prints the RSS
# curve. G6_SOAK_CYCLES and G6_SOAK_INTERVAL change the length and pace.
.PHONY: soak
soak: deps
	@$(MAKE) --no-print-directory -j$(JOBS) all
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) \
	  prove --exec '' --timer -v tests/reliability/soak.t
