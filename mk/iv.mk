# Option math (issue 3): the IV benchmark against QuantLib.
#
# QuantLib (Debian libquantlib0-dev) is the named reference; it is linked only
# into $(B)/bench/bench_iv, never into libg6, the tools or the tests.
DEB_PACKAGES += libquantlib0-dev g++

BENCH_IV_CFLAGS := -std=gnu11 -O2 $(WARN)
BENCH_IV_CXXFLAGS := -std=c++17 -O2 -Wall -Wextra

$(B)/bench/iv/bench_iv.o: bench/iv/bench_iv.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_G6) $(BENCH_IV_CFLAGS) -c -o $@ $<

$(B)/bench/iv/ql_iv.o: bench/iv/ql_iv.cpp
	@mkdir -p $(@D)
	g++ $(BENCH_IV_CXXFLAGS) -c -o $@ $<

$(B)/bench/bench_iv: $(B)/bench/iv/bench_iv.o $(B)/bench/iv/ql_iv.o $(LIBG6)
	g++ -o $@ $^ $(LDFLAGS_G6) -lQuantLib $(LDLIBS_G6)

# Prints solves/s for g6 and QuantLib and their ratio, median and max |error|
# against the true volatility, failures, Greeks throughput and the time of IV
# + all Greeks for a 20,000-leg chain. About a minute on one core.
.PHONY: bench-iv
bench-iv: $(B)/bench/bench_iv
	$(B)/bench/bench_iv

BENCH_TARGETS += bench-iv
BENCH_BINS += $(B)/bench/bench_iv
