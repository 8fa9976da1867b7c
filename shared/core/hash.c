#include "core/hash.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

static void to_hex(const unsigned char *md, size_t n, char *out) {
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    out[2 * i] = hex[md[i] >> 4];
    out[2 * i + 1] = hex[md[i] & 15];
  }
  out[2 * n] = '\0';
}

g6_status g6_sha256_hex(const void *data, size_t len, char out[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(data, len, md, &md_len, EVP_sha256(), NULL) != 1 ||
      md_len != 32)
    return G6_EINTERNAL;
  to_hex(md, md_len, out);
  return G6_OK;
}

g6_status g6_hmac_sha256_hex(const void *key, size_t key_len, const void *data,
                             size_t len, char out[65]) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (key_len > (size_t)0x7fffffff)
    return G6_EINVAL;
  if (HMAC(EVP_sha256(), key, (int)key_len, data, len, md, &md_len) == NULL ||
      md_len != 32)
    return G6_EINTERNAL;
  to_hex(md, md_len, out);
  return G6_OK;
}

int g6_hex_equal(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la != lb)
    return 0;
  unsigned char diff = 0;
  for (size_t i = 0; i < la; i++)
    diff |= (unsigned char)(a[i] ^ b[i]);
  return diff == 0;
}
