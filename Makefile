# hf - HistFactory likelihoods in C.  `make` builds build/libhf.a, build/libhf.so,
# build/hf and build/hfcls; `make check` runs the test suite; `make demo` runs hfcls on a bundled
# workspace; `make check-asan` runs the suite under ASan+UBSan.

# `make demo` and `make check` are what a new user types first, on a machine
# that may not have the Debian packages yet: they run `make deps` before
# anything else.  The pkg-config calls below are evaluated as this file is
# read, i.e. before `deps` has run; so `deps` is run as the recipe of an
# included (empty) stamp file, and make, having remade an included file, reads
# the Makefile again from the start (GNU make's "remaking makefiles"), now with
# the packages installed.  MAKE_RESTARTS is set on that second reading.
# `include`, not `-include`: when deps fails, make stops there (it ignores a
# failure to remake a -included file).  Not under -n (a dry run installs
# nothing).
# (`make` with no goal builds `all`, not the stamp rule that comes first.)
.DEFAULT_GOAL := all
DEPS_STAMP := $(or $(BUILD),build)/.deps-checked
ifneq ($(filter demo check,$(MAKECMDGOALS)),)
ifndef MAKE_RESTARTS
ifeq ($(findstring n,$(firstword -$(MAKEFLAGS))),)
include $(DEPS_STAMP)
endif
endif
endif
$(DEPS_STAMP): FORCE
	@$(MAKE) --no-print-directory deps
	@mkdir -p $(dir $@) && : >$@
FORCE:

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wno-unused-parameter
OMP     := -fopenmp
PKGS    := libcjson nlopt gsl libprotobuf-c
# The headers only of libgcrypt, libxgboost and libxml2: the libraries are
# opened at the first digest, XGBoost model or TMVA weight file
# (core/cryptodl.c, ml/xgbdl.c, ml/xmldl.c), not loaded with every
# program.  make deps' libgcrypt20-dev and libxml2-dev bring libgcrypt20
# and libxml2, the runtime packages they open.
DL_PKGS   := libgcrypt xgboost libxml-2.0
DEPCFLAGS := $(shell pkg-config --cflags $(PKGS) $(DL_PKGS) 2>/dev/null || echo -I/usr/include/libxml2)
DEPLIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null || echo -lcjson -lnlopt -lgsl -lgslcblas -lprotobuf-c) -ldl -lm
# test_ws_cli checks digests against OpenSSL's own, called directly (an
# implementation other than the one hf uses)
CRYPTO_LIBS := $(shell pkg-config --libs libcrypto 2>/dev/null || echo -lcrypto)
ALL_CFLAGS = $(CFLAGS) $(WARN) $(OMP) -std=gnu11 -fPIC -fvisibility=hidden \
             -Iinclude -I. $(DEPCFLAGS) $(EXTRA_CFLAGS)
LDLIBS_ALL = $(DEPLIBS) $(OMP) $(EXTRA_LDFLAGS)

BUILD   ?= build
SOVER   := 0
VERSION := 0.1.0
PREFIX  ?= /usr/local
LIB_SRC := $(sort $(wildcard core/*.c patch/*.c hf/*.c fit/*.c infer/*.c simplify/*.c recast/*.c ml/*.c))
CLI_SRC := $(sort $(wildcard cli/*.c))
# Plotting (cairo) is linked into the command only: libhf never needs cairo.
PLOT_SRC := $(sort $(wildcard plot/*.c))
PLOT_OBJ := $(PLOT_SRC:%.c=$(BUILD)/obj/%.o)
CAIRO_CFLAGS := $(shell pkg-config --cflags cairo fontconfig 2>/dev/null)
# the command opens cairo when it draws (plot/cairodl.c); only test_plot,
# which reads the images back, links it
CAIRO_LIBS   := $(shell pkg-config --libs cairo fontconfig 2>/dev/null || echo -lcairo -lfontconfig)
# ml/ reads ONNX files with C code protoc-c generates from Debian's
# onnx.proto (libonnx-dev) at build time, into $(BUILD)/gen.
ONNX_PROTO_DIR ?= /usr/include
GEN     := $(BUILD)/gen
ONNX_PB := $(GEN)/onnx/onnx.pb-c.c
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/onnx.pb-c.o
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_SUPPORT := $(filter-out $(TEST_SRC),$(wildcard tests/*.c))
# test_nullargs is generated from include/hf.h: every public function with
# each pointer argument NULL in turn (tests/gen_nullargs.py).
TEST_BIN += $(BUILD)/tests/test_nullargs

.PHONY: FORCE all lib check check-layers check-asan check-valgrind fuzz fuzz-build demo clean deps deps-mpi check-mpi
all: $(BUILD)/libhf.a $(BUILD)/libhf.so $(BUILD)/hf $(BUILD)/hfcls

$(BUILD)/obj/%.o: %.c include/hf.h $(wildcard */*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(ONNX_PB): $(ONNX_PROTO_DIR)/onnx/onnx.proto
	@mkdir -p $(GEN)
	protoc-c --c_out=$(GEN) -I$(ONNX_PROTO_DIR) onnx/onnx.proto

$(BUILD)/obj/gen/onnx.pb-c.o: $(ONNX_PB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(OMP) -fPIC -fvisibility=hidden -I$(GEN) $(DEPCFLAGS) -c $< -o $@

$(filter $(BUILD)/obj/ml/%,$(LIB_OBJ)): ALL_CFLAGS += -I$(GEN)
$(filter $(BUILD)/obj/ml/%,$(LIB_OBJ)): $(ONNX_PB)

$(BUILD)/libhf.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/libhf.so: $(LIB_OBJ)
	$(CC) -shared -Wl,-soname,libhf.so.$(SOVER) -o $@ $^ $(LDLIBS_ALL)

# The command lives in $(BUILD)/ (hf/ is the model's source folder).
$(PLOT_OBJ): ALL_CFLAGS += $(CAIRO_CFLAGS)
# The command's parts other programs reuse (messages, loading, options,
# JSON output, grid lines: hfscan) form libhfcli.a, an archive the linker
# takes what it needs from; main.o, the verb dispatch, is the hf program's.
CLI_MAIN := $(BUILD)/obj/cli/main.o
$(BUILD)/libhfcli.a: $(filter-out $(CLI_MAIN),$(CLI_OBJ))
	@rm -f $@
	ar rcs $@ $^

# The command links GSL and protobuf-c into itself where their archives are
# installed (Debian's libgsl-dev and libprotobuf-c-dev ship them), not as
# shared libraries: each shared library is opened, mapped and relocated at
# every start, before any thread can begin.  1Lbb's single patch reaches
# main() at 1.51 ms linked so, at 2.05 ms with the shared libraries
# (medians of 31 runs, load 4), and the whole command took 0.93-0.98 of
# the time in paired quiet runs (lazy binding's faults go too).  Debian's
# security updates of these libraries reach hf when it is rebuilt (make).
# The library (libhf.so) and the test programs link them as before.
comma := ,
STATIC_LIBS := $(if $(and $(filter-out libgsl.a,$(shell $(CC) -print-file-name=libgsl.a)),$(filter-out libgslcblas.a,$(shell $(CC) -print-file-name=libgslcblas.a)),$(filter-out libprotobuf-c.a,$(shell $(CC) -print-file-name=libprotobuf-c.a))),-lgsl -lgslcblas -lprotobuf-c)
STATIC_LINK := $(if $(STATIC_LIBS),-Wl$(comma)-Bstatic $(STATIC_LIBS) -Wl$(comma)-Bdynamic -lm)
HF_LDLIBS = $(filter-out $(STATIC_LIBS),$(DEPLIBS)) $(STATIC_LINK) $(OMP) $(EXTRA_LDFLAGS)
$(BUILD)/hf: $(CLI_MAIN) $(PLOT_OBJ) $(BUILD)/libhfcli.a $(BUILD)/libhf.a
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_MAIN) $(PLOT_OBJ) $(BUILD)/libhfcli.a $(BUILD)/libhf.a $(HF_LDLIBS)

$(BUILD)/hfcls: $(BUILD)/hf
	ln -sf hf $@

# `make MPI=1` adds build/hfscan, the scan over MPI ranks (mpi/, compiled
# with mpicc; `make deps-mpi` installs Open MPI).  It shares the command's
# options, loading, JSON output and grid lines through cli/cli.h and
# libhfcli.a.
ifeq ($(MPI),1)
MPICC   ?= mpicc
MPI_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(sort $(wildcard mpi/*.c)))
all: $(BUILD)/hfscan
$(MPI_OBJ): CC := $(MPICC)
$(BUILD)/hfscan: $(MPI_OBJ) $(BUILD)/libhfcli.a $(BUILD)/libhf.a
	$(MPICC) $(ALL_CFLAGS) -o $@ $(MPI_OBJ) $(BUILD)/libhfcli.a $(BUILD)/libhf.a $(LDLIBS_ALL) -lpthread
endif

$(BUILD)/gen/test_nullargs.c: include/hf.h tests/gen_nullargs.py
	@mkdir -p $(dir $@)
	/usr/bin/python3 tests/gen_nullargs.py include/hf.h > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/test_nullargs: $(BUILD)/gen/test_nullargs.c tests/nullargs.h $(BUILD)/libhf.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(BUILD)/libhf.a $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/%.c $(TEST_SUPPORT) $(BUILD)/libhfcli.a $(BUILD)/libhf.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(TEST_SUPPORT) $(BUILD)/libhfcli.a $(BUILD)/libhf.a $(LDLIBS_ALL) -lcmocka

$(BUILD)/tests/test_ws_cli: LDLIBS_ALL += $(CRYPTO_LIBS)

# test_plot reads the PNGs back with cairo.
$(BUILD)/tests/test_plot: tests/test_plot.c $(TEST_SUPPORT) $(BUILD)/libhf.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CAIRO_CFLAGS) -Itests -o $@ $< $(TEST_SUPPORT) $(BUILD)/libhf.a $(LDLIBS_ALL) $(CAIRO_LIBS) -lcmocka

# Runs every test binary; each skips cleanly when ../shared is absent.
check: all $(TEST_BIN) check-examples check-layers check-readme
	@pass=0; fail=0; for t in $(TEST_BIN); do \
	  echo "== $$t"; if HF_BIN=$(CURDIR)/$(BUILD)/hf ./$$t; then pass=$$((pass+1)); \
	  else fail=$$((fail+1)); echo "FAILED: $$t"; fi; done; \
	echo "== python (tests/python, pytest)"; if $(MAKE) -s check-python; then pass=$$((pass+1)); \
	else fail=$$((fail+1)); echo "FAILED: python"; fi; \
	echo "programs: $$pass passed, $$fail failed"; [ $$fail = 0 ]

# No folder includes or calls a higher layer's code (ARCHITECTURE.md).
check-layers: all
	@sh tests/layers.sh $(BUILD)

# hf.pyhf against pyhf's references and documented behaviour, by Debian's
# python3 (the PATH may put another python3 first) on this build's libhf.
# A missing pytest or numpy is reported as SKIPPED, never as a pass.
PYTHON ?= /usr/bin/python3
.PHONY: check-python
check-python: $(BUILD)/libhf.so
	@if echo '$(CFLAGS)' | grep -q sanitize; then echo "check-python: SKIPPED under sanitizers"; exit 0; fi; \
	if ! $(PYTHON) -c 'import pytest, numpy' 2>/dev/null; then \
	  echo "check-python: SKIPPED: $(PYTHON) lacks pytest or numpy (make deps installs python3-pytest, python3-numpy)"; exit 0; fi; \
	HF_LIB=$(CURDIR)/$(BUILD)/libhf.so PYTHONDONTWRITEBYTECODE=1 $(PYTHON) -m pytest -q -p no:cacheprovider tests/python

check-asan:
	$(MAKE) BUILD=build-asan CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" check

# valgrind memcheck of the command over every shipped workspace: inspect,
# eval, a free fit, and hfcls over the whole patchset (the threaded grid);
# then one patch of the demo patchset (the read-ahead line).
VALGRIND := valgrind -q --error-exitcode=1 --leak-check=full \
            --suppressions=.ci/valgrind.supp
check-valgrind: all
	@set -e; for ws in workspaces/*/BkgOnly.json; do d=$$(dirname $$ws); \
	  echo "== valgrind $$d"; \
	  $(VALGRIND) $(BUILD)/hf inspect $$ws >/dev/null; \
	  $(VALGRIND) $(BUILD)/hf eval $$ws >/dev/null; \
	  $(VALGRIND) $(BUILD)/hf fit $$ws >/dev/null; \
	  if [ -f $$d/patchset.json ]; then \
	    $(VALGRIND) $(BUILD)/hfcls $$ws $$d/patchset.json >/dev/null; fi; \
	done; \
	echo "== valgrind one patch of a patchset (read ahead; inputs freed under valgrind)"; \
	$(VALGRIND) $(BUILD)/hfcls workspaces/demo/BkgOnly.json workspaces/demo/patchset.json \
	  --patch-name sig_400 >/dev/null; \
	echo "valgrind: clean"

# libFuzzer targets (clang): the library is built in build-fuzz/ with
# coverage and ASan+UBSan, each fuzz/fuzz_*.c target runs FUZZ_SECONDS on a
# scratch corpus seeded from fuzz/corpus/NAME (left untouched).  Crash
# inputs land in build-fuzz/ as crash-*; reproduce with the binary and the file.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_TARGETS := $(patsubst fuzz/%.c,%,$(wildcard fuzz/fuzz_*.c))

fuzz-build:
	$(MAKE) BUILD=build-fuzz CC=$(FUZZ_CC) \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $(FUZZ_SAN)" build-fuzz/libhf.a
	for t in $(FUZZ_TARGETS); do \
	  $(FUZZ_CC) -O1 -g -fsanitize=fuzzer $(FUZZ_SAN) -Iinclude -I. $(DEPCFLAGS) \
	    -o build-fuzz/$$t fuzz/$$t.c build-fuzz/libhf.a $(DEPLIBS) $(OMP) || exit 1; done

fuzz: fuzz-build
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus/$$t; echo "== $$t ($(FUZZ_SECONDS) s)"; \
	  (cd build-fuzz && ./$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    corpus/$$t ../fuzz/corpus/$$t) || exit 1; done

# Installs the Debian packages that the build and `make check` need (with
# apt-get, as root or through sudo), saying which; fails with the reason when
# it cannot, before anything is compiled.  Add any new package here: the
# fresh-machine check (`make fresh-check`) then installs it too.
DEB_PKGS := gcc g++ libc6-dev make pkg-config python3 libcjson-dev libnlopt-dev \
            libgsl-dev librandom123-dev libcmocka-dev libssl-dev libgcrypt20-dev libcairo2-dev \
            valgrind locales \
            python3-numpy python3-pytest python3-setuptools python3-pip python3-ujson \
            libonnx-dev protobuf-c-compiler libprotobuf-c-dev libxml2-dev libxgboost-dev
deps:
	@tools/deps.sh $(DEB_PKGS)

# A minimal Debian root, made with mmdebstrap, runs the README's getting-started
# commands (`make demo`, `make check`) on a clean export of HEAD as a new user
# would (tools/fresh-check.sh; needs root and Debian's archive).
.PHONY: fresh-check
fresh-check:
	tools/fresh-check.sh

# Open MPI for `make MPI=1` (build/hfscan); not part of `make deps`.
deps-mpi:
	@tools/deps.sh libopenmpi-dev openmpi-bin

# hfscan over 1, 2 and 3 ranks against hfcls, resuming (tests/mpi_check.sh).
check-mpi:
	@if ! command -v mpicc >/dev/null 2>&1 || ! command -v mpirun >/dev/null 2>&1; then \
	  echo "check-mpi: skipped (no mpicc/mpirun: make deps-mpi)"; \
	elif [ ! -d ../shared ]; then echo "check-mpi: skipped (no ../shared)"; \
	else $(MAKE) MPI=1 all && HF_BUILD=$(BUILD) tests/mpi_check.sh; fi

# `make install PREFIX=DIR` (and DESTDIR for staging): the shared library
# under its full version with SONAME libhf.so.$(SOVER), the static one, the
# header, a pkg-config file, the command.  `make uninstall` removes exactly
# those files.
# The Python package goes to Debian's site directory under PREFIX
# (/usr/local/lib/python3.X/dist-packages is on /usr/bin/python3's path),
# with hf/_config.py recording where libhf.so is.
PYVER   := $(shell /usr/bin/python3 -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo 3)
PYSITE  := lib/python$(PYVER)/dist-packages
PY_SRC  := $(sort $(shell cd python && find hf -name '*.py' ! -name _config.py))
INSTALLED := lib/libhf.so.$(VERSION) lib/libhf.so.$(SOVER) lib/libhf.so lib/libhf.a \
             include/hf.h lib/pkgconfig/hf.pc bin/hf bin/hfcls \
             $(addprefix $(PYSITE)/,$(PY_SRC) hf/_config.py)
.PHONY: install uninstall check-examples check-readme
# A workspace whose SR has 4 bins, not the examples' 3.
SR4_WS := {"channels": [{"name": "SR", "samples": [{"name": "b", "data": [1, 1, 1, 1], \
  "modifiers": []}]}], "observations": [{"name": "SR", "data": [1, 1, 1, 1]}], \
  "measurements": [{"name": "m", "config": {"poi": "mu_SIG", "parameters": [{"name": "lumi", \
  "auxdata": [1.0], "sigmas": [0.02], "bounds": [[0.5, 1.5]], "inits": [1.0]}]}}], \
  "version": "1.0.0"}
install: all
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 755 $(BUILD)/libhf.so $(DESTDIR)$(PREFIX)/lib/libhf.so.$(VERSION)
	ln -sf libhf.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libhf.so.$(SOVER)
	ln -sf libhf.so.$(SOVER) $(DESTDIR)$(PREFIX)/lib/libhf.so
	install -m 644 $(BUILD)/libhf.a $(DESTDIR)$(PREFIX)/lib/libhf.a
	install -m 644 include/hf.h $(DESTDIR)$(PREFIX)/include/hf.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' hf.pc.in >$(DESTDIR)$(PREFIX)/lib/pkgconfig/hf.pc
	install -m 755 $(BUILD)/hf $(DESTDIR)$(PREFIX)/bin/hf
	ln -sf hf $(DESTDIR)$(PREFIX)/bin/hfcls
	for f in $(PY_SRC); do install -D -m 644 python/$$f $(DESTDIR)$(PREFIX)/$(PYSITE)/$$f; done
	printf 'LIBDIR = %s\n' "'$(PREFIX)/lib'" >$(DESTDIR)$(PREFIX)/$(PYSITE)/hf/_config.py

uninstall:
	rm -f $(addprefix $(DESTDIR)$(PREFIX)/,$(INSTALLED))
	rm -rf $(addsuffix /__pycache__,$(addprefix $(DESTDIR)$(PREFIX)/$(PYSITE)/,$(sort $(dir $(PY_SRC)))))
	-rmdir -p $(addprefix $(DESTDIR)$(PREFIX)/$(PYSITE)/,$(sort $(dir $(PY_SRC)))) 2>/dev/null

# The callers of the installed library: examples/recast.c and .cpp built
# with gcc/g++ through pkg-config against a scratch install, and python/hf.py
# by Debian's python3.  Skipped under sanitizers (an ASan libhf.so cannot be
# loaded by an uninstrumented program).
check-examples: all
	@if echo '$(CFLAGS)' | grep -q sanitize; then echo "check-examples: skipped under sanitizers"; exit 0; fi; \
	set -e; d=$$(mktemp -d); trap 'rm -rf "$$d"' EXIT; \
	$(MAKE) -s install PREFIX=$$d/usr >/dev/null; \
	export PKG_CONFIG_PATH=$$d/usr/lib/pkgconfig; \
	echo "== examples (pkg-config: $$(pkg-config --cflags --libs hf))"; \
	gcc -Wall -Wextra -pedantic -std=c11 -Werror -o $$d/recast_c examples/recast.c \
	  $$(pkg-config --cflags --libs hf) -Wl,-rpath,$$d/usr/lib -lm; \
	g++ -Wall -Wextra -pedantic -Werror -o $$d/recast_cpp examples/recast.cpp \
	  $$(pkg-config --cflags --libs hf) -Wl,-rpath,$$d/usr/lib; \
	$$d/recast_c workspaces/demo/BkgOnly.json >$$d/c.out; \
	$$d/recast_cpp workspaces/demo/BkgOnly.json >$$d/cpp.out; \
	cmp $$d/c.out $$d/cpp.out; grep -q '^CLs_obs = 0\.' $$d/c.out; \
	printf '%s' '$(SR4_WS)' >$$d/sr4.json; for x in recast_c recast_cpp; do \
	  if $$d/$$x $$d/sr4.json >$$d/sr4.out 2>$$d/sr4.err || [ -s $$d/sr4.out ] || \
	     ! grep -q 'SR has 4 bins' $$d/sr4.err; then \
	    echo "$$x: a workspace whose SR has 4 bins must be refused"; exit 1; fi; done; \
	readelf -d $$d/usr/lib/libhf.so.$(VERSION) | grep -q 'SONAME.*libhf\.so\.$(SOVER)'; \
	HF_LIB=$$d/usr/lib/libhf.so HF_BIN=$$d/usr/bin/hf /usr/bin/python3 tests/test_python.py; \
	(cd $$d && env -u HF_LIB PYTHONPATH=$$d/usr/$(PYSITE) PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c \
	  'import hf.pyhf as pyhf, sys; m = pyhf.simplemodels.uncorrelated_background([5.0], [10.0], [2.0]); \
	   assert pyhf.__file__.startswith(sys.argv[1]), pyhf.__file__; \
	   print("installed hf.pyhf: CLs", float(pyhf.infer.hypotest(1.0, [10.0] + m.config.auxdata, m)))' $$d/usr/); \
	$(MAKE) -s uninstall PREFIX=$$d/usr; \
	left=$$(find $$d/usr ! -type d); [ -z "$$left" ] || { echo "uninstall left: $$left"; exit 1; }; \
	echo "check-examples: C, C++ and Python callers passed"

# README.md's ```console and ```python examples, run as written and their
# output compared (tools/readme_check.py), so the README cannot drift from what
# works.  They name ./build: skipped for other build folders (check-asan).
check-readme: all
	@if [ "$(BUILD)" != build ]; then echo "check-readme: skipped (BUILD=$(BUILD))"; exit 0; fi; \
	/usr/bin/python3 tools/readme_check.py README.md

demo: all
	./build/hfcls workspaces/demo/BkgOnly.json workspaces/demo/patchset.json --patch-name sig_300 --upper-limit

clean:
	rm -rf build build-asan build-fuzz
