/* The boot line (kboot.conf labels, the prompt): split, parse, and join the
 * words again. */
#include "fuzz-util.h"
#include "kboot-core/bootline.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	kb_error err = { 0 };
	char **argv = NULL;
	int n = kb_bootline_split(text, &argv, &err);
	if (n >= 0) {
		char *joined = NULL;
		if (kb_bootline_join(argv, (size_t)n, &joined, &err) == 0)
			free(joined);
		kb_strv_free(argv);
	}
	struct kb_bootline b;
	if (kb_bootline_parse(text, &b, &err) == 0)
		kb_bootline_free(&b);
	free(text);
	return 0;
}
