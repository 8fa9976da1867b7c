# g6_panels, the integrity monitor, `g6 integrity` and `g6 summary` (issue 13).

# tmux: tests/integration/summary_tmux.t runs `g6 summary` in a real
# terminal and reads what a person would see (tmux capture-pane).
DEB_PACKAGES += tmux

# panels_crash.t preloads this into collectd: renameat2 sleeps, so the test
# kills inside the window between a finished set and its swap.
$(B)/tests/slow_rename.so: tests/lib/slow_rename.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -O2 -Wall -o $@ $< -ldl

CHECK_PREREQS += $(B)/tests/slow_rename.so

# ---- fuzzing: the JSON parser behind panel hashes (mk/fuzz.mk) -------------
FUZZ_TARGETS  += json
CHECK_TESTS   += tests/fuzz/json.t

# ---- the panels tests with ASan/UBSan ---------------------------------------
# Like check-asan (mk/chain.mk): the plugins and tools built with the
# sanitizers in build-asan/, g6_panels loaded into the stock collectd with the
# runtimes preloaded; a report in collectd's output fails the test. Not part
# of `make check`.
PANELS_ASAN_RUNTIMES = $(shell gcc -print-file-name=libasan.so) \
                       $(shell gcc -print-file-name=libubsan.so)
.PHONY: check-asan-panels
check-asan-panels: deps
	@$(MAKE) --no-print-directory -j$(JOBS) B=build-asan OPT="-O1 -g" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" all
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/build-asan \
	  G6_SANITIZE="$(PANELS_ASAN_RUNTIMES)" \
	  prove --exec '' --timer tests/integration/panels_collect.t \
	  tests/integration/panels_tamper.t tests/integration/panels_config.t \
	  tests/integration/summary_tmux.t

# ---- bench ------------------------------------------------------------------
# make bench-panels: the write callback's cost per value, a whole flush of a
# 5-index host and the canonical hash, against the old platform's Python
# algorithm on the same panels (bench/panels/bench_panels.py).
$(B)/bench/bench_panels: bench/panels/bench_panels.c $(LIBG6)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_G6) $(CFLAGS_G6) -o $@ $< $(LIBG6) $(LDFLAGS_G6) $(LDLIBS_G6)

.PHONY: bench-panels
bench-panels: $(B)/bench/bench_panels
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) python3 bench/panels/bench_panels.py

BENCH_TARGETS += bench-panels
