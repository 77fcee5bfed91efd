# arpkit: plain Makefile, out-of-tree objects under $(BUILD).
#   make            build/arpkit
#   make check      everything CI runs (README's test command calls this)
#   make demo       the migration lab, before and after
#   make fuzz       every fuzz/ harness for FUZZ_SECONDS each, with clang's libFuzzer
CC      ?= cc
BUILD   ?= build
PKGS    := libmnl libpcap sqlite3 libcap-ng libseccomp
CSTD    := -std=c17 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -Wpointer-arith -Wundef
OPT     ?= -O2 -g
SAN     ?=
CFLAGS  += $(CSTD) $(WARN) $(OPT) $(SAN) -Ilib -MMD -MP \
           -DARPKIT_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS))
LDLIBS  += $(shell pkg-config --libs $(PKGS))
LDFLAGS += $(SAN)
VERSION := 0.1.0

LIB_SRC  := $(sort $(wildcard lib/*.c))
CMD_SRC  := $(sort $(wildcard src/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CMD_OBJ  := $(CMD_SRC:%.c=$(BUILD)/%.o)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRC:fuzz/fuzz_%.c=%)
REPLAYS  := $(FUZZ_NAMES:%=$(BUILD)/fuzz/replay_%)
FUZZERS  := $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

.PHONY: all check unit integration lint asan replay fuzz fuzzers demo bench clean install
all: $(BUILD)/arpkit

$(BUILD)/libarpkit.a: $(LIB_OBJ)
	$(AR) rcs $@ $^

$(BUILD)/arpkit: $(CMD_OBJ) $(BUILD)/libarpkit.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(BUILD)/libarpkit.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

unit: $(UNITS)
	@set -e; for t in $(UNITS); do echo "== $$t"; $$t; done

# Each harness, built without libFuzzer, replays its checked-in corpus.
$(BUILD)/fuzz/replay_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/fuzz/onefile.o $(BUILD)/libarpkit.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

.SECONDARY: $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%.o) $(BUILD)/fuzz/onefile.o

replay: $(REPLAYS)
	@set -e; for n in $(FUZZ_NAMES); do \
		echo "== replay $$n: $$(ls fuzz/corpus/$$n | wc -l) inputs"; \
		$(BUILD)/fuzz/replay_$$n fuzz/corpus/$$n/*; \
	done

# Sanitizer build lives in its own tree so it never mixes with the release objects.
asan:
	$(MAKE) BUILD=build-asan SAN="$(SANITIZE)" OPT="-O1 -g" all unit replay

# libFuzzer needs clang's coverage instrumentation in the library too: its own tree.
$(BUILD)/fuzz/fuzz_%: $(BUILD)/fuzz/fuzz_%.o $(BUILD)/libarpkit.a
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LDLIBS)

fuzzers: $(FUZZERS)

fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang OPT="-O1 -g" \
	  SAN="$(SANITIZE) -fsanitize=fuzzer-no-link" fuzzers
	fuzz/run -j $(FUZZ_JOBS) -t $(FUZZ_SECONDS) build-fuzz $(FUZZ_NAMES)

integration: $(BUILD)/arpkit
	ARPKIT=$(abspath $(BUILD)/arpkit) tests/run-integration

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
	  --inline-suppr --suppress=missingIncludeSystem --std=c11 -Ilib lib src tests/unit fuzz

# The README's test command: lint, unit tests under ASan/UBSan, integration tests
# against the sanitized binary, and the release build.
check: all lint asan
	$(MAKE) BUILD=build-asan SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" OPT="-O1 -g" integration

demo: all
	ARPKIT=$(abspath $(BUILD)/arpkit) tests/demo

bench: all
	ARPKIT=$(abspath $(BUILD)/arpkit) bench/run

install: all
	install -D -m 0755 $(BUILD)/arpkit $(DESTDIR)/usr/local/sbin/arpkit
	install -d $(DESTDIR)/usr/local/share/man/man8
	install -m 0644 man/*.8 $(DESTDIR)/usr/local/share/man/man8/

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
