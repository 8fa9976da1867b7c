/* g6_info's configuration (see config/info.h). */
#include "config/info.h"

g6_status g6_info_config_parse(oconfig_item_t *ci, g6_info_config *cfg,
                               g6_error *err) {
  g6_status st = g6_conf_block_once(ci, &cfg->parsed, err);
  return st != G6_OK ? st : g6_conf_no_options(ci, err);
}

void g6_info_config_free(g6_info_config *cfg) { (void)cfg; }
