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

# The plugins and tools built with ASan and UBSan (in build-asan/), loaded
# into the stock collectd with the sanitizer runtimes preloaded (DESIGN §3),
# and the collectd integration tests run against them; a sanitizer report in
# collectd's output fails the test. Not part of `make check` (it doubles the
# integration time); run it before releases.
ASAN_RUNTIMES = $(shell gcc -print-file-name=libasan.so) $(shell gcc -print-file-name=libubsan.so)
.PHONY: check-asan
check-asan: deps
	@$(MAKE) --no-print-directory -j$(JOBS) B=build-asan OPT="-O1 -g" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" all
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/build-asan G6_SANITIZE="$(ASAN_RUNTIMES)" \
	  prove --exec '' --timer tests/integration/chain_collect.t \
	  tests/integration/chain_threads.t \
	  tests/integration/chain_faults.t tests/integration/chain_config.t \
	  tests/integration/collectd_info.t tests/integration/chain_provider.t \
	  tests/integration/chain_calendar.t tests/integration/chain_expiry_kinds.t
