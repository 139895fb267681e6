# The kboot kernel: tinyconfig + kernel/kboot.config over Debian's linux-source-6.1.
# KERNEL=/path/to/bzImage uses a prebuilt kernel instead.
KERNEL ?=

ifeq ($(KERNEL),)
$(OUT)/kboot.bzImage: kernel/kboot.config kernel/build.sh
	@mkdir -p $(dir $@)
	@bash kernel/build.sh $@
else
$(OUT)/kboot.bzImage: $(KERNEL)
	@mkdir -p $(dir $@)
	cp $(KERNEL) $@
endif

kernel: $(OUT)/kboot.bzImage
