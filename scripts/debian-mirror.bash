#!/usr/bin/env bash
# debian-mirror.bash - print the URI of the Debian archive this machine's apt
# already uses (its first non-security Debian entry), so that nothing in the
# repository ever names a mirror host.  Exit 1 with a message if there is none.
#
#   scripts/debian-mirror.bash [--security]
#     --security   the debian-security archive's URI instead
set -euo pipefail
want=main
case "${1:-}" in
--security) want=security ;;
-h | --help) sed -n '2,7p' "$0"; exit 0 ;;
"") ;;
*) echo "debian-mirror.bash: unknown option '$1' (see --help)" >&2; exit 2 ;;
esac
uri=""
for src in /etc/apt/sources.list.d/*.sources; do
	[ -r "$src" ] || continue
	# deb822 stanzas: the URIs of the stanzas whose Suites are Debian's
	uri=$(awk -v want="$want" '
		/^[[:space:]]*$/ { if (u != "" && s ~ /(bookworm|trixie|bullseye|stable)/ && ((want == "security") == (s ~ /-security/))) { print u; exit } u = ""; s = ""; next }
		/^URIs:/ { u = $2 }
		/^Suites:/ { $1 = ""; s = $0 }
		END { if (u != "" && s ~ /(bookworm|trixie|bullseye|stable)/ && ((want == "security") == (s ~ /-security/))) print u }
	' "$src" | head -1)
	[ -n "$uri" ] && break
done
if [ -z "$uri" ] && [ -r /etc/apt/sources.list ]; then
	if [ "$want" = security ]; then
		uri=$(awk '/^deb / && $3 ~ /-security/ { print $2; exit }' /etc/apt/sources.list)
	else
		uri=$(awk '/^deb / && $3 !~ /-security/ { print $2; exit }' /etc/apt/sources.list)
	fi
fi
[ -n "$uri" ] || { echo "debian-mirror.bash: no Debian entry in the apt sources (/etc/apt/sources.list.d/*.sources, /etc/apt/sources.list)" >&2; exit 1; }
echo "$uri"
