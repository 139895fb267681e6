/* The UI's own file list: the regular files of the flat webroot whose type
 * the table below names, read once at start. Only these are served, only for
 * GET and HEAD; civetweb has no document root, so it can neither serve nor
 * write anything else (PUT, DELETE, MKCOL and WebDAV have nothing to act on).
 * JSON is not a UI type: the API description is /api/v1/openapi.json, behind
 * the login like the routes it describes. */
#include "server.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/log.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
	const char *suffix;
	const char *mime;
} ui_types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
};

struct ui_file {
	char *name; /* "app.js" */
	char *path; /* "<webroot>/app.js" */
	const char *mime;
};

static struct {
	struct ui_file files[KBD_UI_FILES_MAX];
	size_t n;
} ui;

static const char *mime_of(const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < KB_ELEMENTSOF(ui_types); i++) {
		size_t s = strlen(ui_types[i].suffix);
		if (len > s && strcmp(name + len - s, ui_types[i].suffix) == 0)
			return ui_types[i].mime;
	}
	return NULL;
}

static bool name_ok(const char *name)
{
	if (name[0] == '.' || strlen(name) > KBD_REQUEST_PATH_MAX - 1)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '.' || *p == '_'))
			return false;
	return true;
}

void kbd_ui_files_free(void)
{
	for (size_t i = 0; i < ui.n; i++) {
		free(ui.files[i].name);
		free(ui.files[i].path);
	}
	ui.n = 0;
}

int kbd_ui_files_load(const char *webroot, kb_error *err)
{
	kbd_ui_files_free();
	_cleanup_closedir_ DIR *d = opendir(webroot);
	if (!d)
		return kb_error_set(err, errno, "%s: %s", webroot, strerror(errno));
	struct dirent *de;
	size_t skipped = 0;
	while ((de = readdir(d))) {
		struct stat st;
		const char *mime = mime_of(de->d_name);
		if (!mime || !name_ok(de->d_name) ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (ui.n == KBD_UI_FILES_MAX) {
			skipped++;
			continue;
		}
		struct ui_file *f = &ui.files[ui.n];
		f->name = strdup(de->d_name);
		if (!f->name || asprintf(&f->path, "%s/%s", webroot, de->d_name) < 0) {
			free(f->name);
			return kb_error_set(err, ENOMEM, "out of memory");
		}
		f->mime = mime;
		ui.n++;
	}
	if (skipped)
		return kb_error_set(err, E2BIG, "%s: more than %d UI files; %zu not served", webroot,
				    KBD_UI_FILES_MAX, skipped);
	return 0;
}

/* "/" is the index page; every other name is one flat file. */
static const struct ui_file *find(const char *path)
{
	const char *name = strcmp(path, "/") == 0 ? "index.html" : path + 1;
	for (size_t i = 0; i < ui.n; i++)
		if (strcmp(ui.files[i].name, name) == 0)
			return &ui.files[i];
	return NULL;
}

int kbd_ui_files_serve(struct mg_connection *conn, const char *path)
{
	const struct ui_file *f = find(path);
	if (!f)
		return kbd_send_error(conn, 404, "not_found", "%s: no such page", path);
	if (!kbd_method_is(conn, "GET") && !kbd_method_is(conn, "HEAD"))
		return kbd_send_method_not_allowed(conn, "GET, HEAD");
	/* civetweb sends <file>.gz instead where the client takes gzip. */
	mg_send_mime_file2(conn, f->path, f->mime, NULL);
	return 200;
}
