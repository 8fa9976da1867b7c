#!/bin/sh
# Writes help2man's include file of g6's SUBCOMMANDS section to stdout: each
# command `G6 --help` lists (under "Commands:"), with its one-line summary
# and its own --help verbatim. Run by mk/man.mk; the page is generated from
# the programs' help, never edited. A command whose --help fails (or prints
# no "usage:" line) fails the build, so a page never lacks one silently.
#
#   man/subcommands.sh build/g6 > build/man/g6-subcommands.h2m
set -eu
g6=$1

# roff: a backslash printed as is, a minus sign that stays ASCII when copied,
# and \& before each line so that none is read as a request (".", "'") or as
# a help2man include directive ("[section]", "/pattern/")
verbatim() {
  sed -e 's/\\/\\e/g' -e 's/-/\\-/g' -e 's/^/\\\&/'
}

list=$("$g6" --help | sed -n '/^Commands:$/,/^$/s/^  \([^ ]\{1,\}\)  *\(.*\)$/\1 \2/p')
[ -n "$list" ] || { echo "$0: '$g6 --help' lists no command" >&2; exit 1; }

printf '[SUBCOMMANDS]\n'
printf '%s\n' "$list" | while read -r name summary; do
  printf '.SS "g6 %s"\n' "$(printf '%s' "$name" | verbatim | sed 's/^\\&//')"
  printf '%s\n' "$summary" | verbatim
  help=$("$g6" "$name" --help) || {
    echo "$0: '$g6 $name --help' failed" >&2; exit 1; }
  case $help in
    usage:*|Usage:*)
      printf '.PP\n.nf\n'
      printf '%s\n' "$help" | verbatim
      printf '.fi\n' ;;
    *) # `g6 version` takes no options: its --help is the version
      [ "$name" = version ] || {
        echo "$0: '$g6 $name --help' prints no usage line" >&2; exit 1; } ;;
  esac
done
