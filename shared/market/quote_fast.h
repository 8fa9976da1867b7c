/* g6 — the fast path of the quote parser (internal to market/quote.c).
 *
 * yajl's tokenizer reads a Kite /quote body at about 270 MB/s: 1.6 ms for a
 * batch of 500 instruments (436 KB), most of a cycle's CPU. simdjson's DOM
 * parser (Langdale & Lemire, "Parsing Gigabytes of JSON per Second", VLDB
 * Journal 28, 2019; Debian's libsimdjson) validates and parses the same
 * body at over 1 GB/s. It is the fast path, and the yajl parser stays the
 * judge: g6_quote_fast_parse only claims a body it walked from end to end
 * without meeting anything the yajl parser would report — any syntax error,
 * wrong type, repeated instrument, number out of range, or anything simdjson
 * itself refuses (a number beyond 64 bits, a lone surrogate) makes it give
 * up, and market/quote.c parses the body again with yajl, which reports what
 * it reports today, byte offsets included. On a body it claims, the table,
 * the counts and the envelope are what the yajl parser gives (the fuzz
 * target fuzz_quote compares the two on every input). */
#ifndef G6_QUOTE_FAST_H
#define G6_QUOTE_FAST_H

#include "market/quote.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes after the body the fast path may read (simdjson's SIMDJSON_PADDING;
 * quote_fast.cc checks it): the buffer holding the body must be at least
 * len + G6_QUOTE_FAST_PADDING long. */
#define G6_QUOTE_FAST_PADDING 64

/* Bodies longer than this go to yajl. The simdjson parser (one, shared by
 * all threads) are sized for it once and never grow, so their
 * memory (about 14 bytes per byte of capacity reserved, 4 touched) is
 * allocated once for the process and never freed and re-allocated, which
 * would move glibc's dynamic mmap threshold (core/pages.h). A Kite batch of
 * 500 instruments with depth is ~440 KB. */
#define G6_QUOTE_FAST_MAX (1u << 20)

/* Instrument keys this long or longer are never requested (the table
 * refuses them), so a body's key of that length is an unexpected one. */
#define G6_QUOTE_KEY_MAX 128

/* What a walk fills: the table's quotes, per entry whether the body named
 * it, the counts and the envelope, as market/quote.c's yajl callbacks do. */
typedef struct g6_quote_fast_out {
  g6_quote_table *t;
  unsigned char *seen;       /* per table entry; zeroed by the caller */
  g6_quote_parse_info *info; /* zeroed by the caller */
  int status;    /* "status": 0 missing, 1 success, 2 error, 3 other */
  int data_kind; /* "data": 0 missing, 1 object, 2 null */
} g6_quote_fast_out;

/* Parses body[0 .. len) (with G6_QUOTE_FAST_PADDING readable bytes after
 * it) into *out. true: the body was walked completely and *out holds the
 * yajl parser's outcome; false: it could not be (see above) and *out is
 * partly filled — the caller clears it and parses with yajl. */
bool g6_quote_fast_parse(const char *body, size_t len, g6_quote_fast_out *out);

/* Shared with quote.c's yajl callbacks, so both paths read the same way. */
long g6_quote_table_find_n(const g6_quote_table *t, const char *key,
                           size_t len);
/* A Kite timestamp "YYYY-MM-DD HH:MM:SS" (IST), or an ISO 8601 form of it
 * (market/quote.h), as epoch seconds, 0 for Kite's placeholder for
 * "never" (1970-01-01 05:30:00 IST, or before: a time, but no quote's);
 * G6_QUOTE_NOT_A_TIME when it is not a time. */
#define G6_QUOTE_NOT_A_TIME INT64_MIN
int64_t g6_quote_kite_time(const unsigned char *s, size_t len);
/* A timestamp of the quote being read (entry `key`, printable) that is not
 * a time: the quote's time becomes unknown (G6_QF_TIME_UNREADABLE) and
 * info counts it, naming the first: the string's text (str, slen), or
 * `what` (its JSON type, "a number") when str is NULL. */
void g6_quote_bad_time(g6_quote *q, g6_quote_parse_info *info,
                       const char *key, const char *what,
                       const unsigned char *str, size_t slen);
/* A count (volume, OI, quantity) from its number; false when it is not a
 * whole number (Kite's counts are integers: 1.5 contracts is no count) or
 * is beyond +-9.2e18. */
bool g6_quote_count(double d, int64_t *out);
/* Copies s to dst (cap bytes with the NUL), '?' for non-printable bytes. */
void g6_quote_printable_copy(char *dst, size_t cap, const unsigned char *s,
                             size_t len);
/* The folds at the end of a depth level and of a quote object. */
void g6_quote_end_level(g6_quote *q, int side, int level, double price,
                        int64_t qty);
void g6_quote_end_object(g6_quote_table *t, long entry, const g6_quote *q,
                         g6_quote_parse_info *info);

#ifdef __cplusplus
}
#endif

#endif
