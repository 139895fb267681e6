/* Shared by path.c and the path-<scheme>.c files: the scheme rows, lexical
 * normalization, and opening a path with symlinks confined to a root. */
#pragma once
#include "path.h"

extern const struct kb_path_scheme kb_path_scheme_url;
extern const struct kb_path_scheme kb_path_scheme_kboot;
extern const struct kb_path_scheme kb_path_scheme_tag;
extern const struct kb_path_scheme kb_path_scheme_device_file;
extern const struct kb_path_scheme kb_path_scheme_device;
extern const struct kb_path_scheme kb_path_scheme_nfs;
extern const struct kb_path_scheme kb_path_scheme_target;

/* Fold base + "/" + rel (rel alone when absolute) into "/a/b": "." and empty
 * components dropped, ".." pops but never above "/". -ENAMETOOLONG past
 * size or NAME_MAX per component. */
int kb_path_normalize(const char *base, const char *rel, char *ret, size_t size, kb_error *err);
/* The device part of "X:…" or "/dev/X" as stored: "sda6" for /dev/sda6,
 * "/dev/mapper/x" kept whole. */
int kb_path_device_name(const char *text, size_t len, char *ret, size_t size, kb_error *err);

/* Open path (absolute, taken inside root) with openat2(RESOLVE_IN_ROOT), or a
 * bounded manual walk when the kernel lacks openat2. display names the path
 * in errors. Write flags are refused. */
int kb_path_open_in_root(const char *root, const char *path, int flags, const char *display,
			 kb_error *err);
/* The local path root + path resolves to, every symlink kept inside root;
 * the file must exist. */
int kb_path_resolve_in_root(const char *root, const char *path, const char *display,
			    char *ret, size_t size, kb_error *err);
/* The manual walk itself (tests call it directly): the resolved path
 * relative to root ("" for root itself). */
int kb_path_walk_in_root(int rootfd, const char *path, const char *display, char *ret,
			 size_t size, kb_error *err);
/* device-file and tag paths: mount the device read-only, then resolve inside it. */
int kb_path_resolve_on_device(const struct kb_path *p, char *ret, size_t size, kb_error *err);
int kb_path_open_on_device(const struct kb_path *p, int flags, kb_error *err);
/* A device path itself: "/dev/sda1" once kb_device_find knows it. */
int kb_path_resolve_device(const struct kb_path *p, char *ret, size_t size, kb_error *err);
int kb_path_open_device(const struct kb_path *p, int flags, kb_error *err);
/* Flags that could write; every open refuses them. */
bool kb_path_flags_write(int flags);
