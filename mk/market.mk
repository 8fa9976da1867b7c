# Exchange calendars and sessions (issue 10).
#
# The calendar parser gets a libFuzzer target like the other parsers
# (mk/kite.mk, included before this file); `make check` runs it for G6_FUZZ_SECONDS through
# tests/fuzz/calendar.t. The calendars themselves (calendars/*.txt) are
# installed by the main Makefile's install target.
$(B)/fuzz/fuzz_calendar: tests/fuzz/fuzz_calendar.c shared/market/calendar.c \
    $(FUZZ_COMMON)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -lm

CHECK_PREREQS += $(B)/fuzz/fuzz_calendar
CHECK_TESTS   += tests/fuzz/calendar.t
FUZZ_BINS     += $(B)/fuzz/fuzz_calendar
