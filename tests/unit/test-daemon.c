/* kbootd's presence lock: held means running, released means gone, and a
 * second kbootd is refused. */
#include "kboot-core/daemon.h"
#include "kboot-core/env.h"

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

static char run_dir[] = "/tmp/kboot-test-daemon-XXXXXX";

static void test_no_kbootd_means_not_running(void **state)
{
	assert_false(kb_daemon_running());
	assert_false(kb_daemon_wait_running(100));
}

static void test_a_live_kbootd_is_seen_and_a_second_is_refused(void **state)
{
	int ready[2], done[2];
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(done), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) { /* the "kbootd" */
		char c = 0;
		_exit(kb_daemon_lock(NULL) == 0 && write(ready[1], &c, 1) == 1 &&
			      read(done[0], &c, 1) >= 0
		      ? 0
		      : 1);
	}
	char c;
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_true(kb_daemon_running());
	assert_true(kb_daemon_wait_running(0));
	kb_error err = { 0 };
	assert_int_equal(kb_daemon_lock(&err), -EBUSY);
	assert_string_equal(err.text, "another kbootd is running");

	kill(pid, SIGKILL); /* a killed kbootd leaves nothing stale */
	int status;
	waitpid(pid, &status, 0);
	assert_false(kb_daemon_running());
}

int main(void)
{
	if (!mkdtemp(run_dir))
		return 1;
	setenv("KBOOT_RUN_DIR", run_dir, 1);
	kb_env_reload();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_kbootd_means_not_running),
		cmocka_unit_test(test_a_live_kbootd_is_seen_and_a_second_is_refused),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", run_dir);
	(void)system(cmd);
	return r;
}
