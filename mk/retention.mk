# g6_retention (issue 14): the scan benchmark.
#
# bench-retention generates a 1,000,000-file tree in the g6 layout in a
# temporary directory (build/ unless BENCH_RETENTION_DIR is set; it checks
# the free space first and removes the tree afterwards), and compares the
# wall time of g6's scan with `du -s` and `find -printf '%s\n'` on the same
# tree in the same run, with the peak RSS at 100,000 and 1,000,000 files.
# About 4.5 GiB and 1.05 M inodes while it runs; a few minutes.
# The peak RSS comes from a small launcher (bench/retention/maxrss.c): a
# child forked from Python would report Python's RSS.
$(B)/bench/maxrss: bench/retention/maxrss.c
	@mkdir -p $(@D)
	$(CC) -std=gnu11 -O2 $(WARN) -o $@ $<

.PHONY: bench-retention
bench-retention: all $(B)/bench/maxrss
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) python3 bench/retention/bench_retention.py

BENCH_TARGETS += bench-retention
BENCH_BINS += $(B)/bench/maxrss
