# g6_analytics, g6 replay and g6 overlay (issue 12).
#
# bench-replay: a trading day of snapshots (750, NIFTY, 4 expiries x 41
# strikes, written by g6_chain's own writer) replayed by `g6 replay` through
# every analytic, against python3 reading the same files with json.load in
# the same run; prints snapshots/s of each and the ratio.
$(B)/bench/gen_snapshots: bench/replay/gen_snapshots.c $(LIBG6)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_G6) $(CFLAGS_G6) -o $@ $< $(LIBG6) $(LDFLAGS_G6) $(LDLIBS_G6)

.PHONY: bench-replay
bench-replay: $(B)/bench/gen_snapshots $(B)/g6
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) python3 bench/replay/bench_replay.py

BENCH_TARGETS += bench-replay
BENCH_BINS += $(B)/bench/gen_snapshots
# replay_overlay_cli.t generates its snapshots with it too
CHECK_PREREQS += $(B)/bench/gen_snapshots

# ---- fuzzing: the snapshot reader (mk/fuzz.mk) -------------------------------
FUZZ_TARGETS  += snapshot
CHECK_TESTS   += tests/fuzz/snapshot.t

# replay_overlay_cli.t runs it (a trading day of snapshots for g6 replay)
CHECK_PREREQS += $(B)/bench/gen_snapshots
