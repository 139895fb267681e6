/* Small file-system helpers shared inside the core. */
#pragma once

/* mkdir -p for kboot's own directories (under run_dir); -errno on failure. */
int kb_mkdir_p(const char *path);
