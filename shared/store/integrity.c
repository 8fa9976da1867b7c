/* Verifying panels against their manifest (see store/integrity.h). */
#include "store/integrity.h"
#include "core/array.h"

#include "core/hash.h"
#include "core/json.h"
#include "store/panels.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_FILE G6_PANELS_MAX_FILE

static const char *const kind_names[G6_INTEGRITY_KIND_COUNT] = {
    "manifest_missing", "manifest_unreadable", "invalid_hash_format",
    "unsafe_name",      "file_missing",        "read_error",
    "mismatch",         "missing_signature",   "bad_signature",
};

const char *g6_integrity_kind_name(g6_integrity_kind k) {
  return (unsigned)k < G6_INTEGRITY_KIND_COUNT ? kind_names[k] : "unknown";
}

static g6_status add(g6_integrity_report *r, const char *file, size_t flen,
                     g6_integrity_kind kind, const char *problem) {
  if (!g6_array_room(&r->issues, &r->cap, r->n, sizeof(*r->issues), 8))
    return G6_ENOMEM;
  g6_integrity_issue *i = &r->issues[r->n];
  i->file = malloc(flen + 1);
  i->problem = strdup(problem);
  if (i->file == NULL || i->problem == NULL) {
    free(i->file);
    free(i->problem);
    return G6_ENOMEM;
  }
  memcpy(i->file, file, flen);
  i->file[flen] = '\0';
  i->kind = kind;
  r->n++;
  r->counts[kind]++;
  return G6_OK;
}

char *g6_integrity_issues_line(const g6_integrity_report *r, char *out,
                               size_t len) {
  size_t o = 0;
  out[0] = '\0';
  for (size_t i = 0; i < r->n && o < len - 1; i++) {
    /* a name is the manifest's text: a newline or an escape in it must
     * not forge a log line or drive a terminal */
    char name[256];
    g6_printable(r->issues[i].file, strlen(r->issues[i].file), name,
                 sizeof(name));
    int k = snprintf(out + o, len - o, "%s%s: %s", i ? ", " : "", name,
                     r->issues[i].problem);
    if (k < 0)
      break;
    o += (size_t)k;
  }
  return out;
}

void g6_integrity_report_free(g6_integrity_report *r) {
  for (size_t i = 0; i < r->n; i++) {
    free(r->issues[i].file);
    free(r->issues[i].problem);
  }
  free(r->issues);
  memset(r, 0, sizeof(*r));
}

/* The Python exception an errno becomes when Python opens or reads a
 * file. */
static const char *os_error_name(int e) {
  switch (e) {
  case ENOENT:
    return "FileNotFoundError";
  case EACCES:
  case EPERM:
    return "PermissionError";
  case EISDIR:
    return "IsADirectoryError";
  case ENOTDIR:
    return "NotADirectoryError";
  default:
    return "OSError";
  }
}

/* ... and the exception json.load raises for a parse status. */
static const char *parse_error_name(g6_status st) {
  switch (st) {
  case G6_ERANGE: /* more values than G6_PANELS_MAX_VALUES */
    return "TooLarge";
  case G6_EINVAL:
    return "UnicodeDecodeError";
  case G6_ETOOBIG:
    return "RecursionError";
  case G6_ENOMEM:
    return "MemoryError";
  default:
    return "JSONDecodeError";
  }
}

/* Reads a regular file relative to dfd, of at most `limit` bytes. Returns
 * 0, or the errno (EINVAL for a file that is not regular, EFBIG beyond the
 * limit, also when it grows beyond it while read). */
static int read_at(int dfd, const char *name, size_t limit, char **out,
                   size_t *len) {
  int fd = openat(dfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0)
    return errno;
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    return e;
  }
  if (!S_ISREG(st.st_mode)) {
    close(fd);
    return S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
  }
  if ((size_t)st.st_size > limit) {
    close(fd);
    return EFBIG;
  }
  /* one byte beyond the limit is room enough to see it exceeded */
  size_t cap = (size_t)st.st_size + 1, n = 0;
  char *buf = malloc(cap + 1);
  if (buf == NULL) {
    close(fd);
    return ENOMEM;
  }
  for (;;) {
    if (n == cap) { /* grew while reading */
      size_t grown = cap > limit / 2 ? limit + 1 : cap * 2;
      char *p = n <= limit ? realloc(buf, grown + 1) : NULL;
      if (p == NULL) {
        free(buf);
        close(fd);
        return n <= limit ? ENOMEM : EFBIG;
      }
      buf = p;
      cap = grown;
    }
    ssize_t k = read(fd, buf + n, cap - n);
    if (k < 0 && errno == EINTR)
      continue;
    if (k < 0) {
      int e = errno;
      free(buf);
      close(fd);
      return e;
    }
    if (k == 0)
      break;
    n += (size_t)k;
  }
  close(fd);
  if (n > limit) {
    free(buf);
    return EFBIG;
  }
  buf[n] = '\0';
  *out = buf;
  *len = n;
  return 0;
}

static bool safe_name(const char *s, size_t len) {
  if (len == 0 || strlen(s) != len) /* empty, or a NUL inside */
    return false;
  if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
    return false;
  return memchr(s, '/', len) == NULL;
}

/* Code points in surrogatepass UTF-8 (Python's len() of the str). */
static size_t code_points(const char *s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    n += ((unsigned char)s[i] & 0xC0) != 0x80;
  return n;
}

/* One manifest entry. */
static g6_status check_entry(int dfd, const char *file, size_t flen,
                             const g6_json *expected, size_t *budget,
                             g6_integrity_report *r) {
  size_t hlen = 0;
  const char *hex = g6_json_get_string(expected, &hlen);
  if (hex == NULL || code_points(hex, hlen) != 64)
    return add(r, file, flen, G6_INTEGRITY_INVALID_HASH_FORMAT,
               "invalid_hash_format");
  if (!safe_name(file, flen))
    return add(r, file, flen, G6_INTEGRITY_UNSAFE_NAME, "unsafe_name");
  char *text = NULL;
  size_t len = 0;
  int e = read_at(dfd, file, *budget < MAX_FILE ? *budget : MAX_FILE, &text,
                  &len);
  char problem[64];
  if (e == ENOENT)
    return add(r, file, flen, G6_INTEGRITY_FILE_MISSING, "file_missing");
  if (e == ENOMEM)
    return G6_ENOMEM;
  if (e != 0) {
    snprintf(problem, sizeof(problem), "read_error:%s",
             e == EFBIG ? "TooLarge" : os_error_name(e));
    return add(r, file, flen, G6_INTEGRITY_READ_ERROR, problem);
  }
  g6_json *doc = NULL;
  g6_error err;
  *budget -= len;
  g6_status ps = g6_json_parse_limited(text, len, G6_JSON_UTF8_TEXT,
                                       G6_PANELS_MAX_VALUES, &doc, &err);
  free(text);
  if (ps == G6_ENOMEM)
    return G6_ENOMEM;
  if (ps != G6_OK) {
    snprintf(problem, sizeof(problem), "read_error:%s", parse_error_name(ps));
    return add(r, file, flen, G6_INTEGRITY_READ_ERROR, problem);
  }
  g6_status st = G6_OK;
  if (g6_json_type_of(doc) != G6_JSON_OBJECT) {
    /* Python: obj.get("data") on a list or a str */
    st = add(r, file, flen, G6_INTEGRITY_READ_ERROR,
             "read_error:AttributeError");
  } else {
    char got[65];
    st = g6_panel_data_hash(g6_json_object_get(doc, "data"), got);
    if (st == G6_OK && (hlen != 64 || memcmp(got, hex, 64) != 0))
      st = add(r, file, flen, G6_INTEGRITY_MISMATCH, "mismatch");
    else if (st == G6_EINVAL) /* cannot happen for parsed text */
      st = add(r, file, flen, G6_INTEGRITY_READ_ERROR, "read_error:ValueError");
  }
  g6_json_free(doc);
  return st;
}

static g6_status check_signature(int dfd, const char *manifest, size_t mlen,
                                 const unsigned char *key, size_t key_len,
                                 g6_integrity_report *r) {
  static const char name[] = G6_PANELS_SIGNATURE;
  char *text = NULL;
  size_t len = 0;
  int e = read_at(dfd, name, 4096, &text, &len);
  if (e == ENOMEM)
    return G6_ENOMEM;
  if (e != 0)
    return add(r, name, strlen(name),
               e == ENOENT ? G6_INTEGRITY_MISSING_SIGNATURE
                           : G6_INTEGRITY_BAD_SIGNATURE,
               e == ENOENT ? "missing_signature" : "bad_signature");
  char mac[65], want[80];
  g6_status st = g6_hmac_sha256_hex(key, key_len, manifest, mlen, mac);
  if (st == G6_OK) {
    snprintf(want, sizeof(want), "hmac-sha256:%s\n", mac);
    size_t wl = strlen(want);
    /* the same length first, then a constant-time comparison */
    bool good = len == wl && g6_hex_equal(text, want);
    if (!good)
      st = add(r, name, strlen(name), G6_INTEGRITY_BAD_SIGNATURE,
               "bad_signature");
  }
  free(text);
  return st;
}

g6_status g6_integrity_check(const char *dir, const unsigned char *key,
                             size_t key_len, g6_integrity_report *r) {
  static const char mname[] = G6_PANELS_MANIFEST;
  int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    /* Python: (dir / "manifest.json").exists() is False where the path
     * cannot lead to a file (pathlib ignores ENOENT, ENOTDIR, EBADF and
     * ELOOP); any other failure (out of descriptors, an I/O error) says
     * nothing of the manifest and is reported as what it is */
    int e = errno;
    if (e == ENOENT || e == ENOTDIR || e == EBADF || e == ELOOP)
      return add(r, mname, strlen(mname), G6_INTEGRITY_MANIFEST_MISSING,
                 "missing");
    if (e == ENOMEM)
      return G6_ENOMEM;
    char problem[64];
    snprintf(problem, sizeof(problem), "error:%s", os_error_name(e));
    return add(r, "__manifest__", 12, G6_INTEGRITY_MANIFEST_UNREADABLE,
               problem);
  }
  char *text = NULL;
  size_t len = 0;
  int e = read_at(dfd, mname, MAX_FILE, &text, &len);
  g6_status st = G6_OK;
  if (e == ENOENT) {
    st = add(r, mname, strlen(mname), G6_INTEGRITY_MANIFEST_MISSING,
             "missing");
  } else if (e == ENOMEM) {
    st = G6_ENOMEM;
  } else if (e != 0) {
    char problem[64];
    snprintf(problem, sizeof(problem), "error:%s",
             e == EFBIG ? "TooLarge" : os_error_name(e));
    st = add(r, "__manifest__", 12, G6_INTEGRITY_MANIFEST_UNREADABLE, problem);
  } else {
    g6_json *m = NULL;
    g6_error err;
    g6_status ps = g6_json_parse_limited(text, len, G6_JSON_UTF8_TEXT,
                                         G6_PANELS_MAX_VALUES, &m, &err);
    char problem[64];
    if (ps == G6_ENOMEM) {
      st = G6_ENOMEM;
    } else if (ps != G6_OK || g6_json_type_of(m) != G6_JSON_OBJECT) {
      snprintf(problem, sizeof(problem), "error:%s",
               ps != G6_OK ? parse_error_name(ps) : "AttributeError");
      st = add(r, "__manifest__", 12, G6_INTEGRITY_MANIFEST_UNREADABLE,
               problem);
    } else {
      const g6_json *h = g6_json_object_get(m, "hashes");
      if (g6_json_type_of(h) == G6_JSON_OBJECT) {
        r->entries = g6_json_count(h);
        size_t budget = G6_INTEGRITY_MAX_READ;
        for (size_t i = 0; st == G6_OK && i < r->entries; i++) {
          size_t flen;
          const char *file = g6_json_object_key(h, i, &flen);
          st = check_entry(dfd, file, flen, g6_json_object_value(h, i),
                           &budget, r);
        }
      }
    }
    g6_json_free(m);
    /* the signature covers the manifest's bytes, valid JSON or not */
    if (st == G6_OK && key != NULL && key_len > 0)
      st = check_signature(dfd, text, len, key, key_len, r);
  }
  free(text);
  close(dfd);
  return st;
}

/* A JSON string as Python's json.dumps writes it (ASCII escapes). */
static g6_status put_string(g6_buf *out, const char *s) {
  g6_json *v = g6_json_string(s);
  if (v == NULL)
    return G6_ENOMEM;
  g6_status st = g6_json_dump_canonical(v, out);
  g6_json_free(v);
  return st;
}

g6_status g6_integrity_report_json(const g6_integrity_report *r, bool indent,
                                   g6_buf *out) {
  g6_status st = g6_buf_puts(out, indent ? "{\n  \"issues\": {" : "{\"issues\": {");
  for (size_t i = 0; st == G6_OK && i < r->n; i++) {
    if (i > 0)
      st = g6_buf_puts(out, indent ? "," : ", ");
    if (st == G6_OK && indent)
      st = g6_buf_puts(out, "\n    ");
    if (st == G6_OK)
      st = put_string(out, r->issues[i].file);
    if (st == G6_OK)
      st = g6_buf_puts(out, ": ");
    if (st == G6_OK)
      st = put_string(out, r->issues[i].problem);
  }
  if (st == G6_OK && indent && r->n > 0)
    st = g6_buf_puts(out, "\n  ");
  if (st == G6_OK)
    st = g6_buf_printf(out, indent ? "},\n  \"count\": %zu\n}" : "}, \"count\": %zu}",
                       r->n);
  return st;
}
