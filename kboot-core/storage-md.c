/* md RAID: every array on the devices assembled read-only, so the kernel
 * neither resyncs nor updates a superblock; mdadm keeps its map under
 * <run_dir>, and its config names no host, so foreign arrays come up too. */
#include "storage.h"
#include "cleanup.h"
#include "fs-util.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char mdadm_conf[] =
	"# Written by kboot: assemble what is on the disks, whoever's it is.\n"
	"DEVICE partitions containers\n"
	"HOMEHOST <ignore>\n"
	"AUTO +all\n";

static int write_conf(const char *path, kb_error *err)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return kb_error_set(err, errno, "%s: %s", path, strerror(errno));
	ssize_t n = write(fd, mdadm_conf, sizeof(mdadm_conf) - 1);
	if (n != (ssize_t)sizeof(mdadm_conf) - 1)
		return kb_error_set(err, n < 0 ? errno : EIO, "%s: cannot write", path);
	return 0;
}

int kb_storage_md_assemble(kb_error *err)
{
	char dir[PATH_MAX], conf[PATH_MAX + 16], config_arg[PATH_MAX + 32];
	int r = kb_storage_dir("mdadm", dir, sizeof(dir), err);
	if (r < 0)
		return r;
	snprintf(conf, sizeof(conf), "%s/mdadm.conf", dir);
	r = write_conf(conf, err);
	if (r < 0)
		return r;
	snprintf(config_arg, sizeof(config_arg), "--config=%s", conf);
	/* mdadm's map lives in a directory fixed at its build (deps/mdadm.sh). */
	(void)kb_mkdir_p("/run/mdadm");
	/* --readonly: started read-only (no resync, no superblock write until
	 * someone writes, and nobody does); --freeze-reshape: a reshape found
	 * half done stays as it is. */
	const char *const argv[] = { "mdadm", "--assemble", "--scan", "--readonly",
				     "--freeze-reshape", config_arg, NULL };
	char msg[KB_ERROR_TEXT_MAX];
	r = kb_storage_run(argv, NULL, NULL, 0, NULL, msg, sizeof(msg));
	if (r < 0)
		return kb_error_set(err, -r, "mdadm: %s", strerror(-r));
	/* 0: assembled something; 1 or 2: nothing (more) to assemble. */
	if (msg[0])
		kb_info("%s", msg); /* mdadm names itself: "mdadm: /dev/md/boot has been started..." */
	return r;
}
