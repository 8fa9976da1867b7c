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
