# hf - HistFactory likelihoods in C.  `make` builds build/libhf.a, build/libhf.so,
# build/hf and build/hfcls; `make check` runs the test suite; `make demo` runs hfcls on a bundled
# workspace; `make check-asan` runs the suite under ASan+UBSan.

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wno-unused-parameter
OMP     := -fopenmp
PKGS    := libcjson nlopt gsl libcrypto
DEPCFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEPLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcjson -lnlopt -lgsl -lgslcblas -lcrypto) -lm
ALL_CFLAGS = $(CFLAGS) $(WARN) $(OMP) -std=gnu11 -fPIC -fvisibility=hidden \
             -Iinclude -Ihf $(DEPCFLAGS) $(EXTRA_CFLAGS)
LDLIBS_ALL = $(DEPLIBS) $(OMP) $(EXTRA_LDFLAGS)

BUILD   ?= build
SOVER   := 0
LIB_SRC := $(sort $(wildcard hf/*.c patch/*.c fit/*.c simplify/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_SUPPORT := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))

.PHONY: all lib check check-asan demo clean deps
all: $(BUILD)/libhf.a $(BUILD)/libhf.so $(BUILD)/hf $(BUILD)/hfcls

$(BUILD)/obj/%.o: %.c include/hf.h hf/internal.h $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libhf.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libhf.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libhf.so.$(SOVER) -o $@ $^ $(LDLIBS_ALL)

# The command lives in $(BUILD)/ (hf/ is the model's source folder).
$(BUILD)/hf: $(CLI_OBJ) $(BUILD)/libhf.a
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libhf.a $(LDLIBS_ALL)

$(BUILD)/hfcls: $(BUILD)/hf
	ln -sf hf $@

$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT) $(BUILD)/libhf.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(TEST_SUPPORT) $(BUILD)/libhf.a $(LDLIBS_ALL) -lcmocka

# Runs every test binary; each skips cleanly when ../shared is absent.
check: all $(TEST_BIN)
	@fail=0; for t in $(TEST_BIN); do \
	  echo "== $$t"; HF_BIN=$(CURDIR)/$(BUILD)/hf ./$$t || fail=1; done; \
	[ $$fail = 0 ] && echo "all test programs passed" || { echo "some tests FAILED"; exit 1; }

check-asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" check

# Installs the Debian packages we build with (needs root or sudo).
deps:
	@missing=""; for p in gcc make pkg-config libcjson-dev libnlopt-dev libgsl-dev libcmocka-dev libssl-dev; do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  SUDO=$$( [ $$(id -u) = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; fi

demo: deps all
	./build/hfcls workspaces/demo/BkgOnly.json workspaces/demo/patchset.json --patch-name sig_300 --upper-limit

clean:
	rm -rf build build-asan
