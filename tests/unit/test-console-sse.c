/* The console's reading of kbootd's event stream: each event on its own,
 * however the stream is cut into reads. */
#include "console/sse.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

struct seen {
	char types[8][32];
	char data[8][64];
	size_t n;
};

static void feed(struct kb_buf *b, const char *text, struct seen *s)
{
	assert_int_equal(kb_buf_adds(b, text), 0);
	struct kbc_sse_event ev;
	size_t used;
	while (kbc_sse_next(b, &ev, &used)) {
		assert_true(s->n < 8);
		snprintf(s->types[s->n], sizeof(s->types[0]), "%s", ev.type);
		snprintf(s->data[s->n], sizeof(s->data[0]), "%s", ev.data ? ev.data : "(none)");
		s->n++;
		kbc_sse_drop(b, used);
	}
}

static void test_a_state_event_then_a_log_line_in_one_read(void **state)
{
	struct kb_buf b;
	kb_buf_init(&b, 4096);
	struct seen s = { 0 };
	feed(&b, "event: state\ndata: {\"state\":\"idle\"}\n\nevent: log\ndata: {\"line\":\"x\"}\n\n", &s);
	assert_int_equal(s.n, 2);
	assert_string_equal(s.types[0], "state");
	assert_string_equal(s.data[0], "{\"state\":\"idle\"}");
	assert_string_equal(s.types[1], "log");
	kb_buf_free(&b);
}

static void test_events_cut_anywhere_and_pings(void **state)
{
	struct kb_buf b;
	kb_buf_init(&b, 4096);
	struct seen s = { 0 };
	feed(&b, ": ping\n\nevent: lo", &s);
	assert_int_equal(s.n, 1);
	assert_string_equal(s.data[0], "(none)");
	feed(&b, "g\ndata: a\n", &s);
	assert_int_equal(s.n, 1);
	feed(&b, "\nevent:countdown\r\ndata:{}\r\n\r\ndata: plain\n\n", &s);
	assert_int_equal(s.n, 4);
	assert_string_equal(s.types[1], "log");
	assert_string_equal(s.types[2], "countdown");
	assert_string_equal(s.data[2], "{}");
	assert_string_equal(s.types[3], "message");
	assert_int_equal(b.len, 0);
	kb_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_state_event_then_a_log_line_in_one_read),
		cmocka_unit_test(test_events_cut_anywhere_and_pings),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
