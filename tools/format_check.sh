#!/usr/bin/env bash
# Checks every C/C++ source in the tree against .clang-format.
# With --fix, rewrites them instead.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(find . -path ./bazel-\* -prune -o -path ./.git -prune -o \
  -type f \( -name '*.c' -o -name '*.h' -o -name '*.cc' \) -print | sort)
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
if clang-format --dry-run --Werror "${files[@]}"; then
  echo "format_check: ${#files[@]} files formatted"
else
  echo "format_check: run tools/format_check.sh --fix" >&2
  exit 1
fi
