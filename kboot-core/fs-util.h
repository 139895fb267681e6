/* Small file-system helpers shared inside the core: kboot's own directories,
 * and the one way to open a file kboot reads from a disk or a server. */
#pragma once
#include "error.h"

/* mkdir -p for kboot's own directories (under run_dir); -errno on failure. */
int kb_mkdir_p(const char *path);

/* A directory below root, made as needed (mode 0755) one component at a
 * time, none of them a symlink and none on another filesystem than root's:
 * so it can never land inside a mount below root, or outside root. rel is
 * relative ("nfs/host/export"); "." and ".." components are refused.
 * Gives an O_PATH descriptor of the directory. */
int kb_dir_make_beneath(const char *root, const char *rel, kb_error *err);

/* Every file kboot reads off a target or a server (config files, kernels,
 * initrds, grubenv) is opened here: O_NONBLOCK, so that a FIFO or a device
 * node cannot block the open, then only a regular file is accepted:
 * -EISDIR "…: is a directory", -EINVAL "…: not a regular file (a FIFO)".
 * display names the file in errors. */
int kb_open_regular(const char *path, const char *display, kb_error *err);
/* The check alone, for a descriptor opened elsewhere (with O_NONBLOCK). */
int kb_check_regular(int fd, const char *display, kb_error *err);
/* A lock file of kboot's own (created 0600), held exclusively: its fd,
 * which closing releases, or -errno. Waits for another holder. */
int kb_lock_file(const char *path, kb_error *err);
