/* GRUB script lexer: a grub.cfg into words and separators the way GRUB's
 * yylex.l cuts it. Braces, ';' and newlines are tokens outside quotes;
 * '#' starts a comment only where a word could start; words keep their
 * quoting as parts so the evaluator can split and unescape as GRUB does. */
#include "grub.h"
#include "buf.h"
#include "cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lexer {
	const char *name;
	const char *p;
	unsigned line;
	struct grub_tokens *t;
	size_t max;
	kb_error *err;
};

void grub_word_free(struct grub_word *w)
{
	for (size_t i = 0; w && i < w->n; i++)
		free(w->parts[i].text);
	if (w)
		free(w->parts);
	if (w)
		*w = (struct grub_word){ 0 };
}

void grub_tokens_free(struct grub_tokens *t)
{
	for (size_t i = 0; i < t->n; i++)
		grub_word_free(&t->v[i].word);
	free(t->v);
	*t = (struct grub_tokens){ 0 };
}

const char *grub_word_plain(const struct grub_word *w)
{
	if (w->n != 1 || w->parts[0].type != GRUB_PART_TEXT || strchr(w->parts[0].text, '\\'))
		return NULL;
	return w->parts[0].text;
}

static int push(struct lexer *lx, enum grub_token_type type, unsigned line, struct grub_word *w,
		const char *bad)
{
	struct grub_tokens *t = lx->t;
	if (t->n >= lx->max)
		return kb_error_set(lx->err, E2BIG, "%s:%u: more than %d words and separators "
				    "(with the files read before it)", lx->name, line, GRUB_TOKENS_MAX);
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 256;
		struct grub_token *v = realloc(t->v, cap * sizeof(*v));
		if (!v)
			return kb_error_set(lx->err, ENOMEM, "out of memory");
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n++] = (struct grub_token){ .type = type, .line = line, .bad = bad };
	if (w)
		t->v[t->n - 1].word = *w;
	return 0;
}

static int add_part(struct lexer *lx, struct grub_word *w, enum grub_part_type type,
		    struct kb_buf *b)
{
	char *text = kb_buf_steal(b);
	if (!text)
		return kb_error_set(lx->err, ENOMEM, "out of memory");
	/* adjacent unquoted text is one part, so keywords stay recognisable */
	if (type == GRUB_PART_TEXT && w->n && w->parts[w->n - 1].type == GRUB_PART_TEXT) {
		struct grub_part *last = &w->parts[w->n - 1];
		size_t a = strlen(last->text), n = strlen(text);
		char *joined = realloc(last->text, a + n + 1);
		if (!joined) {
			free(text);
			return kb_error_set(lx->err, ENOMEM, "out of memory");
		}
		memcpy(joined + a, text, n + 1);
		last->text = joined;
		free(text);
		return 0;
	}
	struct grub_part *v = realloc(w->parts, (w->n + 1) * sizeof(*v));
	if (!v) {
		free(text);
		return kb_error_set(lx->err, ENOMEM, "out of memory");
	}
	w->parts = v;
	w->parts[w->n++] = (struct grub_part){ type, text };
	return 0;
}

static bool is_name_start(char c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_name_char(char c)
{
	return is_name_start(c) || (c >= '0' && c <= '9');
}

/* Length of a variable name at p: NAME, DIGITS or one of ? # * @. */
static size_t var_name_len(const char *p)
{
	size_t l = 0;
	if (is_name_start(*p)) {
		while (is_name_char(p[l]))
			l++;
	} else if (*p >= '0' && *p <= '9') {
		while (p[l] >= '0' && p[l] <= '9')
			l++;
	} else if (*p && strchr("?#*@", *p)) {
		l = 1;
	}
	return l;
}

/* After '$': the name into a part; false when GRUB's lexer would stop. */
static int lex_var(struct lexer *lx, struct grub_word *w, enum grub_part_type type, bool *ok)
{
	bool brace = *lx->p == '{';
	const char *name = lx->p + brace;
	size_t l = var_name_len(name);
	*ok = l > 0 && (!brace || name[l] == '}');
	if (!*ok)
		return 0;
	struct kb_buf b;
	kb_buf_init(&b, KB_GRUBENV_NAME_MAX);
	int r = kb_buf_add(&b, name, l);
	if (r < 0) {
		kb_buf_free(&b);
		*ok = false;
		return 0;
	}
	lx->p = name + l + brace;
	return add_part(lx, w, type, &b);
}

static int unterminated(struct lexer *lx, unsigned line)
{
	return kb_error_set(lx->err, EINVAL, "%s:%u: unterminated quote", lx->name, line);
}

/* After a '$' GRUB cannot read inside "…": the rest of the string goes
 * with it, so its closing quote does not open another. */
static int skip_dquote(struct lexer *lx, unsigned start)
{
	while (*lx->p && *lx->p != '"') {
		if (lx->p[0] == '\\' && lx->p[1])
			lx->p++;
		lx->line += *lx->p == '\n';
		lx->p++;
	}
	if (!*lx->p)
		return unterminated(lx, start);
	lx->p++;
	return 0;
}

/* Inside "…" or $"…" (gettext keeps \\ and other backslashes as written). */
static int lex_dquote(struct lexer *lx, struct grub_word *w, bool gettext, bool *ok)
{
	unsigned start = lx->line;
	struct kb_buf b;
	kb_buf_init(&b, KB_PARSE_FILE_MAX);
	int r = kb_buf_adds(&b, "");
	*ok = true;
	while (r >= 0 && *lx->p != '"') {
		const char *p = lx->p;
		if (!*p) {
			kb_buf_free(&b);
			return unterminated(lx, start);
		}
		if (*p == '\r') {
			lx->p++;
		} else if (p[0] == '\\' && p[1] == '\n') {
			lx->p += 2;
			lx->line++;
		} else if (p[0] == '\\' && p[1] == '"') {
			r = kb_buf_add(&b, "\"", 1);
			lx->p += 2;
		} else if (p[0] == '\\' && p[1] == '\\') {
			r = kb_buf_add(&b, p, gettext ? 2 : 1);
			lx->p += 2;
		} else if (!gettext && p[0] == '\\' && p[1] == '$') {
			r = kb_buf_add(&b, "$", 1);
			lx->p += 2;
		} else if (!gettext && p[0] == '$') {
			lx->p++;
			r = add_part(lx, w, GRUB_PART_DQ, &b);
			kb_buf_init(&b, KB_PARSE_FILE_MAX);
			if (r >= 0)
				r = kb_buf_adds(&b, "");
			if (r >= 0)
				r = lex_var(lx, w, GRUB_PART_DQVAR, ok);
			if (!*ok) {
				kb_buf_free(&b);
				return r < 0 ? r : skip_dquote(lx, start);
			}
		} else {
			lx->line += *p == '\n';
			r = kb_buf_add(&b, p, 1);
			lx->p++;
		}
	}
	if (r < 0) {
		kb_buf_free(&b);
		return kb_error_set(lx->err, -r, "%s:%u: string too long", lx->name, start);
	}
	lx->p++; /* the closing quote */
	return add_part(lx, w, gettext ? GRUB_PART_GETTEXT : GRUB_PART_DQ, &b);
}

static int lex_squote(struct lexer *lx, struct grub_word *w)
{
	unsigned start = lx->line;
	const char *end = strchr(lx->p, '\'');
	if (!end)
		return unterminated(lx, start);
	struct kb_buf b;
	kb_buf_init(&b, KB_PARSE_FILE_MAX);
	int r = kb_buf_adds(&b, "");
	for (const char *p = lx->p; p < end && r >= 0; p++) {
		lx->line += *p == '\n';
		if (*p != '\r')
			r = kb_buf_add(&b, p, 1);
	}
	if (r < 0) {
		kb_buf_free(&b);
		return kb_error_set(lx->err, -r, "%s:%u: string too long", lx->name, start);
	}
	lx->p = end + 1;
	return add_part(lx, w, GRUB_PART_SQ, &b);
}

static bool is_word_char(char c)
{
	return c && !strchr("{}|&;<> \t\n", c);
}

/* One word from lx->p. *ret_bad when it ran into a '$' GRUB cannot read. */
static int lex_word(struct lexer *lx, struct grub_word *w, bool *ret_bad)
{
	struct kb_buf text;
	kb_buf_init(&text, KB_PARSE_FILE_MAX);
	int r = kb_buf_adds(&text, "");
	bool ok = true;
	*ret_bad = false;
	while (r >= 0 && ok && is_word_char(*lx->p)) {
		const char *p = lx->p;
		if (*p == '\r') {
			lx->p++;
			continue;
		}
		if (*p == '\\' && p[1] == '\n') {
			lx->p += 2;
			lx->line++;
			continue;
		}
		if (*p == '\\' && p[1]) {
			r = kb_buf_add(&text, p, 2); /* kept: GRUB resolves it when run */
			lx->p += 2;
			continue;
		}
		if (*p != '\'' && *p != '"' && *p != '$') {
			r = kb_buf_add(&text, p, 1);
			lx->p++;
			continue;
		}
		if (text.len) {
			r = add_part(lx, w, GRUB_PART_TEXT, &text);
			kb_buf_init(&text, KB_PARSE_FILE_MAX);
			if (r >= 0)
				r = kb_buf_adds(&text, "");
			if (r < 0)
				break;
		}
		if (*p == '\'') {
			lx->p++;
			r = lex_squote(lx, w);
		} else if (*p == '"') {
			lx->p++;
			r = lex_dquote(lx, w, false, &ok);
		} else if (p[1] == '"') {
			lx->p += 2;
			r = lex_dquote(lx, w, true, &ok);
		} else {
			lx->p++;
			r = lex_var(lx, w, GRUB_PART_VAR, &ok);
		}
	}
	if (r >= 0 && text.len)
		r = add_part(lx, w, GRUB_PART_TEXT, &text);
	else
		kb_buf_free(&text);
	*ret_bad = !ok;
	if (r == -E2BIG)
		return kb_error_set(lx->err, E2BIG, "%s:%u: word too long", lx->name, lx->line);
	return r;
}

static int lex_one(struct lexer *lx)
{
	const char *p = lx->p;
	unsigned line = lx->line;
	if (*p == ' ' || *p == '\t' || *p == '\r') {
		lx->p++;
		return 0;
	}
	if (*p == '#') {
		while (*lx->p && *lx->p != '\n')
			lx->p++;
		return 0;
	}
	if (*p == '\n') {
		lx->p++;
		lx->line++;
		return push(lx, GRUB_TOK_NEWLINE, line, NULL, NULL);
	}
	if (*p == ';' && p[1] == ';') {
		lx->p += 2;
		return push(lx, GRUB_TOK_BAD, line, NULL, ";;");
	}
	if (*p == ';' || *p == '{' || *p == '}') {
		lx->p++;
		return push(lx, *p == ';' ? GRUB_TOK_SEMI : *p == '{' ? GRUB_TOK_LBRACE : GRUB_TOK_RBRACE,
			    line, NULL, NULL);
	}
	if (strchr("|&<>", *p)) {
		static const char *const ops[] = { "|", "&", "<", ">" };
		lx->p += p[1] == p[0] && (*p == '|' || *p == '&') ? 2 : 1;
		return push(lx, GRUB_TOK_BAD, line, NULL, ops[strchr("|&<>", *p) - "|&<>"]);
	}
	struct grub_word w = { 0 };
	bool bad;
	int r = lex_word(lx, &w, &bad);
	if (r < 0) {
		grub_word_free(&w);
		return r;
	}
	const char *plain = grub_word_plain(&w);
	if (plain && (!strcmp(plain, "[[") || !strcmp(plain, "]]"))) {
		grub_word_free(&w);
		return push(lx, GRUB_TOK_BAD, line, NULL, "[[ or ]]");
	}
	if (w.n) {
		r = push(lx, GRUB_TOK_WORD, line, &w, NULL);
		if (r < 0) {
			grub_word_free(&w);
			return r;
		}
	}
	if (bad) /* lexing goes on after the '$' */
		return push(lx, GRUB_TOK_BAD, line, NULL, "a '$' without a variable name");
	if (!w.n && lx->p == p)
		lx->p++; /* a lone '\' at the very end */
	return 0;
}

int grub_lex(const char *name, const char *text, size_t max, struct grub_tokens *ret,
	     kb_error *err)
{
	struct grub_tokens t = { 0 };
	struct lexer lx = { .name = name, .p = text, .line = 1, .t = &t, .max = max + 2, .err = err };
	int r = 0;
	while (*lx.p && r >= 0)
		r = lex_one(&lx);
	if (r >= 0)
		r = push(&lx, GRUB_TOK_NEWLINE, lx.line, NULL, NULL); /* GRUB ends every line */
	if (r >= 0)
		r = push(&lx, GRUB_TOK_EOF, lx.line, NULL, NULL);
	if (r < 0) {
		grub_tokens_free(&t);
		return r;
	}
	*ret = t;
	return 0;
}
