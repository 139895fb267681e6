/* The boot controller: the one state machine every front end drives. */
#include "bootctl.h"
#include "boot-plan.h"
#include "cleanup.h"
#include "env.h"
#include "event.h"
#include "fetch.h"
#include "kexec.h"
#include "log.h"
#include "mount.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static enum kb_boot_state state = KB_BOOT_IDLE;
static struct kb_entry_list entries;
static int timeout_s = -1;
static struct kb_boot_status status; /* guarded by lock; state mirrored in .state */
static unsigned countdown_generation;  /* a countdown thread exits when this moves on */

const char *kb_boot_state_name(enum kb_boot_state s)
{
	switch (s) {
	case KB_BOOT_IDLE:
		return "idle";
	case KB_BOOT_COUNTDOWN:
		return "countdown";
	case KB_BOOT_LOADING:
		return "loading";
	case KB_BOOT_BOOTING:
		return "booting";
	}
	return "idle";
}

static void forget_countdown(void);

/* Called with lock held; emits after the caller unlocks via emit_state().
 * A countdown that ends here leaves nothing for a successor to resume,
 * unless it is handed over (kb_bootctl_hand_over). */
static void change_state_locked(enum kb_boot_state s)
{
	state = s;
	status.state = s;
	if (s != KB_BOOT_COUNTDOWN) {
		status.countdown_entry[0] = '\0';
		status.countdown_title[0] = '\0';
		status.seconds_left = 0;
	}
	if (s != KB_BOOT_BOOTING)
		status.booting[0] = '\0';
	pthread_cond_broadcast(&wake);
}

static void set_state_locked(enum kb_boot_state s)
{
	if (state == KB_BOOT_COUNTDOWN && s != KB_BOOT_COUNTDOWN)
		forget_countdown();
	change_state_locked(s);
}

static void emit_state(void)
{
	struct kb_boot_status st;
	kb_bootctl_status(&st);
	kb_event_emit(&(struct kb_event){
		.type = KB_EVENT_STATE,
		.text = kb_boot_state_name(st.state),
		.name = st.booting[0] ? st.booting : NULL,
		.error = st.has_error ? st.last_error.text : NULL,
	});
}

static int copy_entries(struct kb_entry_list *dst, const struct kb_entry_list *src, kb_error *err)
{
	struct kb_entry_list fresh = { 0 };
	for (size_t i = 0; src && i < src->n; i++) {
		int r = kb_entry_list_add(&fresh, &src->v[i], err);
		if (r < 0) {
			kb_entry_list_free(&fresh);
			return r;
		}
	}
	*dst = fresh;
	return 0;
}

int kb_bootctl_init(const struct kb_config *cfg, const struct kb_entry_list *list, kb_error *err)
{
	int r = kb_bootctl_set_entries(list, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&lock);
	timeout_s = cfg ? cfg->timeout_s : -1;
	pthread_mutex_unlock(&lock);
	return 0;
}

int kb_bootctl_set_entries(const struct kb_entry_list *list, kb_error *err)
{
	struct kb_entry_list fresh;
	int r = copy_entries(&fresh, list, err);
	if (r < 0)
		return r;
	pthread_mutex_lock(&lock);
	kb_entry_list_free(&entries);
	entries = fresh;
	pthread_mutex_unlock(&lock);
	kb_event_emit(&(struct kb_event){ .type = KB_EVENT_ENTRIES });
	return 0;
}

int kb_bootctl_entries(struct kb_entry_list *ret, kb_error *err)
{
	pthread_mutex_lock(&lock);
	int r = copy_entries(ret, &entries, err);
	pthread_mutex_unlock(&lock);
	return r;
}

void kb_bootctl_status(struct kb_boot_status *ret)
{
	pthread_mutex_lock(&lock);
	*ret = status;
	ret->state = state;
	pthread_mutex_unlock(&lock);
}

/* <run_dir>/autoboot-stopped: a person stopped the countdown in this run of
 * the kboot environment (run_dir is a tmpfs). A kbootd that init restarts,
 * or a console carrying on alone, must not count down again behind them. */
int kb_autoboot_marker_path(char *ret, size_t size)
{
	if ((size_t)snprintf(ret, size, "%s/autoboot-stopped", kb_env()->run_dir) >= size)
		return -ENAMETOOLONG;
	return 0;
}


static bool autoboot_was_stopped(void)
{
	char path[KB_PATH_MAX];
	return kb_autoboot_marker_path(path, sizeof(path)) == 0 && access(path, F_OK) == 0;
}

static void remember_autoboot_stopped(void)
{
	char path[KB_PATH_MAX];
	if (kb_autoboot_marker_path(path, sizeof(path)) < 0)
		return;
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		kb_debug("%s: %s", path, strerror(errno));
		return;
	}
	close(fd);
}

/* <run_dir>/countdown: "<deadline> <entry id>", the running countdown's end
 * (CLOCK_MONOTONIC seconds, one clock for every process). A kbootd killed
 * during the countdown leaves it behind; the one init starts next resumes
 * that countdown instead of starting a second, full one. */
static void countdown_file(char *ret, size_t size)
{
	snprintf(ret, size, "%s/countdown", kb_env()->run_dir);
}

static long now_monotonic_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec;
}

static void forget_countdown(void)
{
	char path[KB_PATH_MAX];
	countdown_file(path, sizeof(path));
	unlink(path);
}

/* The seconds left of an earlier process's countdown for this entry (at least
 * 1, so every front end can still show and stop it); else, -1 after writing
 * this countdown's deadline down. */
static int resume_or_remember_countdown(const char *entry_id, int seconds)
{
	char path[KB_PATH_MAX], id[KB_ENTRY_ID_MAX];
	countdown_file(path, sizeof(path));
	long deadline = 0;
	_cleanup_fclose_ FILE *in = fopen(path, "re");
	_Static_assert(KB_ENTRY_ID_MAX == 64, "the %63s below");
	if (in && fscanf(in, "%ld %63s", &deadline, id) == 2 && !strcmp(id, entry_id)) {
		long left = deadline - now_monotonic_s();
		return left < 1 ? 1 : left > seconds ? seconds : (int)left;
	}
	_cleanup_fclose_ FILE *out = fopen(path, "we");
	if (!out || fprintf(out, "%ld %s\n", now_monotonic_s() + seconds, entry_id) < 0)
		kb_debug("%s: %s", path, strerror(errno));
	return -1;
}

/* With lock held, from idle or countdown: a boot starts (state "loading"). */
static void begin_loading_locked(void)
{
	countdown_generation++; /* whichever countdown ran has ended */
	status.has_error = false;
	kb_error_clear(&status.last_error);
	set_state_locked(KB_BOOT_LOADING);
}

static int boot_loading(const struct kb_boot_request *req, struct kb_boot_plan *ret_plan,
			kb_error *err);

static void *countdown_main(void *arg)
{
	unsigned generation = (unsigned)(uintptr_t)arg;
	char entry_id[KB_ENTRY_ID_MAX];

	pthread_mutex_lock(&lock);
	snprintf(entry_id, sizeof(entry_id), "%s", status.countdown_entry);
	while (countdown_generation == generation && state == KB_BOOT_COUNTDOWN &&
	       status.seconds_left > 0) {
		struct timespec deadline;
		clock_gettime(CLOCK_REALTIME, &deadline);
		deadline.tv_sec += 1;
		int r = 0;
		while (r == 0 && countdown_generation == generation && state == KB_BOOT_COUNTDOWN)
			r = pthread_cond_timedwait(&wake, &lock, &deadline);
		if (countdown_generation != generation || state != KB_BOOT_COUNTDOWN)
			break;
		/* Another process (the emergency shell, a console on its own)
		 * stopped autoboot through the marker. */
		if (autoboot_was_stopped()) {
			countdown_generation++;
			set_state_locked(KB_BOOT_IDLE);
			pthread_mutex_unlock(&lock);
			kb_info("countdown stopped");
			emit_state();
			return NULL;
		}
		status.seconds_left--;
		char title[sizeof(status.countdown_title)];
		snprintf(title, sizeof(title), "%s", status.countdown_title);
		struct kb_event ev = { .type = KB_EVENT_COUNTDOWN,
				       .entry_id = entry_id,
				       .text = title,
				       .seconds_left = status.seconds_left };
		pthread_mutex_unlock(&lock);
		kb_event_emit(&ev);
		pthread_mutex_lock(&lock);
	}
	/* Countdown to loading in the same critical section: a cancel either
	 * lands before (and nothing boots) or sees "loading" and says so. */
	bool fire = countdown_generation == generation && state == KB_BOOT_COUNTDOWN;
	if (fire)
		begin_loading_locked();
	pthread_mutex_unlock(&lock);
	if (!fire)
		return NULL;

	emit_state();
	kb_info("countdown over: booting %s", entry_id);
	kb_error err = { 0 };
	(void)boot_loading(&(struct kb_boot_request){ .entry_id = entry_id }, NULL, &err);
	return NULL;
}

static int cancel_countdown(bool by_person)
{
	pthread_mutex_lock(&lock);
	if (state == KB_BOOT_LOADING || state == KB_BOOT_BOOTING) {
		pthread_mutex_unlock(&lock);
		return -EBUSY; /* too late: the countdown fired, or a boot was asked for */
	}
	if (state != KB_BOOT_COUNTDOWN) {
		pthread_mutex_unlock(&lock);
		return -EALREADY;
	}
	countdown_generation++;
	set_state_locked(KB_BOOT_IDLE);
	pthread_mutex_unlock(&lock);
	if (by_person)
		remember_autoboot_stopped();
	kb_info("countdown stopped");
	emit_state();
	return 0;
}

int kb_bootctl_start_countdown(kb_error *err)
{
	if (autoboot_was_stopped()) {
		kb_info("autoboot was stopped earlier; waiting for a choice");
		return 0;
	}
	pthread_mutex_lock(&lock);
	if (state != KB_BOOT_IDLE) {
		pthread_mutex_unlock(&lock);
		return kb_error_set(err, EBUSY, "a boot is already %s",
				    kb_boot_state_name(state));
	}
	const struct kb_entry *def = NULL;
	for (size_t i = 0; i < entries.n && !def; i++)
		if (entries.v[i].is_default && entries.v[i].type == KB_ENTRY_LINUX)
			def = &entries.v[i];
	if (timeout_s < 0) {
		pthread_mutex_unlock(&lock);
		kb_info("no timeout configured: waiting for a choice");
		return 0;
	}
	if (!def) {
		pthread_mutex_unlock(&lock);
		/* petitboot's lesson: a missing default must be visible, not silent. */
		kb_warn("no default entry: autoboot is off (set default= in kboot.conf)");
		return kb_error_set(err, ENOENT, "no default entry to boot");
	}
	set_state_locked(KB_BOOT_COUNTDOWN);
	snprintf(status.countdown_entry, sizeof(status.countdown_entry), "%s", def->id);
	snprintf(status.countdown_title, sizeof(status.countdown_title), "%s",
		 def->title ? def->title : def->kernel);
	int resumed = resume_or_remember_countdown(def->id, timeout_s);
	int seconds = resumed >= 0 ? resumed : timeout_s;
	status.seconds_left = seconds;
	unsigned generation = ++countdown_generation;
	char id[KB_ENTRY_ID_MAX], title[sizeof(status.countdown_title)];
	snprintf(id, sizeof(id), "%s", status.countdown_entry);
	snprintf(title, sizeof(title), "%s", status.countdown_title);
	struct kb_event ev = { .type = KB_EVENT_COUNTDOWN,
			       .entry_id = id,
			       .text = title,
			       .seconds_left = seconds };
	pthread_mutex_unlock(&lock);

	emit_state();
	kb_event_emit(&ev);
	if (resumed >= 0)
		kb_info("booting '%s' in %d s (the countdown an earlier kbootd started)", title,
			seconds);
	else
		kb_info("booting '%s' in %d s", title, seconds);

	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int r = pthread_create(&t, &attr, countdown_main, (void *)(uintptr_t)generation);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		cancel_countdown(false);
		return kb_error_set(err, r, "cannot start the countdown: %s", strerror(r));
	}
	return 0;
}

int kb_bootctl_cancel(void)
{
	return cancel_countdown(true);
}

int kb_bootctl_resume_countdown(kb_error *err)
{
	char path[KB_PATH_MAX];
	countdown_file(path, sizeof(path));
	if (access(path, F_OK) < 0)
		return 0; /* none was running: a person's choice is awaited */
	return kb_bootctl_start_countdown(err);
}

int kb_bootctl_hand_over(void)
{
	pthread_mutex_lock(&lock);
	if (state != KB_BOOT_COUNTDOWN) {
		pthread_mutex_unlock(&lock);
		return 0;
	}
	countdown_generation++; /* this process's countdown thread ends... */
	change_state_locked(KB_BOOT_IDLE); /* ... and <run_dir>/countdown stays */
	pthread_mutex_unlock(&lock);
	kb_info("countdown handed over to kbootd");
	emit_state();
	return 1;
}

static int plan_from_request(const struct kb_boot_request *req, struct kb_boot_plan *plan,
			     kb_error *err)
{
	if (req->insecure)
		kb_warn("this boot asks for insecure https: certificates are not checked");
	pthread_mutex_lock(&lock);
	int r = kb_boot_plan_from(req, &entries, plan, err);
	pthread_mutex_unlock(&lock);
	return r;
}

static void *handover_main(void *arg)
{
	_cleanup_free_ struct kb_boot_plan *plan = arg; /* this thread's own copy */
	struct timespec delay = { .tv_sec = KB_HANDOVER_DELAY_MS / 1000,
				  .tv_nsec = (KB_HANDOVER_DELAY_MS % 1000) * 1000000L };
	nanosleep(&delay, NULL);
	kb_error err = { 0 };
	if (plan->is_legacy) {
		if (kb_legacy_write(&plan->legacy, &err) >= 0 && kb_legacy_reboot(&err) >= 0)
			kb_error_set(&err, EIO, "%s is set for %s, but the machine did not reboot",
				     plan->legacy.grubenv[0] ? "GRUB's next_entry" : "UEFI BootNext",
				     plan->legacy.next_entry);
	} else {
		kb_kexec_exec(&err);
	}
	/* Still here: the handover failed. Put the mounts it took down back, or
	 * every target path would say "no target system" until a device changes. */
	kb_err("%s", err.text);
	kb_error mount_err = { 0 };
	if (kb_mount_restore_all(&mount_err) < 0)
		kb_warn("%s", mount_err.text);
	pthread_mutex_lock(&lock);
	status.has_error = true;
	status.last_error = err;
	set_state_locked(KB_BOOT_IDLE);
	pthread_mutex_unlock(&lock);
	emit_state();
	return NULL;
}

static void fail_locked(const kb_error *err)
{
	status.has_error = true;
	if (err)
		status.last_error = *err;
	set_state_locked(KB_BOOT_IDLE);
}

int kb_bootctl_boot(const struct kb_boot_request *req, struct kb_boot_plan *ret_plan, kb_error *err)
{
	kb_error local_err = { 0 };
	if (!err)
		err = &local_err;

	pthread_mutex_lock(&lock);
	if (state == KB_BOOT_LOADING || state == KB_BOOT_BOOTING) {
		enum kb_boot_state s = state;
		pthread_mutex_unlock(&lock);
		return kb_error_set(err, EBUSY, "a boot is already under way (%s)",
				    kb_boot_state_name(s));
	}
	begin_loading_locked(); /* a manual choice ends the countdown */
	pthread_mutex_unlock(&lock);
	emit_state();
	return boot_loading(req, ret_plan, err);
}

/* The rest of a boot, once the state is "loading". */
static int boot_loading(const struct kb_boot_request *req, struct kb_boot_plan *ret_plan,
			kb_error *err)
{
	kb_error local_err = { 0 };
	if (!err)
		err = &local_err;
	/* 83 KiB: on the heap, never on a (countdown) thread's stack. */
	_cleanup_free_ struct kb_boot_plan *planp = calloc(1, sizeof(*planp));
	if (!planp) {
		kb_error_set(err, ENOMEM, "out of memory");
		pthread_mutex_lock(&lock);
		fail_locked(err);
		pthread_mutex_unlock(&lock);
		emit_state();
		return -ENOMEM;
	}
	int r = plan_from_request(req, planp, err);
	if (r >= 0 && planp->is_legacy) {
		kb_info("%s: %s", planp->title, planp->legacy.note);
		r = kb_legacy_check(&planp->legacy, err);
	} else if (r >= 0) {
		kb_info("loading %s (%s)", planp->title, planp->kernel);
		r = kb_boot_plan_load(planp, err);
	}
	if (r < 0) {
		kb_err("%s", err->text);
		pthread_mutex_lock(&lock);
		fail_locked(err);
		pthread_mutex_unlock(&lock);
		emit_state();
		return r;
	}
	if (ret_plan)
		*ret_plan = *planp;

	if (req->dry_run) {
		r = planp->is_legacy ? 0 : kb_kexec_unload(err);
		pthread_mutex_lock(&lock);
		if (r < 0)
			fail_locked(err);
		else
			set_state_locked(KB_BOOT_IDLE);
		pthread_mutex_unlock(&lock);
		emit_state();
		if (r == 0)
			kb_info("dry run: %s would boot", planp->title);
		return r;
	}

	pthread_mutex_lock(&lock);
	if (planp->is_legacy)
		snprintf(status.booting, sizeof(status.booting), "the first-stage loader: %.3000s",
			 planp->legacy.note);
	else
		snprintf(status.booting, sizeof(status.booting), "%s", planp->kernel);
	state = KB_BOOT_BOOTING;
	status.state = state;
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	kb_info("handing over to %s", planp->is_legacy ? planp->legacy.note : planp->kernel);
	emit_state();

	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&t, &attr, handover_main, planp);
	pthread_attr_destroy(&attr);
	if (r == 0)
		planp = NULL; /* the handover thread frees it */
	if (r != 0) {
		kb_error_set(err, r, "cannot start the handover: %s", strerror(r));
		pthread_mutex_lock(&lock);
		fail_locked(err);
		pthread_mutex_unlock(&lock);
		emit_state();
		return -r;
	}
	return 0;
}
