# Reliability and security harness (issue 17): fuzz targets of the parsers
# not covered elsewhere, the whole integration suite with ASan/UBSan
# (check-asan), valgrind memcheck of collectd with every g6 plugin
# (valgrind), the soak (soak), the fault and bad-configuration matrices and
# the secrets test (make check).

# ---- fuzzing (mk/fuzz.mk) ----------------------------------------------------
# options: the option tables' parser fed random oconfig_item_t trees, through
# every registered plugin's parse function.
FUZZ_TARGETS += options
CHECK_TESTS  += tests/fuzz/options.t
# iv_csv: the `g6 iv` batch format (math/iv_csv.h) and the solver behind it.
FUZZ_TARGETS += iv_csv
CHECK_TESTS  += tests/fuzz/iv_csv.t
# panels: a panel directory read by the integrity check, `g6 summary`, the
# schemas and the writer taking it over (seeds: tests/fuzz/panels_corpus.py).
FUZZ_TARGETS += panels
CHECK_TESTS  += tests/fuzz/panels.t
