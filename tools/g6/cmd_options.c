/* g6 options — every option of every plugin, from the plugins' option tables
 * (config/plugins.h), and the check that keeps the README's configuration
 * reference equal to them.
 *
 *   g6 options [PLUGIN]                 plain text
 *   g6 options --markdown [PLUGIN]      the README's tables
 *   g6 options --check-readme FILE      exit 1 naming every option whose row
 *                                       is missing, extra or different
 *   g6 options --update-readme FILE     rewrite the generated sections
 *
 * The README holds one generated section per plugin, between
 *   <!-- g6 options g6_chain -->  and  <!-- end g6 options -->
 */
#include "cmd.h"

#include "config/plugins.h"
#include "core/buf.h"
#include "core/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BEGIN "<!-- g6 options "
#define END "<!-- end g6 options -->"

static void usage(FILE *out) {
  fprintf(out,
          "usage: g6 options [--markdown] [PLUGIN]\n"
          "       g6 options --check-readme FILE | --update-readme FILE\n\n"
          "Prints every option of every g6 plugin (or of PLUGIN): name, "
          "default,\nallowed values and meaning, from the option tables the "
          "plugins parse\ntheir configuration with.\n\nplugins:");
  for (size_t i = 0; i < g6_plugins_len; i++)
    fprintf(out, " %s", g6_plugins[i].plugin);
  fprintf(out, "\n");
}

static int render(const g6_plugin_options *p, bool md, g6_buf *out) {
  if (p->table == NULL)
    return g6_buf_printf(out, md ? "`%s` has no options: %s.\n\n"
                                 : "%s: no options (%s)\n\n",
                         p->plugin, p->summary) == G6_OK
               ? 0
               : -1;
  return g6_options_render(p->table, md, out) == G6_OK ? 0 : -1;
}

/* The text of the generated section of `plugin` in doc, or NULL. */
static const char *section(const char *doc, const char *plugin, size_t *len) {
  char begin[128];
  snprintf(begin, sizeof(begin), BEGIN "%s -->\n", plugin);
  const char *s = strstr(doc, begin);
  if (s == NULL)
    return NULL;
  s += strlen(begin);
  const char *e = strstr(s, END);
  if (e == NULL)
    return NULL;
  *len = (size_t)(e - s);
  return s;
}

/* The table row of `name` ("| `Name` | ...") within text[0..len), or NULL. */
static const char *find_row(const char *text, size_t len, const char *heading,
                            const char *name, size_t *row_len) {
  char key[160];
  snprintf(key, sizeof(key), "| `%s` |", name);
  const char *end = text + len;
  const char *h = heading ? strstr(text, heading) : text;
  if (h == NULL || h >= end)
    return NULL;
  const char *next = strstr(h + 1, "\n#### ");
  if (next == NULL || next > end)
    next = end;
  for (const char *p = h; p < next;) {
    const char *nl = memchr(p, '\n', (size_t)(next - p));
    size_t l = nl ? (size_t)(nl - p) : (size_t)(next - p);
    if (l >= strlen(key) && strncmp(p, key, strlen(key)) == 0) {
      *row_len = l;
      return p;
    }
    p += l + 1;
  }
  return NULL;
}

/* Compares the rows of want (generated) and got (README) block by block;
 * prints each difference; returns the count. */
static int compare(const char *plugin, const char *want, const char *got,
                   size_t got_len) {
  int diffs = 0;
  const char *heading = NULL;
  for (const char *p = want; *p;) {
    const char *nl = strchr(p, '\n');
    size_t l = nl ? (size_t)(nl - p) : strlen(p);
    if (strncmp(p, "#### ", 5) == 0) {
      static char hbuf[256];
      snprintf(hbuf, sizeof(hbuf), "%.*s", (int)l, p);
      heading = hbuf;
      if (strstr(got, hbuf) == NULL || strstr(got, hbuf) >= got + got_len) {
        printf("%s: README lacks the block %s\n", plugin, hbuf + 5);
        diffs++;
      }
    } else if (strncmp(p, "| `", 3) == 0) {
      const char *n0 = p + 3, *n1 = strchr(n0, '`');
      char name[128];
      snprintf(name, sizeof(name), "%.*s", (int)(n1 - n0), n0);
      size_t rl = 0;
      const char *row = find_row(got, got_len, heading, name, &rl);
      if (row == NULL) {
        printf("%s: %s: option %s is missing from the README\n", plugin,
               heading ? heading + 5 : "", name);
        diffs++;
      } else if (rl != l || strncmp(row, p, l) != 0) {
        printf("%s: %s: option %s differs\n  README: %.*s\n  tables: %.*s\n",
               plugin, heading ? heading + 5 : "", name, (int)rl, row, (int)l,
               p);
        diffs++;
      }
    }
    p += l + (nl ? 1 : 0);
  }
  /* rows in the README that the tables do not have */
  heading = NULL;
  for (const char *p = got; p < got + got_len;) {
    const char *nl = memchr(p, '\n', (size_t)(got + got_len - p));
    size_t l = nl ? (size_t)(nl - p) : (size_t)(got + got_len - p);
    if (strncmp(p, "#### ", 5) == 0) {
      static char hbuf2[256];
      snprintf(hbuf2, sizeof(hbuf2), "%.*s", (int)l, p);
      heading = hbuf2;
    } else if (strncmp(p, "| `", 3) == 0) {
      const char *n0 = p + 3, *n1 = memchr(n0, '`', l);
      if (n1 != NULL) {
        char name[128];
        snprintf(name, sizeof(name), "%.*s", (int)(n1 - n0), n0);
        size_t rl;
        if (find_row(want, strlen(want), heading, name, &rl) == NULL) {
          printf("%s: %s: the README lists option %s, which no table has\n",
                 plugin, heading ? heading + 5 : "", name);
          diffs++;
        }
      }
    }
    p += l + (nl ? 1 : 0);
  }
  if (diffs == 0 && (strlen(want) != got_len || memcmp(want, got, got_len))) {
    printf("%s: the README section differs from `g6 options --markdown %s` "
           "outside the option rows\n",
           plugin, plugin);
    diffs++;
  }
  return diffs;
}

static int readme(const char *path, bool update) {
  char *doc = NULL;
  size_t doc_len = 0;
  g6_error e;
  if (g6_read_file(path, 16u << 20, &doc, &doc_len, &e) != G6_OK) {
    fprintf(stderr, "g6 options: %s\n", e.msg);
    return G6_EXIT_USAGE;
  }
  int diffs = 0;
  g6_buf out = G6_BUF_INIT;
  const char *copied = doc;
  for (size_t i = 0; i < g6_plugins_len; i++) {
    const g6_plugin_options *p = &g6_plugins[i];
    g6_buf want = G6_BUF_INIT;
    if (render(p, true, &want) != 0) {
      fprintf(stderr, "g6 options: out of memory\n");
      return G6_EXIT_USAGE;
    }
    size_t len = 0;
    const char *got = section(doc, p->plugin, &len);
    if (got == NULL) {
      printf("%s: README has no section \"" BEGIN "%s -->\" ... \"" END "\"\n",
             p->plugin, p->plugin);
      diffs++;
    } else if (update) {
      g6_buf_append(&out, copied, (size_t)(got - copied));
      g6_buf_append(&out, want.data, want.len);
      copied = got + len;
    } else {
      diffs += compare(p->plugin, want.data, got, len);
    }
    g6_buf_free(&want);
  }
  int rc = diffs ? G6_EXIT_FAIL : G6_EXIT_OK;
  if (update && diffs == 0) {
    g6_buf_puts(&out, copied);
    if (g6_atomic_write(path, out.data, out.len, 0644, false, &e) != G6_OK) {
      fprintf(stderr, "g6 options: %s\n", e.msg);
      rc = G6_EXIT_USAGE;
    }
  } else if (!update && diffs == 0) {
    printf("g6 options: %s matches the option tables of %zu plugins\n", path,
           g6_plugins_len);
  } else if (!update) {
    printf("g6 options: %d difference(s); run `g6 options --update-readme "
           "%s`\n",
           diffs, path);
  }
  g6_buf_free(&out);
  free(doc);
  return rc;
}

int g6_cmd_options(int argc, char **argv) {
  bool md = false, update = false;
  const char *plugin = NULL, *readme_file = NULL, *other = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      usage(stdout);
      return G6_EXIT_OK;
    } else if (strcmp(a, "--markdown") == 0) {
      md = true;
      other = other ? other : a;
    } else if (strcmp(a, "--check-readme") == 0 ||
               strcmp(a, "--update-readme") == 0) {
      if (i + 1 >= argc || readme_file != NULL) {
        fprintf(stderr, "g6 options: %s %s\n\n", a,
                readme_file ? "is given twice (or with the other)"
                            : "needs a FILE");
        usage(stderr);
        return G6_EXIT_USAGE;
      }
      update = strcmp(a, "--update-readme") == 0;
      readme_file = argv[++i];
    } else if (a[0] != '-' && plugin == NULL) {
      plugin = a;
      other = other ? other : a;
    } else {
      if (a[0] == '-')
        fprintf(stderr, "g6 options: unknown option \"%s\"\n\n", a);
      else
        fprintf(stderr, "g6 options: one PLUGIN at most (\"%s\", then "
                        "\"%s\")\n\n", plugin, a);
      usage(stderr);
      return G6_EXIT_USAGE;
    }
  }
  if (readme_file != NULL && other != NULL) {
    /* the README check covers every plugin; "\"g6_chain\"" or --markdown
     * beside it was silently ignored */
    fprintf(stderr, "g6 options: --%s-readme takes no other argument (got "
                    "\"%s\"): it covers every plugin's table\n\n",
            update ? "update" : "check", other);
    usage(stderr);
    return G6_EXIT_USAGE;
  }
  if (readme_file != NULL)
    return readme(readme_file, update);
  g6_buf out = G6_BUF_INIT;
  for (size_t i = 0; i < g6_plugins_len; i++) {
    const g6_plugin_options *p = &g6_plugins[i];
    if (plugin != NULL && strcmp(plugin, p->plugin) != 0)
      continue;
    if (render(p, md, &out) != 0) {
      fprintf(stderr, "g6 options: out of memory\n");
      return G6_EXIT_USAGE;
    }
  }
  if (plugin != NULL && g6_plugin_find(plugin) == NULL) {
    fprintf(stderr, "g6 options: unknown plugin \"%s\"\n\n", plugin);
    usage(stderr);
    g6_buf_free(&out);
    return G6_EXIT_USAGE;
  }
  fwrite(out.data, 1, out.len, stdout);
  g6_buf_free(&out);
  return G6_EXIT_OK;
}
