/* The console's session: what one run of the prompt knows and changes
 * (the paper's shell state: labels set with name=value, the current directory). */
#pragma once
#include "kboot-core/config.h"
#include "kboot-core/path.h"

#include <stdbool.h>

struct kbc_client;

struct kbc_session {
	struct kb_config cfg;    /* labels set at the prompt live here until exit */
	char cwd[KB_PATH_MAX];   /* a generalized path; "/" is the target's root */
	struct kbc_client *client; /* kbootd, when it runs; NULL: straight on the core */
	bool quit;                /* EOF or `exit` */
	bool insecure;            /* the `insecure` command's line: https unchecked */
};

void kbc_session_init(struct kbc_session *s);
void kbc_session_free(struct kbc_session *s);
