# The options desk (issue 18).
#
# bench-desk: what the desk adds per cycle against what the cycle already
# does, in the same run: g6_chain's session bookkeeping against its IV and
# Greeks solve of the same 8,040 legs; g6_analytics' desk figures against
# the chain report of the same snapshot. Prints ns per leg and the ratios.
$(B)/bench/bench_desk: bench/desk/bench_desk.c $(LIBG6)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_G6) $(CFLAGS_G6) -o $@ $< $(LIBG6) $(LDFLAGS_G6) $(LDLIBS_G6)

.PHONY: bench-desk
bench-desk: $(B)/bench/bench_desk
	$(B)/bench/bench_desk

BENCH_TARGETS += bench-desk
BENCH_BINS += $(B)/bench/bench_desk

# ---- the desk's tests with ASan/UBSan ---------------------------------------
# Like check-asan (mk/chain.mk): libg6, the plugins and tools built with the
# sanitizers in build-asan/; the desk's unit tests run there directly (the
# unit binaries are linked with the sanitizers), desk_collect.t loads the
# plugins into the stock collectd with the runtimes preloaded, and a report
# fails the test. Not part of `make check`.
DESK_ASAN_UNITS = math/test_desk store/test_iv_history store/test_snapshot_read \
                  collector/test_analyzer collector/test_collector
DESK_ASAN_RUNTIMES = $(shell gcc -print-file-name=libasan.so) \
                     $(shell gcc -print-file-name=libubsan.so)
.PHONY: check-asan-desk
check-asan-desk: deps
	@$(MAKE) --no-print-directory -j$(JOBS) B=build-asan OPT="-O1 -g" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" all \
	  $(DESK_ASAN_UNITS:%=build-asan/tests/unit/%)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1 \
	  G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/build-asan \
	  prove --exec '' --timer $(DESK_ASAN_UNITS:%=build-asan/tests/unit/%)
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/build-asan \
	  G6_SANITIZE="$(DESK_ASAN_RUNTIMES)" \
	  prove --exec '' --timer tests/integration/desk_collect.t
