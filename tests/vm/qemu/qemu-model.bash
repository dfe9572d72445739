# shellcheck shell=bash
# qemu-model.bash - sourced by build-qemu.bash and the VM harness: what the
# patched QEMU (QEMU 10 from Debian's source + hpcap's 82599 model) is made
# of, the key it is cached under, and where a built binary is.
#
#   hpcap_qemu_key        prints the hash of the model files + build recipe
#   hpcap_qemu_find       prints the cached qemu-system-x86_64 for that key,
#                         or nothing (exit 1) when it has not been built
#   hpcap_qemu_integrate SRC
#                         copies the model into QEMU source tree SRC and adds
#                         its Kconfig and meson.build lines
#
# The cache lives outside the work tree: $HPCAP_QEMU_CACHE (default
# /var/cache/hpcap), one directory qemu-<version>-<key> per build.

hpcap_qemu_dir=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
hpcap_qemu_cache=${HPCAP_QEMU_CACHE:-/var/cache/hpcap}

# The recipe: changing any of these rebuilds QEMU.
hpcap_qemu_configure=(
	--target-list=x86_64-softmmu --disable-docs --disable-tools
	--disable-user --disable-gtk --disable-sdl --disable-vnc --disable-opengl
	--disable-spice --disable-curses --disable-werror --enable-virtfs
	--disable-debug-info --disable-install-blobs
)
hpcap_qemu_kconfig='
config HPCAP_82599
    bool
    default y if PCI_DEVICES
    depends on PCI_EXPRESS && MSI_NONBROKEN
'

hpcap_qemu_model_files() {
	(cd "$hpcap_qemu_dir" && find hw -type f \( -name '*.c' -o -name '*.h' \) | LC_ALL=C sort)
}

# meson.build line: every model .c file
hpcap_qemu_meson_line() {
	local list
	list=$(hpcap_qemu_model_files | awk -F/ '/\.c$/ { printf "%s\x27%s\x27", sep, $NF; sep = ", " }')
	echo "system_ss.add(when: 'CONFIG_HPCAP_82599', if_true: files($list))"
}

hpcap_qemu_key() {
	{
		echo "recipe 1"
		printf '%s\n' "${hpcap_qemu_configure[@]}" "$hpcap_qemu_kconfig"
		hpcap_qemu_model_files | while read -r f; do
			echo "== $f"
			cat "$hpcap_qemu_dir/$f"
		done
	} | sha256sum | cut -c1-16
}

hpcap_qemu_find() {
	local key bin
	key=$(hpcap_qemu_key)
	bin=$(find "$hpcap_qemu_cache" -maxdepth 2 -path "*/qemu-*-$key/qemu-system-x86_64" \
		-type f -perm -u+x 2>/dev/null | sort -V | tail -n 1)
	[ -n "$bin" ] || return 1
	echo "$bin"
}

hpcap_qemu_integrate() {
	local src=$1 f
	if [ ! -f "$src/hw/net/meson.build" ] || [ ! -f "$src/hw/net/Kconfig" ]; then
		echo "hpcap_qemu_integrate: $src is not a QEMU source tree" >&2
		return 1
	fi
	while read -r f; do
		cp "$hpcap_qemu_dir/$f" "$src/$f"
	done < <(hpcap_qemu_model_files)
	if ! grep -q HPCAP_82599 "$src/hw/net/Kconfig"; then
		printf '%s' "$hpcap_qemu_kconfig" >>"$src/hw/net/Kconfig"
		hpcap_qemu_meson_line >>"$src/hw/net/meson.build"
	fi
}
