/* g6 — URLs g6 publishes (the links panel's MetricsURL and DashboardsURL):
 * whether one is http(s), whether it carries a credential, and a form of it
 * safe to print.
 *
 * A URL g6 writes into a world-readable file must not carry a secret. The
 * credentials looked for are a userinfo part ("http://user:pass@host/",
 * also a user name alone) and query or fragment parameters whose name is a
 * usual credential name (token, access_token, auth_token, api_key, apikey,
 * key, secret, password, sig, signature, X-Amz-Signature, ... and names
 * ending in _token, _secret, _password, _signature, _apikey, _api_key),
 * matched ignoring case, with '-' read as '_' and %XX decoded. Grafana's
 * own parameters (orgId, from, to, refresh, var-*, kiosk, ...) are none of
 * these. */
#ifndef G6_URL_H
#define G6_URL_H

#include <stdbool.h>
#include <stddef.h>

/* Whether s starts with http:// or https:// (the scheme in any case). */
bool g6_url_is_http(const char *s);

/* Why url cannot be used as an http(s) address: NULL when it is one
 * (g6_url_is_http, then a host: a name, an IPv4 address or an [IPv6]
 * literal, with an optional port of 1-65535 digits' value, and no white
 * space or control character anywhere); otherwise a short description of
 * the first problem ("no host after the scheme", "white space or a control
 * character in it", ...), a static string that never quotes the URL.
 * With `base` the URL is one g6 appends request paths to (Kite's
 * "/quote"), so a query ('?') or fragment ('#') is a problem too. Can't
 * fail. */
const char *g6_url_problem(const char *url, bool base);

/* Whether url is plain http:// (the scheme in any case) to a host that is
 * not this machine's loopback (localhost, 127.0.0.0/8 written as digits,
 * [::1]): what it sends, credentials included, crosses a network in clear
 * text. false for https:// and anything else; can't fail. */
bool g6_url_is_plain_remote(const char *url);

/* The first credential in url: NULL when there is none, otherwise a short
 * description ("a user name or password before '@'", "the query parameter
 * \"auth_token\"") in buf (len bytes), which is returned. The description
 * never holds the secret itself. Any '@' before the query or fragment
 * counts as the end of a userinfo (RFC 3986 §3.2.1), also one in the path:
 * a password with an unencoded '/' must not pass as a path. */
const char *g6_url_credential(const char *url, char *buf, size_t len);

/* url with every credential replaced by "***" (the userinfo, the value of a
 * credential parameter), safe for a log line; truncated to len - 1 bytes. */
void g6_url_redact(const char *url, char *out, size_t len);

#endif
