/* The console's session state (see session.h). */
#include "session.h"
#include "client.h"

#include <stdio.h>
#include <string.h>

void kbc_session_init(struct kbc_session *s)
{
	memset(s, 0, sizeof(*s));
	kb_config_init(&s->cfg);
	snprintf(s->cwd, sizeof(s->cwd), "/");
}

void kbc_session_free(struct kbc_session *s)
{
	if (!s)
		return;
	kbc_client_free(s->client);
	s->client = NULL;
	kb_config_free(&s->cfg);
}
