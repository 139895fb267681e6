/* GET /api/v1/files?path=P: browse any generalized path. A directory lists
 * its entries (capped), a file says what it is. Paths are parsed and resolved
 * by the core; the server never builds a local path itself. */
#include "server.h"
#include "kboot-core/cleanup.h"
#include "kboot-core/inspect.h"
#include "kboot-core/path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { KBD_PEEK_MAX = 16 * 1024 }; /* bytes read per listed file to name its kind */

static const char *type_name(mode_t mode)
{
	if (S_ISDIR(mode))
		return "directory";
	if (S_ISLNK(mode))
		return "symlink";
	if (S_ISREG(mode))
		return "file";
	return "other";
}

/* The kind of a regular file inside dfd, from its first bytes. */
static const char *peek_kind(int dfd, const char *name, uint64_t size)
{
	_cleanup_close_ int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return kb_file_kind_name(KB_KIND_OTHER);
	_cleanup_free_ char *head = malloc(KBD_PEEK_MAX);
	if (!head)
		return kb_file_kind_name(KB_KIND_OTHER);
	size_t len = 0;
	while (len < KBD_PEEK_MAX) {
		ssize_t n = read(fd, head + len, KBD_PEEK_MAX - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	struct kb_file_info info = { 0 };
	if (kb_inspect_buffer(name, head, len, size, &info) < 0)
		return kb_file_kind_name(KB_KIND_OTHER);
	return kb_file_kind_name(info.kind);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static int list_directory(struct mg_connection *conn, const char *gen_path, const char *local)
{
	_cleanup_closedir_ DIR *dir = opendir(local);
	if (!dir) {
		kb_error err;
		int r = kb_error_set(&err, errno, "%s: %s", gen_path, strerror(errno));
		return kbd_send_core_error(conn, r, &err);
	}
	char **names = calloc(KBD_DIR_ENTRIES_MAX, sizeof(*names));
	if (!names)
		return kbd_send_error(conn, 500, "internal", "out of memory");
	size_t n = 0;
	bool truncated = false;
	struct dirent *de;
	while ((de = readdir(dir))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n == KBD_DIR_ENTRIES_MAX) {
			truncated = true;
			break;
		}
		names[n] = strdup(de->d_name);
		if (!names[n]) {
			free_names(names, n);
			return kbd_send_error(conn, 500, "internal", "out of memory");
		}
		n++;
	}
	qsort(names, n, sizeof(*names), compare_names);

	int dfd = dirfd(dir);
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "path", gen_path);
	cJSON_AddStringToObject(root, "type", "directory");
	cJSON *arr = cJSON_AddArrayToObject(root, "entries");
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (fstatat(dfd, names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		char child[KB_PATH_MAX];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "name", names[i]);
		if (kb_path_child(gen_path, names[i], child, sizeof(child)) >= 0)
			cJSON_AddStringToObject(o, "path", child);
		cJSON_AddStringToObject(o, "type", type_name(st.st_mode));
		cJSON_AddNumberToObject(o, "size", (double)st.st_size);
		cJSON_AddNumberToObject(o, "mtime", (double)st.st_mtime);
		cJSON_AddStringToObject(o, "kind", S_ISREG(st.st_mode)
							   ? peek_kind(dfd, names[i], (uint64_t)st.st_size)
							   : kb_file_kind_name(KB_KIND_OTHER));
		cJSON_AddItemToArray(arr, o);
	}
	free_names(names, n);
	cJSON_AddBoolToObject(root, "truncated", truncated);
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
	cJSON *root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "path", gen_path);
	cJSON_AddStringToObject(root, "type", "file");
	cJSON_AddNumberToObject(root, "size", (double)st->st_size);
	cJSON_AddNumberToObject(root, "mtime", (double)st->st_mtime);
	cJSON_AddStringToObject(root, "kind", kb_file_kind_name(info.kind));
	cJSON_AddStringToObject(root, "format", kb_file_format_name(info.format));
	cJSON_AddItemToObject(root, "version", kbd_json_string_or_null(info.version));
	if (info.kind == KB_KIND_KERNEL) {
		cJSON_AddBoolToObject(root, "arch_ok", info.arch_ok);
		cJSON_AddNumberToObject(root, "cmdline_max", info.cmdline_max);
	}
	return kbd_send_json(conn, 200, root);
}

static int files_get(struct mg_connection *conn, void *data)
{
	if (!kbd_method_is(conn, "GET") && !kbd_method_is(conn, "HEAD"))
		return kbd_send_method_not_allowed(conn, "GET");
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

void kbd_files_register(struct mg_context *ctx)
{
	mg_set_request_handler(ctx, "/api/v1/files", files_get, NULL);
}
