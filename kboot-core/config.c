/* kboot.conf: `name=value` lines with shell quoting, # comments and blank
 * lines. A value that is one shell word is unquoted ('…', "…", \x); a value
 * of several words (petitboot's `label=kernel args`) is kept as written, to be
 * split later by the boot-line parser. */
#include "config.h"
#include "words.h"
#include "bootline.h"
#include "buf.h"
#include "cleanup.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const char *const settings[] = {
	"default", "timeout",  "root",	  "message", "network",	      "interface", "address",
	"gateway", "dns",      "hostname", "password", "password_hash", "auth",	   "listen",
	"tls",     "session_timeout",
};

enum {
	DEFAULT_TIMEOUT_S = 10,
	TIMEOUT_MAX_S = 24 * 3600,
	DEFAULT_SESSION_TIMEOUT_S = 30 * 60,
	SESSION_TIMEOUT_MAX_S = 7 * 24 * 3600,
};

bool kb_config_is_setting(const char *key)
{
	for (size_t i = 0; i < KB_ELEMENTSOF(settings); i++)
		if (strcmp(settings[i], key) == 0)
			return true;
	return false;
}

void kb_config_init(struct kb_config *c)
{
	*c = (struct kb_config){ .timeout_s = DEFAULT_TIMEOUT_S,
				 .session_timeout_s = DEFAULT_SESSION_TIMEOUT_S };
}

void kb_config_free(struct kb_config *c)
{
	if (!c)
		return;
	char *strings[] = { c->default_label, c->root,	   c->message,	c->network,
			    c->interface,     c->address,  c->gateway,	c->dns,
			    c->hostname,      c->password_hash, c->listen, c->tls };
	for (size_t i = 0; i < KB_ELEMENTSOF(strings); i++)
		free(strings[i]);
	for (size_t i = 0; i < c->n_labels; i++) {
		free(c->labels[i].name);
		free(c->labels[i].command);
	}
	free(c->labels);
	kb_config_init(c);
}

const struct kb_label *kb_config_label(const struct kb_config *c, const char *name)
{
	for (size_t i = 0; c && name && i < c->n_labels; i++)
		if (strcmp(c->labels[i].name, name) == 0)
			return &c->labels[i];
	return NULL;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

static int check_name(const char *name, kb_error *err)
{
	size_t l = strlen(name);
	if (l == 0)
		return kb_error_set(err, EINVAL, "a label needs a name");
	if (l >= KB_LABEL_NAME_MAX)
		return kb_error_set(err, ENAMETOOLONG, "label name longer than %d characters",
				    KB_LABEL_NAME_MAX - 1);
	for (const char *p = name; *p; p++)
		if (!name_char(*p))
			return kb_error_set(err, EINVAL,
					    "\"%s\": a label name has only letters, digits, '_', '-' and '.'",
					    name);
	return 0;
}

int kb_config_set_label(struct kb_config *c, const char *name, const char *command, kb_error *err)
{
	int r = check_name(name, err);
	if (r < 0)
		return r;
	if (kb_config_is_setting(name))
		return kb_error_set(err, EINVAL, "\"%s\" is a setting, not a label", name);
	_cleanup_free_ char *cmd = strdup(command);
	if (!cmd)
		return kb_error_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n_labels; i++) {
		if (strcmp(c->labels[i].name, name) == 0) {
			free(c->labels[i].command);
			c->labels[i].command = TAKE_PTR(cmd);
			return 0;
		}
	}
	if (c->n_labels >= KB_CONFIG_LABELS_MAX)
		return kb_error_set(err, E2BIG, "more than %d labels", KB_CONFIG_LABELS_MAX);
	_cleanup_free_ char *n = strdup(name);
	struct kb_label *v = realloc(c->labels, (c->n_labels + 1) * sizeof(*v));
	if (!n || !v)
		return kb_error_set(err, ENOMEM, "out of memory");
	c->labels = v;
	c->labels[c->n_labels++] = (struct kb_label){ TAKE_PTR(n), TAKE_PTR(cmd) };
	return 0;
}

static int set_string(char **field, const char *value, kb_error *err)
{
	char *v = strdup(value);
	if (!v)
		return kb_error_set(err, ENOMEM, "out of memory");
	free(*field);
	*field = v;
	return 0;
}

static int apply_setting(struct kb_config *c, const char *key, const char *value, kb_error *err)
{
	if (strcmp(key, "timeout") == 0) {
		char *end;
		errno = 0;
		long t = strtol(value, &end, 10);
		if (errno || end == value || *end || t < -1 || t > TIMEOUT_MAX_S)
			return kb_error_set(err, EINVAL,
					    "timeout=%s: expected seconds (0-%d), or -1 for never",
					    value, TIMEOUT_MAX_S);
		c->timeout_s = (int)t;
		return 0;
	}
	if (strcmp(key, "session_timeout") == 0) {
		char *end;
		errno = 0;
		long t = strtol(value, &end, 10);
		if (errno || end == value || *end || t < 1 || t > SESSION_TIMEOUT_MAX_S)
			return kb_error_set(err, EINVAL,
					    "session_timeout=%s: expected seconds (1-%d)", value,
					    SESSION_TIMEOUT_MAX_S);
		c->session_timeout_s = (int)t;
		return 0;
	}
	if (strcmp(key, "auth") == 0) {
		if (strcmp(value, "none") != 0 && strcmp(value, "password") != 0)
			return kb_error_set(err, EINVAL, "auth=%s: expected \"password\" or \"none\"",
					    value);
		c->auth_none = strcmp(value, "none") == 0;
		return 0;
	}
	if (strcmp(key, "tls") == 0 && strcmp(value, "auto") != 0 && strcmp(value, "off") != 0)
		return kb_error_set(err, EINVAL, "tls=%s: expected auto (a certificate made at start) or off", value);
	if (strcmp(key, "network") == 0 && strcmp(value, "dhcp") != 0 &&
	    strcmp(value, "static") != 0 && strcmp(value, "none") != 0)
		return kb_error_set(err, EINVAL, "network=%s: expected dhcp, static or none", value);
	struct {
		const char *key;
		char **field;
	} fields[] = {
		{ "default", &c->default_label }, { "root", &c->root },
		{ "message", &c->message },	  { "network", &c->network },
		{ "interface", &c->interface },	  { "address", &c->address },
		{ "gateway", &c->gateway },	  { "dns", &c->dns },
		{ "hostname", &c->hostname },	  { "password", &c->password_hash },
		{ "password_hash", &c->password_hash }, { "listen", &c->listen },
		{ "tls", &c->tls },
	};
	for (size_t i = 0; i < KB_ELEMENTSOF(fields); i++)
		if (strcmp(fields[i].key, key) == 0)
			return set_string(fields[i].field, value, err);
	return kb_error_set(err, EINVAL, "unknown setting %s", key);
}

/* The value after '=': the shell words up to an unquoted newline or a
 * comment (quotes may span lines, as in sh). One word is taken unquoted;
 * several are kept as typed (a boot line, split again when it boots). *pp
 * and *line advance past it. */
static int scan_value(const char **pp, unsigned *line, char **ret, kb_error *err)
{
	const char *p = *pp;
	_cleanup_(kb_words_free) struct kb_words w = { 0 };
	int r = kb_words_split(p, KB_WORDS_ONE_LINE, &w, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < w.end; i++)
		*line += p[i] == '\n';
	*pp = p + w.end;
	if (w.n == 0)
		*ret = strdup("");
	else if (w.n == 1)
		*ret = strdup(w.v[0].text);
	else
		*ret = strndup(p + w.v[0].start, w.v[w.n - 1].end - w.v[0].start);
	return *ret ? 0 : kb_error_set(err, ENOMEM, "out of memory");
}

static int parse_text(const char *name, const char *text, size_t len, struct kb_config *ret,
		      kb_error *err)
{
	if (len > KB_CONFIG_SIZE_MAX)
		return kb_error_set(err, EFBIG, "%s: larger than %d KiB", name,
				    KB_CONFIG_SIZE_MAX / 1024);
	if (memchr(text, '\0', len))
		return kb_error_set(err, EINVAL, "%s: not a text file (it holds NUL bytes)", name);
	_cleanup_free_ char *copy = strndup(text, len);
	if (!copy)
		return kb_error_set(err, ENOMEM, "out of memory");
	struct kb_config c;
	kb_config_init(&c);
	unsigned line = 1;
	int r = 0;
	for (const char *p = copy; *p && r >= 0;) {
		unsigned at = line;
		while (*p == ' ' || *p == '\t' || *p == '\r')
			p++;
		if (*p == '\n' || *p == '#' || !*p) {
			while (*p && *p != '\n')
				p++;
		} else {
			if (strncmp(p, "export", 6) == 0 && (p[6] == ' ' || p[6] == '\t'))
				p += 7; /* a sourced shell file may export */
			while (*p == ' ' || *p == '\t')
				p++;
			const char *key = p;
			while (name_char(*p))
				p++;
			if (*p != '=' || p == key) {
				r = kb_error_set(err, EINVAL, "%s:%u: expected name=value", name, at);
				break;
			}
			_cleanup_free_ char *k = strndup(key, (size_t)(p - key));
			_cleanup_free_ char *value = NULL;
			p++;
			if (!k)
				r = kb_error_set(err, ENOMEM, "out of memory");
			if (r >= 0)
				r = scan_value(&p, &line, &value, err);
			if (r >= 0 && kb_config_is_setting(k))
				r = apply_setting(&c, k, value, err);
			else if (r >= 0)
				r = kb_config_set_label(&c, k, value, err);
			if (r < 0)
				r = kb_error_prefix(err, "%s:%u: ", name, at);
		}
		if (*p == '\n') {
			p++;
			line++;
		}
	}
	if (r < 0) {
		kb_config_free(&c);
		return r;
	}
	*ret = c;
	return 0;
}

int kb_config_parse(const char *text, size_t len, struct kb_config *ret, kb_error *err)
{
	return parse_text("kboot.conf", text, len, ret, err);
}

int kb_config_load(const char *path, struct kb_config *ret, kb_error *err)
{
	_cleanup_free_ char *text = NULL;
	size_t len = 0;
	int r = kb_read_file(path, KB_CONFIG_SIZE_MAX, &text, &len);
	if (r == -EFBIG)
		return kb_error_set(err, EFBIG, "%s: larger than %d KiB", path,
				    KB_CONFIG_SIZE_MAX / 1024);
	if (r < 0)
		return kb_error_set(err, -r, "%s: %s", path, strerror(-r));
	return parse_text(path, text, len, ret, err);
}
