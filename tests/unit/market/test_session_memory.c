/* The /session/token exchange (g6 kite-token) leaves no secret in memory
 * g6 gives back: the checksum's pre-image, the request body (API key,
 * request token, checksum), the answer (access token, API key) as it
 * grows, its JSON tree, the head of the body kept on do_call's stack, an
 * error body; nor in a message or a log line. A rotated access token is
 * zeroed when the client lets it go. Every free() and realloc() of libg6
 * is watched (secretspy.h); the server is a thread on 127.0.0.1 that
 * answers one request with the bytes it is given. */
#include "g6_test.h"

#include "core/buf.h"
#include "core/fsutil.h"
#include "core/hash.h"
#include "market/kite.h"
#include "secretspy.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

G6_TEST_TMPDIR("sessionmem")

#define KEY "kq7Zx2Lw9Rt4Vb1N"
#define SECRET "sEc9Hh3Jj5Kk7Ll1"
#define REQ "rqP1o2I3u4Y5t6R7"
/* longer than a buffer's first 64 bytes: the answer's copies grow */
#define TOK                                                                    \
  "TkA9s8d7F6g5H4j3K2l1Zx0Cv9Bn8Mq7We6Rt5Yu4Io3Pa2Sd1Fg0HjKlQwErTyUiOp"
#define TOK2 "Nw2Tq8Lk4Zp6Xr1Vm3Bc5Ns7Dh9Fj0Gl"

typedef struct server {
  int fd, port;
  const char *answer;
  size_t split; /* > 0: the first `split` bytes, a pause, the rest */
  pthread_t th;
  char request[8192];
} server;

static void *serve(void *vp) {
  server *s = vp;
  int c = accept(s->fd, NULL, NULL);
  if (c < 0)
    return NULL;
  size_t n = 0;
  for (;;) { /* the head, then the Content-Length bytes of the body */
    ssize_t k = read(c, s->request + n, sizeof(s->request) - 1 - n);
    if (k <= 0)
      break;
    n += (size_t)k;
    s->request[n] = '\0';
    char *end = strstr(s->request, "\r\n\r\n");
    char *cl = strcasestr(s->request, "\r\nContent-Length:");
    if (end != NULL && (cl == NULL || n >= (size_t)(end + 4 - s->request) +
                                               strtoul(cl + 17, NULL, 10)))
      break;
  }
  for (size_t o = 0, len = strlen(s->answer); o < len;) {
    size_t end = s->split > o ? s->split : len;
    ssize_t k = write(c, s->answer + o, end - o);
    if (k <= 0)
      break;
    o += (size_t)k;
    if (o == s->split)
      usleep(100 * 1000); /* the client reads the first part alone */
  }
  close(c);
  return NULL;
}

static void serve_once(server *s, const char *answer, size_t split) {
  memset(s, 0, sizeof(*s));
  s->answer = answer;
  s->split = split;
  s->fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET,
                          .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t al = sizeof(a);
  if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
      listen(s->fd, 1) != 0 ||
      getsockname(s->fd, (struct sockaddr *)&a, &al) != 0)
    fail_msg("cannot listen on 127.0.0.1");
  s->port = ntohs(a.sin_port);
  pthread_create(&s->th, NULL, serve, s);
}

static void serve_end(server *s) {
  shutdown(s->fd, SHUT_RDWR);
  pthread_join(s->th, NULL);
  close(s->fd);
}

static char logs[16384];
static size_t logs_len;

static void capture_log(void *ctx, int level, const char *msg) {
  (void)ctx;
  (void)level;
  int n = snprintf(logs + logs_len, sizeof(logs) - logs_len, "%s\n", msg);
  if (n > 0 && logs_len + (size_t)n < sizeof(logs))
    logs_len += (size_t)n;
}

static g6_kite_client *client_for(const server *s, const char *token_file) {
  static char url[64];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d", s ? s->port : 9);
  g6_kite_config cfg;
  g6_kite_config_defaults(&cfg);
  cfg.base_url = url;
  cfg.api_key = KEY;
  cfg.access_token_file = token_file;
  cfg.timeout_s = 5;
  cfg.retry_attempts = 1;
  cfg.log = capture_log;
  cfg.seed = 1;
  g6_kite_client *c = NULL;
  g6_error e;
  if (g6_kite_client_new(&cfg, &c, &e) != G6_OK)
    fail_msg("client: %s", e.msg);
  logs_len = 0;
  logs[0] = '\0';
  return c;
}

static char checksum[65];

static void assert_clean(const char *what, const char *text) {
  static const char *const words[] = {KEY, SECRET, REQ, TOK, checksum};
  for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
    if (strstr(text, words[i]) != NULL)
      fail_msg("%s holds \"%s\": %s", what, words[i], text);
}

/* Kite's answer: the API key and the access token within the first 256
 * bytes of the body (the head http.c keeps for do_call). */
static const char ok_body[] =
    "{\"status\":\"success\",\"data\":{\"api_key\":\"" KEY "\","
    "\"access_token\":\"" TOK "\",\"user_id\":\"AB1234\","
    "\"login_time\":\"2025-11-21 08:55:00\",\"refresh_token\":\"\","
    "\"public_token\":\"pub0000000000000000\"}}";

static void session_success(void **state) {
  (void)state;
  char pre[64];
  snprintf(pre, sizeof(pre), "%s%s%s", KEY, REQ, SECRET);
  g6_sha256_hex(pre, strlen(pre), checksum);
  assert_true(strstr(ok_body, TOK) + strlen(TOK) - ok_body < 256);
  static char answer[1024];
  snprintf(answer, sizeof(answer),
           "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
           "Connection: close\r\nContent-Length: %zu\r\n\r\n%s",
           strlen(ok_body), ok_body);
  server s;
  serve_once(&s, answer, 0);
  g6_kite_client *c = client_for(&s, NULL);
  const char *const armed[] = {KEY, SECRET, REQ, TOK, checksum, NULL};
  secretspy_arm(armed);
  g6_kite_session ses;
  g6_error e;
  g6_status st = g6_kite_session_token(c, REQ, SECRET, &ses, &e);
  const char *left = secretspy_stack_holds();
  serve_end(&s);
  if (st != G6_OK)
    fail_msg("session: %s", e.msg);
  assert_string_equal(ses.access_token, TOK);
  g6_wipe(&ses, sizeof(ses));
  g6_kite_client_free(c);
  size_t leaks = secretspy_disarm();
  if (leaks != 0)
    fail_msg("%zu block(s) freed holding a secret; %s", leaks, secretspy_first);
  if (left != NULL)
    fail_msg("the exchange left \"%s\" on the stack", left);
  assert_non_null(strstr(s.request, "checksum="));
  assert_non_null(strstr(s.request, checksum));
  assert_clean("the log", logs);
}

/* An error body that echoes what it was sent (a proxy, a gateway), in
 * two parts, so the copy kept for the message grows: no block of it is
 * given back unzeroed; the message and the log say what failed without a
 * secret. */
static void session_error_body(void **state) {
  (void)state;
  static const char body[] =
      "{\"status\":\"error\",\"message\":\"bad request_token " REQ
      " for api_key " KEY ": log in again for a new request token\","
      "\"error_type\":\"TokenException\",\"data\":null}";
  static char answer[1024];
  snprintf(answer, sizeof(answer),
           "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\n"
           "Connection: close\r\nContent-Length: %zu\r\n\r\n%s",
           strlen(body), body);
  assert_true(strlen(body) > 128); /* past the second size the copy has */
  server s;
  serve_once(&s, answer,
             (size_t)(strstr(answer, REQ) + strlen(REQ) + 8 - answer));
  g6_kite_client *c = client_for(&s, NULL);
  const char *const armed[] = {KEY, SECRET, REQ, NULL};
  secretspy_arm(armed);
  g6_kite_session ses;
  g6_error e;
  g6_status st = g6_kite_session_token(c, REQ, SECRET, &ses, &e);
  serve_end(&s);
  size_t leaks = secretspy_disarm();
  assert_int_equal(st, G6_EAUTH);
  if (leaks != 0)
    fail_msg("%zu block(s) freed holding a secret; %s", leaks, secretspy_first);
  assert_clean("the error", e.msg);
  assert_clean("the log", logs);
  g6_kite_client_free(c);
}

/* The access token file replaced: the old token is zeroed when the
 * client lets it go, and so are the copies the reads made. */
static void token_rotation(void **state) {
  (void)state;
  char path[300];
  snprintf(path, sizeof(path), "%s/token", dir);
  g6_error e;
  assert_int_equal(
      g6_atomic_write(path, TOK "\n", strlen(TOK) + 1, 0600, false, &e), G6_OK);
  g6_kite_client *c = client_for(NULL, path);
  const char *const armed[] = {TOK, NULL};
  secretspy_arm(armed);
  assert_int_equal(
      g6_atomic_write(path, TOK2 "\n", strlen(TOK2) + 1, 0600, false, &e),
      G6_OK);
  bool changed = false;
  assert_int_equal(g6_kite_reload_credentials(c, &changed, &e), G6_OK);
  assert_true(changed);
  size_t leaks = secretspy_disarm();
  if (leaks != 0)
    fail_msg("%zu block(s) freed holding the old token; %s", leaks,
             secretspy_first);
  const char *const armed2[] = {TOK2, NULL};
  secretspy_arm(armed2);
  g6_kite_client_free(c);
  leaks = secretspy_disarm();
  if (leaks != 0)
    fail_msg("%zu block(s) freed holding the token; %s", leaks,
             secretspy_first);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(session_success),
      cmocka_unit_test(session_error_body),
      cmocka_unit_test(token_rotation),
  };
  cmocka_set_message_output(CM_OUTPUT_TAP);
  return cmocka_run_group_tests(tests, setup, teardown);
}
