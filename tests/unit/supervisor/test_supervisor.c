/* The worker supervisor against the real vmm-worker-rng binary (spawn and
 * Hello, a refused Configure, a worker killed behind the core's back) and
 * against vmm-worker-fake, which misbehaves on request: a stale protocol,
 * an early exit, an unsolicited Reply, a NEEDS_RESET event, silence.
 * Every test ends with no child process left, reaped or not. */
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
#include "log.h"
#include "supervisor.h"

static const char *worker_dir(void)
{
	const char *d = getenv("SPLITVM_RNG_WORKER_DIR");

	assert_non_null(d);
	return d;
}

static const char *fake_dir(void)
{
	const char *d = getenv("SPLITVM_FAKE_WORKER_DIR");

	assert_non_null(d);
	return d;
}

/* Spawns vmm-worker-fake in the given mode; NULL with err if refused. */
static struct worker_proc *spawn_fake(struct supervisor *s, struct event_base *base,
				      const char *mode, char *err, size_t errlen)
{
	assert_int_equal(setenv("SPLITVM_FAKE_WORKER", mode, 1), 0);
	assert_int_equal(supervisor_init(s, fake_dir(), base), 0);
	return supervisor_spawn(s, "fake", CTL__DEVICE_TYPE__DEVICE_RNG, "fake0", err, errlen);
}

/* Spawns the real entropy worker as device id; it must come up. */
static struct worker_proc *spawn_rng(struct supervisor *s, const char *id)
{
	char err[256] = "";
	struct worker_proc *w = supervisor_spawn(s, "rng", CTL__DEVICE_TYPE__DEVICE_RNG, id, err,
						 sizeof(err));

	if (!w)
		fail_msg("spawning vmm-worker-rng: %s", err);
	return w;
}

/* The log goes to a temporary file that the test can read back. */
static FILE *capture_log(void)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	log_set_fd(fileno(f));
	return f;
}

static char *captured_log(FILE *f)
{
	static char buf[8192];
	size_t n;

	log_set_fd(STDERR_FILENO);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
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
	json_t *list;

	(void)state;
	assert_int_equal(supervisor_init(&s, worker_dir(), NULL), 0);
	w = spawn_rng(&s, "rng0");
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

/* The worker's command line: its name, then --mailbox-spin-us=N only
 * when polling is wanted. */
static void assert_worker_argv(pid_t pid, const char *want, size_t want_len)
{
	char path[64], buf[256];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(n, want_len);
	assert_memory_equal(buf, want, want_len);
}

static void test_worker_poll_argument(void **state)
{
	static const char plain[] = "vmm-worker-rng";
	static const char polling[] = "vmm-worker-rng\0--mailbox-spin-us=50";
	struct supervisor s;
	struct worker_proc *w;

	(void)state;
	assert_int_equal(supervisor_init(&s, worker_dir(), NULL), 0);
	w = spawn_rng(&s, "rng0");
	assert_worker_argv(w->pid, plain, sizeof(plain));
	s.worker_poll_us = 50;
	w = spawn_rng(&s, "rng1");
	assert_worker_argv(w->pid, polling, sizeof(polling));
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
	w = spawn_rng(&s, "rng0");
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
	/* Both sides are named. */
	assert_non_null(strstr(err, "DEVICE_RNG"));
	assert_non_null(strstr(err, "DEVICE_BLK"));
	assert_no_children();
}

static void test_old_protocol(void **state)
{
	struct supervisor s;
	char err[256] = "";

	(void)state;
	assert_null(spawn_fake(&s, NULL, "old-protocol", err, sizeof(err)));
	assert_non_null(strstr(err, "protocol version 42"));
	assert_non_null(strstr(err, "vmm-core speaks 1"));
	assert_int_equal(s.n, 0);
	assert_no_children();
}

static void test_exits_before_hello(void **state)
{
	struct supervisor s;
	char err[256] = "";

	(void)state;
	assert_null(spawn_fake(&s, NULL, "exit", err, sizeof(err)));
	assert_non_null(strstr(err, "vmm-worker-fake"));
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
	char want[128];
	json_t *list;
	FILE *log;

	(void)state;
	seen.base = event_base_new();
	assert_non_null(seen.base);
	assert_int_equal(supervisor_init(&s, worker_dir(), seen.base), 0);
	w = spawn_rng(&s, "rng0");
	worker_proc_set_on_exit(w, on_exit_cb, &seen);
	assert_int_equal(w->state, WORKER_RUNNING);
	log = capture_log();
	assert_int_equal(kill(w->pid, SIGKILL), 0);
	event_base_loopexit(seen.base, &limit);
	event_base_dispatch(seen.base);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(w->state, WORKER_FAILED);
	assert_int_equal(w->failures, 1);
	assert_non_null(strstr(w->how, "signal 9"));
	/* One line names the worker, its pid, its device and how it ended. */
	snprintf(want, sizeof(want), "vmm-worker-rng (pid %d) for device rng0 killed by signal 9",
		 (int)w->pid);
	assert_non_null(strstr(captured_log(log), want));
	list = supervisor_workers_json(&s);
	assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0),
							      "state")), "failed");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0),
							    "failures")), 1);
	json_decref(list);
	supervisor_shutdown(&s);
	assert_no_children();
	event_base_free(seen.base);
}

/* A Reply nobody asked for breaks the protocol: the supervisor kills the
 * worker, and its exit reaches the owner like any other. */
static void test_hostile_worker_killed(void **state)
{
	struct exit_seen seen = { 0 };
	struct timeval limit = { .tv_sec = 10 };
	struct supervisor s;
	struct worker_proc *w;
	char err[256] = "";

	(void)state;
	seen.base = event_base_new();
	assert_non_null(seen.base);
	w = spawn_fake(&s, seen.base, "hostile", err, sizeof(err));
	assert_non_null(w);
	worker_proc_set_on_exit(w, on_exit_cb, &seen);
	event_base_loopexit(seen.base, &limit);
	event_base_dispatch(seen.base);
	assert_int_equal(seen.calls, 1);
	assert_true(atomic_load(&w->kill_requested));
	assert_int_equal(w->state, WORKER_FAILED);
	assert_non_null(strstr(w->how, "signal 9"));
	supervisor_shutdown(&s);
	assert_no_children();
	event_base_free(seen.base);
}

static void on_guard(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(bool *)arg = true;
}

static void test_needs_reset_event(void **state)
{
	struct timeval limit = { .tv_sec = 10 };
	struct event_base *base = event_base_new();
	struct event *guard;
	struct supervisor s;
	struct worker_proc *w;
	bool expired = false;
	char err[256] = "";
	json_t *list, *entry;

	(void)state;
	assert_non_null(base);
	guard = evtimer_new(base, on_guard, &expired);
	assert_non_null(guard);
	w = spawn_fake(&s, base, "needs-reset", err, sizeof(err));
	assert_non_null(w);
	worker_proc_set_on_exit(w, NULL, NULL);
	assert_int_equal(evtimer_add(guard, &limit), 0);
	while (w->events == 0 && !expired)
		assert_true(event_base_loop(base, EVLOOP_ONCE) >= 0);
	assert_false(expired);
	assert_int_equal(w->state, WORKER_NEEDS_RESET);
	list = supervisor_workers_json(&s);
	entry = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(entry, "state")), "needs_reset");
	assert_int_equal(json_integer_value(json_object_get(entry, "events")), 1);
	assert_int_equal(json_integer_value(json_object_get(entry, "failures")), 0);
	json_decref(list);
	/* This worker obeys Shutdown: it leaves on its own, with status 0. */
	supervisor_shutdown(&s);
	assert_no_children();
	event_free(guard);
	event_base_free(base);
}

/* A worker that never answers costs the caller one deadline, then dies. */
static void test_silent_worker_call(void **state)
{
	Ctl__Pause pause = CTL__PAUSE__INIT;
	struct supervisor s;
	struct worker_proc *w;
	char err[256] = "";

	(void)state;
	w = spawn_fake(&s, NULL, "mute", err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(worker_proc_call(w, CHAN_MSG_PAUSE, &pause, NULL, 0, err, sizeof(err)),
			 -ETIMEDOUT);
	assert_non_null(strstr(err, "no answer"));
	assert_true(atomic_load(&w->kill_requested));
	supervisor_shutdown(&s);
	assert_no_children();
}

/* One worker ignores Shutdown: it is SIGKILLed and reaped with the rest. */
static void test_shutdown_kills_stragglers(void **state)
{
	struct supervisor s;
	struct worker_proc *w;
	char err[256] = "";

	(void)state;
	w = spawn_fake(&s, NULL, "mute", err, sizeof(err));
	assert_non_null(w);
	w = supervisor_spawn(&s, "fake", CTL__DEVICE_TYPE__DEVICE_RNG, "fake1", err, sizeof(err));
	assert_non_null(w);
	assert_int_equal(s.n, 2);
	supervisor_shutdown(&s);
	assert_int_equal(s.n, 0);
	assert_no_children();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spawn_and_shutdown),
		cmocka_unit_test(test_worker_poll_argument),
		cmocka_unit_test(test_refused_call),
		cmocka_unit_test(test_missing_binary),
		cmocka_unit_test(test_wrong_device_type),
		cmocka_unit_test(test_killed_worker_reported),
		cmocka_unit_test(test_old_protocol),
		cmocka_unit_test(test_exits_before_hello),
		cmocka_unit_test(test_hostile_worker_killed),
		cmocka_unit_test(test_needs_reset_event),
		cmocka_unit_test(test_silent_worker_call),
		cmocka_unit_test(test_shutdown_kills_stragglers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
