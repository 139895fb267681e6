/* Scope-bound cleanup (systemd style): every early return frees what it holds. */
#pragma once
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))

static inline void kb_freep(void *p) { free(*(void **)p); }
static inline void kb_closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
static inline void kb_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
static inline void kb_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_free_ _cleanup_(kb_freep)
#define _cleanup_close_ _cleanup_(kb_closep)
#define _cleanup_fclose_ _cleanup_(kb_fclosep)
#define _cleanup_closedir_ _cleanup_(kb_closedirp)

/* Hand ownership out of a cleanup-managed variable. */
#define TAKE_PTR(p)                                                            \
	({                                                                     \
		__typeof__(p) _tp = (p);                                       \
		(p) = NULL;                                                    \
		_tp;                                                           \
	})
#define TAKE_FD(fd)                                                            \
	({                                                                     \
		int _tf = (fd);                                                \
		(fd) = -1;                                                     \
		_tf;                                                           \
	})

#define KB_ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
