# kboot: top-level build. `make run` boots the image in QEMU; `make test` runs everything.
# Sources are globbed per directory, so adding a module is adding a file.
# The core's archive carries cJSON too: kboot-core/wire.c writes and reads
# the API's JSON for kbootd and the console alike.

KBOOT_CACHE ?= $(HOME)/.cache/kboot
export KBOOT_CACHE

B := build
HOST := $(B)/host
MUSL := $(B)/musl
OUT := $(B)/out
PYTHON := /usr/bin/python3
# One line per file; `make V=1` shows whole commands.
Q := $(if $(V),,@)
say = $(if $(V),,@echo '  $(1) $(2)')
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo 0)

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow -Wformat=2 -Wno-format-nonliteral
# kboot's own code (not the tests): no stack frame over 16 KiB, as a
# thread's stack is small on musl; large buffers go on the heap.
FRAME_LIMIT := -Wframe-larger-than=16384
# Host, sanitizer and fuzz builds only (never the image): hooks tests observe.
TEST_HOOKS := -DKBD_TEST_HOOKS=1
COMMON_CFLAGS := -std=gnu11 -D_GNU_SOURCE -DKBOOT_VERSION='"$(VERSION)"' -I. -pthread

# --- host build (tests run against it) ------------------------------------
HOST_CC ?= gcc
HOST_CFLAGS ?= -O2 -g
HOST_PKGS := mount blkid libcurl libedit
HOST_LIBS = $(shell pkg-config --libs $(HOST_PKGS)) -lcrypt -lpthread
HOST_INC = $(shell pkg-config --cflags $(HOST_PKGS))

CORE_SRC := $(wildcard kboot-core/*.c)
SERVER_SRC := $(wildcard server/*.c)
CONSOLE_SRC := $(wildcard console/*.c)
UNIT_SRC := $(wildcard tests/unit/test-*.c)

UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(HOST)/tests/%)

# --- the build variants: host (tests run against it), musl (the image), asan -----
# One template, one call each. A variant NAME has its directory in $(NAME)
# and says, in NAME_CC, NAME_CFLAGS_ALL (kboot's own code), NAME_THIRD
# (civetweb and cJSON), NAME_TLS (civetweb's), NAME_LDFLAGS, NAME_KBOOTD_LIBS,
# NAME_CONSOLE_LIBS, NAME_DEPS (the third-party fragment) and NAME_LABEL,
# how it builds; the rules are the same for all.
define VARIANT
$(1)_CORE_OBJ := $$(CORE_SRC:%.c=$$($(1))/%.o)
$(1)_SERVER_OBJ := $$(SERVER_SRC:%.c=$$($(1))/%.o)
$(1)_CONSOLE_OBJ := $$(CONSOLE_SRC:%.c=$$($(1))/%.o)
$$($(1)_CORE_OBJ) $$($(1)_SERVER_OBJ) $$($(1)_CONSOLE_OBJ): WARN += $$(FRAME_LIMIT)

$$($(1))/%.o: %.c $$($(1)_DEPS)
	@mkdir -p $$(dir $$@)
	$$(call say,$$($(1)_LABEL)CC,$$<)
	$$(Q)$$($(1)_CC) $$($(1)_CFLAGS_ALL) $$(WARN) -I$$(CIVETWEB_SRC)/include -I$$(CJSON_SRC) -MMD -MP -c $$< -o $$@

$$($(1))/civetweb.o: $$($(1)_DEPS)
	@mkdir -p $$(dir $$@)
	$$(call say,$$($(1)_LABEL)CC,$$@)
	$$(Q)$$($(1)_CC) $$($(1)_THIRD) $$(CIVETWEB_DEFS) $$($(1)_TLS) -I$$(CIVETWEB_SRC)/include -c $$(CIVETWEB_SRC)/src/civetweb.c -o $$@

$$($(1))/cJSON.o: $$($(1)_DEPS)
	@mkdir -p $$(dir $$@)
	$$(call say,$$($(1)_LABEL)CC,$$@)
	$$(Q)$$($(1)_CC) $$($(1)_THIRD) -c $$(CJSON_SRC)/cJSON.c -o $$@

$$($(1))/libkboot-core.a: $$($(1)_CORE_OBJ) $$($(1))/cJSON.o
	@rm -f $$@
	$$(call say,AR,$$@)
	$$(Q)ar rcs $$@ $$^

$$($(1))/kbootd: $$($(1)_SERVER_OBJ) $$($(1))/civetweb.o $$($(1))/cJSON.o $$($(1))/libkboot-core.a
	$$(call say,$$($(1)_LABEL)LD,$$@)
	$$(Q)$$($(1)_CC) $$($(1)_LDFLAGS) -o $$@ $$^ $$($(1)_KBOOTD_LIBS)

$$($(1))/kboot-console: $$($(1)_CONSOLE_OBJ) $$($(1))/cJSON.o $$($(1))/libkboot-core.a
	$$(call say,$$($(1)_LABEL)LD,$$@)
	$$(Q)$$($(1)_CC) $$($(1)_LDFLAGS) -o $$@ $$^ $$($(1)_CONSOLE_LIBS)
endef

# Unit tests of a variant: tests/unit/test-<name>.c links the core;
# test-console-* and test-server-* also link that front end's objects (all
# but main.o).
define UNIT_TESTS
$$($(1))/tests/test-%: $$($(1))/tests/unit/test-%.o $$($(1))/libkboot-core.a
	@mkdir -p $$(dir $$@)
	$$(call say,$$($(1)_LABEL)LD,$$@)
	$$(Q)$$($(1)_CC) $$($(1)_LDFLAGS) -o $$@ $$^ $$(HOST_LIBS) -lcmocka

$$($(1))/tests/test-console-%: $$($(1))/tests/unit/test-console-%.o $$(filter-out %/main.o,$$($(1)_CONSOLE_OBJ)) $$($(1))/cJSON.o $$($(1))/libkboot-core.a
	@mkdir -p $$(dir $$@)
	$$(call say,$$($(1)_LABEL)LD,$$@)
	$$(Q)$$($(1)_CC) $$($(1)_LDFLAGS) -o $$@ $$^ $$(HOST_LIBS) -lcmocka

$$($(1))/tests/test-server-%: $$($(1))/tests/unit/test-server-%.o $$(filter-out %/main.o,$$($(1)_SERVER_OBJ)) $$($(1))/civetweb.o $$($(1))/cJSON.o $$($(1))/libkboot-core.a
	@mkdir -p $$(dir $$@)
	$$(call say,$$($(1)_LABEL)LD,$$@)
	$$(Q)$$($(1)_CC) $$($(1)_LDFLAGS) -o $$@ $$^ $$(HOST_LIBS) -ldl -lcmocka
endef

HOST_CFLAGS_ALL = $(COMMON_CFLAGS) $(TEST_HOOKS) $(HOST_CFLAGS) $(HOST_INC)
HOST_THIRD = $(THIRD_CFLAGS) -g
HOST_TLS := -DNO_SSL
HOST_LDFLAGS = $(HOST_CFLAGS)
HOST_KBOOTD_LIBS = $(HOST_LIBS) -ldl
HOST_CONSOLE_LIBS = $(HOST_LIBS)
HOST_DEPS := $(B)/host-deps.mk
HOST_LABEL :=

MUSL_CC := musl-gcc
MUSL_CFLAGS := -Os -ffunction-sections -fdata-sections
MUSL_LDFLAGS := -static -Wl,--gc-sections -s
MUSL_CFLAGS_ALL = $(COMMON_CFLAGS) $(MUSL_CFLAGS) $(MUSL_DEP_CFLAGS)
MUSL_THIRD = $(THIRD_CFLAGS) $(MUSL_CFLAGS) $(MUSL_DEP_CFLAGS)
MUSL_TLS := -DUSE_MBEDTLS
MUSL_KBOOTD_LIBS = $(MUSL_LIBS_MOUNT) $(MUSL_LIBS_CURL) $(MUSL_LIBS_CRYPT)
MUSL_CONSOLE_LIBS = $(MUSL_LIBS_MOUNT) $(MUSL_LIBS_CURL) $(MUSL_LIBS_EDIT) $(MUSL_LIBS_CRYPT)
MUSL_DEPS := $(B)/musl-deps.mk
MUSL_LABEL := MUSL-

# clang with ASan+UBSan (test-sanitize): the host build's sources and tests.
ASAN := $(B)/asan
ASAN_CC := clang-14
SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g
ASAN_CFLAGS_ALL = $(COMMON_CFLAGS) $(TEST_HOOKS) -O1 $(SAN_FLAGS) $(HOST_INC)
ASAN_THIRD = $(THIRD_CFLAGS) $(SAN_FLAGS)
ASAN_TLS := -DNO_SSL
ASAN_LDFLAGS = $(SAN_FLAGS)
ASAN_KBOOTD_LIBS = $(HOST_LIBS) -ldl
ASAN_CONSOLE_LIBS = $(HOST_LIBS)
ASAN_DEPS := $(B)/host-deps.mk
ASAN_LABEL := ASAN-

$(foreach v,HOST MUSL ASAN,$(eval $(call VARIANT,$(v))))
$(foreach v,HOST ASAN,$(eval $(call UNIT_TESTS,$(v))))

# The third-party fragments are made (and read) only for goals that compile:
# `make deps`, `clean`, `test`, `run`, `bench` and `install` build nothing at
# this level (the last four call sub-makes after `deps`), and host-only goals
# never wait for the musl builds.
TOP_GOALS := deps clean test run bench install
HOST_GOALS := all test-unit $(HOST)/% test-sanitize fuzz fuzz-short fuzz-build $(B)/asan/% $(B)/fuzz/%
GOALS := $(filter-out $(TOP_GOALS),$(or $(MAKECMDGOALS),all))
ifneq ($(GOALS),)
-include $(B)/host-deps.mk
ifneq ($(filter-out $(HOST_GOALS),$(GOALS)),)
-include $(B)/musl-deps.mk
endif
endif

# civetweb: one file, no CGI, no Lua, no HTTP/2, no zlib (see BUILD-NOTES advisories).
CIVETWEB_DEFS := -DNO_CGI -DNO_CACHING -DNO_DUPLICATE_CONTENT_LENGTH -DUSE_IPV6
THIRD_CFLAGS := -O2 -w -D_GNU_SOURCE -pthread

.PHONY: all deps image run test test-unit test-system bench install clean kernel host-deps musl-deps
all: $(HOST)/kbootd $(HOST)/kboot-console $(UNIT_BIN)

deps:
	@bash deps/install-debian.sh

$(B)/host-deps.mk:
	@bash deps/build-all.sh --host-only

# --- image (static musl) ----------------------------------------------------
$(B)/musl-deps.mk:
	@bash deps/build-all.sh

musl-deps:
	@bash deps/build-all.sh

# kbootd's TLS code (tls=auto makes a certificate) needs mbedTLS: the image only.
$(MUSL_SERVER_OBJ): MUSL_CFLAGS += -DKBOOT_TLS

include kernel/kernel.mk

# --- the initramfs ------------------------------------------------------------
# zstd: 5% larger than xz here but unpacked over 5 times faster (bench/RESULTS.md).
CPIO_COMP ?= zst
CPIO_COMPRESS_xz := xz -9e --check=crc32 -T1
CPIO_COMPRESS_zst := zstd -19 -q
CPIO_COMPRESS_gz := gzip -9n
ROOTFS := $(B)/rootfs
KBOOT_CONF ?=
KBOOT_CONFIG_DIR ?=
WWW := $(ROOTFS)/usr/share/kboot/webroot

# Always reassembled: a few seconds, and KBOOT_CONF changes are never missed.
.PHONY: FORCE
$(OUT)/kboot.cpio.$(CPIO_COMP): $(MUSL)/kbootd $(MUSL)/kboot-console $(B)/musl-deps.mk FORCE
	@mkdir -p $(OUT)
	@rm -rf $(ROOTFS)
	@mkdir -p $(addprefix $(ROOTFS)/,bin sbin usr/bin usr/sbin proc sys dev run tmp target root etc/ssl/certs) $(WWW)
	@cp -a rootfs-overlay/. $(ROOTFS)/
	@install -m 0755 $(BUSYBOX_BIN) $(ROOTFS)/bin/busybox
	@for a in $$($(BUSYBOX_BIN) --list-full); do [ -e $(ROOTFS)/$$a ] || ln -s /bin/busybox $(ROOTFS)/$$a; done
	@install -m 0755 $(KEXEC_BIN) $(ROOTFS)/usr/sbin/kexec
	@install -m 0755 $(MUSL)/kbootd $(ROOTFS)/usr/sbin/kbootd
	@install -m 0755 $(MUSL)/kboot-console $(ROOTFS)/usr/bin/kboot-console
	@if [ -n "$(DROPBEAR_DIR)" ]; then install -m 0755 $(DROPBEAR_DIR)/bin/dropbearmulti $(ROOTFS)/usr/sbin/dropbearmulti && \
		for a in sbin/dropbear bin/dropbearkey bin/dbclient bin/ssh bin/scp; do ln -sf /usr/sbin/dropbearmulti $(ROOTFS)/usr/$$a; done; fi
	@if [ -n "$(MDADM_BIN)" ]; then install -m 0755 $(MDADM_BIN) $(ROOTFS)/usr/sbin/mdadm; fi
	@if [ -n "$(CRYPTSETUP_BIN)" ]; then install -m 0755 $(CRYPTSETUP_BIN) $(ROOTFS)/usr/sbin/cryptsetup; fi
	@if [ -n "$(LVM2_DIR)" ]; then install -m 0755 $(LVM2_DIR)/bin/lvm $(LVM2_DIR)/bin/dmsetup $(ROOTFS)/usr/sbin/ && \
		for a in pvs vgs lvs pvscan vgscan lvscan vgchange lvchange pvdisplay vgdisplay lvdisplay; do ln -sf lvm $(ROOTFS)/usr/sbin/$$a; done; fi
	@cp $(CA_BUNDLE) $(ROOTFS)/etc/ssl/certs/ca-certificates.crt
	@cp -a webroot/. $(WWW)/
	@find $(WWW) -type f \( -name '*.html' -o -name '*.js' -o -name '*.css' -o -name '*.json' -o -name '*.svg' \) -exec gzip -9nk {} +
	@if [ -n "$(TERMINFO_DIR)" ]; then mkdir -p $(ROOTFS)/usr/share && cp -a $(TERMINFO_DIR) $(ROOTFS)/usr/share/terminfo; fi
	@if [ -n "$(KBOOT_CONF)" ]; then cp "$(KBOOT_CONF)" $(ROOTFS)/etc/kboot.conf; fi
	@if [ -n "$(KBOOT_CONFIG_DIR)" ]; then cp -a "$(KBOOT_CONFIG_DIR)/." $(ROOTFS)/etc/; fi
	@cd $(ROOTFS) && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0 --reproducible | $(CPIO_COMPRESS_$(CPIO_COMP)) > $(abspath $@).tmp
	@mv $@.tmp $@
	@echo "image: $@ ($$(stat -c %s $@) bytes)"

# --- a real machine: kernel and initramfs in /boot, a GRUB entry ---------------
DESTDIR ?=
install:
	@$(MAKE) --no-print-directory image
	install -D -m 0644 $(OUT)/kboot.bzImage $(DESTDIR)/boot/kboot.bzImage
	install -D -m 0644 $(OUT)/kboot.cpio.$(CPIO_COMP) $(DESTDIR)/boot/kboot.cpio.$(CPIO_COMP)
	install -D -m 0755 kernel/grub.d-42_kboot $(DESTDIR)/etc/grub.d/42_kboot
	@echo "installed; run update-grub to add 'kboot' to the GRUB menu"

image: $(OUT)/kboot.bzImage $(OUT)/kboot.cpio.$(CPIO_COMP)

# --- running and testing ------------------------------------------------------
run: deps
	@$(MAKE) --no-print-directory image
	@bash tests/disks/make-demo-disk.sh $(OUT)/demo-disk.img $(OUT)/kboot.bzImage
	@bash tests/run-qemu.sh $(OUT)/kboot.bzImage $(OUT)/kboot.cpio.$(CPIO_COMP) $(OUT)/demo-disk.img

test: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory image
	@$(MAKE) --no-print-directory test-system
	@$(MAKE) --no-print-directory test-sanitize
	@$(MAKE) --no-print-directory fuzz-short

test-unit: $(UNIT_BIN)
	@bash tests/run-unit.sh $(UNIT_BIN)

test-system: all image
	$(PYTHON) -m pytest tests/system $(PYTEST_ARGS)

bench: deps
	@$(MAKE) --no-print-directory all image
	@bash bench/run.sh

clean:
	rm -rf $(B)

-include $(shell find $(HOST) $(MUSL) -type f -name '*.d' 2>/dev/null)

# --- sanitizers and fuzzing ---------------------------------------------------
# clang with ASan+UBSan into build/asan (test-sanitize), and libFuzzer harnesses
# (tests/fuzz/fuzz-*.c) into build/fuzz. Same sources as the host build,
# separate objects; any sanitizer report fails the target.
SAN_CC := $(ASAN_CC)
FUZZ := $(B)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(wildcard tests/fuzz/fuzz-*.c)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ)/%)

ASAN_UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(ASAN)/tests/%)

.PHONY: test-sanitize fuzz fuzz-short fuzz-build
.SECONDARY: $(UNIT_SRC:%.c=$(ASAN)/%.o) $(FUZZ_SRC:%.c=$(FUZZ)/obj/%.o)

# Unit tests, the host API tests and the console host tests, all on the ASan build.
test-sanitize: $(ASAN)/kbootd $(ASAN)/kboot-console $(ASAN_UNIT_BIN)
	@bash tests/run-sanitize.sh $(ASAN) $(ASAN_UNIT_BIN)

# libFuzzer: coverage-instrumented copies of the core, the server (not main.o),
# civetweb and cJSON; one binary per harness.
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g
FUZZ_SERVER_OBJ := $(filter-out %/main.o,$(SERVER_SRC:%.c=$(FUZZ)/obj/%.o))

$(FUZZ)/obj/%.o: %.c $(B)/host-deps.mk
	@mkdir -p $(dir $@)
	$(call say,FUZZ-CC,$<)
	$(Q)$(SAN_CC) $(COMMON_CFLAGS) -O1 $(FUZZ_FLAGS) $(WARN) $(HOST_INC) -I$(CIVETWEB_SRC)/include -I$(CJSON_SRC) -MMD -MP -c $< -o $@

$(FUZZ)/obj/civetweb.o: $(B)/host-deps.mk
	@mkdir -p $(dir $@)
	$(call say,FUZZ-CC,$@)
	$(Q)$(SAN_CC) $(THIRD_CFLAGS) $(FUZZ_FLAGS) $(CIVETWEB_DEFS) -DNO_SSL -I$(CIVETWEB_SRC)/include -c $(CIVETWEB_SRC)/src/civetweb.c -o $@

$(FUZZ)/obj/cJSON.o: $(B)/host-deps.mk
	@mkdir -p $(dir $@)
	$(call say,FUZZ-CC,$@)
	$(Q)$(SAN_CC) $(THIRD_CFLAGS) $(FUZZ_FLAGS) -c $(CJSON_SRC)/cJSON.c -o $@

$(FUZZ)/libkboot-core.a: $(CORE_SRC:%.c=$(FUZZ)/obj/%.o) $(FUZZ)/obj/cJSON.o
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

$(FUZZ)/libkbootd.a: $(FUZZ_SERVER_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)ar rcs $@ $^

# The server's harnesses link kbootd's objects; the parsers' need only the core.
FUZZ_SERVER_BIN := $(FUZZ)/fuzz-json-bodies $(FUZZ)/fuzz-http
$(filter-out $(FUZZ_SERVER_BIN),$(FUZZ_BIN)): $(FUZZ)/fuzz-%: $(FUZZ)/obj/tests/fuzz/fuzz-%.o $(FUZZ)/libkboot-core.a
	$(call say,FUZZ-LD,$@)
	$(Q)$(SAN_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(HOST_LIBS)

$(FUZZ_SERVER_BIN): $(FUZZ)/fuzz-%: $(FUZZ)/obj/tests/fuzz/fuzz-%.o $(FUZZ)/libkbootd.a $(FUZZ)/obj/civetweb.o $(FUZZ)/obj/cJSON.o $(FUZZ)/libkboot-core.a
	$(call say,FUZZ-LD,$@)
	$(Q)$(SAN_CC) -fsanitize=fuzzer,address,undefined -o $@ $^ $(HOST_LIBS) -ldl

fuzz-build: $(FUZZ_BIN)

# Each harness for FUZZ_SECONDS (fuzz) or 30 s (fuzz-short); stats in build/fuzz/stats.md.
fuzz: $(FUZZ_BIN)
	@bash tests/fuzz/run.sh $(FUZZ) $(FUZZ_SECONDS) $(FUZZ_BIN)

fuzz-short: $(FUZZ_BIN)
	@bash tests/fuzz/run.sh $(FUZZ) 30 $(FUZZ_BIN)

-include $(shell find $(ASAN) $(FUZZ) -type f -name '*.d' 2>/dev/null)
