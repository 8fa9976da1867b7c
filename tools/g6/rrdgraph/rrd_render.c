/* g6 rrdgraph — librrd calls (see rrd_render.h). */
#include "rrdgraph/rrd_render.h"

#include <errno.h>
#include <math.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* librrd keeps its error in a per-thread buffer; copy it before the next
 * call clears it. */
static g6_status rrd_failed(g6_error *err, const char *what) {
  const char *msg = rrd_get_error();
  g6_error_set(err, G6_EIO, "%s: %s", what,
               msg && *msg ? msg : "rrdtool failed");
  rrd_clear_error();
  return G6_EIO;
}

/* librrd takes a read lock (fcntl F_SETLK, which does not wait) on every
 * file it reads and fails at once with "could not lock RRD" while another
 * process holds the write lock: collectd's rrdtool plugin, for the few
 * milliseconds of each update. True (after a pause) while such a read
 * should be tried again, up to G6_RRD_LOCK_WAIT_MS in all; *waited_ms
 * counts the pauses. Any other error is no reason to wait. */
static bool lock_busy(unsigned *waited_ms) {
  const char *msg = rrd_get_error();
  if (msg == NULL || strstr(msg, "could not lock") == NULL ||
      *waited_ms >= G6_RRD_LOCK_WAIT_MS)
    return false;
  unsigned pause = *waited_ms < 100 ? 5 : 50;
  nanosleep(&(struct timespec){0, (long)pause * 1000000L}, NULL);
  *waited_ms += pause;
  rrd_clear_error();
  return true;
}

/* The error of a read that gave up: rrdtool's message, and how long the
 * lock was waited for when that was the cause. */
static g6_status read_failed(g6_error *err, const char *what,
                             unsigned waited_ms) {
  if (waited_ms < G6_RRD_LOCK_WAIT_MS)
    return rrd_failed(err, what);
  g6_error_set(err, G6_EIO,
               "%s: could not lock RRD: another process (collectd's rrdtool "
               "plugin?) held its write lock for over %u ms",
               what, G6_RRD_LOCK_WAIT_MS);
  rrd_clear_error();
  return G6_EIO;
}

g6_status g6_rg_render(g6_rg_built *b, double *last, g6_error *err) {
  for (size_t l = 0; l < b->n_lines; l++)
    last[l] = NAN;
  const char *final = b->argv[1];
  size_t n = strlen(final) + 16;
  char *tmp = malloc(n);
  if (tmp == NULL)
    return g6_error_set(err, G6_ENOMEM, "%s: out of memory", b->file);
  snprintf(tmp, n, "%s.tmp%ld", final, (long)getpid());
  /* rrdtool's option parser permutes the array it is given: hand it a copy
   * so b->argv keeps owning its strings in order */
  char **args = malloc((b->argc + 1) * sizeof(*args));
  if (args == NULL) {
    free(tmp);
    return g6_error_set(err, G6_ENOMEM, "%s: out of memory", b->file);
  }
  memcpy(args, b->argv, (b->argc + 1) * sizeof(*args));
  args[1] = tmp;
  rrd_info_t *info;
  unsigned waited = 0;
  do {
    rrd_clear_error();
    info = rrd_graph_v((int)b->argc, args);
    if (info == NULL)
      unlink(tmp);
    else
      break;
    /* rrd_graph_v permutes the copy: the next try starts from b->argv */
    memcpy(args, b->argv, (b->argc + 1) * sizeof(*args));
    args[1] = tmp;
  } while (lock_busy(&waited));
  free(args);
  if (info == NULL) {
    free(tmp);
    return read_failed(err, b->file, waited);
  }
  for (rrd_info_t *p = info; p; p = p->next) {
    unsigned long k;
    char tail;
    if (p->type == RD_I_STR && sscanf(p->key, "print[%lu%c", &k, &tail) == 2 &&
        tail == ']' && k < b->n_lines) {
      char *end;
      double v = strtod(p->value.u_str, &end);
      last[k] = end != p->value.u_str ? v : NAN;
    }
  }
  rrd_info_free(info);
  if (rename(tmp, final) != 0) {
    int e = errno;
    unlink(tmp);
    free(tmp);
    return g6_error_set(err, g6_status_from_errno(e), "%s: %s", final,
                        strerror(e));
  }
  free(tmp);
  return G6_OK;
}

g6_status g6_rrd_step(const char *path, unsigned long *step,
                      unsigned long *heartbeat, g6_error *err) {
  rrd_info_t *info;
  unsigned waited = 0;
  do {
    rrd_clear_error();
    info = rrd_info_r(path);
  } while (info == NULL && lock_busy(&waited));
  if (info == NULL)
    return read_failed(err, path, waited);
  *step = *heartbeat = 0;
  for (rrd_info_t *p = info; p; p = p->next) {
    if (p->type != RD_I_CNT)
      continue;
    if (strcmp(p->key, "step") == 0)
      *step = p->value.u_cnt;
    else if (strcmp(p->key, "ds[value].minimal_heartbeat") == 0)
      *heartbeat = p->value.u_cnt;
  }
  rrd_info_free(info);
  if (*step == 0 || *heartbeat == 0)
    return g6_error_set(err, G6_EPARSE,
                        "%s: no step or no data source \"value\"", path);
  return G6_OK;
}

g6_status g6_rrd_window(const char *start, const char *end, time_t *t0,
                        time_t *t1, g6_error *err) {
  rrd_time_value_t s, e;
  char *msg;
  if ((msg = rrd_parsetime(start, &s)) != NULL)
    return g6_error_set(err, G6_EINVAL, "start \"%s\": %s", start, msg);
  if ((msg = rrd_parsetime(end, &e)) != NULL)
    return g6_error_set(err, G6_EINVAL, "end \"%s\": %s", end, msg);
  rrd_clear_error();
  if (rrd_proc_start_end(&s, &e, t0, t1) != 0)
    return rrd_failed(err, "start and end");
  if (*t0 >= *t1)
    return g6_error_set(err, G6_EINVAL, "start \"%s\" is not before end \"%s\"",
                        start, end);
  return G6_OK;
}

g6_status g6_rrd_window_data(const char *path, time_t t0, time_t t1,
                             g6_rrd_data *out, g6_error *err) {
  unsigned long step = 0, n_ds = 0;
  char **names = NULL;
  rrd_value_t *data = NULL;
  time_t a, b;
  unsigned waited = 0;
  int rc;
  do {
    a = t0;
    b = t1;
    rrd_clear_error();
    rc = rrd_fetch_r(path, "AVERAGE", &a, &b, &step, &n_ds, &names, &data);
  } while (rc != 0 && lock_busy(&waited));
  if (rc != 0)
    return read_failed(err, path, waited);
  *out = G6_RRD_NOTHING;
  size_t rows = step ? (size_t)((b - a) / (time_t)step) : 0;
  for (size_t i = 0; i < rows * n_ds && *out != G6_RRD_VALUES; i++) {
    if (isnan(data[i]))
      continue;
    *out = data[i] != 0 ? G6_RRD_VALUES : G6_RRD_ZEROS;
  }
  for (unsigned long k = 0; k < n_ds; k++)
    rrd_freemem(names[k]);
  rrd_freemem(names);
  rrd_freemem(data);
  return G6_OK;
}

g6_step_check g6_step_classify(unsigned long step, unsigned long heartbeat,
                               double interval) {
  if (interval > (double)heartbeat)
    return G6_STEP_LOST;
  if (interval > (double)step)
    return G6_STEP_COARSER;
  if (interval < (double)step)
    return G6_STEP_FINER;
  return G6_STEP_OK;
}
