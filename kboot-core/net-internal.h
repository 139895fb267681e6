/* Shared by net.c (reading) and net-apply.c (changing): where the DHCP
 * client's files are. */
#pragma once
#include "net.h"

#include <sys/types.h>

/* <run_dir>/dhcp-<iface> (the lease, written by the udhcpc script) or
 * <run_dir>/udhcpc-<iface>.pid (the client), for what = "dhcp" / "udhcpc". */
int kb_net_run_file(const char *what, const char *iface, char *ret, size_t size);
/* The running udhcpc for iface, or 0. */
pid_t kb_net_dhcp_client_pid(const char *iface);
