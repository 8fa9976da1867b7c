# Fuzzing: every parser under libFuzzer with ASan and UBSan (clang).
#
# libg6 is built a second time with clang and the sanitizers
# ($(B)/fuzz/libg6.a, objects under $(B)/fuzz/obj/), so a target is one C
# file, tests/fuzz/fuzz_<name>.c, linked against it: add the name to
# FUZZ_TARGETS (and a tests/fuzz/<name>.t that calls fuzzlib.run) and it is
# built, run for G6_FUZZ_SECONDS in `make check` and longer by `make fuzz`.
# Targets that need more than libg6 (the spec compiler) add objects and
# libraries with FUZZ_EXTRA_<name> / FUZZ_LIBS_<name>.
FUZZ_CC     := clang
FUZZ_CXX    := clang++
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_FLAGS  := -g -O1 -fsanitize=fuzzer $(FUZZ_SAN) -D_GNU_SOURCE \
               -DHAVE_CONFIG_H -I/usr/include/collectd -Ishared -Itests/unit
FUZZ_LIB    := $(B)/fuzz/libg6.a
FUZZ_OBJ    := $(LIB_SRC:%.c=$(B)/fuzz/obj/%.o) \
               $(LIB_CXX_SRC:%.cc=$(B)/fuzz/obj/%.o)

$(B)/fuzz/obj/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) -D_GNU_SOURCE \
	  -DHAVE_CONFIG_H -I/usr/include/collectd -Ishared -I$(B)/gen -std=gnu11 \
	  -DG6_VERSION='"$(VERSION)"' -MMD -MP -c -o $@ $<

$(B)/fuzz/obj/%.o: %.cc
	@mkdir -p $(@D)
	$(FUZZ_CXX) -g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SAN) -Ishared \
	  -std=c++17 -fno-exceptions -fno-rtti -MMD -MP -c -o $@ $<

# a changed header rebuilds what includes it (a struct that grew must not
# meet code compiled against its old size)
-include $(FUZZ_OBJ:.o=.d)

$(FUZZ_LIB): $(FUZZ_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

FUZZ_TARGETS ?=
FUZZ_BINS = $(FUZZ_TARGETS:%=$(B)/fuzz/fuzz_%)

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -MMD -MP -MF $@.d -o $@ $< $(FUZZ_EXTRA_$*) $(FUZZ_LIB) \
	  $(LDLIBS_G6) $(FUZZ_LIBS_$*)

-include $(FUZZ_BINS:=.d)

FUZZ_SECONDS ?= 300
# prints two lines per target (no finding; the inputs it executed, what the
# README reports), the whole TAP in $(B)/fuzz/fuzz.log, and fails when prove
# does (pipefail).
.PHONY: fuzz
fuzz: SHELL := /bin/bash -o pipefail
fuzz: $(FUZZ_BINS)
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) G6_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  prove --exec '' --verbose $(FUZZ_TARGETS:%=tests/fuzz/%.t) \
	  | tee $(B)/fuzz/fuzz.log \
	  | grep -E '^(not )?ok .*(executed|without)|^#.*finding kept|^Result|^Files='
