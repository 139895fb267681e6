/* Generalized path names: parse, format, and parse the formatted text again
 * (it must give the same text). Input: the path text, optionally followed by
 * a NUL and the cwd to take it against. */
#include "fuzz-util.h"
#include "kboot-core/path.h"

#include <assert.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	size_t text_len = strlen(text);
	const char *cwd = text_len < size ? text + text_len + 1 : NULL;

	kb_path_has_dotdot(text);
	static struct kb_path p, again;
	static char formatted[KB_PATH_MAX + KB_PATH_DEVICE_MAX + 16], formatted2[sizeof(formatted)];
	static char child[KB_PATH_MAX];
	kb_error err = { 0 };
	if (cwd)
		kb_path_child(cwd, text, child, sizeof(child));
	if (kb_path_parse(text, cwd, &p, &err) == 0 &&
	    kb_path_format(&p, formatted, sizeof(formatted)) == 0) {
		/* The canonical text names the same thing. */
		int r = kb_path_parse(formatted, NULL, &again, &err);
		if (r < 0) {
			fprintf(stderr, "\"%s\" formats as \"%s\", which does not parse: %s\n", text,
				formatted, err.text);
			abort();
		}
		r = kb_path_format(&again, formatted2, sizeof(formatted2));
		if (r < 0 || strcmp(formatted, formatted2) != 0) {
			fprintf(stderr, "\"%s\" formats as \"%s\", then as \"%s\"\n", text, formatted,
				formatted2);
			abort();
		}
	}
	free(text);
	return 0;
}
