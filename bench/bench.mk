# bench/bench.mk - the benchmark (included by the Makefile).
#
#   make bench        build what it needs, run bench/run.sh; the results
#                     table goes to $(BUILD)/bench/results.txt
#
#   make bench-live   live capture, measured (root, network namespaces):
#                     bench/live.sh; the table goes to
#                     $(BUILD)/bench/live/results.txt
#
# Not part of `make check`: timings are not tests.  See bench/README.md.

BENCH_TOOLS := $(BUILD)/bench/gen $(BUILD)/bench/runstat $(BUILD)/bench/cores \
	       $(BUILD)/bench/halves \
	       $(BUILD)/bench/pcap_ceiling $(BUILD)/bench/steps

# Same compiler and flags as scandetd itself.
$(BUILD)/bench/%: bench/%.c Makefile bench/bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(PCAP_LIBS)

# steps measures scandetd's own decoder and table: linked with them.
$(BUILD)/bench/steps: bench/steps.c $(BUILD)/libscandetd.a Makefile bench/bench.mk
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Isrc $(ALL_LDFLAGS) -o $@ $< $(BUILD)/libscandetd.a $(LIBS)

bench-tools: $(BUILD)/scandetd $(BENCH_TOOLS)

bench: bench-tools
	BUILD=$(BUILD) bench/run.sh

bench-live: $(BUILD)/scandetd $(BUILD)/bench/gen
	BUILD=$(BUILD) bench/live.sh

# For tests/bench/t_hashflood.sh: the compiler (first line) and the flags
# (second line) a test program is built with.
bench-print-flags:
	@echo $(CC)
	@echo $(ALL_CFLAGS) $(ALL_LDFLAGS)

.PHONY: bench bench-live bench-tools bench-print-flags
