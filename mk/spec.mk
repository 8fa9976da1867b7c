# Metric spec and its generated artefacts (issue 4).
#
#   make spec           regenerate every artefact from spec/ (g6 spec generate)
#   make spec-check     lint + drift check + promtool + dashboard schema, i.e.
#                       what tests/integration/spec_tools.t runs in make check
#
# The Grafana dashboard JSON Schema is generated from @grafana/schema's
# TypeScript types with ts-json-schema-generator and dashboards are validated
# with ajv-cli; those npm tools are pinned in tools/grafana-schema/ (package.json
# + package-lock.json) and installed with `npm ci` into build/, never into the
# source tree. Debian's nodejs/npm are added to the package list only when no
# node is installed (bookworm's node 18 runs these tools).
DEB_PACKAGES += $(if $(shell command -v node 2>/dev/null),,nodejs) \
                $(if $(shell command -v npm 2>/dev/null),,npm)

SPEC_NPM_DIR := $(B)/grafana-schema
SPEC_NPM_STAMP := $(SPEC_NPM_DIR)/node_modules/.g6-installed

$(SPEC_NPM_STAMP): tools/grafana-schema/package.json \
                   tools/grafana-schema/package-lock.json
	@mkdir -p $(SPEC_NPM_DIR)
	cp tools/grafana-schema/package.json tools/grafana-schema/package-lock.json \
	  $(SPEC_NPM_DIR)/
	cd $(SPEC_NPM_DIR) && npm ci --no-audit --no-fund --ignore-scripts \
	  --loglevel=error
	@# npm ci has been seen to skip the bin links once; rebuild links them
	test -x $(SPEC_NPM_DIR)/node_modules/.bin/ajv || \
	  (cd $(SPEC_NPM_DIR) && npm rebuild --ignore-scripts --loglevel=error)
	test -x $(SPEC_NPM_DIR)/node_modules/.bin/ajv
	test -x $(SPEC_NPM_DIR)/node_modules/.bin/ts-json-schema-generator
	@touch $@

.PHONY: spec-npm spec spec-check
spec-npm: $(SPEC_NPM_STAMP)

# Regenerates the committed artefacts. The JSON Schema is regenerated too so
# a bump of the pinned @grafana/schema shows up as a diff.
spec: $(B)/g6 $(SPEC_NPM_STAMP)
	$(B)/g6 spec generate
	$(SPEC_NPM_DIR)/node_modules/.bin/ts-json-schema-generator \
	  --path $(SPEC_NPM_DIR)/node_modules/@grafana/schema/dist/types/raw/dashboard/x/types.gen.d.ts \
	  --type Dashboard -o tools/grafana-schema/dashboard.schema.json

spec-check: $(B)/g6 $(SPEC_NPM_STAMP)
	G6_ROOT=$(CURDIR) G6_BUILD=$(CURDIR)/$(B) \
	  prove --exec '' tests/integration/spec_tools.t

CHECK_PREREQS += $(SPEC_NPM_STAMP)
