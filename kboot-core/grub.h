/* GRUB's script language, read as GRUB 2 itself reads grub.cfg: lexer
 * (grub-lex.c), parser into a tree (grub-parse.c), evaluator (grub-eval.c),
 * one table row per command (grub-builtins.c, grub-test.c, grub-files.c) and
 * the menu collector (grub-menu.c). conf-grub.c is the parser-table entry.
 * Internal to kboot-core. */
#pragma once
#include "buf.h"
#include "discover.h"
#include "entry.h"
#include "error.h"
#include "grubenv.h"
#include "path.h"

#include <stdbool.h>
#include <stddef.h>

/* Every resource a grub.cfg controls has a named limit; a hostile file costs
 * bounded time and memory. Past a limit the run stops with a warning and
 * keeps the entries collected so far. */
enum {
	GRUB_TOKENS_MAX = KB_GRUB_TOKENS_MAX,     /* words and separators of all files one run reads */
	GRUB_NEST_DEPTH_MAX = KB_GRUB_NESTING_MAX, /* blocks, if, loops, elif open at once */
	GRUB_WORD_MAX = KB_CMDLINE_MAX,   /* bytes of one expanded word */
	GRUB_ARGS_MAX = 512,              /* words of one command after expansion */
	GRUB_LOOP_ITERATIONS_MAX = 10000, /* for/while/until rounds in one run, all loops */
	GRUB_CALL_DEPTH_MAX = 32,         /* functions (and eval) running inside each other */
	GRUB_RUN_DEPTH_MAX = 96,          /* lists running inside each other, all causes (stack) */
	GRUB_STEPS_MAX = 200000,          /* commands the file (and what it sources) runs */
	GRUB_BODY_STEPS_MAX = 2000,       /* commands one menu entry or submenu body runs */
	GRUB_BODY_ITERATIONS_MAX = 1000,  /* loop rounds in one such body */
	GRUB_ITEMS_MAX = 2 * KB_ENTRIES_PER_CONFIG_MAX, /* menuentry/submenu items recorded */
	GRUB_FUNCTIONS_MAX = 256,         /* functions defined */
	GRUB_INCLUDE_DEPTH_MAX = KB_INCLUDE_DEPTH_MAX, /* source/configfile nested */
	GRUB_INCLUDE_FILES_MAX = KB_INCLUDE_FILES_MAX, /* files read by source/configfile in all */
	GRUB_SUBMENU_DEPTH_MAX = 8,       /* submenus inside each other */
	GRUB_ENTRIES_MAX = KB_ENTRIES_PER_CONFIG_MAX,  /* menu entries of one grub.cfg */
	GRUB_LOOP_DEVICES_MAX = 16,       /* names made by `loopback` */
	GRUB_REGEX_MAX = 256,             /* bytes of a `regexp` pattern */
	GRUB_SYNTAX_WARNINGS_MAX = 10,    /* syntax errors of one file logged */
};

/* ---- lexer (grub-lex.c) ---------------------------------------------- */

/* A word is a sequence of parts, as GRUB's yylex.l splits it. */
enum grub_part_type {
	GRUB_PART_TEXT,    /* unquoted text, backslashes still in (see grub_unescape) */
	GRUB_PART_SQ,      /* '…' literal */
	GRUB_PART_DQ,      /* "…" text, \$ \\ \" and \newline already resolved */
	GRUB_PART_VAR,     /* $name unquoted: split on blanks */
	GRUB_PART_DQVAR,   /* $name inside "…": one field */
	GRUB_PART_GETTEXT, /* $"…": expanded when run (no translation here) */
};

struct grub_part {
	enum grub_part_type type;
	char *text;
};

struct grub_word {
	struct grub_part *parts;
	size_t n;
};

enum grub_token_type {
	GRUB_TOK_WORD,
	GRUB_TOK_LBRACE,  /* { outside quotes */
	GRUB_TOK_RBRACE,
	GRUB_TOK_SEMI,
	GRUB_TOK_NEWLINE,
	GRUB_TOK_BAD,     /* lexed but no statement can hold it: | & < > a lone $ */
	GRUB_TOK_EOF,
};

struct grub_token {
	enum grub_token_type type;
	unsigned line;
	struct grub_word word; /* GRUB_TOK_WORD */
	const char *bad;       /* GRUB_TOK_BAD: what it is, for the warning */
};

struct grub_tokens {
	struct grub_token *v;
	size_t n, cap;
};

/* Whole file; -EINVAL with "name:line: unterminated quote" (nothing GRUB
 * could run follows an open quote), -E2BIG past max tokens. */
int grub_lex(const char *name, const char *text, size_t max, struct grub_tokens *ret,
	     kb_error *err);
void grub_tokens_free(struct grub_tokens *t);
void grub_word_free(struct grub_word *w);
/* The word as written when it is plain unquoted text without escapes
 * (how GRUB recognises "if", "fi", "{"…); NULL otherwise. */
const char *grub_word_plain(const struct grub_word *w);

/* ---- parser (grub-parse.c) --------------------------------------------- */

enum grub_node_type {
	GRUB_NODE_CMD,      /* words [block] */
	GRUB_NODE_IF,       /* cond, then in block, otherwise (else, or an IF for elif) */
	GRUB_NODE_FOR,      /* name, words, block */
	GRUB_NODE_WHILE,    /* cond, block */
	GRUB_NODE_UNTIL,
	GRUB_NODE_FUNCTION, /* name, block */
};

struct grub_node {
	enum grub_node_type type;
	unsigned line;
	struct grub_node *next; /* the next statement of the list */
	struct grub_word *words;
	size_t n_words;
	struct grub_node *block;
	struct grub_node *cond;
	struct grub_node *otherwise;
	char *name;
};

struct grub_parser {
	struct grub_tokens *toks;
	size_t pos;
	const char *file; /* for warnings */
	unsigned errors;  /* syntax errors so far */
};

/* The next chunk GRUB parses and runs as one (a line, and the lines an open
 * block or quote continues onto). *ret is NULL for an empty chunk. A syntax
 * error is a warning; the chunk is dropped, as GRUB drops it, and reading
 * goes on after the line of the error. *ret_eof at the end. Fails only for
 * memory. */
int grub_parse_chunk(struct grub_parser *p, struct grub_node **ret, bool *ret_eof, kb_error *err);
void grub_node_free(struct grub_node *n);

/* ---- evaluator (grub-eval.c) --------------------------------------------- */

struct grub_argv {
	char **v;
	size_t n;
};
void grub_argv_free(struct grub_argv *a);

/* What a menu entry's body loads: linux, initrd, chainloader… */
struct grub_boot {
	char *kernel;
	char *cmdline;
	char *initrds[KB_ENTRY_INITRDS_MAX];
	size_t n_initrds;
	bool legacy;   /* a non-Linux loader ran (chainloader, ntldr, …) */
	char *device;  /* what that loader boots: "hd0,msdos1", "UUID=…" */
	char *broken;  /* why GRUB could not boot it, once a loader failed */
};
void grub_boot_clear(struct grub_boot *b);

struct grub_menu;

struct grub_func {
	char *name;
	const struct grub_node *body;
};

struct grub_run {
	const struct kb_fs *fs;
	kb_error *err;
	struct kb_grubenv env;
	struct grub_argv *params;  /* $1 $2 … $# $@; NULL at the top of a file */
	size_t tokens;             /* lexed so far, against GRUB_TOKENS_MAX */
	unsigned depth;            /* against GRUB_RUN_DEPTH_MAX */
	struct grub_func funcs[GRUB_FUNCTIONS_MAX];
	size_t n_funcs;
	struct grub_node **trees;  /* every chunk parsed: functions and bodies point in */
	size_t n_trees, cap_trees;
	char *loops[GRUB_LOOP_DEVICES_MAX]; /* `loopback` names */
	size_t n_loops;
	const char *file;          /* the file running, generalized name */
	char **files;              /* names of the files read, kept for entry sources */
	size_t n_files;
	unsigned steps, iterations, call_depth, include_depth, included, items;
	unsigned steps_max, iterations_max; /* GRUB_STEPS_MAX, or a body's budget */
	unsigned active_loops, breaks;
	bool continuing, returning, stopped;
	int status;                /* $? */
	struct grub_menu *menu;    /* where menuentry/submenu go; NULL inside an entry */
	struct grub_boot *boot;    /* what linux/initrd fill; NULL outside an entry */
};

/* Stop the run with a warning (a limit was reached). Returns 0. */
int grub_stop(struct grub_run *g, unsigned line, const char *what, int limit);
/* Run a list of statements. Negative only for memory; GRUB's own errors
 * become $? and a debug line. */
int grub_run_list(struct grub_run *g, const struct grub_node *list);
/* Read, lex, parse and run a file of fs in the current context (source). */
int grub_run_file(struct grub_run *g, const char *path);
/* Run text as a script (eval). */
int grub_run_text(struct grub_run *g, const char *name, const char *text);
/* A function body called with argv as $1… */
int grub_call(struct grub_run *g, const struct grub_node *body, char **argv, size_t argc);
const struct grub_func *grub_func_find(const struct grub_run *g, const char *name);
/* Words to fields as GRUB's arglist_to_argv does. */
int grub_expand(struct grub_run *g, const struct grub_word *words, size_t n, unsigned line,
		struct grub_argv *ret);
/* Variables: special names ($?, $#, $1…) first, then the environment. */
const char *grub_var(const struct grub_run *g, const char *name, char *tmp, size_t tmp_size);
int grub_setvar(struct grub_run *g, const char *name, const char *value);
/* Unquoted text as GRUB resolves its backslashes: `\c` is c, and `\xHH`
 * stays as written (GRUB passes it on for the kernel to decode). */
int grub_unescape_append(struct kb_buf *b, const char *s);

/* ---- commands (grub-builtins.c, grub-test.c, grub-files.c) ---------------- */

struct grub_builtin {
	const char *name;
	/* *status is the command's exit status ($?); block is its { … } if any. */
	int (*run)(struct grub_run *g, char **argv, size_t argc, const struct grub_node *block,
		   unsigned line, int *status);
};
const struct grub_builtin *grub_builtin_find(const char *name);
int grub_cmd_test(struct grub_run *g, char **argv, size_t argc, const struct grub_node *block,
		  unsigned line, int *status);

/* Files as GRUB names them: "(dev)/path", "/path" on $root. */
enum grub_where {
	GRUB_HERE,      /* on fs: *path is its path there */
	GRUB_ELSEWHERE, /* another filesystem: *dev names it ("UUID=…") */
	GRUB_IN_IMAGE,  /* inside a `loopback` image */
	GRUB_MISSING,   /* no device of that name */
	GRUB_MALFORMED, /* "(uuid" without ")" */
};
enum grub_where grub_file_where(const struct grub_run *g, const char *word, char *dev,
				size_t dsize, char *path, size_t psize);
/* The generalized name of a file for an entry, or a reason it cannot be
 * booted (*ret_broken, allocated) when GRUB would fail to open it. */
int grub_file_name(struct grub_run *g, const char *word, char **ret_name, char **ret_broken);
/* -e -f -d -s on a file as GRUB's test does; false for what fs cannot see. */
bool grub_file_test(const struct grub_run *g, char op, const char *word);
int grub_cmd_source(struct grub_run *g, char **argv, size_t argc, const struct grub_node *block,
		    unsigned line, int *status);
int grub_cmd_load_env(struct grub_run *g, char **argv, size_t argc, const struct grub_node *block,
		      unsigned line, int *status);
int grub_cmd_search(struct grub_run *g, char **argv, size_t argc, const struct grub_node *block,
		    unsigned line, int *status);

/* ---- menu (grub-menu.c) ---------------------------------------------------- */

/* menuentry/submenu: record an item of the current menu (bodies run later,
 * when the menu is read out, as GRUB runs them when chosen). */
int grub_menu_add(struct grub_run *g, char **argv, size_t argc, const struct grub_node *block,
		  bool submenu, unsigned line, int *status);
/* blscfg: BLS entries become items of the current menu. */
int grub_menu_add_bls(struct grub_run *g, int *status);
/* configfile: run path in a new context with its own menu, listed there. */
int grub_menu_configfile(struct grub_run *g, const char *path, unsigned line);

/* One grub.cfg of fs: its menu, entry for entry, the default marked. */
int grub_menu_read(const struct kb_fs *fs, const char *path, struct kb_entry_list *out,
		   kb_error *err);
