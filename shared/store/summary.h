/* g6 — the text of `g6 summary`: one screen built from the panel files
 * (docs/PANELS.md) with each index's status, spot, ATM, legs, PCR and age,
 * the provider's health, the system and the integrity state.
 *
 * Plain ASCII lines (usable over any ssh session and in logs), each at most
 * `width` columns; an unknown value is "-", never 0. The terminal handling
 * (redrawing in place, keys, signals) is the CLI's (tools/g6/cmd_summary.c);
 * this is the part worth testing without a terminal. */
#ifndef G6_STORE_SUMMARY_H
#define G6_STORE_SUMMARY_H

#include "core/buf.h"
#include "core/status.h"

#include <stddef.h>

/* Appends the screen for the panels in `dir` at time `now` (unix seconds),
 * lines ending in "\n". key: the HMAC key to check the manifest signature
 * with (NULL: none). Missing or unreadable panels show as such on the
 * screen; G6_ENOMEM is the only error. Every byte of panel text outside
 * printable ASCII (control characters, ESC, DEL, non-ASCII) shows as '?':
 * nothing in a panel reaches the terminal raw. */
g6_status g6_summary_render(const char *dir, const unsigned char *key,
                            size_t key_len, double now, int width,
                            g6_buf *out);

#endif
