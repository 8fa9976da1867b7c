# g6_panels, the integrity monitor, `g6 integrity` and `g6 summary` (issue 13).

# tmux: tests/integration/summary_tmux.t runs `g6 summary` in a real
# terminal and reads what a person would see (tmux capture-pane).
DEB_PACKAGES += tmux

# panels_crash.t and panels_shared_dir.t preload this into collectd:
# renameat2 sleeps (and marks the swap of a set), so the tests kill collectd,
# or create files in PanelsDir, inside the window between a finished set and
# its swap.
$(B)/tests/slow_rename.so: tests/lib/slow_rename.c
	@mkdir -p $(@D)
	$(CC) -shared -fPIC -O2 -Wall -o $@ $< -ldl

CHECK_PREREQS += $(B)/tests/slow_rename.so

# ---- fuzzing: the JSON parser behind panel hashes (mk/fuzz.mk) -------------
FUZZ_TARGETS  += json
CHECK_TESTS   += tests/fuzz/json.t

# The panels tests with ASan/UBSan run in `make check-asan` (mk/reliability.mk).

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
BENCH_BINS += $(B)/bench/bench_panels
