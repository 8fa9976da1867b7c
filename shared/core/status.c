#include "core/status.h"

#include <errno.h>
#include <stdio.h>

static const char *const names[] = {
#define G6_STATUS_NAME(code, name, msg) name,
    G6_STATUS_LIST(G6_STATUS_NAME)
#undef G6_STATUS_NAME
};

static const char *const messages[] = {
#define G6_STATUS_MSG(code, name, msg) msg,
    G6_STATUS_LIST(G6_STATUS_MSG)
#undef G6_STATUS_MSG
};

const char *g6_strerror(g6_status s) {
  if ((unsigned)s >= (unsigned)G6_STATUS_COUNT)
    return "unknown status";
  return messages[s];
}

const char *g6_status_name(g6_status s) {
  if ((unsigned)s >= (unsigned)G6_STATUS_COUNT)
    return "unknown";
  return names[s];
}

g6_status g6_status_from_errno(int err) {
  switch (err) {
  case 0:
    return G6_OK;
  case ENOSPC:
#ifdef EDQUOT
  case EDQUOT:
#endif
    return G6_ENOSPC;
  case EACCES:
  case EPERM:
    return G6_EPERM;
  case EROFS:
    return G6_EROFS;
  case ENOENT:
    return G6_ENOENT;
  case ENOMEM:
    return G6_ENOMEM;
  case EEXIST:
    return G6_EEXIST;
  case ETIMEDOUT:
    return G6_ETIMEOUT;
  default:
    return G6_EIO;
  }
}

g6_status g6_error_vset(g6_error *err, g6_status code, const char *fmt,
                        va_list ap) {
  if (err == NULL)
    return code;
  err->code = code;
  vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
  return code;
}

g6_status g6_error_set(g6_error *err, g6_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g6_error_vset(err, code, fmt, ap);
  va_end(ap);
  return code;
}

int g6_hex_digit(int c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

char *g6_printable(const char *s, size_t len, char *out, size_t cap) {
  size_t i = 0;
  for (; i < len && i + 1 < cap; i++)
    out[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
  out[i] = '\0';
  return out;
}

char *g6_printable_path(const char *s, size_t len, char *out, size_t cap) {
  if (len < cap)
    return g6_printable(s, len, out, cap);
  size_t keep = cap - 4, head = keep / 3, tail = keep - head;
  g6_printable(s, head, out, head + 1);
  out[head] = out[head + 1] = out[head + 2] = '.';
  g6_printable(s + len - tail, tail, out + head + 3, tail + 1);
  return out;
}

void g6_error_clear(g6_error *err) {
  if (err == NULL)
    return;
  err->code = G6_OK;
  err->msg[0] = '\0';
}
