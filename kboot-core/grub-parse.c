/* GRUB script parser: tokens into a tree, with the grammar of GRUB's
 * parser.y. Any command may end in a { … } block (menuentry, submenu); a
 * block may close right after its last command (`{ linux /v }`), but if,
 * loops and functions need a ';' or newline before their closing word.
 * Functions are defined only at the top of a file. Nesting (elif counts
 * as one level) is capped at GRUB_NEST_DEPTH_MAX blocks open at once, so
 * neither parsing nor running recurses without a bound. */
#include "grub.h"
#include "log.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Parse results: 0 fine, SYNTAX for a syntax error (the chunk is dropped),
 * negative errno for memory. */
enum { SYNTAX = 1 };

struct ctx {
	struct grub_parser *p;
	kb_error *err;
	unsigned error_line;
	const char *why;
};

static struct grub_token *tok(struct ctx *c)
{
	return &c->p->toks->v[c->p->pos];
}

static void advance(struct ctx *c)
{
	if (tok(c)->type != GRUB_TOK_EOF)
		c->p->pos++;
}

static int syntax(struct ctx *c, const char *why)
{
	c->error_line = tok(c)->line;
	c->why = tok(c)->type == GRUB_TOK_BAD ? tok(c)->bad : why;
	return SYNTAX;
}

static bool is_kw(struct ctx *c, const char *kw)
{
	const struct grub_token *t = tok(c);
	const char *plain = t->type == GRUB_TOK_WORD ? grub_word_plain(&t->word) : NULL;
	return plain && !strcmp(plain, kw);
}

static bool is_any_kw(struct ctx *c, const char *const *kws)
{
	for (size_t i = 0; kws && kws[i]; i++)
		if (is_kw(c, kws[i]))
			return true;
	return false;
}

static const char *const keywords[] = { "case", "do",	"done", "elif",	  "else",     "esac",
					"fi",	"for",	"if",	"in",	  "select",   "then",
					"until", "while", "function", NULL };

void grub_node_free(struct grub_node *n)
{
	while (n) {
		struct grub_node *next = n->next;
		for (size_t i = 0; i < n->n_words; i++)
			grub_word_free(&n->words[i]);
		free(n->words);
		free(n->name);
		grub_node_free(n->block);
		grub_node_free(n->cond);
		grub_node_free(n->otherwise);
		free(n);
		n = next;
	}
}

static int new_node(struct ctx *c, enum grub_node_type type, struct grub_node **ret)
{
	*ret = calloc(1, sizeof(**ret));
	if (!*ret)
		return kb_error_set(c->err, ENOMEM, "out of memory");
	(*ret)->type = type;
	(*ret)->line = tok(c)->line;
	return 0;
}

/* Take the current token's word into n->words. */
static int take_word(struct ctx *c, struct grub_node *n)
{
	if (n->n_words >= GRUB_ARGS_MAX)
		return syntax(c, "too many words in one command");
	struct grub_word *v = realloc(n->words, (n->n_words + 1) * sizeof(*v));
	if (!v)
		return kb_error_set(c->err, ENOMEM, "out of memory");
	n->words = v;
	n->words[n->n_words++] = tok(c)->word;
	tok(c)->word = (struct grub_word){ 0 };
	advance(c);
	return 0;
}

/* A block, if, loop or elif opens one more level: past GRUB_NEST_DEPTH_MAX
 * the whole file is refused (its statements would recurse that deep). */
static int open_level(struct ctx *c, unsigned depth)
{
	if (depth < GRUB_NEST_DEPTH_MAX)
		return 0;
	return kb_error_set(c->err, E2BIG, "%s:%u: blocks nested more than %d deep", c->p->file,
			    tok(c)->line, GRUB_NEST_DEPTH_MAX);
}

static bool at_delimiter(struct ctx *c)
{
	return tok(c)->type == GRUB_TOK_SEMI || tok(c)->type == GRUB_TOK_NEWLINE;
}

static void skip_newlines(struct ctx *c)
{
	while (tok(c)->type == GRUB_TOK_NEWLINE)
		advance(c);
}

static int parse_command(struct ctx *c, unsigned depth, struct grub_node **ret);

/* How a list ends: at a keyword (then, fi, do, done…), at the '}' of a
 * command's block (a delimiter before it optional), or at the '}' of a
 * function (a delimiter before it required). */
enum list_end { AT_KEYWORD, AT_BLOCK_BRACE, AT_FUNCTION_BRACE };

/* commands1, then delimiters up to the end (left for the caller). */
static int parse_list(struct ctx *c, unsigned depth, const char *const *terms, enum list_end end,
		      struct grub_node **ret)
{
	bool brace = end != AT_KEYWORD;
	struct grub_node *head = NULL, **tail = &head;
	skip_newlines(c);
	int r = parse_command(c, depth, tail);
	while (r == 0) {
		tail = &(*tail)->next;
		if (end == AT_BLOCK_BRACE && tok(c)->type == GRUB_TOK_RBRACE)
			break;
		if (!at_delimiter(c)) {
			r = syntax(c, brace ? "expected ';' or '}'" : "expected ';' or a newline");
			break;
		}
		advance(c);
		skip_newlines(c);
		if (brace ? tok(c)->type == GRUB_TOK_RBRACE : is_any_kw(c, terms))
			break;
		r = parse_command(c, depth, tail);
	}
	if (r != 0) {
		grub_node_free(head);
		return r;
	}
	*ret = head;
	return 0;
}

static int expect_kw(struct ctx *c, const char *kw)
{
	if (!is_kw(c, kw))
		return syntax(c, kw);
	advance(c);
	return 0;
}

static int parse_block(struct ctx *c, unsigned depth, struct grub_node **ret)
{
	advance(c); /* { */
	int r = parse_list(c, depth, NULL, AT_BLOCK_BRACE, ret);
	if (r != 0)
		return r;
	if (tok(c)->type != GRUB_TOK_RBRACE) {
		grub_node_free(*ret);
		*ret = NULL;
		return syntax(c, "expected '}'");
	}
	advance(c);
	return 0;
}

static int parse_if(struct ctx *c, unsigned depth, struct grub_node *n)
{
	static const char *const then_t[] = { "then", NULL };
	static const char *const body_t[] = { "fi", "else", "elif", NULL };
	static const char *const fi_t[] = { "fi", NULL };
	advance(c); /* if, or elif */
	int r = parse_list(c, depth, then_t, AT_KEYWORD, &n->cond);
	if (r == 0)
		r = expect_kw(c, "then");
	if (r == 0)
		r = parse_list(c, depth, body_t, AT_KEYWORD, &n->block);
	if (r != 0)
		return r;
	if (is_kw(c, "elif")) {
		r = open_level(c, depth);
		if (r == 0)
			r = new_node(c, GRUB_NODE_IF, &n->otherwise);
		return r == 0 ? parse_if(c, depth + 1, n->otherwise) : r; /* the same fi ends it */
	}
	if (is_kw(c, "else")) {
		advance(c);
		r = parse_list(c, depth, fi_t, AT_KEYWORD, &n->otherwise);
		if (r != 0)
			return r;
	}
	return expect_kw(c, "fi");
}

static int take_name(struct ctx *c, struct grub_node *n)
{
	const char *plain = tok(c)->type == GRUB_TOK_WORD ? grub_word_plain(&tok(c)->word) : NULL;
	bool ok = plain && (*plain == '_' || isalpha((unsigned char)*plain));
	for (const char *s = plain; ok && *s; s++)
		ok = *s == '_' || isalnum((unsigned char)*s);
	if (!ok || is_any_kw(c, keywords))
		return syntax(c, "expected a name");
	n->name = strdup(plain);
	if (!n->name)
		return kb_error_set(c->err, ENOMEM, "out of memory");
	advance(c);
	return 0;
}

static int parse_loop(struct ctx *c, unsigned depth, struct grub_node *n)
{
	static const char *const do_t[] = { "do", NULL };
	static const char *const done_t[] = { "done", NULL };
	advance(c); /* for, while, until */
	int r = 0;
	if (n->type == GRUB_NODE_FOR) {
		r = take_name(c, n);
		if (r == 0)
			r = expect_kw(c, "in");
		while (r == 0 && tok(c)->type == GRUB_TOK_WORD)
			r = take_word(c, n);
		if (r == 0 && !at_delimiter(c))
			r = syntax(c, "expected ';' or a newline");
		if (r == 0) {
			advance(c);
			skip_newlines(c);
		}
	} else {
		r = parse_list(c, depth, do_t, AT_KEYWORD, &n->cond);
	}
	if (r == 0)
		r = expect_kw(c, "do");
	if (r == 0)
		r = parse_list(c, depth, done_t, AT_KEYWORD, &n->block);
	return r == 0 ? expect_kw(c, "done") : r;
}

static int parse_command(struct ctx *c, unsigned depth, struct grub_node **ret)
{
	if (tok(c)->type != GRUB_TOK_WORD)
		return syntax(c, tok(c)->type == GRUB_TOK_BAD ? tok(c)->bad : "expected a command");
	struct grub_node *n = NULL;
	int r;
	if (is_kw(c, "if")) {
		r = open_level(c, depth);
		if (r == 0)
			r = new_node(c, GRUB_NODE_IF, &n);
		if (r == 0)
			r = parse_if(c, depth + 1, n);
	} else if (is_kw(c, "for") || is_kw(c, "while") || is_kw(c, "until")) {
		enum grub_node_type type = is_kw(c, "for")     ? GRUB_NODE_FOR :
					   is_kw(c, "while") ? GRUB_NODE_WHILE :
							       GRUB_NODE_UNTIL;
		r = open_level(c, depth);
		if (r == 0)
			r = new_node(c, type, &n);
		if (r == 0)
			r = parse_loop(c, depth + 1, n);
	} else if (is_any_kw(c, keywords)) {
		return syntax(c, "a keyword cannot start a command");
	} else {
		r = new_node(c, GRUB_NODE_CMD, &n);
		while (r == 0 && tok(c)->type == GRUB_TOK_WORD)
			r = take_word(c, n);
		if (r == 0 && tok(c)->type == GRUB_TOK_LBRACE)
			r = open_level(c, depth);
		if (r == 0 && tok(c)->type == GRUB_TOK_LBRACE)
			r = parse_block(c, depth + 1, &n->block);
	}
	if (r != 0) {
		grub_node_free(n);
		return r;
	}
	*ret = n;
	return 0;
}

/* function NAME newlines { commands ; } (only at the top of a file) */
static int parse_function(struct ctx *c, struct grub_node **ret)
{
	struct grub_node *n = NULL;
	int r = new_node(c, GRUB_NODE_FUNCTION, &n);
	if (r == 0) {
		advance(c);
		r = take_name(c, n);
	}
	if (r == 0) {
		skip_newlines(c);
		if (tok(c)->type != GRUB_TOK_LBRACE)
			r = syntax(c, "expected '{'");
	}
	if (r == 0) {
		advance(c);
		r = parse_list(c, 1, NULL, AT_FUNCTION_BRACE, &n->block);
	}
	if (r == 0 && tok(c)->type != GRUB_TOK_RBRACE)
		r = syntax(c, "expected '}'");
	if (r != 0) {
		grub_node_free(n);
		return r;
	}
	advance(c);
	*ret = n;
	return 0;
}

static int parse_statement(struct ctx *c, struct grub_node **ret)
{
	if (is_kw(c, "function"))
		return parse_function(c, ret);
	return parse_command(c, 0, ret);
}

int grub_parse_chunk(struct grub_parser *p, struct grub_node **ret, bool *ret_eof, kb_error *err)
{
	struct ctx c = { .p = p, .err = err };
	struct grub_node *head = NULL, **tail = &head;
	*ret = NULL;
	*ret_eof = false;
	skip_newlines(&c);
	if (tok(&c)->type == GRUB_TOK_EOF) {
		*ret_eof = true;
		return 0;
	}
	int r = 0;
	for (;;) {
		r = parse_statement(&c, tail);
		if (r != 0)
			break;
		tail = &(*tail)->next;
		if (tok(&c)->type == GRUB_TOK_NEWLINE || tok(&c)->type == GRUB_TOK_EOF) {
			advance(&c);
			break;
		}
		if (tok(&c)->type != GRUB_TOK_SEMI) {
			r = syntax(&c, "expected ';' or a newline");
			break;
		}
		advance(&c);
		if (tok(&c)->type == GRUB_TOK_NEWLINE || tok(&c)->type == GRUB_TOK_EOF) {
			advance(&c);
			break;
		}
	}
	if (r < 0) {
		grub_node_free(head);
		return r;
	}
	if (r == SYNTAX) {
		/* GRUB drops what it parsed with the error and reads on */
		if (p->errors++ < GRUB_SYNTAX_WARNINGS_MAX)
			kb_warn("%s:%u: syntax error (%s); the statement is skipped%s", p->file,
				c.error_line, c.why,
				p->errors == GRUB_SYNTAX_WARNINGS_MAX ? " (no more syntax errors "
									 "of this file are shown)" :
									 "");
		grub_node_free(head);
		while (tok(&c)->type != GRUB_TOK_EOF && tok(&c)->type != GRUB_TOK_NEWLINE)
			advance(&c);
		advance(&c);
		return 0;
	}
	*ret = head;
	return 0;
}
