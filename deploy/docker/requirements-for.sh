#!/bin/sh
# Prints requirements.txt ($1) without the packages named after it, so that an image installs the
# same pins as development less what its process never imports.
# Usage: requirements-for.sh requirements.txt tensorflow keras ...
set -eu
file=$1
shift
awk -v skip=" $* " '
  BEGIN { skip = tolower(skip); gsub(/_/, "-", skip) }
  /^[[:space:]]*(#|$)/ { next }
  {
    name = tolower($0)
    sub(/[[:space:]]*#.*/, "", name)
    sub(/[[<=>!~;[:space:]].*/, "", name)
    gsub(/_/, "-", name)
    if (index(skip, " " name " ") == 0) print
  }
' "$file"
