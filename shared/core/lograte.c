/* Keeping repeated failures from flooding a log (see core/lograte.h). */
#include "core/lograte.h"

bool g6_log_throttle_due(g6_log_throttle *t, g6_status st, double now,
                         double every_s) {
  bool due;
  if (st == G6_OK)
    due = t->last != G6_OK;
  else
    due = st != t->last || now - t->logged > every_s;
  if (due && st != G6_OK)
    t->logged = now;
  t->last = st;
  return due;
}

/* FNV-1a of the level and the message without its digits. */
static uint64_t shape_of(int level, const char *msg) {
  uint64_t h = UINT64_C(1469598103934665603);
  h ^= (uint64_t)(unsigned)level;
  for (const char *p = msg; *p; p++) {
    if (*p >= '0' && *p <= '9')
      continue;
    h ^= (uint64_t)(unsigned char)*p;
    h *= UINT64_C(1099511628211);
  }
  return h;
}

bool g6_log_dedup_admit(g6_log_dedup *d, int level, const char *msg,
                        double now, double window_s, unsigned *suppressed) {
  uint64_t key = shape_of(level, msg);
  bool show = true;
  *suppressed = 0;
  pthread_mutex_lock(&d->mu);
  /* any slot may hold any shape (the least recently shown one makes room):
   * with one slot per hash value, two messages of one outage that share it
   * — an endpoint's "retrying" warning and its "giving up" error — evicted
   * each other and both were logged on every request */
  size_t i = 0, oldest = 0;
  while (i < G6_LOG_DEDUP_SLOTS && d->slot[i].key != key) {
    /* an unused slot (key 0) before any used one */
    bool unused = d->slot[i].key == 0, o_unused = d->slot[oldest].key == 0;
    if ((unused && !o_unused) ||
        (unused == o_unused && d->slot[i].at < d->slot[oldest].at))
      oldest = i;
    i++;
  }
  if (i == G6_LOG_DEDUP_SLOTS) { /* a new shape: a fresh slot */
    i = oldest;
    d->slot[i].key = ~key; /* not this one's, whatever was there */
  }
  if (d->slot[i].key == key && now - d->slot[i].at < window_s) {
    d->slot[i].suppressed++;
    show = false;
  } else {
    *suppressed = d->slot[i].key == key ? d->slot[i].suppressed : 0;
    d->slot[i].key = key;
    d->slot[i].at = now;
    d->slot[i].suppressed = 0;
  }
  pthread_mutex_unlock(&d->mu);
  return show;
}
