/* grubenv blocks: parse, read, edit in place, copy. */
#include "fuzz-util.h"
#include "kboot-core/grubenv.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kb_grubenv env, copy;
	kb_error err = { 0 };
	if (kb_grubenv_parse((const char *)data, size, &env, &err) < 0)
		return 0;
	kb_grubenv_get(&env, "saved_entry");
	kb_grubenv_set(&env, "next_entry", "", &err);
	kb_grubenv_set(&env, "saved_entry", "fuzz\nwith a newline", &err);
	if (env.n > 0)
		kb_grubenv_unset(&env, env.v[0].name);
	if (kb_grubenv_copy(&env, &copy, &err) == 0)
		kb_grubenv_free(&copy);
	kb_grubenv_free(&env);
	return 0;
}
