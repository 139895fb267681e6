/* The request path, taken once: percent-decoded once from the raw request
 * line (civetweb is told not to decode it, decode_url=no) and held to the one
 * form the route table and the UI's file list are written in. A path of any
 * other form names nothing kbootd serves, so it is refused here rather than
 * normalized into a name that some later check might read differently. */
#include "server.h"

#include <string.h>

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Every character of every route and UI file name is one of these. */
static bool path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.' || c == '_' || c == '~' || c == '/';
}

int kbd_request_path(const char *raw, char *ret, size_t size, struct kbd_refusal *no)
{
	if (!raw || raw[0] != '/')
		return kbd_refuse(no, 400, "path_invalid", "the request path must start with /");
	size_t n = 0;
	for (const char *p = raw; *p; p++) {
		char c = *p;
		if (c == '%') {
			int hi = hex_digit(p[1]), lo = hi < 0 ? -1 : hex_digit(p[2]);
			if (lo < 0)
				return kbd_refuse(no, 400, "path_invalid", "a bad %%-escape in the request path");
			c = (char)(hi << 4 | lo);
			/* An encoded slash would make one segment look like two
			 * to whoever decodes again; NUL would end the path early. */
			if (c == '/' || c == '\\' || c == '\0')
				return kbd_refuse(no, 400, "path_invalid",
						  "encoded slashes and NUL are refused in the request path");
			p += 2;
		}
		if (!path_char(c))
			return kbd_refuse(no, 400, "path_invalid",
					  "the request path may only hold letters, digits and - . _ ~ /");
		if (n + 1 >= size || n + 1 > KBD_REQUEST_PATH_MAX)
			return kbd_refuse(no, 414, "path_too_long", "the request path is longer than %d bytes",
					  KBD_REQUEST_PATH_MAX);
		ret[n++] = c;
	}
	ret[n] = '\0';
	/* Segments: none "." or "..", before or after decoding, and none
	 * empty ("//") but the last: "/api/" is merely a path no row names. */
	for (const char *seg = ret + 1;; seg++) {
		size_t len = strcspn(seg, "/");
		bool last = seg[len] == '\0';
		if ((len == 0 && !last) || (len == 1 && seg[0] == '.') ||
		    (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return kbd_refuse(no, 400, "path_invalid",
					  "empty, \".\" and \"..\" segments are refused in the request path");
		if (last)
			break;
		seg += len;
	}
	return 0;
}
