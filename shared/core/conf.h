/* g6 — typed access to collectd configuration items (oconfig_item_t).
 *
 * These helpers work on the oconfig tree collectd hands to a complex-config
 * callback but need nothing from the collectd binary, so they are unit-tested
 * on hand-built trees. Every rejection fills a g6_error whose message names
 * where the option is, the option, the value as written, and what is allowed:
 *
 *   Plugin "g6_chain" / Index "NIFTY": option StrikeStep = -5: out of range;
 *   allowed: an integer from 1 to 100000
 *
 * Apart from g6_conf_link_parents (and g6_conf_no_options, which calls it),
 * none of these functions modify the configuration tree. */
#ifndef G6_CONF_H
#define G6_CONF_H

#include "core/status.h"

#include "collectd/liboconfig/oconfig.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Sets every descendant's parent pointer. collectd hands a plugin a copy of
 * its <Plugin> block whose children do not point back at their parents, so
 * a plugin calls this once on the block before using the helpers below
 * (they name the enclosing blocks in their messages through these links).
 * The only function here that modifies the tree. */
void g6_conf_link_parents(oconfig_item_t *ci);

/* Writes the item's location ("Plugin \"g6_chain\" / Index \"NIFTY\"") to buf:
 * its ancestors, each as Key plus first value. Returns the length written. */
size_t g6_conf_where(const oconfig_item_t *ci, char *buf, size_t len);

/* Exactly one string value. On success *out is replaced by a fresh copy (the
 * previous value is freed). Empty strings are rejected unless allow_empty. */
g6_status g6_conf_string(const oconfig_item_t *ci, bool allow_empty,
                         char **out, g6_error *err);

/* The name of a block (<Index "NIFTY"> ... </Index>): exactly one non-empty
 * string value; the block's children are not looked at. Same contract as
 * g6_conf_string otherwise. */
g6_status g6_conf_block_name(const oconfig_item_t *ci, char **out,
                             g6_error *err);

/* One or more string values (at least min, at most max; max 0 = no limit).
 * On success *out holds a NULL-terminated array of copies, *n its length;
 * free with g6_conf_strings_free. */
g6_status g6_conf_strings(const oconfig_item_t *ci, size_t min, size_t max,
                          char ***out, size_t *n, g6_error *err);
void g6_conf_strings_free(char **list);

/* Exactly one number that is an integer within [min, max]. A quoted number
 * ("50") is accepted, as collectd itself does. */
g6_status g6_conf_int(const oconfig_item_t *ci, int64_t min, int64_t max,
                      int64_t *out, g6_error *err);

/* Exactly one finite number within [min, max]. */
g6_status g6_conf_double(const oconfig_item_t *ci, double min, double max,
                         double *out, g6_error *err);

/* Exactly one boolean: true/false, or the strings true/false/yes/no/on/off
 * (case-insensitive). */
g6_status g6_conf_bool(const oconfig_item_t *ci, bool *out, g6_error *err);

/* Exactly one string that must equal (case-sensitively) one of the n entries
 * of `allowed`; *out receives its index. A boolean is taken for the one
 * allowed word collectd's parser reads as that boolean (an unquoted `off`,
 * `no` or `false` arrives as false, `on`, `yes`, `true` as true), so
 * `Validate off` works quoted or not; otherwise it is refused saying that
 * the word was read as a boolean. */
g6_status g6_conf_enum(const oconfig_item_t *ci, const char *const *allowed,
                       size_t n, int *out, g6_error *err);

/* Builds the standard rejection "<where>: option <Key> = <values>: <problem>;
 * allowed: <allowed>" and returns `code`. With hide_value the values are
 * written as "(hidden)" (secrets). */
g6_status g6_conf_reject(const oconfig_item_t *ci, bool hide_value,
                         g6_status code, const char *problem,
                         const char *allowed, g6_error *err);

/* Builds the standard "unknown option" error, listing the allowed names
 * (NULL-terminated). Always returns G6_EINVAL. */
g6_status g6_conf_unknown(const oconfig_item_t *ci, const char *const *known,
                          g6_error *err);

/* A plugin's block may be given once: collectd hands every <Plugin NAME>
 * block of collectd.conf to the plugin's config callback in turn, and a
 * second one would silently add to (or, option by option, override) the
 * first. `seen` is the plugin's flag, false before its first block: G6_OK
 * and *seen set for the first; G6_EINVAL for any later one, "<Plugin
 * g6_info> is given twice; allowed: one block per plugin, with every
 * option in it". Every g6 plugin calls it first in its config callback. */
g6_status g6_conf_block_once(const oconfig_item_t *ci, bool *seen,
                             g6_error *err);

/* For a block that takes no options (<Plugin g6_info>): G6_OK when it is
 * empty; otherwise G6_EINVAL naming the block and its first option,
 * "Plugin \"g6_info\": unknown option Foo; this block takes no options"
 * (links the block's parents, g6_conf_link_parents). */
g6_status g6_conf_no_options(oconfig_item_t *ci, g6_error *err);

#endif
