/* g6 — SHA-256 and HMAC-SHA256 as lower-case hex, via OpenSSL libcrypto. */
#ifndef G6_HASH_H
#define G6_HASH_H

#include "core/status.h"

#include <stddef.h>

#define G6_SHA256_HEX_LEN 64

/* Writes 64 hex characters plus NUL to out. G6_EINTERNAL only if libcrypto
 * fails (it does not for valid input). */
g6_status g6_sha256_hex(const void *data, size_t len, char out[65]);

g6_status g6_hmac_sha256_hex(const void *key, size_t key_len, const void *data,
                             size_t len, char out[65]);

/* Constant-time comparison of two equal-length strings (for signatures). */
int g6_hex_equal(const char *a, const char *b);

#endif
