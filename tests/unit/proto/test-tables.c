/* The wire format and the message-type table, pinned down. */
#include "helpers.h"
#include "samples.h"

#include <string.h>

static void test_header_layout(void **state)
{
	static const uint8_t want[CHAN_HDR_SIZE] = {
		'S', 'V', 'C', '1',		/* magic */
		CHAN_MSG_ACTIVATE, 0,		/* type */
		0, 0,				/* flags */
		0x04, 0x03, 0x02, 0x01,		/* seq */
		0, 0, 0, 0,			/* payload_len */
	};
	uint8_t buf[64];
	size_t len = 0;

	assert_int_equal(chan_encode(CHAN_MSG_ACTIVATE, 0x01020304, sample_body(CHAN_MSG_ACTIVATE),
				     buf, sizeof(buf), &len), CHAN_OK);
	assert_int_equal(len, CHAN_HDR_SIZE);
	assert_memory_equal(buf, want, CHAN_HDR_SIZE);
	assert_int_equal(chan_encode(CHAN_MSG_CONFIG_INTERRUPT, 0,
				     sample_body(CHAN_MSG_CONFIG_INTERRUPT), buf, sizeof(buf), &len),
			 CHAN_OK);
	/* ConfigInterrupt { msix_vector 0 }: two payload bytes */
	assert_int_equal(len, CHAN_HDR_SIZE + 2);
	assert_int_equal(buf[12], 2);
	assert_int_equal(buf[CHAN_HDR_SIZE], 0x08);
}

static void test_fd_counts(void **state)
{
	static const struct {
		enum chan_msg_type type;
		unsigned int nfds;
	} with_fds[] = {
		{ CHAN_MSG_MEMORY_MAP, 1 },	  { CHAN_MSG_ATTACH_BACKEND, 1 },
		{ CHAN_MSG_MAILBOX, 3 },	  { CHAN_MSG_QUEUE_SETUP, 2 },
		{ CHAN_MSG_CONFIG_INTERRUPT, 1 }, { CHAN_MSG_UPDATE_BACKEND, 1 },
	};
	unsigned int total = 0, max = 0;

	for (size_t i = 0; i < sizeof(with_fds) / sizeof(with_fds[0]); i++)
		assert_int_equal(chan_msg_info(with_fds[i].type)->nfds, with_fds[i].nfds);
	for (unsigned int t = CHAN_MSG_FIRST; t <= CHAN_MSG_LAST; t++) {
		total += chan_msg_info(t)->nfds;
		if (chan_msg_info(t)->nfds > max)
			max = chan_msg_info(t)->nfds;
	}
	/* ...and every other type carries none. */
	assert_int_equal(total, 1 + 1 + 3 + 2 + 1 + 1);
	assert_int_equal(max, CHAN_MAX_FDS);
}

static void test_table_complete(void **state)
{
	for (unsigned int t = CHAN_MSG_FIRST; t <= CHAN_MSG_LAST; t++) {
		const struct chan_msg_info *info = chan_msg_info(t);

		assert_non_null(info);
		assert_non_null(info->name);
		assert_non_null(info->descriptor);
		assert_true(info->dir == CHAN_DIR_TO_WORKER || info->dir == CHAN_DIR_TO_CORE ||
			    info->dir == CHAN_DIR_BOTH);
		assert_ptr_equal(sample_body(t)->descriptor, info->descriptor);
	}
	assert_null(chan_msg_info(0));
	assert_null(chan_msg_info(CHAN_MSG_LAST + 1));
	assert_null(chan_msg_info(0xffff));
	assert_int_equal(chan_msg_info(CHAN_MSG_HELLO)->dir, CHAN_DIR_BOTH);
	assert_int_equal(chan_msg_info(CHAN_MSG_EVENT)->dir, CHAN_DIR_TO_CORE);
	assert_int_equal(chan_msg_info(CHAN_MSG_QUEUE_SETUP)->dir, CHAN_DIR_TO_WORKER);
}

static void test_error_names(void **state)
{
	for (int i = 0; i < CHAN_ERR_COUNT; i++) {
		const char *name = chan_strerror(i);

		assert_non_null(name);
		assert_true(name[0] != '\0');
		assert_string_not_equal(name, "unknown channel error");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(name, chan_strerror(j));
	}
	assert_string_equal(chan_strerror(CHAN_ERR_COUNT), "unknown channel error");
	assert_string_equal(chan_strerror((enum chan_err)-1), "unknown channel error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_layout),
		cmocka_unit_test(test_fd_counts),
		cmocka_unit_test(test_table_complete),
		cmocka_unit_test(test_error_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
