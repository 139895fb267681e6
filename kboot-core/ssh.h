/* SSH to the kboot prompt: rootfs-overlay/usr/sbin/kboot-sshd starts
 * dropbear when /etc/kboot/authorized_keys exists and writes the host key's
 * fingerprint to <run_dir>/ssh-fingerprint; front ends show it from here. */
#pragma once
#include <stddef.h>

enum { KB_SSH_FINGERPRINT_MAX = 128 };

/* "SHA256:…"; -ENOENT when SSH is not running (no authorized_keys). */
int kb_ssh_fingerprint(char *ret, size_t size);
