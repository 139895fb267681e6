/* The console's session state (see session.h). */
#include "session.h"
#include "client.h"

#include <stdio.h>
#include <string.h>

void kb_session_init(struct kb_session *s)
{
	memset(s, 0, sizeof(*s));
	kb_config_init(&s->cfg);
	snprintf(s->cwd, sizeof(s->cwd), "/");
}

void kb_session_free(struct kb_session *s)
{
	if (!s)
		return;
	kb_client_free(s->client);
	s->client = NULL;
	kb_config_free(&s->cfg);
}
