/* g6 — panel files: the old platform's enveloped JSON panels and their
 * manifest (reference §6.1–6.2, DESIGN §7, docs/PANELS.md), written as one
 * set.
 *
 * A panel file <name>_enveloped.json holds
 *   {"panel": <name>, "version": 1, "generated_at": <unix seconds, int>,
 *    "updated_at": "YYYY-MM-DDTHH:MM:SSZ", "data": <payload>,
 *    "meta": {"source": <source>, "schema": "v1", "hash": <12 hex>}}
 * and manifest.json
 *   {"schema_version": 1, "generator": "PanelsWriter", "cycle": <int>,
 *    "ts": <unix seconds>, "files": [sorted file names], "indices_count":
 *    <int|null>, "alerts_total": null, "app_version": <string>,
 *    "hashes": {<file>: <sha256 hex>}}
 * (exactly the old manifest schema: no other keys). A hash is SHA-256 of
 * the canonical form of the panel's data (core/json.h: Python's
 * json.dumps(data, sort_keys=True, separators=(",", ":"))), so the old
 * checker verifies g6's panels and g6 verifies the old platform's. meta.hash
 * is its first 12 hex digits, taken over {} when data is null (the old
 * writer's rule). With a key, manifest.json.sig holds
 * "hmac-sha256:<hex>\n": HMAC-SHA256 of the exact bytes of manifest.json.
 *
 * Writing. A flush compares each panel's data hash with the file it wrote
 * last (known from the files on disk at start): an unchanged panel keeps its
 * file, bytes and updated_at included; if no panel changed nothing is
 * written at all. Otherwise the new set is built in a staging directory
 * beside PanelsDir (<parent>/.<name>.g6-staging): unchanged files are
 * hard-linked, changed ones written, then manifest.json and its signature,
 * everything fsynced when durable; then one renameat2(RENAME_EXCHANGE)
 * swaps the staging directory and PanelsDir. A reader (or a crash) sees the
 * old set or the new set, never a manifest that does not match its files.
 * Right after the exchange the previous set is removed from the staging
 * directory (g6's old files and the second links of files carried over), so
 * nothing of it outlives the flush: a file its owner deletes from PanelsDir,
 * or every file of a PanelsDir that is removed, never comes back, and a file
 * its owner rewrites never meets a stale link of itself.
 *
 * Other programs' files. g6's own names are the panel files of the call,
 * manifest.json, manifest.json.sig and their temporary files, and g6
 * writes only regular files; everything else in PanelsDir (any name that
 * is not g6's, and a directory, symbolic link, FIFO... at one that is) is
 * another program's, and g6 never deletes, overwrites or moves it for
 * good. A panel whose file name such an entry holds is not written and not
 * listed in the manifest, so the rest of the set verifies (result
 * blocked); while one holds manifest.json (or, with a key, its signature)
 * no panel is written at all: the flush fails naming it (G6_EEXIST). A
 * panel file or manifest removed meanwhile is written again by the next
 * flush. Other programs' files are carried over to the new set by hard
 * links. One that appears while a set is built (after PanelsDir was read,
 * before the exchange) lands in the previous set: right after the exchange
 * it is moved back into PanelsDir, and one that replaced a carried file
 * meanwhile (an atomic rewrite) replaces that link.
 *
 * Crashes. Before anything is linked, the names and inode numbers of the
 * files the set carries over are written to a journal beside the staging
 * directory (<parent>/.<name>.g6-journal, checksummed, fsynced when
 * durable; a file linked other than listed is not carried). Whatever a
 * crash leaves in the staging directory (a set never swapped in, or the
 * previous set) is emptied by the next flush that writes, told apart
 * exactly: g6's own names and the links the journal lists by name and
 * inode are removed (in a set never swapped in, which holds only what g6
 * put there, every entry of a name it lists), whatever PanelsDir may have
 * become meanwhile (a file its owner deleted before the restart does not
 * come back, one it rewrote does not block the staging directory);
 * everything else arrived
 * while that set was built and is moved back as above. A journal that is
 * torn, or names other directories (by inode) than the staging directory,
 * is not used: then second links of files PanelsDir still holds are
 * removed and the rest is moved back. What
 * cannot be moved back (PanelsDir meanwhile holds another entry of the
 * name) stays in the staging directory, and the writer leaves that
 * directory alone from then on (file by file, reported as a fallback). A
 * directory in PanelsDir (refused at open; found by a flush when it
 * appears later, whatever its name) cannot be carried over: the flush writes file by file
 * instead, leaves it in place and reports it as the fallback reason.
 *
 * Where the file system cannot exchange directories (PanelsDir a mount
 * point, no hard links, no RENAME_EXCHANGE) files are replaced one by one,
 * manifest last, each atomically: then a crash between two renames leaves
 * the manifest naming the old hash of a file already replaced until the
 * next flush, which the result reports (`exchange` false). Only such a
 * lasting reason (or another program's entry in the way) ends whole sets;
 * a passing one (EROFS, ENOSPC, EIO, EDQUOT: the staging directory cannot
 * be made or emptied, or the journal written, for a while) makes one flush
 * go file by file, and the next tries a set again. */
#ifndef G6_STORE_PANELS_H
#define G6_STORE_PANELS_H

#include "core/buf.h"
#include "core/json.h"
#include "core/status.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define G6_PANELS_MAX 16
#define G6_PANELS_MANIFEST "manifest.json"
#define G6_PANELS_SIGNATURE "manifest.json.sig"
#define G6_PANELS_SUFFIX "_enveloped.json"
#define G6_PANELS_GENERATOR "PanelsWriter"
#define G6_PANELS_SCHEMA "v1"
/* What g6 reads of a panel file or manifest it did not necessarily write
 * (the writer's start-up, the integrity check, g6 summary): at most
 * G6_PANELS_MAX_FILE bytes, parsed into at most G6_PANELS_MAX_VALUES JSON
 * values (core/json.h's g6_json_parse_limited: ~100 MB of tree; g6's own
 * panels hold a few thousand). Beyond either the file is not used. */
#define G6_PANELS_MAX_FILE (64u << 20)
#define G6_PANELS_MAX_VALUES 1000000u

/* SHA-256 hex of data's canonical form ("null" for NULL/null data): the
 * manifest hash. G6_EINVAL when data holds a string that is not UTF-8. */
g6_status g6_panel_data_hash(const g6_json *data, char out[65]);

/* The envelope of a panel (a new object; data is deep-copied by
 * re-parsing its canonical form, the caller keeps its own). `now` is unix
 * seconds. NULL when out of memory or data cannot be serialized. */
g6_json *g6_panel_envelope(const char *name, const g6_json *data, double now,
                           const char *source);

/* File name of a panel: name + "_enveloped.json". false when it does not
 * fit or the name is not 1-63 of [a-z0-9_]. */
bool g6_panel_file_name(const char *name, char *out, size_t len);

typedef struct g6_panels_writer_opts {
  const char *dir;         /* PanelsDir; created if missing */
  const char *source;      /* meta.source, e.g. "g6_panels" */
  const char *app_version; /* manifest app_version */
  const unsigned char *key; /* HMAC key, or NULL for no signature */
  size_t key_len;
  bool durable;          /* fsync files and directories */
  bool per_file;         /* never try the directory exchange (tests) */
  mode_t file_mode;      /* of panel files and the manifest, e.g. 0644 */
} g6_panels_writer_opts;

typedef struct g6_panels_writer g6_panels_writer;

/* Opens (creating PanelsDir with 0755 if missing). PanelsDir given as a
 * symbolic link (or below one) is resolved here, once: sets are swapped in
 * where it leads (g6_panels_writer_dir), the staging directory is made
 * beside that directory, and the link itself is never exchanged
 * (renameat2 would move the link, not follow it). Readers use PanelsDir as
 * configured, so every flush checks that it still leads there: a removed
 * link is made again (the same text, as a removed PanelsDir is made again);
 * a link that points elsewhere, or a directory or file in its place, makes
 * the flush fail (G6_EEXIST, result dir_elsewhere) with an error naming
 * PanelsDir, what it is now and the directory written, until it leads
 * there again or the writer is opened anew; so does a PanelsDir that was a
 * directory at open and is a symbolic link now. Refuses, with the
 * path in the message:
 *   - a PanelsDir that holds a directory (it could not be carried over to
 *     the next set): G6_EEXIST;
 *   - one that cannot be created, read, or written (a probe file is
 *     created and removed: a read-only PanelsDir is found here, not by
 *     every flush): the errno's status;
 *   - one another writer holds (core/fsutil.h's g6_dir_lock on PanelsDir
 *     and on the staging directory, held until close): G6_EEXIST — another
 *     collectd, or g6_chain of this collectd when PanelsDir is its DataDir;
 *   - without per_file, a PanelsDir whose parent is not writable (the
 *     staging directory is made there): the errno's status, the message
 *     saying so. A PanelsDir that is a mount point is written file by file
 *     instead, and g6_panels_writer_notes says why.
 * The key is copied. */
g6_status g6_panels_writer_open(const g6_panels_writer_opts *o,
                                g6_panels_writer **out, g6_error *err);
void g6_panels_writer_close(g6_panels_writer *w);

/* One panel of a flush. */
typedef struct g6_panel_out {
  const char *name; /* [a-z0-9_]+, e.g. "indices_panel" */
  const g6_json *data;
  bool keep; /* do not write it (strict validation failed): the previous
                file and its manifest hash stay */
} g6_panel_out;

typedef struct g6_panels_result {
  size_t written;                 /* panel files written */
  bool changed[G6_PANELS_MAX];    /* per panel of the call */
  bool manifest_written;
  bool exchange;                  /* the set was swapped in atomically */
  bool fell_back;                 /* this flush could not swap a set in and
                                     wrote file by file */
  bool for_good;                  /* ...and the reason lasts (the file
                                     system cannot exchange directories,
                                     an entry that is not g6's is in the
                                     way): file by file from now on; else
                                     the next flush tries a set again */
  char fallback_reason[256];      /* why, when fell_back */
  bool exchange_again;            /* a set was swapped in after flushes
                                     that could not for a passing reason */
  bool dir_recreated;             /* PanelsDir had been removed: this flush
                                     created it again (mode and owner as at
                                     open), locked it and wrote every panel */
  bool link_recreated;            /* PanelsDir was a symbolic link at open
                                     and the link had been removed: this
                                     flush made it again (same text) */
  bool dir_missing;               /* on failure: PanelsDir is gone, so no
                                     previous panels are in place */
  bool dir_elsewhere;             /* on failure: PanelsDir as configured
                                     no longer leads to the directory
                                     written since open (the link points
                                     elsewhere, something else took its
                                     place): readers see none of its panels */
  bool blocked[G6_PANELS_MAX];    /* per panel of the call: its file name
                                     holds another program's entry (a
                                     directory, symbolic link, FIFO...),
                                     left in place: the panel is not
                                     written (changed false) and not listed
                                     in the manifest */
  size_t n_blocked;
  char blocked_news[1024];        /* when the blocked panels differ from
                                     the last flush's: which are blocked
                                     and why, or that none is any more;
                                     "" otherwise (log it once) */
  int64_t cycle;                  /* the manifest's cycle */
} g6_panels_result;

/* Writes the panels whose data changed, then the manifest listing every
 * panel of the call (and its signature). `indices_count` < 0 writes null.
 * A PanelsDir removed meanwhile is created again first (with the mode and
 * owner it had at open, and locked again) and gets a whole new set: every
 * panel written anew, and nothing else (other programs' files went with
 * the directory).
 * On failure nothing of this flush is visible in exchange mode (the next
 * flush retries everything), the error names the file and the step, and
 * result->changed still says which panels were due. Written file by file,
 * a failure part of the way leaves the files replaced so far beside the
 * previous manifest: the next flush compares each panel with the file on
 * disk (not with what was there before) and writes the manifest, so the
 * set verifies again after it whatever the data is then. */
g6_status g6_panels_write(g6_panels_writer *w, const g6_panel_out *panels,
                          size_t n, double now, int64_t indices_count,
                          g6_panels_result *result, g6_error *err);

/* The name of the staging directory g6_panels keeps beside a PanelsDir
 * whose last component is `base` (".<base>.g6-staging", base cut at 200
 * bytes), written to out (cap bytes, NUL-terminated, truncated to fit).
 * The one place the name is built: the writer makes the directory under
 * it, and the retention scan (store/retention.h) counts what is in it as
 * panels. Returns the length of the name. Can't fail. */
size_t g6_panels_staging_name(const char *base, char *out, size_t cap);

/* The name of the journal g6_panels keeps beside the staging directory
 * (".<base>.g6-journal", base cut at 200 bytes; same contract as
 * g6_panels_staging_name): before each set is built it lists the names and
 * inode numbers of the files the set carries over, so that after a crash
 * the staging directory's second links are told from other programs'
 * files exactly. Counted as panels by the retention scan, never pruned. */
size_t g6_panels_journal_name(const char *base, char *out, size_t cap);

/* The most files a journal is read with: g6's own carried over are at most
 * G6_PANELS_MAX panels, another program's normally a handful. A journal
 * listing more, or longer than such a journal can be (each line a 20-digit
 * inode and a NAME_MAX-byte name in hex: ~2.1 MB), is not used, like a
 * torn one: it costs a flush neither the memory nor the time of a planted
 * journal of millions of names (its checksum has no key). A PanelsDir
 * holding more files than this still gets whole sets; after a crash its
 * staging directory is told apart as without a journal. */
#define G6_PANELS_JOURNAL_MAX_FILES 4096

/* The directory sets are written to: PanelsDir with symbolic links
 * resolved at open (the staging directory is beside it). */
const char *g6_panels_writer_dir(const g6_panels_writer *w);

/* Whether the writer still swaps whole sets (false after a fallback). */
bool g6_panels_writer_exchanges(const g6_panels_writer *w);

/* What the caller should log once at start-up as a warning ("" when
 * nothing): why the writer writes file by file from the start (PanelsDir is
 * a mount point), that PanelsDir cannot be locked. */
const char *g6_panels_writer_notes(const g6_panels_writer *w);

#endif
