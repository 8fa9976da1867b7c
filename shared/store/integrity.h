/* g6 — verifying a panel directory against its manifest: the old
 * platform's verify_manifest_hashes (reference §6.3) plus the manifest
 * signature, for the g6_panels integrity sweep and `g6 integrity`.
 *
 * The old algorithm, kept so a hash written by either side verifies on the
 * other and both report the same problems:
 *   - manifest.json missing: {"manifest.json": "missing"};
 *   - manifest.json unreadable, not JSON (read as strict UTF-8 text, as
 *     Python's open(encoding="utf-8") + json.load does) or not an object:
 *     {"__manifest__": "error:<Python exception name>"};
 *   - "hashes" absent or not an object: nothing to verify, no problem;
 *   - per entry, in manifest order: a hash that is not a string of 64
 *     characters is invalid_hash_format; a file that does not exist is
 *     file_missing; a file that cannot be read or parsed, or is not a JSON
 *     object, is read_error:<Python exception name>; otherwise the SHA-256
 *     of the canonical form of its "data" member (null when absent) must
 *     equal the hash exactly, else mismatch.
 * Deliberate differences: an entry whose name is not a plain file name
 * (contains '/' or NUL, is empty, "." or "..") is unsafe_name and never
 * opened (Python would follow it out of the directory); only regular files
 * are read (Python blocks forever on a FIFO); a file over
 * G6_PANELS_MAX_FILE (64 MiB, also one that grows beyond it while read) or
 * of more than G6_PANELS_MAX_VALUES JSON values is read_error:TooLarge
 * (for manifest.json: error:TooLarge), and so is every file once the check
 * has read G6_INTEGRITY_MAX_READ bytes of panel files: a manifest listing
 * thousands of names of one 64 MiB file does not hold the sweep (and the
 * panel flushes waiting on it) for hours. With a key, manifest.json.sig must hold
 * "hmac-sha256:<HMAC-SHA256 hex of manifest.json's bytes>": its absence is
 * {"manifest.json.sig": "missing_signature"}, any other content
 * "bad_signature" (compared in constant time).
 *
 * Every file is opened relative to one open descriptor of the directory,
 * so one check sees one generation of a set that g6_panels swaps in
 * atomically (store/panels.h). */
#ifndef G6_STORE_INTEGRITY_H
#define G6_STORE_INTEGRITY_H

#include "core/buf.h"
#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>

/* Bytes of panel files one check reads at most (4 x G6_PANELS_MAX_FILE). */
#define G6_INTEGRITY_MAX_READ (256u << 20)

/* Problem kinds; their tokens are the integrity_problem label values of
 * spec/metrics.yml. */
typedef enum g6_integrity_kind {
  G6_INTEGRITY_MANIFEST_MISSING,
  G6_INTEGRITY_MANIFEST_UNREADABLE,
  G6_INTEGRITY_INVALID_HASH_FORMAT,
  G6_INTEGRITY_UNSAFE_NAME,
  G6_INTEGRITY_FILE_MISSING,
  G6_INTEGRITY_READ_ERROR,
  G6_INTEGRITY_MISMATCH,
  G6_INTEGRITY_MISSING_SIGNATURE,
  G6_INTEGRITY_BAD_SIGNATURE,
  G6_INTEGRITY_KIND_COUNT
} g6_integrity_kind;

/* "manifest_missing", "mismatch", ...; never NULL. */
const char *g6_integrity_kind_name(g6_integrity_kind k);

typedef struct g6_integrity_issue {
  char *file;    /* the manifest's key ("manifest.json", "__manifest__",
                    "manifest.json.sig" for the manifest itself) */
  char *problem; /* the old checker's text: "mismatch",
                    "read_error:JSONDecodeError", "missing", ... */
  g6_integrity_kind kind;
} g6_integrity_issue;

typedef struct g6_integrity_report {
  g6_integrity_issue *issues; /* in manifest order */
  size_t n, cap;
  size_t entries; /* hashes the manifest lists */
  size_t counts[G6_INTEGRITY_KIND_COUNT];
} g6_integrity_report;

/* Checks directory `dir` (key: the HMAC key, NULL for none). Fills a zeroed
 * report (free it with g6_integrity_report_free). Returns G6_OK when the
 * check ran, whatever it found; G6_ENOMEM only. A directory that does not
 * exist reports the manifest missing, like the old checker. */
g6_status g6_integrity_check(const char *dir, const unsigned char *key,
                             size_t key_len, g6_integrity_report *r);

void g6_integrity_report_free(g6_integrity_report *r);

/* The report's issues on one line, "<file>: <problem>, ..." in manifest
 * order, into out (len > 0 bytes; cut to fit, always NUL-terminated); ""
 * when there is none. Each file name is made printable (core/status.h's
 * g6_printable: control bytes, DEL and non-ASCII as '?', at most 255
 * bytes), so a manifest's key cannot forge a log line. Returns out. */
char *g6_integrity_issues_line(const g6_integrity_report *r, char *out,
                               size_t len);

/* The old CLI's JSON output, {"issues": {file: problem, ...}, "count": n},
 * as Python's json.dumps writes it: indented by 2 when `indent`, else on
 * one line with ", " and ": " separators. No trailing newline. */
g6_status g6_integrity_report_json(const g6_integrity_report *r, bool indent,
                                   g6_buf *out);

#endif
