# Kite client, g6-mockd, fuzzing and the quote-parsing bench (issue 5).

# g6-mockd gzips the instruments dump.
LDLIBS_g6-mockd += -lz
# clang and libFuzzer's runtime for clang 14 (libclang_rt.fuzzer-x86_64.a is
# in libclang-rt-14-dev on bookworm); jq is the bench's reference.
DEB_PACKAGES += zlib1g-dev clang libclang-rt-14-dev jq

# ---- fuzzing (mk/fuzz.mk) ---------------------------------------------------
FUZZ_TARGETS  += quote instruments
CHECK_TESTS   += tests/fuzz/quote.t tests/fuzz/instruments.t

# ---- bench --------------------------------------------------------------------
$(B)/bench/bench_quotes: bench/quotes/bench_quotes.c $(LIBG6)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_G6) $(CFLAGS_G6) -o $@ $< $(LIBG6) $(LDFLAGS_G6) $(LDLIBS_G6)

.PHONY: bench-quotes
bench-quotes: $(B)/bench/bench_quotes $(B)/g6-mockd
	G6_BUILD=$(CURDIR)/$(B) bench/quotes/run.sh

BENCH_TARGETS += bench-quotes
BENCH_BINS += $(B)/bench/bench_quotes
