/* g6 — plugin options as data: one table per configuration block, one parser.
 *
 * Each block of a plugin's configuration (<Plugin g6_chain>, <Provider>,
 * <Index>, ...) declares its options once, as an array of g6_option: the
 * name, the type, the allowed range or values, the default, the field it
 * fills (offset and size in the block's struct) and one line of help. One
 * generic parser (g6_options_parse) fills the struct from collectd's oconfig
 * tree with the messages of core/conf.h, and the same tables print the
 * option reference (`g6 options`, the README), so code and documentation
 * cannot disagree. The idea is Fluent Bit's flb_config_map.
 *
 *   static const g6_option provider_opts[] = {
 *     {.name = "Timeout", G6_OPT_FIELD(my_cfg, timeout_s),
 *      .type = G6_OPT_DOUBLE, .min = 0.05, .max = 300, .unit = "s",
 *      .def = "4", .help = "per request"},
 *   };
 *
 * Defaults are written in collectd.conf syntax ("4", "true", "\"cycle\"")
 * and applied through the same setters as configured values, so a default
 * can never be one the parser would refuse (a unit test checks every table).
 *
 * Messages name the block path, the option, the value as written and what
 * is allowed, e.g.
 *   Plugin "g6_chain" / Index "NIFTY": option StrikeStep = -5: out of range;
 *   allowed: a number from 0.01 to 100000
 * Values of options flagged G6_OPT_SECRET are never echoed.
 *
 * Nothing here needs the collectd binary: oconfig_item_t is a plain struct
 * from collectd's headers, so the tables are unit-tested on hand-built trees
 * and listed by the g6 tool. */
#ifndef G6_OPTIONS_H
#define G6_OPTIONS_H

#include "core/buf.h"
#include "core/status.h"

#include "collectd/liboconfig/oconfig.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum g6_option_type {
  G6_OPT_BOOL,    /* bool */
  G6_OPT_INT,     /* an integer field of 4 bytes (int, unsigned) or 8 bytes
                     (int64_t, size_t), value an integer in [min, max] */
  G6_OPT_DOUBLE,  /* double, a finite number in [min, max] */
  G6_OPT_STRING,  /* char * (owned; freed by g6_options_free), or an inline
                     char[size] with G6_OPT_INLINE (at most size-1 bytes) */
  G6_OPT_ENUM,    /* int: the index of the value in `values` */
  G6_OPT_STRINGS, /* char ** (NULL-terminated, owned): min..max non-empty
                     strings (max 0: no limit) */
  G6_OPT_CUSTOM,  /* `set` parses the item into the block's struct */
  G6_OPT_BLOCK,   /* a nested block: `set` handles it; `block` lists it */
} g6_option_type;

/* Flags. */
#define G6_OPT_REQUIRED 0x1u /* must be given (a default does not count) */
#define G6_OPT_SECRET 0x2u   /* never echo the value (API keys, tokens) */
#define G6_OPT_INLINE 0x4u   /* STRING into a char[size] */
#define G6_OPT_EMPTY_OK 0x8u /* STRING: "" is allowed */

struct g6_option_table;

typedef struct g6_option {
  const char *name; /* as written in collectd.conf; matched ignoring case */
  g6_option_type type;
  size_t offset, size; /* the field in the block's struct (G6_OPT_FIELD) */
  double min, max;     /* INT, DOUBLE: inclusive; STRINGS: value count */
  const char *const *values; /* ENUM: allowed tokens, NULL-terminated */
  const char *def;           /* default in collectd.conf syntax; NULL: none */
  const char *def_doc;       /* documented default when `def` is computed */
  const char *allowed_doc;   /* documented allowed values (paths, URLs, ...) */
  const char *unit;          /* shown after ranges ("s") */
  unsigned flags;            /* G6_OPT_* */
  /* Options with the same group name: at least one of them must be given
   * (APIKey or APIKeyFile). */
  const char *group;
  /* CUSTOM, BLOCK: parses `ci` into `target` (the block's struct); returns
   * G6_OK or fills err (naming the option, the value and what is allowed). */
  g6_status (*set)(void *target, const oconfig_item_t *ci, g6_error *err);
  /* Optional extra check of a parsed value (STRING, INT, DOUBLE) before it
   * is stored: `value` points at a const char *, an int64_t or a double.
   * Returns a short problem text, or NULL when the value is fine. */
  const char *(*check)(const void *value);
  const struct g6_option_table *block; /* BLOCK: the nested block's table */
  const char *help;                    /* one line */
} g6_option;

/* offset and size of a field of a block struct, for a g6_option. */
#define G6_OPT_FIELD(type, member)                                             \
  .offset = offsetof(type, member), .size = sizeof(((type *)0)->member)

typedef struct g6_option_table {
  const char *block; /* "Plugin", "Provider", "Index" */
  const char *arg;   /* what the block's argument is: "g6_chain", "\"NAME\"" */
  const char *help;  /* one line: what the block is, how many may be given */
  const g6_option *options;
  size_t n;
  /* Optional: runs after the defaults and before the options (defaults that
   * depend on the block's name). */
  g6_status (*prepare)(void *target, const oconfig_item_t *ci, g6_error *err);
  /* Optional: checks across options after the block is parsed. */
  g6_status (*finish)(void *target, const oconfig_item_t *ci, g6_error *err);
} g6_option_table;

/* Applies every option's default to `target` (options without one are left
 * as they are). G6_EINVAL when a default does not parse (a bug in the table:
 * the message names it), G6_ENOMEM. */
g6_status g6_options_defaults(const g6_option_table *t, void *target,
                              g6_error *err);

/* Parses the block `ci` (its children) into `target`: defaults first, then
 * the table's `prepare`, every child in order (a later value of an option
 * replaces an earlier one), the required options and groups, and `finish`.
 * Stops at the first error: G6_EINVAL (unknown option, wrong type, missing
 * required option), G6_ERANGE (out of range), G6_ENOMEM; err names the block
 * path, the option, the value and what is allowed. Owned strings already
 * set stay in `target` for g6_options_free either way. */
g6_status g6_options_parse(const g6_option_table *t, const oconfig_item_t *ci,
                           void *target, g6_error *err);

/* Frees the owned strings (STRING without G6_OPT_INLINE, STRINGS) of the
 * table's options in `target` and sets them to NULL. Nested blocks are their
 * owner's business. Safe on a zeroed struct. */
void g6_options_free(const g6_option_table *t, void *target);

/* The option of the table called `name` (ignoring case), or NULL. */
const g6_option *g6_options_find(const g6_option_table *t, const char *name);

/* Documentation text of an option: its default ("—" when none) and what is
 * allowed, as `g6 options` and the README show them. Never fail; truncate. */
void g6_option_default_text(const g6_option *o, char *buf, size_t len);
void g6_option_allowed_text(const g6_option *o, char *buf, size_t len);

/* "boolean", "integer", "number", "string", "choice", "strings", "value",
 * "block". */
const char *g6_option_type_name(g6_option_type t);

/* Appends the reference of a table and, recursively, of its nested blocks:
 * markdown tables (`| option | default | allowed | meaning |`) under a
 * "#### <Block arg>" heading when `markdown`, else aligned plain text.
 * G6_ENOMEM only. */
g6_status g6_options_render(const g6_option_table *t, bool markdown,
                            g6_buf *out);

#endif
