/* g6 — a small JSON value tree with a canonical serializer.
 *
 * The canonical form is byte-for-byte what Python produces with
 *   json.dumps(x, sort_keys=True, separators=(",", ":"))
 * (ensure_ascii: non-ASCII as \uXXXX with surrogate pairs, lower-case hex;
 * floats in Python's shortest repr; NaN/Infinity spelled as Python does).
 * Panel hashes are SHA-256 of that form, so a hash written by g6 verifies with
 * the old platform's checker and vice versa.
 *
 * Numbers keep Python's int/float distinction: an integer literal (no '.',
 * 'e' or 'E') is an arbitrary-precision int kept as its decimal text; anything
 * else is a double. Objects keep insertion order; setting an existing key
 * replaces its value (Python's dict semantics, so duplicate keys in parsed
 * text keep the last value).
 *
 * The parser accepts exactly the documents Python's json.loads accepts
 * (Lib/json/__init__.py, scanner.py, Modules/_json.c), so that every old
 * panel re-hashes like Python hashes it:
 *   - NaN, Infinity and -Infinity (Python reads and writes them);
 *   - \uXXXX escapes: a high surrogate directly followed by a low-surrogate
 *     escape is one code point; any other surrogate escape (a lone one, or a
 *     high one followed by anything else) stays a lone surrogate and is
 *     written back as the same escape;
 *   - the input encodings json.detect_encoding() finds in bytes (UTF-8 with
 *     or without a BOM, UTF-16/32 LE/BE), decoded with "surrogatepass" like
 *     json.loads(bytes) does.
 * yajl is not used here: it rejects NaN/Infinity and rewrites lone
 * surrogates (a lone "\ud83d" became "?"), which made such panels
 * unverifiable. Python cannot load or dump documents nested about 1000
 * levels deep (RecursionError); the limit here is G6_JSON_MAX_DEPTH.
 *
 * Strings hold "surrogatepass" UTF-8: valid UTF-8 in which a lone surrogate
 * code point U+D800..U+DFFF is encoded in three bytes (ED A0 80..ED BF BF),
 * one per code point; byte order is code-point order, which is how Python
 * sorts keys. */
#ifndef G6_JSON_H
#define G6_JSON_H

#include "core/buf.h"
#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum g6_json_type {
  G6_JSON_NULL,
  G6_JSON_BOOL,
  G6_JSON_INT,
  G6_JSON_REAL,
  G6_JSON_STRING,
  G6_JSON_ARRAY,
  G6_JSON_OBJECT,
} g6_json_type;

typedef struct g6_json g6_json;

/* Constructors return NULL only when out of memory. */
g6_json *g6_json_null(void);
g6_json *g6_json_bool(bool b);
g6_json *g6_json_int(int64_t i);
/* An integer from decimal text ("-123", arbitrarily long); NULL if the text is
 * not an optionally signed run of digits. "-0" and leading zeros normalize
 * like Python's int(). */
g6_json *g6_json_int_text(const char *text);
g6_json *g6_json_real(double d);
g6_json *g6_json_string(const char *s);
g6_json *g6_json_stringn(const char *s, size_t len);
g6_json *g6_json_array(void);
g6_json *g6_json_object(void);

void g6_json_free(g6_json *v);

/* Container edits take ownership of `val` in every case (it is freed when the
 * call fails). */
g6_status g6_json_array_push(g6_json *arr, g6_json *val);
g6_status g6_json_object_set(g6_json *obj, const char *key, g6_json *val);
g6_status g6_json_object_setn(g6_json *obj, const char *key, size_t key_len,
                              g6_json *val);

g6_json_type g6_json_type_of(const g6_json *v);
size_t g6_json_count(const g6_json *v); /* items or members; 0 otherwise */
g6_json *g6_json_array_get(const g6_json *arr, size_t i);
g6_json *g6_json_object_get(const g6_json *obj, const char *key);
/* i-th member in insertion order. */
const char *g6_json_object_key(const g6_json *obj, size_t i, size_t *len);
g6_json *g6_json_object_value(const g6_json *obj, size_t i);

bool g6_json_get_bool(const g6_json *v);
double g6_json_get_number(const g6_json *v); /* INT or REAL; NAN otherwise */
const char *g6_json_get_string(const g6_json *v, size_t *len);
const char *g6_json_get_int_text(const g6_json *v);

#define G6_JSON_MAX_DEPTH 1000
#define G6_JSON_MAX_DEPTH_TEXT "1000"

typedef enum g6_json_mode {
  /* json.loads(bytes): the encoding is detected (UTF-8, an optional UTF-8
   * BOM, UTF-16/32), lone surrogates encoded in the text are accepted */
  G6_JSON_BYTES,
  /* json.load(open(path, encoding="utf-8")), how the old platform's
   * integrity checker reads files: strict UTF-8 (no encoded surrogates)
   * and no BOM */
  G6_JSON_UTF8_TEXT,
} g6_json_mode;

/* Parses one JSON document as Python does in `mode` (see above). On
 * failure *out is untouched and the error names the byte offset:
 *   G6_EINVAL   the text does not decode (invalid UTF-8/16/32); Python
 *               raises UnicodeDecodeError
 *   G6_EPARSE   malformed JSON ("malformed JSON near byte N: why"); Python
 *               raises JSONDecodeError
 *   G6_ETOOBIG  nesting deeper than G6_JSON_MAX_DEPTH
 *   G6_ENOMEM   out of memory */
g6_status g6_json_parse_mode(const char *text, size_t len, g6_json_mode mode,
                             g6_json **out, g6_error *err);

/* The same, building at most `max_values` values (each scalar, array and
 * object is one; 0: no limit), for files others may have written: the tree
 * costs ~100 bytes a value, so a 64 MiB text of "0," (32 million values)
 * would take ~3.4 GB, and a limit bounds it (1,000,000 values: ~100 MB).
 * Beyond the limit: G6_ERANGE ("JSON near byte N: more than M values"),
 * *out untouched; the other errors as above. */
g6_status g6_json_parse_limited(const char *text, size_t len,
                                g6_json_mode mode, size_t max_values,
                                g6_json **out, g6_error *err);

/* g6_json_parse_mode(..., G6_JSON_BYTES, ...). */
g6_status g6_json_parse(const char *text, size_t len, g6_json **out,
                        g6_error *err);

/* g6_json_parse of a text that holds secrets (Kite's session answer: its
 * api_key and access_token): every buffer the parser fills on the way (the
 * decoded text, each string, key and number, a value a duplicate key
 * replaces, a tree abandoned on failure) is zeroed before it is freed.
 * Free the tree with g6_json_free_sensitive. The caller zeroes its text. */
g6_status g6_json_parse_sensitive(const char *text, size_t len, g6_json **out,
                                  g6_error *err);

/* g6_json_free that first zeroes every string, key and integer text of the
 * tree: for a tree holding secrets. */
void g6_json_free_sensitive(g6_json *v);

/* Appends the canonical serialization. G6_EINVAL if a string is not valid
 * (surrogatepass) UTF-8 or nesting exceeds G6_JSON_MAX_DEPTH. */
g6_status g6_json_dump_canonical(const g6_json *v, g6_buf *out);

/* Appends an indented (two spaces), key-sorted, ASCII-escaped serialization
 * ending in a newline: for files people read. */
g6_status g6_json_dump_pretty(const g6_json *v, g6_buf *out);

/* Appends s (len bytes of UTF-8) as a JSON string exactly as the dumps
 * above write it (ASCII, \uXXXX escapes). G6_EINVAL for invalid UTF-8,
 * G6_ENOMEM. For streaming writers (core/jsonw.h). */
g6_status g6_json_write_string(g6_buf *out, const char *s, size_t len);

/* SHA-256 hex of the canonical serialization. */
g6_status g6_json_canonical_sha256(const g6_json *v, char out[65]);

/* Python's repr(float): shortest round-trip digits; "0.0", "1502.89",
 * "1e-05", "1e+16", "nan", "inf", "-inf". out needs 32 bytes. Returns the
 * length. */
size_t g6_repr_double(double d, char out[32]);

/* A 64-bit integer in decimal ("-42"), as printf's %lld writes it, without
 * printf. out needs 21 bytes; no NUL is written. Returns the length. */
size_t g6_format_int64(int64_t v, char out[21]);

#endif
