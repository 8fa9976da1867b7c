/* g6 summary — the terminal view ops teams had in the old platform: one
 * screen with each index's status, spot, ATM, legs, PCR and age, the
 * provider's health, the system and the integrity state, built from the
 * panel files (store/summary.h).
 *
 * On a terminal it redraws in place every --refresh seconds on the
 * alternate screen (cursor home, each line cleared to its end: no
 * scrolling, works over ssh with any TERM that speaks ANSI), cut to the
 * terminal's width and height; q or Ctrl-C quits and restores the screen.
 * When standard output is not a terminal it prints plain frames, one per
 * refresh separated by an empty line, and --once prints one frame for
 * scripts. */
#include "cmd.h"

#include "core/buf.h"
#include "core/clock.h"
#include "store/summary.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <termios.h>
#include <unistd.h>

#define DEFAULT_DIR "/var/lib/g6/panels"

static volatile sig_atomic_t stop_requested, resized;

static void on_signal(int sig) {
  if (sig == SIGWINCH)
    resized = 1;
  else
    stop_requested = 1;
}

static int usage(FILE *out) {
  fprintf(out,
"usage: g6 summary [--panels-dir DIR] [--refresh SECONDS] [--once]\n"
"                  [--key FILE]\n"
"\n"
"One screen of what g6_panels writes to DIR (default " DEFAULT_DIR "):\n"
"each index's status, spot, ATM, legs, PCR and age, the Kite provider's\n"
"health, the system, and the integrity of the panel files (--key FILE also\n"
"checks the manifest signature). On a terminal the screen is redrawn in\n"
"place every SECONDS (default 2); q or Ctrl-C quits. Otherwise plain text\n"
"is printed every SECONDS, or once with --once. Unknown values show as -.\n"
"Exit status: 0, or 2 for bad usage.\n");
  return out == stdout ? G6_EXIT_OK : G6_EXIT_USAGE;
}

static void term_size(int *cols, int *rows) {
  struct winsize ws;
  *cols = 120;
  *rows = 40;
  if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    *cols = ws.ws_col;
    *rows = ws.ws_row > 0 ? ws.ws_row : 40;
  }
}

/* Waits up to `seconds` for a key on stdin (a terminal); true when q was
 * pressed. Returns early on a signal. */
static bool wait_key(double seconds, bool keys) {
  double end = g6_monotonic_now() + seconds;
  while (!stop_requested && !resized) {
    double left = end - g6_monotonic_now();
    if (left <= 0)
      return false;
    struct timeval tv = {(time_t)left, (suseconds_t)((left - (double)(time_t)left) * 1e6)};
    fd_set fds;
    FD_ZERO(&fds);
    if (keys)
      FD_SET(STDIN_FILENO, &fds);
    int n = select(keys ? STDIN_FILENO + 1 : 0, &fds, NULL, NULL, &tv);
    if (n > 0 && keys) {
      char c[16];
      ssize_t k = read(STDIN_FILENO, c, sizeof(c));
      for (ssize_t i = 0; i < k; i++)
        if (c[i] == 'q' || c[i] == 'Q')
          return true;
      if (k == 0) /* stdin closed: only signals and the timer are left */
        keys = false;
    }
  }
  return false;
}

static void draw(const char *text, int rows) {
  g6_buf b = G6_BUF_INIT;
  g6_buf_puts(&b, "\033[H");
  int n = 0;
  for (const char *p = text; *p && n < rows - 1; n++) {
    const char *nl = strchr(p, '\n');
    size_t len = nl ? (size_t)(nl - p) : strlen(p);
    g6_buf_append(&b, p, len);
    g6_buf_puts(&b, "\033[K\n");
    p += len + (nl ? 1 : 0);
  }
  g6_buf_puts(&b, "\033[J");
  fwrite(b.data, 1, b.len, stdout);
  fflush(stdout);
  g6_buf_free(&b);
}

int g6_cmd_summary(int argc, char **argv) {
  const char *dir = DEFAULT_DIR, *key_file = NULL;
  double refresh = 2;
  bool once = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
      return usage(stdout);
    if (strcmp(a, "--once") == 0) {
      once = true;
    } else if (strcmp(a, "--panels-dir") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else if (strcmp(a, "--key") == 0 && i + 1 < argc) {
      key_file = argv[++i];
    } else if (strcmp(a, "--refresh") == 0 && i + 1 < argc) {
      char *end;
      refresh = strtod(argv[++i], &end);
      if (*end != '\0' || !(refresh >= 0.1 && refresh <= 3600)) {
        fprintf(stderr, "g6 summary: --refresh %s: want seconds from 0.1 to "
                        "3600\n", argv[i]);
        return G6_EXIT_USAGE;
      }
    } else {
      fprintf(stderr, "g6 summary: unknown or incomplete option \"%s\"\n", a);
      return usage(stderr);
    }
  }
  char *key;
  size_t key_len;
  if (g6_cli_read_key("summary", key_file, &key, &key_len) != G6_EXIT_OK)
    return G6_EXIT_USAGE;
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal; /* no SA_RESTART: select returns at once */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  sigaction(SIGWINCH, &sa, NULL);
  bool live = !once && isatty(STDOUT_FILENO);
  bool keys = live && isatty(STDIN_FILENO);
  struct termios saved;
  if (keys && tcgetattr(STDIN_FILENO, &saved) == 0) {
    struct termios raw = saved;
    raw.c_lflag &= (tcflag_t)~(ICANON | ECHO);
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    tcsetattr(STDIN_FILENO, TCSANOW, &raw);
  } else {
    keys = false;
  }
  if (live) /* the alternate screen, cursor hidden */
    fputs("\033[?1049h\033[?25l", stdout);
  for (bool first = true; !stop_requested; first = false) {
    int cols, rows;
    term_size(&cols, &rows);
    resized = 0;
    g6_buf b = G6_BUF_INIT;
    if (g6_summary_render(dir, (unsigned char *)key, key_len, g6_wall_now(),
                          live ? cols : 0, &b) != G6_OK) {
      g6_buf_free(&b);
      fprintf(stderr, "g6 summary: out of memory\n");
      break;
    }
    if (live) {
      draw(b.data, rows);
    } else {
      if (!first)
        putchar('\n');
      fputs(b.data, stdout);
      fflush(stdout);
    }
    g6_buf_free(&b);
    if (once || wait_key(refresh, keys))
      break;
  }
  if (live) {
    fputs("\033[?25h\033[?1049l", stdout);
    fflush(stdout);
  }
  if (keys)
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
  g6_cli_free_key(key, key_len);
  return G6_EXIT_OK;
}
