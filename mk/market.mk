# Exchange calendars and sessions (issue 10).
#
# The calendar parser gets a libFuzzer target like the other parsers
# (mk/fuzz.mk); `make check` runs it for G6_FUZZ_SECONDS through
# tests/fuzz/calendar.t. The calendars themselves (calendars/*.txt) are
# installed by the main Makefile's install target.
FUZZ_TARGETS  += calendar
CHECK_TESTS   += tests/fuzz/calendar.t
