# g6 rrdgraph (issue 16): PNG graphs from collectd's RRD files with librrd.
#
# librrd (Debian's librrd-dev / librrd8) is linked into the g6 tool only,
# never into libg6 or a plugin; the code lives with the tool in
# tools/g6/rrdgraph/ (like the spec compiler), and its unit test links it.
LDLIBS_g6 += -lrrd

RRDGRAPH_OBJ := $(patsubst %.c,$(B)/%.o,$(sort $(wildcard tools/g6/rrdgraph/*.c)))
$(B)/tests/unit/rrdgraph/%.o: CPPFLAGS_G6 += -Itools/g6

$(B)/tests/unit/rrdgraph/test_rrdgraph: $(B)/tests/unit/rrdgraph/test_rrdgraph.o \
    $(RRDGRAPH_OBJ) $(LIBG6)
	$(CC) -o $@ $< $(RRDGRAPH_OBJ) $(LIBG6) $(LDFLAGS_G6) -lcmocka $(LDLIBS_G6) \
	  -lrrd
