/* Metrics lines: route names without ids, counts by status, vCPU exit sums,
 * sections other parts of the core add, and flushing to a configured path
 * only. */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "metrics.h"
#include "vcpu.h"
#include "vm_config.h"

static json_t *render(struct metrics *m)
{
	char *s = metrics_render(m);
	json_t *j;

	assert_non_null(s);
	j = json_loads(s, 0, NULL);
	free(s);
	assert_non_null(j);
	return j;
}

static void test_routes_and_vcpus(void **state)
{
	struct vm_config cfg;
	struct metrics m;
	static struct vcpu vcpus[2];
	json_t *j, *reqs, *vcpu;
	int seen = 0;

	memset(&cfg, 0, sizeof(cfg));
	metrics_init(&m, &cfg, monotonic_ns());
	metrics_api_request(&m, "PUT", "/drives/rootfs", 204);
	metrics_api_request(&m, "PUT", "/drives/scratch", 204);
	metrics_api_request(&m, "PUT", "/drives/x", 400);
	metrics_api_request(&m, "GET", "/", 200);
	atomic_store(&vcpus[0].stats.exit_io_out, 5);
	atomic_store(&vcpus[1].stats.exit_io_out, 7);
	atomic_store(&vcpus[1].stats.exit_mmio_write, 1);
	metrics_attach_vcpus(&m, vcpus, 2);
	metrics_set_boot_time(&m, 1234);

	j = render(&m);
	assert_int_equal(json_integer_value(json_object_get(j, "boot_time_us")), 1234);
	vcpu = json_object_get(j, "vcpu");
	assert_int_equal(json_integer_value(json_object_get(vcpu, "exit_io_out")), 12);
	assert_int_equal(json_integer_value(json_object_get(vcpu, "exit_mmio_write")), 1);
	reqs = json_object_get(json_object_get(j, "api_server"), "requests");
	assert_int_equal(json_array_size(reqs), 3);
	for (size_t i = 0; i < json_array_size(reqs); i++) {
		json_t *r = json_array_get(reqs, i);
		const char *route = json_string_value(json_object_get(r, "route"));
		int status = (int)json_integer_value(json_object_get(r, "status"));
		int count = (int)json_integer_value(json_object_get(r, "count"));

		if (!strcmp(route, "PUT /drives") && status == 204)
			assert_int_equal(count, 2), seen++;
		else if (!strcmp(route, "PUT /drives") && status == 400)
			assert_int_equal(count, 1), seen++;
		else if (!strcmp(route, "GET /") && status == 200)
			assert_int_equal(count, 1), seen++;
	}
	assert_int_equal(seen, 3);
	json_decref(j);

	/* Detached (VM torn down): the sums are gone, nothing dangles. */
	metrics_attach_vcpus(&m, NULL, 0);
	j = render(&m);
	vcpu = json_object_get(j, "vcpu");
	assert_int_equal(json_integer_value(json_object_get(vcpu, "exit_io_out")), 0);
	json_decref(j);
	metrics_destroy(&m);
}

static void test_route_table_bounded(void **state)
{
	struct vm_config cfg;
	struct metrics m;
	char path[32];

	memset(&cfg, 0, sizeof(cfg));
	metrics_init(&m, &cfg, monotonic_ns());
	for (int i = 0; i < METRICS_MAX_ROUTES + 10; i++) {
		snprintf(path, sizeof(path), "/r%d", i);
		metrics_api_request(&m, "GET", path, 400);
	}
	assert_int_equal(m.n_routes, METRICS_MAX_ROUTES);
	assert_int_equal(m.routes_dropped, 10);
	metrics_destroy(&m);
}

static void test_flush(void **state)
{
	struct vm_config cfg;
	struct metrics m;
	char tmpl[] = "/tmp/splitvm-metrics-XXXXXX", err[256] = "", buf[4096];
	int fd;
	ssize_t n;

	memset(&cfg, 0, sizeof(cfg));
	metrics_init(&m, &cfg, monotonic_ns());
	/* No path configured: success, nothing written (as Firecracker). */
	assert_int_equal(metrics_flush(&m, err, sizeof(err)), 0);

	fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	cfg.metrics.metrics_path = tmpl;
	assert_int_equal(metrics_flush(&m, err, sizeof(err)), 0);
	assert_int_equal(metrics_flush(&m, err, sizeof(err)), 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n > 0);
	buf[n] = '\0';
	/* Two complete lines. */
	assert_non_null(strchr(buf, '\n'));
	assert_non_null(strchr(strchr(buf, '\n') + 1, '\n'));
	assert_int_equal(buf[n - 1], '\n');
	close(fd);
	unlink(tmpl);

	/* A path that does not exist is not created: an error with the path. */
	cfg.metrics.metrics_path = "/nonexistent-dir/metrics";
	assert_int_equal(metrics_flush(&m, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "/nonexistent-dir/metrics"));
	metrics_destroy(&m);
}

struct counter_section {
	int calls;
	bool give_nothing;
};

static json_t *counter_json(void *opaque)
{
	struct counter_section *c = opaque;

	c->calls++;
	return c->give_nothing ? NULL : json_pack("{s:i}", "calls", c->calls);
}

static json_t *other_json(void *opaque)
{
	return json_string(opaque);
}

static void test_sections(void **state)
{
	struct vm_config cfg;
	struct metrics m;
	struct counter_section workers = { 0 };
	char name[METRICS_SECTION_NAME_MAX + 1];
	json_t *j;

	memset(&cfg, 0, sizeof(cfg));
	metrics_init(&m, &cfg, monotonic_ns());
	assert_int_equal(metrics_add_section(&m, "workers", counter_json, &workers), 0);
	assert_int_equal(metrics_add_section(&m, "block_0", other_json, "b"), 0);

	/* Built at each render, under its own key, beside the built-in ones. */
	j = render(&m);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "workers"), "calls")), 1);
	assert_string_equal(json_string_value(json_object_get(j, "block_0")), "b");
	assert_non_null(json_object_get(j, "api_server"));
	json_decref(j);
	j = render(&m);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "workers"), "calls")), 2);
	json_decref(j);

	/* Nothing to say this time: the key is left out, the line is fine. */
	workers.give_nothing = true;
	j = render(&m);
	assert_null(json_object_get(j, "workers"));
	assert_non_null(json_object_get(j, "block_0"));
	json_decref(j);

	/* Refused: duplicates, built-in keys, bad names, no callback. */
	assert_int_equal(metrics_add_section(&m, "workers", counter_json, &workers), -EEXIST);
	assert_int_equal(metrics_add_section(&m, "vcpu", counter_json, &workers), -EINVAL);
	assert_int_equal(metrics_add_section(&m, "api_server", counter_json, &workers), -EINVAL);
	assert_int_equal(metrics_add_section(&m, "", counter_json, &workers), -EINVAL);
	assert_int_equal(metrics_add_section(&m, "Bad-Name", counter_json, &workers), -EINVAL);
	assert_int_equal(metrics_add_section(&m, "x\"y", counter_json, &workers), -EINVAL);
	assert_int_equal(metrics_add_section(&m, NULL, counter_json, &workers), -EINVAL);
	assert_int_equal(metrics_add_section(&m, "net", NULL, &workers), -EINVAL);
	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	assert_int_equal(metrics_add_section(&m, name, counter_json, &workers), -EINVAL);
	name[METRICS_SECTION_NAME_MAX - 1] = '\0';   /* the longest that fits */
	assert_int_equal(metrics_add_section(&m, name, counter_json, &workers), 0);
	assert_int_equal(metrics_remove_section(&m, name), 0);

	/* Removed: its callback is no longer called, the others stay. */
	workers.give_nothing = false;
	assert_int_equal(metrics_remove_section(&m, "workers"), 0);
	assert_int_equal(metrics_remove_section(&m, "workers"), -ENOENT);
	workers.calls = 0;
	j = render(&m);
	assert_int_equal(workers.calls, 0);
	assert_null(json_object_get(j, "workers"));
	assert_string_equal(json_string_value(json_object_get(j, "block_0")), "b");
	json_decref(j);
	metrics_destroy(&m);
}

static void test_sections_bounded(void **state)
{
	struct vm_config cfg;
	struct metrics m;
	char name[16];

	memset(&cfg, 0, sizeof(cfg));
	metrics_init(&m, &cfg, monotonic_ns());
	for (int i = 0; i < METRICS_MAX_SECTIONS; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		assert_int_equal(metrics_add_section(&m, name, other_json, "x"), 0);
	}
	assert_int_equal(metrics_add_section(&m, "one_more", other_json, "x"), -ENOSPC);
	/* A freed slot can be taken again. */
	assert_int_equal(metrics_remove_section(&m, "s3"), 0);
	assert_int_equal(metrics_add_section(&m, "one_more", other_json, "x"), 0);
	metrics_destroy(&m);
}

static void test_route_names_stay_json(void **state)
{
	struct vm_config cfg;
	struct metrics m;
	json_t *j, *reqs;

	memset(&cfg, 0, sizeof(cfg));
	metrics_init(&m, &cfg, monotonic_ns());
	/* Invalid UTF-8 and control bytes from a client's path. */
	metrics_api_request(&m, "GET", "/\xff\xfe\x01" "abc/x", 400);
	j = render(&m);
	reqs = json_object_get(json_object_get(j, "api_server"), "requests");
	assert_int_equal(json_array_size(reqs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 0), "route")),
			    "GET /???abc");
	json_decref(j);
	metrics_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_routes_and_vcpus),
		cmocka_unit_test(test_route_table_bounded),
		cmocka_unit_test(test_flush),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_sections_bounded),
		cmocka_unit_test(test_route_names_stay_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
