#!/usr/bin/env bash
# Writes a ledger shaped like a real household's books with beancount's own example
# generator (`bean-example`, from PyPI) into target/bean-example/, for the tests that run
# the examples on it. Nothing it writes is committed. Prints the ledger's path.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="$root/target/bean-example"
venv="$out/venv"
beancount="beancount==3.2.3"
# A venv whose generator does not start (made by another Python, or moved: its scripts name
# the interpreter by absolute path) is made again.
if ! "$venv/bin/bean-example" --help >/dev/null 2>&1; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$beancount"
fi
# A fixed seed and fixed dates: the same thirteen years of books on every machine.
ledger="$out/13-years.beancount"
"$venv/bin/bean-example" --seed 7 --date-birth 1980-05-12 \
  --date-begin 2013-01-01 --date-end 2025-12-31 --output "$ledger" 2>/dev/null
echo "$ledger"
