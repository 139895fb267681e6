/* Is kbootd running? kbootd holds <run_dir>/kbootd.lock for its whole life,
 * from its first instruction, so a console starting at the same moment can
 * tell "kbootd is coming" from "kbootd is not here" and never runs a second
 * countdown beside it. */
#pragma once
#include "error.h"

#include <stdbool.h>

/* kbootd: take the lock (held until exit); -EBUSY if another kbootd has it. */
int kb_daemon_lock(kb_error *err);
/* Anyone else: does a live kbootd hold the lock? */
bool kb_daemon_running(void);
/* Wait up to `ms` for kbootd to take the lock; true once it holds it. */
bool kb_daemon_wait_running(int ms);
