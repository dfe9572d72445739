#!/usr/bin/env bash
# run-shellcheck.bash - shellcheck every shell script in the repository
# (warnings and errors; style notes are not failures).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.bash' '*.sh' .ci/run 2>/dev/null || find . -name '*.bash' -o -name '*.sh')
if shellcheck -S warning -x "${files[@]}"; then
	echo "ok   shellcheck     ${#files[@]} scripts"
else
	echo "fail shellcheck"
	exit 1
fi
