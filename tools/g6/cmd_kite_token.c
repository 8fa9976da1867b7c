/* g6 kite-token — the daily Kite login step: exchange the request token from
 * the login redirect for an access token (POST /session/token with the
 * SHA-256 checksum of api_key + request_token + api_secret) and write it to
 * the token file (mode 0600, atomically). Never prints a secret. */
#include "cmd.h"

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/ist.h"
#include "market/kite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static int usage(FILE *out) {
  fprintf(out,
"usage: g6 kite-token --request-token TOKEN|- --token-file FILE\n"
"                     (--api-key-file FILE | --api-key KEY)\n"
"                     --api-secret-file FILE\n"
"                     [--url URL] [--timeout SECONDS]\n"
"\n"
"Exchanges the request token of today's Kite login for an access token and\n"
"writes it to FILE (mode 0600, atomic replace). `-` reads the request token\n"
"from standard input. Key and secret files must not be readable by group or\n"
"other (chmod 600); the secret is never taken on the command line, where\n"
"every user of the host can read it. FILE's directory must be writable\n"
"before the request token is spent (it is single-use). Prints the user id\n"
"and when the token expires (06:00 IST\n"
"the next morning); never prints the key, secret or tokens.\n"
"URL defaults to https://api.kite.trade.\n"
"Exit status: 0 written, 1 the exchange or the write failed, 2 usage.\n");
  return out == stdout ? G6_EXIT_OK : G6_EXIT_USAGE;
}

static void log_stderr(void *ctx, int level, const char *msg) {
  (void)ctx;
  if (G6_LOG_LEVEL(level) <= G6_LOG_WARNING)
    fprintf(stderr, "g6 kite-token: %s\n", msg);
}

int g6_cmd_kite_token(int argc, char **argv) {
  const char *request = NULL, *token_file = NULL, *key = NULL,
             *key_file = NULL, *secret_file = NULL,
             *url = "https://api.kite.trade";
  double timeout = 10;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
      return usage(stdout);
    if (i + 1 >= argc) {
      fprintf(stderr, "g6 kite-token: %s needs a value\n", a);
      return usage(stderr);
    }
    const char *v = argv[++i];
    if (strcmp(a, "--request-token") == 0)
      request = v;
    else if (strcmp(a, "--token-file") == 0)
      token_file = v;
    else if (strcmp(a, "--api-key") == 0)
      key = v;
    else if (strcmp(a, "--api-key-file") == 0)
      key_file = v;
    else if (strcmp(a, "--api-secret") == 0) {
      fprintf(stderr, "g6 kite-token: --api-secret would put the secret in "
                      "the process list and the shell history; write it to a "
                      "file only you can read (chmod 600) and give "
                      "--api-secret-file FILE\n");
      return G6_EXIT_USAGE;
    } else if (strcmp(a, "--api-secret-file") == 0)
      secret_file = v;
    else if (strcmp(a, "--url") == 0)
      url = v;
    else if (strcmp(a, "--timeout") == 0) {
      char *end;
      timeout = strtod(v, &end);
      if (*end != '\0' || !(timeout > 0 && timeout <= 300)) {
        fprintf(stderr, "g6 kite-token: --timeout %s: want 0 < seconds <= "
                        "300\n", v);
        return G6_EXIT_USAGE;
      }
    } else {
      fprintf(stderr, "g6 kite-token: unknown option %s\n", a);
      return usage(stderr);
    }
  }
  if (key != NULL && key_file != NULL) {
    fprintf(stderr, "g6 kite-token: --api-key and --api-key-file exclude each "
                    "other; give one\n");
    return G6_EXIT_USAGE;
  }
  if (request == NULL || token_file == NULL ||
      (key == NULL && key_file == NULL) || secret_file == NULL) {
    fprintf(stderr, "g6 kite-token: need --request-token, --token-file, one "
                    "of --api-key/--api-key-file and --api-secret-file\n");
    return usage(stderr);
  }
  /* the request token is single-use: a token file that cannot be written
   * is found now, before the exchange spends it (a typo in the path meant
   * logging in at Kite again) */
  {
    g6_error werr;
    char dir[4096];
    struct stat sb;
    if (!g6_path_parent(token_file, dir, sizeof(dir))) {
      fprintf(stderr, "g6 kite-token: --token-file %s: path too long\n",
              token_file);
      return G6_EXIT_USAGE;
    }
    if (stat(token_file, &sb) == 0 && !S_ISREG(sb.st_mode)) {
      fprintf(stderr, "g6 kite-token: --token-file %s is not a regular "
                      "file\n", token_file);
      return G6_EXIT_USAGE;
    }
    if (g6_dir_check_writable(dir, "--token-file's directory", &werr) != G6_OK) {
      fprintf(stderr, "g6 kite-token: %s; nothing was sent, the request "
                      "token is still good\n", werr.msg);
      return G6_EXIT_USAGE;
    }
  }
  /* zeroed whole on every way out: the line read may go on past the
   * token (its line break, more words) */
  char reqbuf[256] = "";
  if (strcmp(request, "-") == 0) {
    if (fgets(reqbuf, sizeof(reqbuf), stdin) == NULL) {
      fprintf(stderr, "g6 kite-token: no request token on standard input\n");
      return G6_EXIT_USAGE;
    }
    reqbuf[strcspn(reqbuf, " \t\r\n")] = '\0';
    request = reqbuf;
  }
  if (request[0] == '\0') {
    g6_wipe(reqbuf, sizeof(reqbuf));
    fprintf(stderr, "g6 kite-token: empty request token\n");
    return G6_EXIT_USAGE;
  }
  g6_error err;
  char *sec = NULL;
  if (g6_read_secret_file(secret_file, &sec, &err) != G6_OK) {
    g6_wipe(reqbuf, sizeof(reqbuf));
    fprintf(stderr, "g6 kite-token: %s\n", err.msg);
    return G6_EXIT_USAGE;
  }
  g6_kite_config cfg;
  g6_kite_config_defaults(&cfg);
  cfg.base_url = url;
  cfg.api_key = key;
  cfg.api_key_file = key_file;
  cfg.timeout_s = timeout;
  /* retried only when nothing was sent: a request token is single use */
  cfg.retry_attempts = 2;
  cfg.log = log_stderr;
  g6_kite_client *c = NULL;
  if (g6_kite_client_new(&cfg, &c, &err) != G6_OK) {
    fprintf(stderr, "g6 kite-token: %s\n", err.msg);
    g6_secret_free(sec);
    g6_wipe(reqbuf, sizeof(reqbuf));
    return G6_EXIT_USAGE;
  }
  g6_kite_session ses;
  g6_status s = g6_kite_session_token(c, request, sec, &ses, &err);
  g6_secret_free(sec);
  g6_wipe(reqbuf, sizeof(reqbuf));
  g6_kite_client_free(c);
  if (s != G6_OK) {
    /* the client already logged the details (without secrets) */
    fprintf(stderr, "g6 kite-token: no access token (%s)\n",
            g6_status_name(s));
    if (ses.request_spent && (s == G6_ETIMEOUT || s == G6_ECONN ||
                              s == G6_ETRUNCATED || s == G6_EUPSTREAM ||
                              s == G6_ERATELIMIT || s == G6_EPROVIDER ||
                              s == G6_EHTTP || s == G6_EFOREIGN))
      fprintf(stderr,
              "g6 kite-token: the request may have reached Kite, which "
              "accepts a request token only once, so it was not sent "
              "again: log in to Kite again for a fresh request token and "
              "run g6 kite-token with it\n");
    return G6_EXIT_FAIL;
  }
  char text[160];
  int n = snprintf(text, sizeof(text), "%s\n", ses.access_token);
  g6_status w = g6_atomic_write(token_file, text, (size_t)n, 0600, true, &err);
  g6_wipe(text, sizeof(text));
  g6_wipe(ses.access_token, sizeof(ses.access_token));
  if (w != G6_OK) {
    fprintf(stderr, "g6 kite-token: %s\n", err.msg);
    return G6_EXIT_FAIL;
  }
  int64_t login = ses.login_epoch ? ses.login_epoch : (int64_t)time(NULL);
  int64_t exp = g6_kite_token_expiry(login);
  char when[20];
  g6_ist_format_ts(exp, when);
  printf("access token for user %s written to %s (mode 0600)\n",
         ses.user_id[0] ? ses.user_id : "?", token_file);
  printf("expires %s IST (%lld)\n", when, (long long)exp);
  return G6_EXIT_OK;
}
