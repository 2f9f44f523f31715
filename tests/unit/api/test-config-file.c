/* api_apply_config_file(): Firecracker's --config-file format through the
 * API's own validation, and the sections splitvm refuses by name. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"

static int apply(struct fixture *f, const char *json, char *err, size_t errlen)
{
	err[0] = '\0';
	return api_apply_config_file(f->ctx, json, strlen(json), err, errlen);
}

static void expect_error(struct fixture *f, const char *json, int rc, const char *want)
{
	char err[512];
	int got = apply(f, json, err, sizeof(err));

	if (got != rc || !strstr(err, want))
		fail_msg("expected %d \"%s\", got %d \"%s\" for %s", rc, want, got, err, json);
}

static void test_valid(void **state)
{
	struct fixture *f = *state;
	char json[2048], err[512];

	snprintf(json, sizeof(json),
		 "{\"boot-source\": {\"kernel_image_path\": \"%s\", \"initrd_path\": \"%s\", "
		 "  \"boot_args\": \"console=ttyS0\"},"
		 " \"machine-config\": {\"vcpu_count\": 2, \"mem_size_mib\": 256, \"smt\": false},"
		 " \"metrics\": {\"metrics_path\": \"%s\"},"
		 " \"serial\": {\"serial_out_path\": \"console.log\"},"
		 " \"drives\": [], \"network-interfaces\": [],"
		 " \"vsock\": null, \"balloon\": null, \"logger\": null,"
		 " \"entropy\": {\"rate_limiter\": {\"ops\": {\"size\": 10, \"refill_time\": 1000}}}}",
		 f->kernel, f->initrd, f->metrics);
	assert_int_equal(apply(f, json, err, sizeof(err)), 0);
	assert_string_equal(f->cfg.boot.kernel_image_path, f->kernel);
	assert_string_equal(f->cfg.boot.initrd_path, f->initrd);
	assert_string_equal(f->cfg.boot.boot_args, "console=ttyS0");
	assert_int_equal(f->cfg.machine.vcpu_count, 2);
	assert_int_equal(f->cfg.machine.mem_size_mib, 256);
	assert_string_equal(f->cfg.metrics.metrics_path, f->metrics);
	assert_string_equal(f->cfg.serial.serial_out_path, "console.log");
	assert_false(f->cfg.logger_configured);
	assert_true(f->cfg.entropy.present);
	assert_int_equal(f->cfg.entropy.rate_limiter.ops.size, 10);
	assert_int_equal(f->vmm.starts, 0);

	/* main.c then boots it, as Firecracker does with --config-file. */
	assert_int_equal(api_instance_start(f->ctx, err, sizeof(err)), 0);
	assert_int_equal(f->vmm.starts, 1);
	assert_ptr_equal(f->vmm.started_cfg, &f->cfg);
	assert_int_equal(api_instance_start(f->ctx, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "The requested operation is not supported after starting the microVM.");
	assert_int_equal(f->vmm.starts, 1);
}

static void test_minimal(void **state)
{
	struct fixture *f = *state;
	char json[512], err[512];

	snprintf(json, sizeof(json), "{\"boot-source\": {\"kernel_image_path\": \"%s\"}}", f->kernel);
	assert_int_equal(apply(f, json, err, sizeof(err)), 0);
	assert_int_equal(f->cfg.machine.vcpu_count, 1);
	assert_int_equal(f->cfg.machine.mem_size_mib, 128);
}

static void test_invalid(void **state)
{
	struct fixture *f = *state;
	char json[1024];

	expect_error(f, "{\"boot-source\": ", -EINVAL, "Invalid JSON in the config file");
	expect_error(f, "[]", -EINVAL, "expected a JSON object");
	expect_error(f, "{}", -EINVAL, "missing section \"boot-source\"");
	expect_error(f, "{\"boot-source\": null}", -EINVAL, "missing section \"boot-source\"");
	expect_error(f, "{\"boot-source\": {\"kernel_image_path\": \"/nonexistent\"}}", -EINVAL,
		     "Invalid \"boot-source\" section: The kernel file cannot be opened");
	snprintf(json, sizeof(json), "{\"boot-source\": {\"kernel_image_path\": \"%s\"}, "
		 "\"machine-config\": {\"vcpu_count\": 0, \"mem_size_mib\": 128}}", f->kernel);
	expect_error(f, json, -EINVAL,
		     "Invalid \"machine-config\" section: The number of vCPUs must be greater than 0");
	snprintf(json, sizeof(json), "{\"boot-source\": {\"kernel_image_path\": \"%s\"}, "
		 "\"machine-config\": {\"vcpu_count\": 1, \"mem_size_mib\": 128, \"vcpus\": 2}}",
		 f->kernel);
	expect_error(f, json, -EINVAL, "unknown field `vcpus`");
	snprintf(json, sizeof(json), "{\"boot-source\": {\"kernel_image_path\": \"%s\"}, "
		 "\"machine_config\": {\"vcpu_count\": 1, \"mem_size_mib\": 128}}", f->kernel);
	expect_error(f, json, -EINVAL, "Unknown section \"machine_config\"");
	snprintf(json, sizeof(json), "{\"boot-source\": {\"kernel_image_path\": \"%s\"}, "
		 "\"drives\": {}}", f->kernel);
	expect_error(f, json, -EINVAL, "Invalid \"drives\" section: expected a list");
}

static void test_unsupported_sections(void **state)
{
	static const char *const sections[] = { "vsock", "balloon", "mmds-config", "cpu-config" };
	struct fixture *f = *state;
	char json[1024], want[128];

	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++) {
		snprintf(json, sizeof(json), "{\"boot-source\": {\"kernel_image_path\": \"%s\"}, "
			 "\"%s\": {\"x\": 1}}", f->kernel, sections[i]);
		snprintf(want, sizeof(want), "The \"%s\" section is not supported by splitvm yet",
			 sections[i]);
		expect_error(f, json, -EOPNOTSUPP, want);
	}
	snprintf(json, sizeof(json), "{\"boot-source\": {\"kernel_image_path\": \"%s\"}, "
		 "\"drives\": [{\"drive_id\": \"rootfs\", \"path_on_host\": \"x\", "
		 "\"is_root_device\": true, \"is_read_only\": false}]}", f->kernel);
	expect_error(f, json, -EOPNOTSUPP, "The \"drives\" section is not supported by splitvm yet "
		     "(it lists 1 device;");
	snprintf(json, sizeof(json), "{\"network-interfaces\": [{}, {}], "
		 "\"boot-source\": {\"kernel_image_path\": \"%s\"}}", f->kernel);
	expect_error(f, json, -EOPNOTSUPP, "\"network-interfaces\" section is not supported");
	/* Nothing was applied: keys are checked before any section. */
	assert_null(f->cfg.boot.kernel_image_path);
	/* "entropy" is applied through PUT /entropy's checks. */
	snprintf(json, sizeof(json), "{\"boot-source\": {\"kernel_image_path\": \"%s\"}, "
		 "\"entropy\": {\"x\": 1}}", f->kernel);
	expect_error(f, json, -EINVAL, "unknown field `x`, expected `rate_limiter`");
	assert_false(f->cfg.entropy.present);
	snprintf(json, sizeof(json), "{\"boot-source\": {\"kernel_image_path\": \"%s\"}, "
		 "\"entropy\": {\"rate_limiter\": {\"ops\": {\"size\": -3, \"refill_time\": 1}}}}",
		 f->kernel);
	expect_error(f, json, -EINVAL, "invalid value: integer `-3`");
	assert_false(f->cfg.entropy.present);
	/* null is "absent", as for every optional section. */
	snprintf(json, sizeof(json), "{\"boot-source\": {\"kernel_image_path\": \"%s\"}, "
		 "\"entropy\": null}", f->kernel);
	assert_int_equal(apply(f, json, want, sizeof(want)), 0);
	assert_false(f->cfg.entropy.present);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid),
		T(test_minimal),
		T(test_invalid),
		T(test_unsupported_sections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
