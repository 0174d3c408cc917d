# fuzz/fuzz.mk - libFuzzer harnesses (clang, -fsanitize=fuzzer), and AFL++
# against scandetd -r itself (make afl).
#
# Included at the end of the main Makefile ("include fuzz/fuzz.mk"), or
# used beside it: make -f Makefile -f fuzz/fuzz.mk fuzz-build
# (the guard below makes reading it twice harmless).
#
#   make fuzz-build     every harness, into build-fuzz/
#   make fuzz           run each harness FUZZ_SECONDS (default 60) on a
#                       scratch copy of its corpus; FUZZ_TARGETS picks some
#   make fuzz-regress   run every file of fuzz/regress/H/ and fuzz/corpus/H/
#                       once through harness H
#   make afl-build      scandetd itself instrumented for AFL++ (afl-clang-lto,
#                       else afl-clang-fast) with ASan+UBSan, and a CmpLog
#                       build, into build-fuzz/afl/
#   make afl            afl-fuzz FUZZ_AFL_SECONDS (default 3600) on one core:
#                       scandetd -c fuzz/afl/scandetd.conf -r FILE, seeds
#                       fuzz/corpus/pcap/, findings in build-fuzz/afl/out/
#                       (fuzz/afl/run.sh; AFL++ is not in install-deps.sh)
#
# The library sources are compiled again here, instrumented for coverage
# and with ASan+UBSan, with the main Makefile's language flags and
# warnings.  Crash inputs found by "make fuzz" land in
# build-fuzz/artifacts/H/; keep each as fuzz/regress/H/crash-NAME.

ifndef SCANDETD_FUZZ_MK
SCANDETD_FUZZ_MK := 1

FUZZ_CC      ?= clang
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= decode conf rule pcap workers
# Scratch space for "make fuzz": corpus copies and crash artifacts.
FUZZ_WORK    ?= $(FUZZ_BUILD)/work

# The same as the main Makefile when it is read first; standalone, the
# same values again.
FUZZ_SYSCONFDIR  := $(or $(SYSCONFDIR),/etc)
FUZZ_RUNSTATEDIR := $(or $(RUNSTATEDIR),/run)
FUZZ_WARN := $(or $(WARN),-Wall -Wextra -Werror -Wshadow \
	-Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
	-Wcast-qual -Wformat=2 -Wno-format-nonliteral)
FUZZ_PCAP_CFLAGS := $(shell pkg-config --cflags libpcap 2>/dev/null)
FUZZ_CURL_CFLAGS := $(shell pkg-config --cflags libcurl 2>/dev/null)
# The main Makefile's libraries when it is read first (recursive: LIBS
# may be defined after this file is read).
FUZZ_LIBS = $(or $(LIBS),$(shell pkg-config --libs libpcap libcurl libseccomp libsystemd \
	2>/dev/null || echo -lpcap -lcurl -lseccomp -lsystemd) -lm)

FUZZ_SAN    = -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS = -std=c11 -D_GNU_SOURCE $(FUZZ_WARN) -O1 -g \
	-fno-omit-frame-pointer $(FUZZ_SAN) $(FUZZ_PCAP_CFLAGS) \
	$(FUZZ_CURL_CFLAGS) -Isrc \
	-DSYSCONFDIR='"$(FUZZ_SYSCONFDIR)"' \
	-DRUNSTATEDIR='"$(FUZZ_RUNSTATEDIR)"'

FUZZ_LIB_SRC := $(filter-out src/main.c,$(wildcard src/*.c))
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:src/%.c=$(FUZZ_BUILD)/src/%.o)
# The built-in signature table, generated from data/signatures.txt as
# the main Makefile does.
ifneq ($(wildcard data/signatures.txt),)
FUZZ_LIB_OBJ += $(FUZZ_BUILD)/gen/signatures_data.o
endif
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

# Longest input per harness: a frame plus its link-type byte, a
# configuration file, a rule text, a capture file (a smaller one for
# fuzz_workers, whose tables must hold all of it: fuzz_workers.c).
FUZZ_MAXLEN_decode = 2048
FUZZ_MAXLEN_conf   = 4096
FUZZ_MAXLEN_rule   = 512
FUZZ_MAXLEN_pcap   = 65536
FUZZ_MAXLEN_workers = 16384
# fuzz_workers reads captures too: its corpus is fuzz_pcap's.
FUZZ_CORPUS_OF = c=$$h; [ $$h != workers ] || c=pcap

fuzz-build: $(FUZZ_BIN)

$(FUZZ_BUILD)/src/%.o: src/%.c $(wildcard src/*.h) fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/gen/signatures_data.c: data/signatures.txt fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	{ echo 'extern const char signatures_builtin_text[];'; \
	  echo 'const char signatures_builtin_text[] ='; \
	  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/.*/"&\\n"/' $<; \
	  echo ';'; } >$@

$(FUZZ_BUILD)/gen/signatures_data.o: $(FUZZ_BUILD)/gen/signatures_data.c
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_BUILD)/libscandetd.a: $(FUZZ_LIB_OBJ)
	rm -f $@
	ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: fuzz/fuzz_%.c $(wildcard fuzz/*.h) $(FUZZ_BUILD)/libscandetd.a \
		fuzz/fuzz.mk
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_BUILD)/libscandetd.a \
		$(FUZZ_LIBS)

# Each harness in turn; new inputs go to the scratch copy, never to
# fuzz/corpus.  All harnesses run even when one finds a crash; the target
# fails at the end if any did.
fuzz: fuzz-build
	@failed=""; \
	for h in $(FUZZ_TARGETS); do \
		work=$(FUZZ_WORK)/$$h; \
		rm -rf $$work; \
		mkdir -p $$work/corpus $$work/artifacts; \
		$(FUZZ_CORPUS_OF); \
		for d in fuzz/corpus/$$c fuzz/regress/$$h; do \
			[ -d $$d ] && cp -R $$d/. $$work/corpus/; \
		done; \
		echo "== fuzz_$$h: $(FUZZ_SECONDS) s, corpus $$work/corpus"; \
		$(FUZZ_BUILD)/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) \
			-max_len=$$(case $$h in \
				decode) echo $(FUZZ_MAXLEN_decode);; \
				conf) echo $(FUZZ_MAXLEN_conf);; \
				rule) echo $(FUZZ_MAXLEN_rule);; \
				workers) echo $(FUZZ_MAXLEN_workers);; \
				*) echo $(FUZZ_MAXLEN_pcap);; esac) \
			-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix=$$work/artifacts/ $$work/corpus \
			|| failed="$$failed $$h"; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz: crashes in:$$failed (inputs in $(FUZZ_WORK)/*/artifacts/)"; \
		exit 1; \
	fi

# Every saved input once; "./harness file..." runs each file and exits.
fuzz-regress: fuzz-build
	@failed=""; \
	for h in $(FUZZ_TARGETS); do \
		$(FUZZ_CORPUS_OF); \
		for d in fuzz/regress/$$h fuzz/corpus/$$c; do \
			set -- $$(find $$d -type f ! -name '.*' 2>/dev/null | sort); \
			[ $$# -gt 0 ] || continue; \
			echo "== fuzz_$$h: $$# inputs of $$d"; \
			$(FUZZ_BUILD)/fuzz_$$h -timeout=10 "$$@" \
				>$(FUZZ_BUILD)/regress-$$h.log 2>&1 \
				|| { tail -n 60 $(FUZZ_BUILD)/regress-$$h.log; \
				     failed="$$failed $$d"; }; \
		done; \
	done; \
	if [ -n "$$failed" ]; then \
		echo "fuzz-regress: failures in:$$failed"; \
		exit 1; \
	fi

# AFL++ against the real program (fuzz/afl/run.sh says more).  The
# builds are the main Makefile's own: SAN=1 (its ASan+UBSan flags) with
# the AFL++ compiler as CC and a BUILD directory of their own; the CmpLog
# build (afl-fuzz -c) is the plain build, uninstrumented for sanitizers.
# make decides in the sub-make whether anything is out of date.
FUZZ_AFL_LTO      = $(shell command -v afl-clang-lto 2>/dev/null)
FUZZ_AFL_CC      ?= $(if $(FUZZ_AFL_LTO),afl-clang-lto,afl-clang-fast)
FUZZ_AFL_BUILD   ?= $(FUZZ_BUILD)/afl
FUZZ_AFL_SECONDS ?= 3600
FUZZ_AFL_MAKE     = $(MAKE) --no-print-directory -f Makefile -f fuzz/fuzz.mk

afl-build:
	@command -v $(FUZZ_AFL_CC) >/dev/null || \
		{ echo "afl-build: $(FUZZ_AFL_CC) not found" \
			"(apt-get install afl++)"; exit 1; }
	$(FUZZ_AFL_MAKE) SAN=1 CC=$(FUZZ_AFL_CC) BUILD=$(FUZZ_AFL_BUILD)/asan \
		$(FUZZ_AFL_BUILD)/asan/scandetd
	AFL_LLVM_CMPLOG=1 $(FUZZ_AFL_MAKE) CC=$(FUZZ_AFL_CC) CFLAGS='-O1 -g' \
		BUILD=$(FUZZ_AFL_BUILD)/cmplog $(FUZZ_AFL_BUILD)/cmplog/scandetd

afl: afl-build
	FUZZ_AFL_BIN=$(FUZZ_AFL_BUILD)/asan/scandetd \
	FUZZ_AFL_CMPLOG_BIN=$(FUZZ_AFL_BUILD)/cmplog/scandetd \
	FUZZ_AFL_OUT=$(FUZZ_AFL_BUILD)/out \
	FUZZ_AFL_SECONDS=$(FUZZ_AFL_SECONDS) fuzz/afl/run.sh fuzz

.PHONY: fuzz-build fuzz fuzz-regress afl-build afl

endif
