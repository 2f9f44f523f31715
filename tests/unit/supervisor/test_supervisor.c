/* The worker supervisor against the real vmm-worker-rng binary: spawn and
 * Hello, a refused Configure, a worker killed behind the core's back, and
 * shutdown leaving no child behind. */
#include <errno.h>
#include <event2/event.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "channel.h"
#include "supervisor.h"

static const char *worker_dir(void)
{
	const char *d = getenv("SPLITVM_RNG_WORKER_DIR");

	assert_non_null(d);
	return d;
}

static void assert_no_children(void)
{
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void test_spawn_and_shutdown(void **state)
{
	struct supervisor s;
	struct worker_proc *w;
	char err[256] = "";
	json_t *list;

	(void)state;
	assert_int_equal(supervisor_init(&s, worker_dir(), NULL), 0);
	w = supervisor_spawn(&s, "rng", CTL__DEVICE_TYPE__DEVICE_RNG, "rng0", err, sizeof(err));
	assert_non_null(w);
	assert_true(w->pid > 0);
	assert_int_equal(kill(w->pid, 0), 0);
	list = supervisor_workers_json(&s);
	assert_int_equal(json_array_size(list), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "id")),
			    "rng0");
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0),
							      "state")), "starting");
	json_decref(list);
	supervisor_shutdown(&s);
	assert_no_children();
}

static void test_refused_call(void **state)
{
	Ctl__Configure cfg = CTL__CONFIGURE__INIT;
	Ctl__BlkConfig blk = CTL__BLK_CONFIG__INIT;
	struct supervisor s;
	struct worker_proc *w;
	char err[256] = "";

	(void)state;
	assert_int_equal(supervisor_init(&s, worker_dir(), NULL), 0);
	w = supervisor_spawn(&s, "rng", CTL__DEVICE_TYPE__DEVICE_RNG, "rng0", err, sizeof(err));
	assert_non_null(w);
	/* A block configuration sent to the entropy worker. */
	cfg.transport = CTL__TRANSPORT__TRANSPORT_PCI;
	cfg.device_case = CTL__CONFIGURE__DEVICE_BLK;
	blk.cache_type = CTL__CACHE_TYPE__CACHE_UNSAFE;
	blk.io_engine = CTL__IO_ENGINE__IO_ENGINE_SYNC;
	cfg.blk = &blk;
	err[0] = '\0';
	assert_int_equal(worker_proc_call(w, CHAN_MSG_CONFIGURE, &cfg, NULL, 0, err, sizeof(err)),
			 -EINVAL);
	assert_true(err[0] != '\0');
	/* The worker is still there and answers the next call. */
	assert_int_equal(kill(w->pid, 0), 0);
	supervisor_shutdown(&s);
	assert_no_children();
}

static void test_missing_binary(void **state)
{
	struct supervisor s;
	char err[256] = "";

	(void)state;
	assert_int_equal(supervisor_init(&s, "/nonexistent-splitvm-dir", NULL), 0);
	assert_null(supervisor_spawn(&s, "rng", CTL__DEVICE_TYPE__DEVICE_RNG, "rng0", err,
				     sizeof(err)));
	assert_non_null(strstr(err, "vmm-worker-rng"));
	assert_int_equal(s.n, 0);
	assert_no_children();
}

static void test_wrong_device_type(void **state)
{
	struct supervisor s;
	char err[256] = "";

	(void)state;
	assert_int_equal(supervisor_init(&s, worker_dir(), NULL), 0);
	/* The rng binary answers Hello as an entropy device. */
	assert_null(supervisor_spawn(&s, "rng", CTL__DEVICE_TYPE__DEVICE_BLK, "blk0", err,
				     sizeof(err)));
	assert_non_null(strstr(err, "handshake"));
	assert_no_children();
}

struct exit_seen {
	unsigned int calls;
	struct event_base *base;
};

static void on_exit_cb(void *opaque, struct worker_proc *w)
{
	struct exit_seen *e = opaque;

	(void)w;
	e->calls++;
	event_base_loopbreak(e->base);
}

static void test_killed_worker_reported(void **state)
{
	struct exit_seen seen = { 0 };
	struct timeval limit = { .tv_sec = 10 };
	struct supervisor s;
	struct worker_proc *w;
	char err[256] = "";

	(void)state;
	seen.base = event_base_new();
	assert_non_null(seen.base);
	assert_int_equal(supervisor_init(&s, worker_dir(), seen.base), 0);
	w = supervisor_spawn(&s, "rng", CTL__DEVICE_TYPE__DEVICE_RNG, "rng0", err, sizeof(err));
	assert_non_null(w);
	worker_proc_set_on_exit(w, on_exit_cb, &seen);
	assert_int_equal(w->state, WORKER_RUNNING);
	assert_int_equal(kill(w->pid, SIGKILL), 0);
	event_base_loopexit(seen.base, &limit);
	event_base_dispatch(seen.base);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(w->state, WORKER_FAILED);
	assert_int_equal(w->failures, 1);
	assert_non_null(strstr(w->how, "signal 9"));
	supervisor_shutdown(&s);
	assert_no_children();
	event_base_free(seen.base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spawn_and_shutdown),
		cmocka_unit_test(test_refused_call),
		cmocka_unit_test(test_missing_binary),
		cmocka_unit_test(test_wrong_device_type),
		cmocka_unit_test(test_killed_worker_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
