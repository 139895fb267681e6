/* GET /api/v1/files?path=P: browse any generalized path. A directory lists
 * its entries (capped), a file says what it is. Paths are parsed and resolved
 * by the core; the server never builds a local path itself. */
#include "server.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/dirlist.h"
#include "kboot-core/inspect.h"
#include "kboot-core/path.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int list_directory(struct mg_connection *conn, const char *gen_path, const char *local)
{
	struct kb_dir_listing l;
	kb_error err = { 0 };
	int r = kb_dir_list(local, KBD_DIR_ENTRIES_MAX, true, &l, &err);
	if (r < 0) {
		kb_error_set(&err, -r, "%s: %s", gen_path, strerror(-r));
		return kbd_send_core_error(conn, r, &err);
	}
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "path", gen_path);
	cJSON_AddStringToObject(root, "type", "directory");
	cJSON *arr = cJSON_AddArrayToObject(root, "entries");
	for (size_t i = 0; i < l.n; i++) {
		const struct kb_dirent *e = &l.v[i];
		char child[KB_PATH_MAX];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", e->name);
		if (kb_path_child(gen_path, e->name, child, sizeof(child)) >= 0)
			cJSON_AddStringToObject(o, "path", child);
		cJSON_AddStringToObject(o, "type", kb_dirent_type_name(e->type));
		cJSON_AddNumberToObject(o, "size", (double)e->size);
		cJSON_AddNumberToObject(o, "mtime", (double)e->mtime);
		cJSON_AddStringToObject(o, "kind", kb_file_kind_name(e->kind));
		cJSON_AddItemToArray(arr, o);
	}
	cJSON_AddBoolToObject(root, "truncated", l.truncated);
	kb_dir_listing_free(&l);
	return kbd_send_json(conn, 200, root);
}

static int send_file_info(struct mg_connection *conn, const char *gen_path,
			  const struct kb_file_info *info, uint64_t size, double mtime)
{
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "path", gen_path);
	cJSON_AddStringToObject(root, "type", "file");
	cJSON_AddNumberToObject(root, "size", (double)size);
	cJSON_AddNumberToObject(root, "mtime", mtime);
	cJSON_AddStringToObject(root, "kind", kb_file_kind_name(info->kind));
	cJSON_AddStringToObject(root, "format", kb_file_format_name(info->format));
	cJSON_AddItemToObject(root, "version", kbd_json_string_or_null(info->version));
	if (info->kind == KB_KIND_KERNEL) {
		cJSON_AddBoolToObject(root, "arch_ok", info->arch_ok);
		cJSON_AddNumberToObject(root, "cmdline_max", info->cmdline_max);
	}
	return kbd_send_json(conn, 200, root);
}

static int describe_file(struct mg_connection *conn, const char *gen_path, const char *local,
			 const struct stat *st)
{
	struct kb_file_info info = { 0 };
	kb_error err = { 0 };
	int r = kb_inspect_file(local, &info, &err);
	if (r < 0)
		return kbd_send_core_error(conn, r, &err);
	return send_file_info(conn, gen_path, &info, (uint64_t)st->st_size, (double)st->st_mtime);
}

/* A URL is read only as far as saying what it is takes (size 0: not said). */
static int describe_url(struct mg_connection *conn, const char *url)
{
	struct kb_file_info info = { 0 };
	kb_error err = { 0 };
	int r = kb_inspect_url(url, false, &info, &err);
	if (r < 0)
		return kbd_send_core_error(conn, r, &err);
	return send_file_info(conn, url, &info, info.size, 0);
}

int kbd_api_files_get(struct mg_connection *conn, void *data)
{
	_cleanup_free_ char *text = malloc(KB_PATH_MAX);
	if (!text)
		return kbd_send_error(conn, 500, "internal", "out of memory");
	int r = kbd_query_param(conn, "path", text, KB_PATH_MAX);
	if (r == -ENOENT)
		return kbd_send_error(conn, 400, "invalid_request", "give the path as ?path=P");
	if (r < 0)
		return kbd_send_error(conn, 400, "path_invalid", "the path is longer than %d bytes",
				      KB_PATH_MAX - 1);
	if (kb_path_has_dotdot(text))
		return kbd_send_error(conn, 400, "path_invalid", "%s: \"..\" is not allowed", text);

	_cleanup_free_ struct kb_path *p = malloc(sizeof(*p));
	_cleanup_free_ char *canonical = malloc(KB_PATH_MAX);
	_cleanup_free_ char *local = malloc(KB_PATH_MAX);
	if (!p || !canonical || !local)
		return kbd_send_error(conn, 500, "internal", "out of memory");
	kb_error err = { 0 };
	r = kb_path_parse(text, NULL, p, &err);
	if (r < 0)
		return kbd_send_error(conn, 400, "path_invalid", "%s", err.text);
	if (kb_path_format(p, canonical, KB_PATH_MAX) < 0)
		snprintf(canonical, KB_PATH_MAX, "%s", text);
	if (p->kind == KB_PATH_URL)
		return describe_url(conn, p->path);
	r = kb_path_resolve(p, local, KB_PATH_MAX, &err);
	if (r < 0)
		return kbd_send_core_error(conn, r, &err);

	struct stat st;
	if (stat(local, &st) < 0) {
		r = kb_error_set(&err, errno, "%s: %s", canonical, strerror(errno));
		return kbd_send_core_error(conn, r, &err);
	}
	if (S_ISDIR(st.st_mode))
		return list_directory(conn, canonical, local);
	if (S_ISREG(st.st_mode))
		return describe_file(conn, canonical, local, &st);
	return kbd_send_error(conn, 400, "not_a_file", "%s: neither a file nor a directory", canonical);
}
