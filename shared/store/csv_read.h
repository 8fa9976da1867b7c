/* g6 — reading the option CSV files back as chains, for `g6 replay` and
 * `g6 overlay`.
 *
 * The per-strike files <DataDir>/<INDEX>/<tag>/<offset>/<YYYY-MM-DD>.csv
 * (store/csv_sink.h; the old platform's 32 columns) hold, per row, one
 * strike of one expiry at one 30-second timestamp. A g6_csv_book collects
 * the rows of any number of such files and regroups them into chains: one
 * per (index, timestamp), with an expiry per tag and a leg per side that
 * was collected. What the files do not hold stays unknown: bid and ask,
 * r and q (the caller's), the exact cycle instant (the rounded timestamp is
 * used for T, to 15:30 IST on expiry_date).
 *
 * The files write zeros for what was not collected: a side whose price is 0
 * was not collected (no leg); an IV or Greek of 0.0 is "not available"
 * (NAN), and so is an index_price or atm of 0 (an index is never worth 0).
 * Volume and OI of a collected side are taken as written (0 is a real
 * zero). */
#ifndef G6_CSV_READ_H
#define G6_CSV_READ_H

#include "core/ist.h"
#include "core/status.h"
#include "math/analytics.h"
#include "math/chain_report.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One row of a per-strike file, parsed. Prices and Greeks as written, except
 * that the zeros meaning "unknown" are NAN (see above); ce/pe NAN when that
 * side was not collected. */
typedef struct g6_csv_strike_row {
  int64_t ts; /* the row's timestamp (IST, rounded), epoch s */
  int sod;    /* its seconds since IST midnight */
  char index[32];
  char tag[16];
  g6_date expiry;
  double offset, index_price, atm, strike;
  double ce, pe, avg_ce, avg_pe;
  double ce_vol, pe_vol, ce_oi, pe_oi;
  double ce_iv, pe_iv, ce_delta, pe_delta, ce_theta, pe_theta, ce_vega, pe_vega,
      ce_gamma, pe_gamma, ce_rho, pe_rho;
} g6_csv_strike_row;

/* A CSV cell of `len` bytes (not NUL-terminated) as a finite number in
 * decimal form, read with strtod (so "1e-05", "0.0", "-3", ".5"); false for
 * an empty cell, one that does not begin with '-', '.' or a digit (" 1",
 * "+1"), any character beyond digits, '.', 'e', 'E', '+', '-' (hexadecimal
 * "0x10", "inf", a NUL byte), trailing characters, or a value that is not
 * finite. Can't fail otherwise. */
bool g6_csv_number(const char *s, size_t len, double *out);

/* Parses one data line (no newline) of a per-strike file. G6_EPARSE with a
 * message naming the column and value when it is not 32 well-formed
 * fields: a timestamp, index, tag and expiry date, then finite numbers, a
 * strike > 0 and prices, volumes and OI >= 0. A timestamp or expiry date of
 * the right shape that is no real date or time (30-02-2025, 25:15:00) is
 * said to be one, and a line that is the header again is named a repeated
 * header line. */
g6_status g6_csv_strike_row_parse(const char *line, g6_csv_strike_row *row,
                                  g6_error *err);

/* Calls fn for every data row of the per-strike file `path` (its header
 * must be g6_csv_option_header). A row that does not parse stops the file
 * with G6_EPARSE naming the path and line (rows before it were passed); an
 * incomplete last line (no newline: a write in progress) is skipped. A
 * UTF-8 byte order mark before the header and CRLF line ends are accepted;
 * an empty file (created, header not yet written) has no rows. A symbolic
 * link at `path` is never followed (G6_EINVAL naming it): g6_chain never
 * writes through one, so what it points to is not the file of its path. fn returns
 * false to stop early (G6_OK). G6_ENOENT/G6_EIO for the file,
 * G6_EUNSUPPORTED when the header is another one (an overview file). */
typedef bool (*g6_csv_row_fn)(void *ctx, const g6_csv_strike_row *row);
g6_status g6_csv_strike_file(const char *path, g6_csv_row_fn fn, void *ctx,
                             g6_error *err);

/* g6_csv_strike_file, and *torn (when not NULL) says whether an incomplete
 * last line was skipped: a write in progress in today's file, but in a
 * finished day's a row lost to a crash or a cut copy, which the offline
 * tools name (set false otherwise, and on every error). */
g6_status g6_csv_strike_file_torn(const char *path, g6_csv_row_fn fn,
                                  void *ctx, bool *torn, g6_error *err);

typedef struct g6_csv_book g6_csv_book;

/* An empty book; NULL when out of memory. */
g6_csv_book *g6_csv_book_new(void);
void g6_csv_book_free(g6_csv_book *b);

/* Adds the rows of one per-strike file (g6_csv_strike_file's statuses),
 * all or none: a file that fails adds no row (the rows before a bad line
 * would make every later chain lack its strike). A file named like
 * g6_chain's (YYYY-MM-DD.csv) must hold rows of that IST day only: one of
 * another day is G6_EPARSE naming the file, the row's number and time and
 * the day of the name (a renamed or concatenated file; its rows would
 * otherwise be held with another day's and make a second, partial chain
 * of the same index and time). */
g6_status g6_csv_book_add_file(g6_csv_book *b, const char *path, g6_error *err);

/* The rows the last g6_csv_book_add_file added: 0 after a failure, and for
 * a file without data rows (empty, its header alone, or only a torn last
 * line), which callers name rather than count as used. */
size_t g6_csv_book_file_rows(const g6_csv_book *b);

/* How many of the files added ended in an incomplete last line (skipped,
 * see g6_csv_strike_file_torn). */
size_t g6_csv_book_torn(const g6_csv_book *b);

/* Rows that repeat another's index, timestamp, expiry tag and strike with
 * other values (two writers, files of two hosts mixed): only one of each is
 * kept (the same one whatever the order of the files), the others counted
 * here, the first of them copied to *first when not NULL. Identical
 * repeats (the same file twice) are not conflicts. */
size_t g6_csv_book_conflicts(g6_csv_book *b, g6_csv_strike_row *first);

/* Number of chains, in order: timestamp ascending, then index name. */
size_t g6_csv_book_chains(g6_csv_book *b);

/* Chain i as the analytics' input: its index name and timestamp, spot and
 * ATM, r and q as given, one expiry per tag (this_week, next_week,
 * this_month, next_month, then others by name), legs sorted by strike.
 * `legs` must hold g6_csv_book_leg_count(b, i) legs. Expiry dates are
 * written to dates[] (G6_REPORT_MAX_EXPIRIES) when not NULL. Tags beyond
 * G6_REPORT_MAX_EXPIRIES are dropped. */
size_t g6_csv_book_leg_count(g6_csv_book *b, size_t i);
void g6_csv_book_chain(g6_csv_book *b, size_t i, double r, double q,
                       g6_leg *legs, g6_report_input *in, const char **index,
                       int64_t *ts, g6_date *dates);

#endif
