#!/bin/sh
# The Debian package, the whole life cycle on this machine, as root:
# dpkg-buildpackage -us -uc -b on a copy of the source tree (committed
# or not), lintian without an error, dpkg -i (files in their places,
# spoofs off the PATH, the conffile, the system user, the unit, the
# installed scandetd at work), dpkg -r (programs gone, conffile and user
# kept), dpkg -P (conffile, log directory and user gone).
#
# It builds its own package and does not depend on $BUILD: the real work
# runs only on the normal pass of make check (BUILD=build).  The rest of
# the suite needs the system user scandetd: when it existed before, it is
# made again at the end (contrib/scandetd-adduser), also on failure; the
# package is never left installed, and a /etc/scandetd.conf that is not
# the package's is put back.
. "$(dirname "$0")/../lib.sh"

if [ "$BUILD" != "$TOP/build" ]; then
	echo "t_deb.sh: builds its own package from the sources; runs with BUILD=build only"
	finish
fi
if [ "$(id -u)" -ne 0 ]; then
	fail deb "needs root (dpkg -i, the system user)"
	finish
fi
for tool in dpkg-buildpackage dh lintian systemd-analyze; do
	command -v "$tool" >/dev/null 2>&1 ||
		fail "have $tool" "$tool is not installed (see install-deps.sh)"
done
[ "$lib_failed" -eq 0 ] || finish

PKG=scandetd
CONF=/etc/scandetd.conf
UNIT=/lib/systemd/system/scandetd.service
SPOOFS_PATH=/usr/libexec/scandetd/spoofs
DEMO_PCAP=$DATA/nmap_O_synscan_osdetect_2026.pcapng
SRC=$TMPD/src
LOG=$TMPD/log
mkdir -p "$SRC" "$LOG"

user_existed=no
getent passwd scandetd >/dev/null && user_existed=yes

# dpkg_status: the package's state for dpkg ("installed", "config-files",
# or nothing when dpkg does not know it).
dpkg_status() {
	dpkg-query -W -f='${db:Status-Status}' "$PKG" 2>/dev/null
}

# run_dpkg NAME ARGS...: dpkg ARGS, output in $LOG/NAME; waits (up to
# 60 s) for another dpkg or apt run to let go of the lock.
run_dpkg() {
	rd_name=$1
	shift
	for _ in $(seq 60); do
		dpkg "$@" >"$LOG/$rd_name" 2>&1 && return 0
		grep -q 'lock' "$LOG/$rd_name" || return 1
		sleep 1
	done
	return 1
}

systemd_running() { [ -d /run/systemd/system ]; }

restore() {
	[ -z "$(dpkg_status)" ] || run_dpkg restore -P "$PKG"
	if systemd_running; then
		systemctl unmask --runtime "$PKG.service" >/dev/null 2>&1
	fi
	if [ -e "$TMPD/conf.saved" ]; then
		mv -f "$TMPD/conf.saved" "$CONF"
	fi
	if [ "$user_existed" = yes ]; then
		"$TOP/contrib/scandetd-adduser" >/dev/null
	fi
}
at_exit restore
# Interrupted, it must still clean up: the exit trap runs on exit only.
trap 'exit 130' INT TERM HUP

# A run that died half-way may have left the package behind.
if [ -n "$(dpkg_status)" ]; then
	echo "t_deb: purging the $PKG package left by an earlier run"
	run_dpkg leftover -P "$PKG"
fi
# A configuration from make install would make dpkg ask whether to keep
# it: out of the way until the end.
if [ -e "$CONF" ]; then
	mv "$CONF" "$TMPD/conf.saved"
fi
# Under a running systemd the postinst would start the daemon on this
# host's interface: a runtime mask (gone at the end, and at reboot) makes
# that start fail, which the postinst lets pass.
if systemd_running; then
	systemctl mask --runtime "$PKG.service" >/dev/null 2>&1
fi

# ----------------------------------------------- make install, by itself
# The default PREFIX: paths in the unit and the example configuration
# follow it, spoofs stays off the PATH, the log directory is made, the
# unit goes where systemd looks.
ROOT=$TMPD/root
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
: "${unitdir:=/lib/systemd/system}"
if make -s -C "$TOP" install DESTDIR="$ROOT" BUILD="$BUILD" \
	>"$LOG/make-install" 2>&1; then
	pass "make install DESTDIR (PREFIX /usr/local)"
else
	fail "make install DESTDIR (PREFIX /usr/local)" "$(tail -n 5 "$LOG/make-install")"
fi
check "make install: scandetd in /usr/local/sbin" test -x "$ROOT/usr/local/sbin/scandetd"
check "make install: spoofs in /usr/local/libexec/scandetd" \
	test -x "$ROOT/usr/local/libexec/scandetd/spoofs"
check_eq "make install: nothing else in a bin directory" \
	"$(cd "$ROOT" && find . -path '*bin/*' ! -type d)" ./usr/local/sbin/scandetd
check_grep "make install: unit in $unitdir starts /usr/local/sbin/scandetd" \
	"$ROOT$unitdir/scandetd.service" \
	'^ExecStart=/usr/local/sbin/scandetd -c /etc/scandetd.conf$'
check_nogrep "make install: no placeholder left in the unit" \
	"$ROOT$unitdir/scandetd.service" '@[A-Z]+@'
check_grep "make install: the configuration names the installed signatures" \
	"$ROOT/etc/scandetd.conf" '^#SignatureFile /usr/local/share/scandetd/signatures.txt$'
check "make install: log directory /var/log/scandetd" test -d "$ROOT/var/log/scandetd"
if [ -f "$TOP/contrib/scandetd.logrotate" ]; then
	check "make install: logrotate snippet" test -s "$ROOT/etc/logrotate.d/scandetd"
else
	check "make install: no logrotate snippet (there is none)" \
		test ! -e "$ROOT/etc/logrotate.d"
fi

# ------------------------------------------------------------------ build
# The files git knows, and new ones not ignored, as they are in the
# working tree now; without git, the tree minus build output.
if git -C "$TOP" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$TOP" && git ls-files -z --cached --others --exclude-standard |
		tar --null -T - --ignore-failed-read -cf - 2>/dev/null) |
		tar -xf - -C "$SRC"
else
	(cd "$TOP" && tar --exclude='./build*' --exclude=./.git -cf - .) |
		tar -xf - -C "$SRC"
fi
check "source tree copied" test -f "$SRC/debian/control"

t0=$(date +%s)
# Nothing of this suite's or an outer make's environment gets in.
if (cd "$SRC" && env -u BUILD -u TOP -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
	DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc -b) \
	>"$LOG/build" 2>&1; then
	pass "dpkg-buildpackage -us -uc -b"
else
	fail "dpkg-buildpackage -us -uc -b" "exit $?:"
	tail -n 30 "$LOG/build"
	finish
fi
echo "t_deb: the package built in $(($(date +%s) - t0)) s"
version=$(cd "$SRC" && dpkg-parsechangelog -S Version)
arch=$(dpkg --print-architecture)
DEB=$TMPD/${PKG}_${version}_$arch.deb
CHANGES=$TMPD/${PKG}_${version}_$arch.changes
check "scandetd_${version}_$arch.deb built" test -s "$DEB"
check_grep "the build ran the golden captures (dh_auto_test)" "$LOG/build" \
	'^t_golden\.sh: [1-9][0-9]* passed, 0 failed$'
check_eq "changelog version is the program's" \
	"$(sed -n 's/^#define VERSION "\(.*\)"$/\1/p' "$TOP/src/main.c")" "$version"

# Lintian errors fail (and so does lintian failing to run: exit 2);
# its warnings are shown.
lintian --fail-on error "$CHANGES" >"$LOG/lintian" 2>&1
check_eq "lintian --fail-on error exits 0" "$?" 0
check_nogrep "lintian: no error" "$LOG/lintian" '^E: '
grep -E '^(E|W): ' "$LOG/lintian"

# dpkg-buildflags' hardening reached the link (debian/rules).
dpkg-deb -x "$DEB" "$TMPD/unpacked"
readelf -h -d "$TMPD/unpacked/usr/sbin/scandetd" >"$LOG/readelf" 2>&1
check_grep "scandetd is PIE" "$LOG/readelf" 'Type: +DYN'
check_grep "scandetd is linked with BIND_NOW" "$LOG/readelf" 'FLAGS.*(NOW|BIND_NOW)'

# ---------------------------------------------------------------- install
if run_dpkg install -i "$DEB"; then
	pass "dpkg -i"
else
	fail "dpkg -i" "$(tail -n 10 "$LOG/install")"
	finish
fi
check_eq "dpkg says installed" "$(dpkg_status)" installed
for f in /usr/sbin/scandetd "$SPOOFS_PATH"; do
	check "installed $f, executable" test -x "$f"
done
for f in /usr/share/man/man8/scandetd.8.gz /usr/share/man/man8/spoofs.8.gz \
	/usr/share/man/man5/scandetd.conf.5.gz /usr/share/doc/scandetd/copyright \
	"$UNIT" "$CONF"; do
	check "installed $f" test -s "$f"
done
check "man pages compressed and whole" gzip -t /usr/share/man/man8/scandetd.8.gz \
	/usr/share/man/man8/spoofs.8.gz /usr/share/man/man5/scandetd.conf.5.gz
check "signatures in /usr/share/scandetd" \
	cmp "$TOP/data/signatures.txt" /usr/share/scandetd/signatures.txt
check "log directory /var/log/scandetd" test -d /var/log/scandetd
check_eq "the only program on the PATH is scandetd" \
	"$(dpkg -L "$PKG" | grep -E '^(/usr)?(/local)?/s?bin/[^/]+$')" /usr/sbin/scandetd
zcat /usr/share/man/man8/spoofs.8.gz >"$TMPD/spoofs.8"
check_grep "spoofs(8) says where spoofs is" "$TMPD/spoofs.8" "$SPOOFS_PATH"
check "$SPOOFS_PATH runs" "$SPOOFS_PATH" --version

dpkg-query -W -f='${Conffiles}\n' "$PKG" >"$LOG/conffiles"
check_grep "/etc/scandetd.conf is a conffile" "$LOG/conffiles" "^ $CONF [0-9a-f]{32}$"
check_grep "unit starts /usr/sbin/scandetd" "$UNIT" \
	'^ExecStart=/usr/sbin/scandetd -c /etc/scandetd.conf$'
check_nogrep "no placeholder left in the unit" "$UNIT" '@[A-Z]+@'
check_grep "the configuration names the installed signatures" "$CONF" \
	'^#SignatureFile /usr/share/scandetd/signatures.txt$'
check "systemd-analyze verify: the unit is valid" \
	systemd-analyze verify --man=no "$UNIT"

getent passwd scandetd >"$LOG/passwd"
check_grep "system user scandetd, no shell, no home" "$LOG/passwd" \
	'^scandetd:x:[0-9]+:[0-9]+:[^:]*:/nonexistent:/usr/sbin/nologin$'
check "scandetd is a system user (uid < 1000)" \
	test "$(id -u scandetd)" -lt 1000
check "group scandetd" getent group scandetd

/usr/sbin/scandetd -t >"$LOG/t" 2>&1
check_eq "scandetd -t exits 0" "$?" 0
check_grep "scandetd -t says OK" "$LOG/t" "^$CONF: configuration OK$"
check_eq "scandetd --version is the package's" \
	"$(/usr/sbin/scandetd --version)" "scandetd $version"
# The installed program with the installed configuration, on a real
# capture: as root it drops to the user the package made.
/usr/sbin/scandetd -r "$DEMO_PCAP" >"$LOG/demo" 2>&1
check_grep "installed scandetd finds the scan in the sample capture" "$LOG/demo" \
	'Z Possible port scan from 192\.168\.29\.14 to 192\.168\.29\.115 \(nmap\)$'
check_nogrep "... as the user scandetd, not nobody" "$LOG/demo" 'nobody'

# What the daemon would leave: a JsonLog, and an administrator's change.
echo '{}' >/var/log/scandetd/events.json
echo '# changed here' >>"$CONF"

# ----------------------------------------------------------------- remove
if run_dpkg remove -r "$PKG"; then
	pass "dpkg -r"
else
	fail "dpkg -r" "$(tail -n 10 "$LOG/remove")"
fi
check_eq "dpkg says config-files" "$(dpkg_status)" config-files
check "dpkg -r: scandetd gone" test ! -e /usr/sbin/scandetd
check "dpkg -r: spoofs gone" test ! -e "$SPOOFS_PATH"
check "dpkg -r: unit gone" test ! -e "$UNIT"
check_grep "dpkg -r: conffile kept, with its change" "$CONF" '^# changed here$'
check "dpkg -r: user kept" getent passwd scandetd

# ------------------------------------------------------------------ purge
if run_dpkg purge -P "$PKG"; then
	pass "dpkg -P"
else
	fail "dpkg -P" "$(tail -n 10 "$LOG/purge")"
fi
check_eq "dpkg -P: dpkg forgets the package" "$(dpkg_status)" ""
check "dpkg -P: conffile gone" test ! -e "$CONF"
check "dpkg -P: log directory gone" test ! -e /var/log/scandetd
check "dpkg -P: no enablement left" \
	test ! -e /etc/systemd/system/multi-user.target.wants/scandetd.service
# userdel refuses a user that runs a process (another test's scandetd,
# during development): postrm says so and the purge goes on.
if ! getent passwd scandetd >/dev/null; then
	pass "dpkg -P: user gone"
	check "dpkg -P: group gone" sh -c '! getent group scandetd'
elif grep -q 'could not remove the system user scandetd' "$LOG/purge"; then
	skip "dpkg -P: user gone" "user scandetd in use by another process: $(pgrep -u scandetd -d ' ' .)"
else
	fail "dpkg -P: user gone" "$(getent passwd scandetd)"
fi
# The rest of the suite needs the user: back at once, not only at exit.
[ "$user_existed" = no ] || "$TOP/contrib/scandetd-adduser" >/dev/null
finish
