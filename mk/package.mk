# The Debian package (issue 16): make deb.
#
# Built with Debian's own tools (debhelper's dh, dpkg-buildpackage; the
# packaging is debian/) in a copy of the source tree under $(B)/deb/src, so
# dpkg-buildpackage's output lands in $(B)/deb and never beside the
# checkout: $(B)/deb/g6_<version>_<arch>.deb (and its -dbgsym). The copy is
# the files git knows (tracked, and new ones not ignored), so uncommitted
# work is packaged as it is. The package tests (tests/integration/package_*.t)
# install, upgrade and purge it on this machine.
DEB_PACKAGES += debhelper dpkg-dev

DEB_ARCH    := $(shell dpkg --print-architecture 2>/dev/null)
DEB_VERSION := $(shell dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)
DEB_DIR     := $(B)/deb
DEB_FILE    := $(DEB_DIR)/g6_$(DEB_VERSION)_$(DEB_ARCH).deb
# what goes into the package: every source file (git's list when there is one)
DEB_LIST    = (git ls-files -co --exclude-standard 2>/dev/null || \
               find . -path ./build -prune -o -path './build-*' -prune -o \
                 -path ./.git -prune -o -type f -print) | \
              while read -r f; do [ -f "$$f" ] && echo "$$f"; done
DEB_INPUTS  := $(shell $(DEB_LIST))

.PHONY: deb
deb: $(DEB_FILE)
	@echo "make deb: $(DEB_FILE)"

# Debian's own check of the package. Not part of make check: lintian pulls
# in some 120 Debian packages, installed here when it is missing. Every
# error and warning fails; debian/g6.lintian-overrides says why the two
# deliberate ones (a 0700 /etc/g6, a debconf question asked at purge only)
# are overridden.
.PHONY: lintian
lintian: $(DEB_FILE)
	@command -v lintian >/dev/null || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq lintian; }
	lintian --fail-on error,warning --tag-display-limit 0 $(DEB_FILE)

$(DEB_FILE): $(DEB_INPUTS)
	@if [ "$(DEB_VERSION)" != "$(VERSION)" ]; then \
	  echo "make deb: debian/changelog is at \"$(DEB_VERSION)\" but VERSION" \
	       "says \"$(VERSION)\": add a changelog entry for $(VERSION)" >&2; \
	  exit 1; fi
	rm -rf $(DEB_DIR) && mkdir -p $(DEB_DIR)/src
	$(DEB_LIST) | tar -cf - -T - | tar -xf - -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && DEB_BUILD_OPTIONS="parallel=$(JOBS)" \
	  dpkg-buildpackage -b -us -uc > ../build.log 2>&1 || \
	  { tail -40 ../build.log; echo "make deb: dpkg-buildpackage failed;" \
	    "the whole log is $(DEB_DIR)/build.log" >&2; exit 1; }
	rm -rf $(DEB_DIR)/src
	test -f $@

CHECK_PREREQS += $(DEB_FILE)
