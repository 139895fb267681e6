/* test and [ with the semantics of GRUB's commands/test.c, which are not
 * test(1)'s: a 3-word comparison is tried before anything else, -a and
 * -o do not short-circuit and -o simply ends an "and" group, numbers
 * read as C literals (010 is 8), a lone word is true when not empty, and
 * an empty expression is true. -s is false for "" and for a directory;
 * -e on a device GRUB would not find is false. */
#include "grub.h"
#include "discover-util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct test {
	struct grub_run *g;
	char **a;
	size_t n;
	size_t i;
};

struct group {
	bool and, or, invert;
};

static void update(struct group *c, bool v)
{
	c->and = c->and && (c->invert ? !v : v);
	c->invert = false;
}

static long number(const char *s)
{
	bool neg = s[0] == '-';
	unsigned long v = strtoul(s + neg, NULL, 0);
	return (long)(neg ? 0UL - v : v);
}

/* -pgt/-plt: compare the numbers after the common prefix (GRUB's rule,
 * including that it never backs up over a digit at position 0). */
static bool prefixed_greater(const char *x, const char *y, bool greater)
{
	size_t i = 0;
	while (x[i] && x[i] == y[i])
		i++;
	if (i > 0) {
		i--;
		while (i > 0 && isdigit((unsigned char)x[i]))
			i--;
		i++;
	}
	unsigned long a = strtoul(x + i, NULL, 0), b = strtoul(y + i, NULL, 0);
	return greater ? a > b : a < b;
}

static bool mtime_of(struct grub_run *g, const char *word, struct timespec *ret)
{
	char dev[KB_PATH_DEVICE_MAX], path[KB_PATH_MAX], local[KB_PATH_MAX];
	struct stat st;
	if (grub_file_where(g, word, dev, sizeof(dev), path, sizeof(path)) != GRUB_HERE ||
	    !kb_fs_exists(g->fs, path) || kb_fs_local(g->fs, path, local, sizeof(local)) < 0 ||
	    stat(local, &st) < 0)
		return false;
	*ret = st.st_mtim;
	return true;
}

static bool three(struct test *t, struct group *c)
{
	const char *x = t->a[t->i], *op = t->a[t->i + 1], *y = t->a[t->i + 2];
	int cmp = strcmp(x, y);
	bool v;
	if (!strcmp(op, "=") || !strcmp(op, "=="))
		v = cmp == 0;
	else if (!strcmp(op, "!="))
		v = cmp != 0;
	else if (!strcmp(op, "<"))
		v = cmp < 0;
	else if (!strcmp(op, "<="))
		v = cmp <= 0;
	else if (!strcmp(op, ">"))
		v = cmp > 0;
	else if (!strcmp(op, ">="))
		v = cmp >= 0;
	else if (!strcmp(op, "-eq"))
		v = number(x) == number(y);
	else if (!strcmp(op, "-ne"))
		v = number(x) != number(y);
	else if (!strcmp(op, "-lt"))
		v = number(x) < number(y);
	else if (!strcmp(op, "-le"))
		v = number(x) <= number(y);
	else if (!strcmp(op, "-gt"))
		v = number(x) > number(y);
	else if (!strcmp(op, "-ge"))
		v = number(x) >= number(y);
	else if (!strcmp(op, "-pgt") || !strcmp(op, "-plt"))
		v = prefixed_greater(x, y, op[2] == 'g');
	else if (!strncmp(op, "-nt", 3) || !strncmp(op, "-ot", 3)) {
		struct timespec mx, my;
		bool ex = mtime_of(t->g, x, &mx), ey = mtime_of(t->g, y, &my);
		long bias = op[3] ? number(op + 3) : 0;
		long long dx = ex ? (long long)mx.tv_sec + bias : 0, dy = ey ? (long long)my.tv_sec : 0;
		v = op[1] == 'n' ? (ex && !ey) || (ex && ey && dx > dy) :
				   (!ex && ey) || (ex && ey && dx < dy);
	} else
		return false;
	update(c, v);
	t->i += 3;
	return true;
}

static bool two(struct test *t, struct group *c)
{
	const char *op = t->a[t->i], *x = t->a[t->i + 1];
	if (op[0] != '-' || !op[1] || op[2] || !strchr("defsnz", op[1]))
		return false;
	if (op[1] == 'n')
		update(c, x[0] != '\0');
	else if (op[1] == 'z')
		update(c, x[0] == '\0');
	else
		update(c, grub_file_test(t->g, op[1], x));
	t->i += 2;
	return true;
}

static bool parse(struct test *t, unsigned depth)
{
	struct group c = { .and = true };
	while (t->i < t->n) {
		if (t->i + 2 < t->n && three(t, &c))
			continue;
		if (t->i + 1 < t->n && two(t, &c))
			continue;
		const char *w = t->a[t->i++];
		if (!strcmp(w, ")") && depth > 0)
			return c.or || c.and;
		if (!strcmp(w, ")"))
			return c.or || c.and; /* GRUB: a stray ')' ends the expression too */
		if (!strcmp(w, "(")) {
			/* GRUB caps its recursion too; past ours the rest reads as words */
			update(&c, depth < GRUB_NEST_DEPTH_MAX ? parse(t, depth + 1) : true);
		} else if (!strcmp(w, "!")) {
			c.invert = !c.invert;
		} else if (!strcmp(w, "-a")) {
			continue;
		} else if (!strcmp(w, "-o")) {
			c.or = c.or || c.and;
			c.and = true;
		} else {
			update(&c, w[0] != '\0');
		}
	}
	return c.or || c.and;
}

int grub_cmd_test(struct grub_run *g, char **argv, size_t argc, const struct grub_node *block,
		  unsigned line, int *status)
{
	size_t n = argc - 1;
	if (!strcmp(argv[0], "[")) {
		if (n == 0 || strcmp(argv[n], "]") != 0) {
			*status = 2; /* "] expected" */
			return 0;
		}
		n--;
	}
	struct test t = { .g = g, .a = argv + 1, .n = n };
	*status = parse(&t, 0) ? 0 : 1;
	return 0;
}
