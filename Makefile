# scandetd - port-scan and OS-probe detector
#
#   make              build scandetd and spoofs in build/
#   make check        all tests, on the normal build and under ASan+UBSan
#   make check-fast   all tests on the normal build only
#   make install      PREFIX=/usr/local DESTDIR=
#   make CC=clang     any C11 compiler; gcc and clang are both tested

CC      ?= cc
PREFIX  ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
SYSCONFDIR  ?= /etc
RUNSTATEDIR ?= /run
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
LIBS        = $(PCAP_LIBS) $(CURL_LIBS) $(SECCOMP_LIBS) $(SYSTEMD_LIBS) $(MHD_LIBS) -lm

WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
       -Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wformat=2 \
       -Wno-format-nonliteral
CFLAGS ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(PCAP_CFLAGS) $(CURL_CFLAGS) \
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

all: $(BUILD)/scandetd $(TOOL_BIN) $(UNIT_BIN)

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

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5
	install -m 755 $(BUILD)/scandetd $(DESTDIR)$(SBINDIR)/scandetd
	install -m 755 $(BUILD)/spoofs $(DESTDIR)$(SBINDIR)/spoofs
	install -m 644 man/*.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 man/*.5 $(DESTDIR)$(MANDIR)/man5/
	install -d $(DESTDIR)$(PREFIX)/share/scandetd
	install -m 644 data/signatures.txt $(DESTDIR)$(PREFIX)/share/scandetd/
	@if [ ! -e $(DESTDIR)$(SYSCONFDIR)/scandetd.conf ]; then \
		install -d $(DESTDIR)$(SYSCONFDIR); \
		install -m 644 contrib/scandetd.conf $(DESTDIR)$(SYSCONFDIR)/scandetd.conf; \
	fi
	@if [ -z "$(DESTDIR)" ]; then contrib/scandetd-adduser; else \
		echo "make install: DESTDIR is set: create the system user" \
		     "on the target with contrib/scandetd-adduser"; fi

clean:
	rm -rf build build-san build-clang build-fuzz

.PHONY: all demo check check-fast install clean

# The benchmark, `make bench` (not a test; see bench/README.md).
include bench/bench.mk

# The libFuzzer harnesses: make fuzz-build, fuzz, fuzz-regress (fuzz/fuzz.mk).
include fuzz/fuzz.mk
