/* g6 — validating panels against their documented schema (docs/PANELS.md)
 * before they are written: the old platform's G6_PANELS_VALIDATE modes.
 *
 * A schema is a tree of g6_shape: the JSON types a value may have and, for
 * objects, the keys it has (required or optional, with the shape of each
 * value; `closed` refuses other keys) or, for objects used as maps (index
 * name -> ...), the shape of every value; for arrays, the shape of every
 * item. The envelope's shape is here; each panel's data shape is declared
 * where its data is built (collector/panel_data.h). */
#ifndef G6_STORE_PANEL_SCHEMA_H
#define G6_STORE_PANEL_SCHEMA_H

#include "core/json.h"
#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>

/* JSON types, as a bit set. */
enum {
  G6_JT_NULL = 1,
  G6_JT_BOOL = 2,
  G6_JT_INT = 4,
  G6_JT_REAL = 8,
  G6_JT_NUMBER = 4 | 8,
  G6_JT_STRING = 16,
  G6_JT_ARRAY = 32,
  G6_JT_OBJECT = 64,
};

typedef struct g6_shape g6_shape;

typedef struct g6_shape_field {
  const char *key;
  const g6_shape *shape;
  bool required;
} g6_shape_field;

struct g6_shape {
  unsigned types; /* G6_JT_* allowed */
  const g6_shape_field *fields; /* objects with known keys */
  size_t n_fields;
  bool closed;            /* no keys besides `fields` */
  const g6_shape *values; /* objects used as maps: every value */
  const g6_shape *items;  /* arrays: every item */
  /* An extra check of a value of an allowed type: returns NULL when fine,
   * else what is allowed ("12 lower-case hex digits"). */
  const char *(*check)(const g6_json *v);
};

typedef enum g6_panel_validation {
  G6_VALIDATE_OFF,
  G6_VALIDATE_WARN,
  G6_VALIDATE_STRICT,
} g6_panel_validation;

/* Checks v against s. G6_OK, or G6_EINVAL with a message naming the path
 * from `where` ("data.items[2].spot"), the type or value found and what is
 * allowed. Stops at the first problem. */
g6_status g6_shape_check(const g6_shape *s, const g6_json *v,
                         const char *where, g6_error *err);

/* The envelope (panel-envelope v1, docs/PANELS.md): keys panel (string),
 * version (1), generated_at (int >= 0), updated_at ("YYYY-MM-DDTHH:MM:SSZ"),
 * data, meta {source (string), schema ("v1"), hash (12 lower-case hex)}, no
 * others. */
extern const g6_shape g6_panel_envelope_shape;

/* Validates a panel envelope: its shape, panel == name, meta.hash == the
 * first 12 hex digits of the data's hash, and data against data_shape
 * (NULL: any JSON). Errors as g6_shape_check, prefixed with the panel
 * name. */
g6_status g6_panel_validate(const g6_json *envelope, const char *name,
                            const g6_shape *data_shape, g6_error *err);

#endif
