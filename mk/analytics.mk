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

# ---- fuzzing ------------------------------------------------------------------
# The snapshot reader under libFuzzer with ASan/UBSan (clang, like the quote
# and instrument parsers in mk/kite.mk); tests/fuzz/snapshot.t runs it for
# G6_FUZZ_SECONDS in make check. The round trip needs the writer and its
# JSON (the shortest-repr digits come from libdouble-conversion).
FUZZ_SNAPSHOT_SRC := tests/fuzz/fuzz_snapshot.c shared/store/snapshot_read.c \
  shared/store/snapshot.c shared/core/json.c shared/core/buf.c \
  shared/core/fsutil.c shared/core/ist.c shared/core/status.c \
  shared/market/chain.c shared/math/analytics.c shared/math/bs.c \
  shared/math/iv.c shared/core/hash.c
$(B)/fuzz/dtoa.o: shared/core/dtoa.cc
	@mkdir -p $(@D)
	clang++ -g -O1 -fsanitize=fuzzer-no-link,address,undefined -Ishared -c -o $@ $<

$(B)/fuzz/fuzz_snapshot: $(FUZZ_SNAPSHOT_SRC) tests/unit/snapfix.h $(B)/fuzz/dtoa.o
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -Itests/unit -o $@ $(FUZZ_SNAPSHOT_SRC) $(B)/fuzz/dtoa.o \
	  -lyajl -lcrypto -ldouble-conversion -lstdc++ -lm

CHECK_PREREQS += $(B)/fuzz/fuzz_snapshot
CHECK_TESTS   += tests/fuzz/snapshot.t
