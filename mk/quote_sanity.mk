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
