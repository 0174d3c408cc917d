# scandetd - port-scan and OS-probe detector
#
#   make              build scandetd and spoofs in build/
#   make check        all tests, on the normal build and under ASan+UBSan
#   make check-fast   all tests on the normal build only
#   make install      PREFIX=/usr/local DESTDIR= (spoofs goes off the PATH,
#                     to $(LIBEXECDIR)/scandetd)
#   make deb          the Debian package, in the parent directory
#   make CC=clang     any C11 compiler; gcc and clang are both tested

CC      ?= cc
PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
# spoofs sends spoofed packets: it has no business on every server's
# PATH, so it goes to $(LIBEXECDIR)/scandetd/ (spoofs(8)).
LIBEXECDIR ?= $(PREFIX)/libexec
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(DATADIR)/man
SYSCONFDIR  ?= /etc
RUNSTATEDIR ?= /run
LOCALSTATEDIR ?= /var
LOGDIR  ?= $(LOCALSTATEDIR)/log/scandetd
# Where systemd looks for the units of packages; systemd's own answer
# when it is installed.
ifndef SYSTEMDUNITDIR
SYSTEMDUNITDIR := $(or $(shell pkg-config --variable=systemdsystemunitdir \
			systemd 2>/dev/null),/lib/systemd/system)
endif
BUILD   ?= build

PCAP_CFLAGS := $(shell pkg-config --cflags libpcap 2>/dev/null)
PCAP_LIBS   := $(shell pkg-config --libs libpcap 2>/dev/null || echo -lpcap)
CURL_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
CURL_LIBS   := $(shell pkg-config --libs libcurl 2>/dev/null || echo -lcurl)
# libseccomp: each process role's system-call allow-list (sandbox.c);
# libsystemd: sd_notify for Type=notify (priv.c).
SECCOMP_CFLAGS := $(shell pkg-config --cflags libseccomp 2>/dev/null)
SECCOMP_LIBS   := $(shell pkg-config --libs libseccomp 2>/dev/null || echo -lseccomp)
SYSTEMD_CFLAGS := $(shell pkg-config --cflags libsystemd 2>/dev/null)
SYSTEMD_LIBS   := $(shell pkg-config --libs libsystemd 2>/dev/null || echo -lsystemd)
# libmicrohttpd: the HTTP side of MetricsListen (metrics_server.c).
MHD_CFLAGS := $(shell pkg-config --cflags libmicrohttpd 2>/dev/null)
MHD_LIBS   := $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd)
LIBS        = $(PCAP_LIBS) $(CURL_LIBS) $(SECCOMP_LIBS) $(SYSTEMD_LIBS) $(MHD_LIBS) -lm -pthread

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wformat=2 \
       -Wno-format-nonliteral
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CPPFLAGS) $(CFLAGS) $(PCAP_CFLAGS) $(CURL_CFLAGS) \
	$(SECCOMP_CFLAGS) $(SYSTEMD_CFLAGS) $(MHD_CFLAGS) \
	-Isrc -DSYSCONFDIR='"$(SYSCONFDIR)"' -DRUNSTATEDIR='"$(RUNSTATEDIR)"'
ALL_LDFLAGS = $(LDFLAGS)

ifeq ($(SAN),1)
BUILD = build-san
CFLAGS = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
	 -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC   := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ   := $(LIB_SRC:src/%.c=$(BUILD)/src/%.o) $(BUILD)/gen/signatures_data.o
UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC  := $(wildcard tools/*.c)
TOOL_BIN  := $(TOOL_SRC:tools/%.c=$(BUILD)/%)

all: programs $(UNIT_BIN)

# What make install installs (the Debian package builds only this).
programs: $(BUILD)/scandetd $(TOOL_BIN)

$(BUILD)/src/%.o: src/%.c $(wildcard src/*.h) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# data/signatures.txt becomes a C string: the built-in signature table.
$(BUILD)/gen/signatures_data.c: data/signatures.txt Makefile
	@mkdir -p $(dir $@)
	{ echo 'extern const char signatures_builtin_text[];'; \
	  echo 'const char signatures_builtin_text[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/.*/"&\\n"/' $<; \
	  echo ';'; } >$@

$(BUILD)/gen/signatures_data.o: $(BUILD)/gen/signatures_data.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libscandetd.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/scandetd: $(BUILD)/src/main.o $(BUILD)/libscandetd.a
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/%: tools/%.c $(wildcard tools/*.h) $(BUILD)/libscandetd.a Makefile
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itools $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libscandetd.a $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libscandetd.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libscandetd.a $(LIBS)

# The bundled sample: nmap 7.9x -O (a SYN scan of 1000 ports, then the OS
# probes), see tests/pcap/data/SOURCES.md.
DEMO_PCAP = tests/pcap/data/nmap_O_synscan_osdetect_2026.pcapng

demo: all
	$(BUILD)/scandetd -c contrib/scandetd.conf -r $(DEMO_PCAP)

check-fast: all
	BUILD=$(BUILD) tests/run.sh

# The whole suite on the normal build, then under ASan+UBSan; and the
# second compiler must build it warning-free too (tests/check.sh).
check: all
	MAKE="$(MAKE)" tests/check.sh

# The installed unit and example configuration name the installed paths
# (the configuration's comments name the signature table where the
# default PREFIX puts it).
SUBST_PATHS = sed -e 's,@SBINDIR@,$(SBINDIR),g' \
	-e 's,@SYSCONFDIR@,$(SYSCONFDIR),g' \
	-e 's,@RUNSTATEDIR@,$(RUNSTATEDIR),g' \
	-e 's,@LOCALSTATEDIR@,$(LOCALSTATEDIR),g' \
	-e 's,/usr/local/share/scandetd/,$(DATADIR)/scandetd/,g'

install: programs
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(LIBEXECDIR)/scandetd \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(DATADIR)/scandetd $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(DESTDIR)$(LOGDIR)
	install -m 755 $(BUILD)/scandetd $(DESTDIR)$(SBINDIR)/scandetd
	install -m 755 $(BUILD)/spoofs $(DESTDIR)$(LIBEXECDIR)/scandetd/spoofs
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 644 data/signatures.txt $(DESTDIR)$(DATADIR)/scandetd/
	$(SUBST_PATHS) contrib/scandetd.service.in \
		>$(DESTDIR)$(SYSTEMDUNITDIR)/scandetd.service
	chmod 644 $(DESTDIR)$(SYSTEMDUNITDIR)/scandetd.service
	@if [ -f contrib/scandetd.logrotate ]; then \
		install -d $(DESTDIR)$(SYSCONFDIR)/logrotate.d; \
		install -m 644 contrib/scandetd.logrotate \
			$(DESTDIR)$(SYSCONFDIR)/logrotate.d/scandetd; \
	fi
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/scandetd.conf ]; then \
		install -d $(DESTDIR)$(SYSCONFDIR); \
		$(SUBST_PATHS) contrib/scandetd.conf \
			>$(DESTDIR)$(SYSCONFDIR)/scandetd.conf; \
		chmod 644 $(DESTDIR)$(SYSCONFDIR)/scandetd.conf; \
	fi
	@if [ -z "$(DESTDIR)" ]; then contrib/scandetd-adduser; else \
		echo "make install: DESTDIR is set: create the system user" \
		     "on the target with contrib/scandetd-adduser"; fi

# The Debian package (debian/), unsigned, into the parent directory
# (built in build-deb/; DEB_BUILD_OPTIONS=parallel=2 builds with -j2).
deb:
	dpkg-buildpackage -us -uc -b

clean:
	rm -rf build build-san build-clang build-fuzz build-deb

.PHONY: all programs demo check check-fast install deb clean

# The benchmark, `make bench` (not a test; see bench/README.md).
include bench/bench.mk

# The libFuzzer harnesses: make fuzz-build, fuzz, fuzz-regress (fuzz/fuzz.mk).
include fuzz/fuzz.mk
