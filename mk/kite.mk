# Kite client, g6-mockd, fuzzing and the quote-parsing bench (issue 5).

# g6-mockd gzips the instruments dump.
LDLIBS_g6-mockd += -lz
# clang and libFuzzer's runtime for clang 14 (libclang_rt.fuzzer-x86_64.a is
# in libclang-rt-14-dev on bookworm); jq is the bench's reference.
DEB_PACKAGES += zlib1g-dev clang libclang-rt-14-dev jq

# ---- fuzzing ------------------------------------------------------------------
# Each target links the parser sources it exercises, compiled by clang with
# libFuzzer, ASan and UBSan. `make check` runs each for G6_FUZZ_SECONDS (20 s)
# through tests/fuzz/*.t; `make fuzz FUZZ_SECONDS=600` runs longer.
FUZZ_CC     := clang
FUZZ_FLAGS  := -g -O1 -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined -D_GNU_SOURCE -Ishared
FUZZ_COMMON := shared/core/status.c shared/core/buf.c shared/core/fsutil.c \
               shared/core/ist.c
FUZZ_BINS   := $(B)/fuzz/fuzz_quote $(B)/fuzz/fuzz_instruments

$(B)/fuzz/fuzz_quote: tests/fuzz/fuzz_quote.c shared/market/quote.c $(FUZZ_COMMON)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -lyajl -lm

$(B)/fuzz/fuzz_instruments: tests/fuzz/fuzz_instruments.c shared/market/instruments.c \
    shared/market/chain.c $(FUZZ_COMMON)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -lm

CHECK_PREREQS += $(FUZZ_BINS)
CHECK_TESTS   += tests/fuzz/quote.t tests/fuzz/instruments.t

FUZZ_SECONDS ?= 300
.PHONY: fuzz
fuzz: $(FUZZ_BINS)
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) G6_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  prove --exec '' tests/fuzz/quote.t tests/fuzz/instruments.t

# ---- bench --------------------------------------------------------------------
$(B)/bench/bench_quotes: bench/quotes/bench_quotes.c $(LIBG6)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_G6) $(CFLAGS_G6) -o $@ $< $(LIBG6) $(LDFLAGS_G6) $(LDLIBS_G6)

.PHONY: bench-quotes
bench-quotes: $(B)/bench/bench_quotes $(B)/g6-mockd
	G6_BUILD=$(CURDIR)/$(B) bench/quotes/run.sh

BENCH_TARGETS += bench-quotes
