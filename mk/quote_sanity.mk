# Quote sanity: parity forwards and no-arbitrage checks (issue 15).
#
# tests/unit/mockd/test_market checks g6-mockd's own market with g6's quote
# checks (it is free of static arbitrage; each bad quote it can inject
# breaks its rule), so it links the mock's market model with libg6.
$(B)/tests/unit/mockd/%.o: CPPFLAGS_G6 += -Itools/g6-mockd

$(B)/tests/unit/mockd/test_market: $(B)/tests/unit/mockd/test_market.o \
    $(B)/tools/g6-mockd/market.o $(LIBG6)
	$(CC) -o $@ $< $(B)/tools/g6-mockd/market.o $(LIBG6) $(LDFLAGS_G6) \
	  -lcmocka $(LDLIBS_G6)

# bench-quote-checks: g6_quote_checks on one index's chain (4 expiries x 201
# strikes) against the IV solve of the same legs in the same run (the work
# every cycle does already); prints both per leg and their ratio.
$(B)/bench/bench_quote_checks: bench/quote_checks/bench_checks.c $(LIBG6)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_G6) $(CFLAGS_G6) -o $@ $< $(LIBG6) $(LDFLAGS_G6) $(LDLIBS_G6)

.PHONY: bench-quote-checks
bench-quote-checks: $(B)/bench/bench_quote_checks
	$(B)/bench/bench_quote_checks

BENCH_TARGETS += bench-quote-checks
BENCH_BINS += $(B)/bench/bench_quote_checks
