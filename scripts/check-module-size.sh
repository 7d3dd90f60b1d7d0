#!/bin/bash
# Fails when a module under src/ grows past the house limit (STYLE.md: ~600 lines).
set -euo pipefail
LIMIT=${LIMIT:-600}
bad=$(find src -name '*.py' -print0 | xargs -0 wc -l | awk -v l="$LIMIT" '$2 != "total" && $1 > l {print $2 " (" $1 " lines)"}')
if [ -n "$bad" ]; then echo "modules over $LIMIT lines:"; echo "$bad"; exit 1; fi
