/* Running shell commands from the prompt (see run.h). */
#include "run.h"
#include "interrupt.h"
#include "subst.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/env.h"
#include "kboot-core/path.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What sh runs itself, so no PATH has it. */
static const char *const shell_words[] = {
	"echo", "printf", "test", "[", "export", "unset", "set", "read", "type", "command",
	"if", "for", "while", "until", "case", "true", "false", "exec", "eval", "ulimit",
	"umask", "wait", "kill", "alias", "{", "!", ".", ":",
};

static const char *const target_path[] = {
	"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};

static bool is_executable(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static bool in_kboot_path(const char *name)
{
	const char *path = getenv("PATH");
	if (!path || !*path)
		path = "/bin:/sbin:/usr/bin:/usr/sbin";
	_cleanup_free_ char *copy = strdup(path);
	if (!copy)
		return false;
	char *save = NULL;
	for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		char full[KB_PATH_MAX];
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", dir, name) < sizeof(full) &&
		    is_executable(full))
			return true;
	}
	return false;
}

static bool in_target_path(const char *name)
{
	const char *root = kb_env()->target_root;
	for (size_t i = 0; i < KB_ELEMENTSOF(target_path); i++) {
		char full[KB_PATH_MAX];
		if ((size_t)snprintf(full, sizeof(full), "%s%s/%s", root, target_path[i], name) <
			    sizeof(full) &&
		    is_executable(full))
			return true;
	}
	return false;
}

enum kbc_run_where kbc_run_locate(const struct kb_words *w, const char *cwd)
{
	if (w->n == 0)
		return KBC_RUN_NOWHERE;
	const struct kb_word *first = &w->v[0];
	if (first->op || strchr(first->text, '=')) /* "( …", "VAR=x cmd" */
		return KBC_RUN_KBOOT;
	const char *name = first->text;
	if (strchr(name, '/') || strchr(name, ':')) {
		struct kb_path p;
		if (kb_path_parse(name, cwd, &p, NULL) < 0)
			return KBC_RUN_NOWHERE;
		if (p.kind == KB_PATH_TARGET) {
			char local[KB_PATH_MAX];
			snprintf(local, sizeof(local), "%s%s", kb_env()->target_root, p.path);
			return is_executable(local) ? KBC_RUN_TARGET : KBC_RUN_NOWHERE;
		}
		char local[KB_PATH_MAX];
		if (kb_path_resolve(&p, local, sizeof(local), NULL) < 0 || !is_executable(local))
			return KBC_RUN_NOWHERE;
		return KBC_RUN_KBOOT;
	}
	for (size_t i = 0; i < KB_ELEMENTSOF(shell_words); i++)
		if (strcmp(name, shell_words[i]) == 0)
			return KBC_RUN_KBOOT;
	if (in_kboot_path(name))
		return KBC_RUN_KBOOT;
	if (in_target_path(name))
		return KBC_RUN_TARGET;
	return KBC_RUN_NOWHERE;
}

/* In the child: the directory the session is in, inside the target if chrooted. */
static void child_enter(const char *cwd, bool inside_target)
{
	struct kb_path p;
	bool have = kb_path_parse(cwd, NULL, &p, NULL) >= 0;
	if (inside_target) {
		if (chroot(kb_env()->target_root) < 0) {
			dprintf(STDERR_FILENO, "chroot %s: %s\n", kb_env()->target_root,
				strerror(errno));
			_exit(126);
		}
		if (!have || p.kind != KB_PATH_TARGET || chdir(p.path) < 0)
			(void)chdir("/");
		return;
	}
	char local[KB_PATH_MAX];
	if (have && kb_path_resolve(&p, local, sizeof(local), NULL) >= 0 && chdir(local) == 0)
		return;
	(void)chdir("/");
}

static void child_signals(void)
{
	kbc_restore_terminal_stderr();
	signal(SIGINT, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGTSTP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
}

/* Wait for the child with the prompt deaf to Ctrl-C (the child gets it). */
static int wait_child(pid_t pid, kb_error *err)
{
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_int, old_quit;
	sigaction(SIGINT, &ign, &old_int);
	sigaction(SIGQUIT, &ign, &old_quit);
	int status = 0, r = 0;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			r = kb_error_set(err, errno, "wait: %s", strerror(errno));
			break;
		}
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGQUIT, &old_quit, NULL);
	if (r < 0)
		return r;
	if (WIFSIGNALED(status)) {
		if (WTERMSIG(status) != SIGINT)
			printf("%s\n", strsignal(WTERMSIG(status)));
		return 128 + WTERMSIG(status);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static bool has_operator(const struct kb_words *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->v[i].op)
			return true;
	return false;
}

int kbc_run_line(const char *line, const struct kb_words *w, const char *cwd, kb_error *err)
{
	enum kbc_run_where where = kbc_run_locate(w, cwd);
	if (where == KBC_RUN_NOWHERE)
		return kb_error_set(err, ENOENT, "%s: unknown command", w->n ? w->v[0].text : "");
	bool inside_target = where == KBC_RUN_TARGET;

	_cleanup_free_ char *script = NULL;
	char **argv = NULL;
	int r;
	/* In the target its own sh may be missing, so a simple command is exec'd. */
	if (inside_target && !has_operator(w))
		r = kbc_subst_argv(w, cwd, true, &argv, err);
	else
		r = kbc_subst_line(line, w, cwd, inside_target, &script, err);
	if (r < 0)
		return r;

	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0) {
		kbc_argv_free(argv);
		return kb_error_set(err, errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		child_signals();
		child_enter(cwd, inside_target);
		if (argv) {
			execvp(argv[0], argv);
			dprintf(STDERR_FILENO, "%s: %s\n", argv[0], strerror(errno));
		} else {
			execl("/bin/sh", "sh", "-c", script, (char *)NULL);
			dprintf(STDERR_FILENO, "/bin/sh: %s\n", strerror(errno));
		}
		_exit(127);
	}
	kbc_argv_free(argv);
	return wait_child(pid, err);
}

int kbc_run_argv(const char *const *argv, kb_error *err)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	if (pid < 0)
		return kb_error_set(err, errno, "fork: %s", strerror(errno));
	if (pid == 0) {
		child_signals();
		execvp(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return wait_child(pid, err);
}
