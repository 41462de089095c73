#!/usr/bin/env bash
# Empties installed packages that QGIS Server never loads but python3-qgis and Qt pull in
# (LLVM and Mesa's GL drivers, Qt Designer and qdoc, SciPy and SymPy via fontTools):
# each is replaced by an empty package of the same name, version and architecture, so dpkg
# deletes its files while apt still sees every dependency met (later `apt-get install`s
# in images built on this one keep working). Then everything that was installed only for
# them goes for real (apt-get autoremove; Recommends do not hold a package: the image is
# installed without them, so a package they reach was pulled in by an emptied one's
# Depends). Run as root at build time with the package names or dpkg-query patterns;
# names that are not installed are skipped. The package names differ between Debian
# suites: give every suite's.
set -Eeuo pipefail

readonly WORK=/tmp/stand-ins

log() { printf 'drop-desktop-packages: %s\n' "$*" >&2; }

installed() {
	dpkg-query -W -f='${db:Status-Abbrev}|${Package}|${Version}|${Architecture}|${Multi-Arch}\n' "$@" 2>/dev/null |
		awk -F'|' '$1 ~ /^ii/ { print $2 "|" $3 "|" $4 "|" $5 }'
}

build_stand_in() {
	local package="$1" version="$2" arch="$3" multi_arch="$4" dir
	dir="$WORK/$package"
	mkdir -p "$dir/DEBIAN"
	{
		printf 'Package: %s\nVersion: %s\nArchitecture: %s\n' "$package" "$version" "$arch"
		[[ -z "$multi_arch" || "$multi_arch" == no ]] || printf 'Multi-Arch: %s\n' "$multi_arch"
		printf 'Maintainer: qgis-stack <root@localhost>\n'
		printf 'Description: empty stand-in (qgis-stack): QGIS Server does not use this package\n'
	} >"$dir/DEBIAN/control"
	dpkg-deb --root-owner-group --build "$dir" "$WORK/$package.deb" >/dev/null
}

main() {
	(($# > 0)) || { log "usage: drop-desktop-packages PACKAGE|PATTERN…"; exit 64; }
	local line package version arch multi_arch count=0
	mkdir -p "$WORK"
	while IFS= read -r line; do
		IFS='|' read -r package version arch multi_arch <<<"$line"
		build_stand_in "$package" "$version" "$arch" "$multi_arch"
		count=$((count + 1))
	done < <(installed "$@")
	if ((count > 0)); then
		dpkg -i "$WORK"/*.deb >/dev/null
	fi
	rm -rf "$WORK"
	log "emptied $count package(s)"
	local output
	output="$(DEBIAN_FRONTEND=noninteractive apt-get -o APT::AutoRemove::RecommendsImportant=false \
		-o APT::AutoRemove::SuggestsImportant=false autoremove --purge -y)"
	log "removed $(grep -c '^Removing' <<<"$output" || true) package(s) nothing needs any more"
}

main "$@"
