# g6_chain (issue 6): the collection-cycle benchmark.
#
# bench-chain runs one steady-state cycle of 5 indices x 4 expiries x 201
# strikes x 2 legs in the real collectd against g6-mockd and the same quote
# batches through curl (the I/O floor), and prints wall time, CPU per 1,000
# legs, collectd's peak RSS and the ratio to the floor.
.PHONY: bench-chain
bench-chain: all
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) python3 bench/chain/bench_chain.py

BENCH_TARGETS += bench-chain

# make check-asan (the whole suite with ASan/UBSan) is in mk/reliability.mk.
