# g6_panels, the integrity monitor, `g6 integrity` and `g6 summary` (issue 13).

# tmux: tests/integration/summary_tmux.t runs `g6 summary` in a real
# terminal and reads what a person would see (tmux capture-pane).
DEB_PACKAGES += tmux

# ---- fuzzing: the JSON parser behind panel hashes ---------------------------
# core/json.c with what it links (the float repr is C++ over
# libdouble-conversion, the hash is libcrypto's).
FUZZ_JSON_SRC := tests/fuzz/fuzz_json.c shared/core/json.c shared/core/buf.c \
                 shared/core/status.c shared/core/hash.c

$(B)/fuzz/dtoa.o: shared/core/dtoa.cc
	@mkdir -p $(@D)
	clang++ -g -O1 -fsanitize=fuzzer-no-link,address,undefined -Ishared \
	  -std=c++17 -c -o $@ $<

$(B)/fuzz/fuzz_json: $(FUZZ_JSON_SRC) $(B)/fuzz/dtoa.o
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $^ -ldouble-conversion -lstdc++ -lcrypto -lm

CHECK_PREREQS += $(B)/fuzz/fuzz_json
CHECK_TESTS   += tests/fuzz/json.t

.PHONY: fuzz-json
fuzz-json: $(B)/fuzz/fuzz_json
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) G6_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  prove --exec '' tests/fuzz/json.t
