/* The boot controller: one countdown that a person can stop (here, through
 * the API's call or the marker file any process may create), one boot at a
 * time, dry runs that leave nothing loaded, and errors for unknown entries.
 * kexec is a stand-in script that records its arguments. */
#include "kboot-core/bootctl.h"
#include "kboot-core/env.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

static char dir[] = "/tmp/kboot-test-bootctl-XXXXXX";
static char kexec_log[256];

static void write_file(const char *rel, const void *data, size_t len, mode_t mode)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
}

/* Just enough x86 boot-protocol header for the inspector: a 64-bit bzImage. */
static void write_bzimage(const char *rel)
{
	static uint8_t img[8192];
	memset(img, 0, sizeof(img));
	img[0x1F1] = 4;
	img[0x1FE] = 0x55, img[0x1FF] = 0xAA;
	memcpy(img + 0x202, "HdrS", 4);
	img[0x206] = 0x0F, img[0x207] = 0x02;             /* protocol 2.15 */
	img[0x20E] = 0x00, img[0x20F] = 0x0E;             /* version at 0x1000 */
	img[0x211] = 0x01;                                /* LOADED_HIGH */
	img[0x236] = 0x03;                                /* xloadflags: 64-bit */
	img[0x238] = 0xFF, img[0x239] = 0x07;             /* cmdline_size 2047 */
	memcpy(img + 0x1000, "6.1.0-test (test@kboot) #1", 27);
	write_file(rel, img, sizeof(img), 0644);
}

static int count_lines_with(const char *needle)
{
	FILE *f = fopen(kexec_log, "r");
	if (!f)
		return 0;
	char line[1024];
	int n = 0;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, needle) != NULL;
	fclose(f);
	return n;
}

/* Poll for a state (bounded: a hang fails the test, no timing is asserted). */
static bool wait_for_state(enum kb_boot_state want, int max_ms)
{
	struct timespec step = { .tv_nsec = 20 * 1000000L };
	for (int waited = 0; waited <= max_ms; waited += 20) {
		struct kb_boot_status st;
		kb_bootctl_status(&st);
		if (st.state == want)
			return true;
		nanosleep(&step, NULL);
	}
	return false;
}

static void init_with_entries(int timeout_s)
{
	struct kb_entry_list l = { 0 };
	struct kb_entry e = { .title = "Test Linux", .kernel = "/boot/vmlinuz",
			      .cmdline = "root=/dev/sda2 ro", .is_default = true };
	e.initrds[0] = "/boot/initrd.img";
	e.n_initrds = 1;
	assert_int_equal(kb_entry_list_add(&l, &e, NULL), 0);
	struct kb_entry odd = { .title = "Not a kernel", .kernel = "/etc/fstab", .cmdline = "" };
	assert_int_equal(kb_entry_list_add(&l, &odd, NULL), 0);
	struct kb_config cfg;
	kb_config_init(&cfg);
	cfg.timeout_s = timeout_s;
	assert_int_equal(kb_bootctl_init(&cfg, &l, NULL), 0);
	kb_config_free(&cfg);
	kb_entry_list_free(&l);
}

static int reset(void **state)
{
	char path[512];
	kb_autoboot_marker_path(path, sizeof(path));
	unlink(path);
	unlink(kexec_log);
	kb_bootctl_cancel();
	return 0;
}

static void test_a_stopped_countdown_does_not_boot(void **state)
{
	init_with_entries(30);
	assert_int_equal(kb_bootctl_start_countdown(NULL), 0);
	struct kb_boot_status st;
	kb_bootctl_status(&st);
	assert_int_equal(st.state, KB_BOOT_COUNTDOWN);
	assert_string_equal(st.countdown_title, "Test Linux");
	assert_int_equal(st.seconds_left, 30);

	assert_int_equal(kb_bootctl_cancel(), 0);
	kb_bootctl_status(&st);
	assert_int_equal(st.state, KB_BOOT_IDLE);
	assert_int_equal(kb_bootctl_cancel(), -EALREADY);
	assert_int_equal(count_lines_with("-l"), 0);

	/* A person stopped it: a restarted front end does not count down again. */
	assert_int_equal(kb_bootctl_start_countdown(NULL), 0);
	kb_bootctl_status(&st);
	assert_int_equal(st.state, KB_BOOT_IDLE);
}

static void test_the_marker_stops_a_running_countdown(void **state)
{
	init_with_entries(30);
	assert_int_equal(kb_bootctl_start_countdown(NULL), 0);
	char path[512];
	assert_int_equal(kb_autoboot_marker_path(path, sizeof(path)), 0);
	int fd = open(path, O_WRONLY | O_CREAT, 0644); /* as the emergency shell does */
	assert_true(fd >= 0);
	close(fd);
	assert_true(wait_for_state(KB_BOOT_IDLE, 5000));
	assert_int_equal(count_lines_with("-l"), 0);
}

/* kbootd killed during the countdown: the kbootd init starts next carries
 * on with the time that was left, not a second, full countdown. */
static void test_a_killed_processs_countdown_is_resumed(void **state)
{
	init_with_entries(30);
	assert_int_equal(kb_bootctl_start_countdown(NULL), 0);
	struct kb_boot_status st;
	kb_bootctl_status(&st);
	char path[600], id[KB_ENTRY_ID_MAX];
	snprintf(id, sizeof(id), "%s", st.countdown_entry);
	assert_int_equal(kb_bootctl_cancel(), 0);
	char marker[512];
	kb_autoboot_marker_path(marker, sizeof(marker));
	unlink(marker);

	/* What the killed process left behind: its deadline, 5 s from now. */
	snprintf(path, sizeof(path), "%s/countdown", getenv("KBOOT_RUN_DIR"));
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%ld %s\n", (long)now.tv_sec + 5, id);
	fclose(f);
	assert_int_equal(kb_bootctl_start_countdown(NULL), 0);
	kb_bootctl_status(&st);
	assert_int_equal(st.state, KB_BOOT_COUNTDOWN);
	assert_true(st.seconds_left >= 1 && st.seconds_left <= 5);

	/* Ended here: nothing is left for a successor to resume. */
	assert_int_equal(kb_bootctl_cancel(), 0);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_no_timeout_means_no_countdown(void **state)
{
	init_with_entries(-1);
	assert_int_equal(kb_bootctl_start_countdown(NULL), 0);
	struct kb_boot_status st;
	kb_bootctl_status(&st);
	assert_int_equal(st.state, KB_BOOT_IDLE);
}

static void test_dry_run_loads_checks_and_unloads(void **state)
{
	init_with_entries(-1);
	struct kb_boot_plan *plan = calloc(1, sizeof(*plan)); /* 83 KiB */
	assert_non_null(plan);
	kb_error err = { 0 };
	assert_int_equal(kb_bootctl_boot(&(struct kb_boot_request){ .entry_id = "1",
								     .cmdline = "quiet",
								     .dry_run = true },
					 plan, &err),
			 0);
	assert_string_equal(plan->title, "Test Linux");
	assert_string_equal(plan->kernel, "/boot/vmlinuz");
	assert_int_equal(plan->n_initrds, 1);
	assert_string_equal(plan->cmdline, "quiet"); /* the override, not the entry's */
	assert_string_equal(plan->kernel_info.version, "6.1.0-test (test@kboot) #1");
	assert_int_equal(count_lines_with("-l"), 1);
	assert_int_equal(count_lines_with("-u"), 1);
	assert_int_equal(count_lines_with("-e"), 0);
	struct kb_boot_status st;
	kb_bootctl_status(&st);
	assert_int_equal(st.state, KB_BOOT_IDLE);
	assert_false(st.has_error);
	free(plan);
}

static void test_errors_leave_the_controller_idle(void **state)
{
	init_with_entries(-1);
	kb_error err = { 0 };
	assert_int_equal(kb_bootctl_boot(&(struct kb_boot_request){ .entry_id = "nope" }, NULL, &err),
			 -ENOENT);
	assert_string_equal(err.text, "nope: no such entry");

	assert_int_equal(kb_bootctl_boot(&(struct kb_boot_request){ .entry_id = "2" }, NULL, &err),
			 -ENOEXEC);
	assert_non_null(strstr(err.text, "/etc/fstab: not a Linux kernel"));
	struct kb_boot_status st;
	kb_bootctl_status(&st);
	assert_int_equal(st.state, KB_BOOT_IDLE);
	assert_true(st.has_error);
	assert_string_equal(st.last_error.text, err.text);
	assert_int_equal(count_lines_with("-l"), 0);
}

static void test_a_real_boot_hands_over_once(void **state)
{
	init_with_entries(-1);
	kb_error err = { 0 };
	assert_int_equal(kb_bootctl_boot(&(struct kb_boot_request){ .entry_id = "1" }, NULL, &err), 0);
	/* While handing over, nobody else may start a boot. */
	struct kb_boot_status st;
	kb_bootctl_status(&st);
	if (st.state == KB_BOOT_BOOTING)
		assert_int_equal(kb_bootctl_boot(&(struct kb_boot_request){ .entry_id = "1" }, NULL, &err),
				 -EBUSY);
	/* The stand-in's `kexec -e` returns, which a real one never does: the
	 * controller says so and is idle again. */
	assert_true(wait_for_state(KB_BOOT_IDLE, 10000));
	assert_int_equal(count_lines_with("-e"), 1);
	kb_bootctl_status(&st);
	assert_true(st.has_error);
	assert_non_null(strstr(st.last_error.text, "kexec -e"));
}

/* Countdown to loading is one step: a cancel spinning against the end of
 * the countdown either stops it (0, and nothing is ever loaded) or is told
 * it is too late (-EBUSY, and the default entry boots); never "no
 * countdown" while it boots. */
static void test_a_cancel_at_the_countdown_end_tells_the_truth(void **state)
{
	init_with_entries(1);
	assert_int_equal(kb_bootctl_start_countdown(NULL), 0);
	struct timespec step = { .tv_nsec = 100 * 1000L }, start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int r = 0;
	/* Only near the end: from 0.98 s on, until the countdown answers. */
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		assert_true(ms < 5000);
		struct kb_boot_status st;
		kb_bootctl_status(&st);
		if (ms >= 980 || st.state != KB_BOOT_COUNTDOWN) {
			r = kb_bootctl_cancel();
			break;
		}
		nanosleep(&step, NULL);
	}
	assert_true(r == 0 || r == -EBUSY);
	assert_true(wait_for_state(KB_BOOT_IDLE, 10000));
	assert_int_equal(count_lines_with("-l"), r == 0 ? 0 : 1);
}

static void test_a_cancel_after_the_countdown_fired_is_too_late(void **state)
{
	init_with_entries(1);
	assert_int_equal(kb_bootctl_start_countdown(NULL), 0);
	struct timespec step = { .tv_nsec = 1000 * 1000L };
	struct kb_boot_status st;
	for (int i = 0; i < 5000; i++) {
		kb_bootctl_status(&st);
		if (st.state != KB_BOOT_COUNTDOWN)
			break;
		nanosleep(&step, NULL);
	}
	assert_true(st.state == KB_BOOT_LOADING || st.state == KB_BOOT_BOOTING);
	assert_int_equal(kb_bootctl_cancel(), -EBUSY);
	assert_true(wait_for_state(KB_BOOT_IDLE, 10000));
	assert_int_equal(count_lines_with("-l"), 1);
	assert_int_equal(count_lines_with("-e"), 1);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	char sub[512];
	snprintf(sub, sizeof(sub), "%s/boot", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/etc", dir);
	mkdir(sub, 0755);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	mkdir(sub, 0755);
	write_bzimage("boot/vmlinuz");
	write_file("boot/initrd.img", "070701", 6, 0644);
	write_file("etc/fstab", "/dev/sda2 / ext4 defaults 0 1\n", 30, 0644);
	snprintf(kexec_log, sizeof(kexec_log), "%s/kexec.log", dir);
	char script[1024];
	int n = snprintf(script, sizeof(script), "#!/bin/sh\necho \"$*\" >> %s\nexit 0\n", kexec_log);
	write_file("kexec", script, (size_t)n, 0755);

	setenv("KBOOT_TARGET_ROOT", dir, 1);
	snprintf(sub, sizeof(sub), "%s/run", dir);
	setenv("KBOOT_RUN_DIR", sub, 1);
	snprintf(sub, sizeof(sub), "%s/kexec", dir);
	setenv("KBOOT_KEXEC", sub, 1);
	setenv("KBOOT_CMDLINE", "", 1);
	kb_env_reload();

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_a_stopped_countdown_does_not_boot, reset),
		cmocka_unit_test_setup(test_the_marker_stops_a_running_countdown, reset),
		cmocka_unit_test_setup(test_a_killed_processs_countdown_is_resumed, reset),
		cmocka_unit_test_setup(test_no_timeout_means_no_countdown, reset),
		cmocka_unit_test_setup(test_dry_run_loads_checks_and_unloads, reset),
		cmocka_unit_test_setup(test_errors_leave_the_controller_idle, reset),
		cmocka_unit_test_setup(test_a_real_boot_hands_over_once, reset),
		cmocka_unit_test_setup(test_a_cancel_at_the_countdown_end_tells_the_truth, reset),
		cmocka_unit_test_setup(test_a_cancel_after_the_countdown_fired_is_too_late, reset),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
	return r;
}
