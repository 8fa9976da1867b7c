# g6_chain (issue 6): the collection-cycle benchmark.
#
# bench-chain runs steady-state cycles of 5 indices x 4 expiries x 201
# strikes x 2 legs in the real collectd against g6-mockd and the same quote
# batches through curl (the I/O floor), and prints wall time, CPU per 1,000
# legs, collectd's peak RSS and the ratio to the floor; then the kernel's
# cost of one per-strike CSV append (append_cost.c), the part of the CPU
# that the file layout fixes.
.PHONY: bench-chain
bench-chain: all $(B)/bench/append_cost
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) python3 bench/chain/bench_chain.py

$(B)/bench/append_cost: bench/chain/append_cost.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 $(OPT) $(WARN) -o $@ $<

BENCH_TARGETS += bench-chain
BENCH_BINS += $(B)/bench/append_cost

# make check-asan (the whole suite with ASan/UBSan) is in mk/reliability.mk.

# tests/integration/chain_open_files.t mounts a DataDir through FUSE (bindfs,
# a file system that is not local, like NFS) to check that no CSV file is
# held open there.
DEB_PACKAGES += bindfs
