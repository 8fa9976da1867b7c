# Kite client, g6-mockd, fuzzing and the quote-parsing bench (issue 5).
LDLIBS_g6-mockd += -lz
DEB_PACKAGES += zlib1g-dev
