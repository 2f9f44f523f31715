/* The API handlers, called without a socket: every route's happy path and
 * the ways a hostile or mistaken client gets a 400 that says what is
 * wrong, with the config left as it was. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "helpers.h"
#include "log.h"

#define POST_BOOT "The requested operation is not supported after starting the microVM."
#define PRE_BOOT "The requested operation is not supported before starting the microVM."
#define DESER "An error occurred when deserializing the json body of a request: "

static const char *jstr(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static json_int_t jint(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static bool jbool(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	assert_true(json_is_boolean(v));
	return json_is_true(v);
}

static void get_ok(struct fixture *f, const char *path, struct reply *r)
{
	do_request(f, "GET", path, NULL, r);
	assert_int_equal(r->status, 200);
	assert_null(r->fault);
}

/* ---- GET / and /version ---- */

static void test_instance_info(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	get_ok(f, "/", &r);
	assert_string_equal(jstr(r.json, "id"), "anonymous-instance");
	assert_string_equal(jstr(r.json, "state"), "Not started");
	assert_string_equal(jstr(r.json, "vmm_version"), "1.2.3");
	assert_string_equal(jstr(r.json, "app_name"), "splitvm");
	assert_int_equal(json_object_size(r.json), 4);
	reply_free(&r);

	start_vm(f);
	get_ok(f, "/", &r);
	assert_string_equal(jstr(r.json, "state"), "Running");
	reply_free(&r);
}

static void test_version(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	get_ok(f, "/version", &r);
	assert_string_equal(jstr(r.json, "firecracker_version"), "1.2.3");
	assert_int_equal(json_object_size(r.json), 1);
	reply_free(&r);
}

/* ---- /machine-config ---- */

static void test_machine_config_defaults(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	get_ok(f, "/machine-config", &r);
	assert_int_equal(jint(r.json, "vcpu_count"), 1);
	assert_int_equal(jint(r.json, "mem_size_mib"), 128);
	assert_false(jbool(r.json, "smt"));
	assert_false(jbool(r.json, "track_dirty_pages"));
	assert_string_equal(jstr(r.json, "huge_pages"), "None");
	reply_free(&r);
}

static void test_put_machine_config(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	must_204(f, "PUT", "/machine-config",
		 "{\"vcpu_count\": 2, \"mem_size_mib\": 256, \"smt\": true, "
		 "\"track_dirty_pages\": true, \"huge_pages\": \"2M\", \"cpu_template\": \"None\"}");
	assert_int_equal(f->cfg.machine.vcpu_count, 2);
	assert_int_equal(f->cfg.machine.mem_size_mib, 256);
	assert_true(f->cfg.machine.smt);
	assert_true(f->cfg.machine.track_dirty_pages);
	assert_true(machine_config_huge_2m(&f->cfg.machine));
	get_ok(f, "/machine-config", &r);
	assert_int_equal(jint(r.json, "vcpu_count"), 2);
	assert_string_equal(jstr(r.json, "huge_pages"), "2M");
	reply_free(&r);

	/* A PUT resets what it does not give to the defaults. */
	must_204(f, "PUT", "/machine-config", "{\"vcpu_count\": 3, \"mem_size_mib\": 64}");
	assert_int_equal(f->cfg.machine.vcpu_count, 3);
	assert_false(f->cfg.machine.smt);
	assert_false(f->cfg.machine.track_dirty_pages);
	assert_string_equal(f->cfg.machine.huge_pages, "None");
	/* 32 is allowed, and 1 with SMT. */
	must_204(f, "PUT", "/machine-config", "{\"vcpu_count\": 32, \"mem_size_mib\": 64}");
	must_204(f, "PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 1, \"smt\": true}");
	/* Trailing slash, as Firecracker ignores it. */
	must_204(f, "PUT", "/machine-config/", "{\"vcpu_count\": 4, \"mem_size_mib\": 64}");
	assert_int_equal(f->cfg.machine.vcpu_count, 4);
}

static void test_patch_machine_config(void **state)
{
	struct fixture *f = *state;

	must_204(f, "PUT", "/machine-config", "{\"vcpu_count\": 4, \"mem_size_mib\": 256, \"smt\": true}");
	must_204(f, "PATCH", "/machine-config", "{\"mem_size_mib\": 512}");
	assert_int_equal(f->cfg.machine.vcpu_count, 4);
	assert_int_equal(f->cfg.machine.mem_size_mib, 512);
	assert_true(f->cfg.machine.smt);
	/* null means "not given" for PATCH (Option<T>). */
	must_204(f, "PATCH", "/machine-config", "{\"vcpu_count\": 2, \"smt\": null}");
	assert_int_equal(f->cfg.machine.vcpu_count, 2);
	assert_true(f->cfg.machine.smt);
	/* The check uses the merged values: smt stays on, so 3 is refused. */
	must_400(f, "PATCH", "/machine-config", "{\"vcpu_count\": 3}", "number of vCPUs");
	must_400(f, "PATCH", "/machine-config", "{}", "Empty PATCH request.");
	must_400(f, "PATCH", "/machine-config", "{\"smt\": null}", "Empty PATCH request.");
}

static void test_machine_config_ranges(void **state)
{
	struct fixture *f = *state;

	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 0, \"mem_size_mib\": 128}",
		 "The number of vCPUs must be greater than 0, less than 32");
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 33, \"mem_size_mib\": 128}",
		 "(vcpu_count 33");
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 256, \"mem_size_mib\": 128}",
		 DESER "invalid value: integer `256`, expected u8.");
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": -1, \"mem_size_mib\": 128}",
		 "invalid value: integer `-1`, expected u8");
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 3, \"mem_size_mib\": 128, \"smt\": true}",
		 "must be 1 or an even number if SMT is enabled");
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 1, \"mem_size_mib\": 0}",
		 "The memory size (MiB) is either 0");
	must_400(f, "PUT", "/machine-config",
		 "{\"vcpu_count\": 1, \"mem_size_mib\": 129, \"huge_pages\": \"2M\"}",
		 "not a multiple of the configured page size");
	must_400(f, "PUT", "/machine-config",
		 "{\"vcpu_count\": 1, \"mem_size_mib\": 9223372036854775807}", "too large");
	must_400(f, "PUT", "/machine-config",
		 "{\"vcpu_count\": 1, \"mem_size_mib\": 99999999999999999999}", DESER);
	must_400(f, "PUT", "/machine-config",
		 "{\"vcpu_count\": 1, \"mem_size_mib\": 128, \"huge_pages\": \"1G\"}",
		 "unknown variant `1G`, expected one of `None`, `2M`");
	must_400(f, "PUT", "/machine-config",
		 "{\"vcpu_count\": 1, \"mem_size_mib\": 128, \"cpu_template\": \"T2\"}",
		 "CPU templates are not supported");
	assert_int_equal(f->cfg.machine.vcpu_count, 1);
	assert_int_equal(f->cfg.machine.mem_size_mib, 128);
}

static void test_machine_config_schema(void **state)
{
	struct fixture *f = *state;

	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 2}",
		 DESER "missing field `mem_size_mib`.");
	must_400(f, "PUT", "/machine-config", "{\"mem_size_mib\": 2}", "missing field `vcpu_count`");
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": \"2\", \"mem_size_mib\": 128}",
		 "invalid type: string \"2\", expected u8");
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 2.0, \"mem_size_mib\": 128}",
		 "invalid type: floating point `2`, expected u8");
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 128, \"smt\": 1}",
		 "invalid type: integer `1`, expected a boolean");
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 128, \"smt\": null}",
		 "invalid type: null, expected a boolean");
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": null, \"mem_size_mib\": 128}",
		 "invalid type: null, expected u8");
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 128, \"foo\": 1}",
		 "unknown field `foo`, expected one of `vcpu_count`, `mem_size_mib`, `smt`");
	must_400(f, "PUT", "/machine-config", "[2, 128]", "invalid type: sequence, expected a JSON object");
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 2,", DESER);
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 2} trailing", DESER);
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 2, \"vcpu_count\": 4, \"mem_size_mib\": 1}",
		 "duplicate");
	must_400(f, "PUT", "/machine-config", "   ", DESER);
}

/* ---- /boot-source ---- */

static void test_boot_source(void **state)
{
	struct fixture *f = *state;
	char body[1024];
	struct reply r;
	json_t *bs;

	snprintf(body, sizeof(body), "{\"kernel_image_path\": \"%s\", \"initrd_path\": \"%s\", "
		 "\"boot_args\": \"console=ttyS0 reboot=k\"}", f->kernel, f->initrd);
	must_204(f, "PUT", "/boot-source", body);
	assert_string_equal(f->cfg.boot.kernel_image_path, f->kernel);
	assert_string_equal(f->cfg.boot.initrd_path, f->initrd);
	assert_string_equal(f->cfg.boot.boot_args, "console=ttyS0 reboot=k");

	get_ok(f, "/vm/config", &r);
	bs = json_object_get(r.json, "boot-source");
	assert_string_equal(jstr(bs, "kernel_image_path"), f->kernel);
	assert_string_equal(jstr(bs, "boot_args"), "console=ttyS0 reboot=k");
	reply_free(&r);

	/* A new PUT replaces the whole boot source. */
	snprintf(body, sizeof(body), "{\"kernel_image_path\": \"%s\", \"boot_args\": null}", f->kernel);
	must_204(f, "PUT", "/boot-source", body);
	assert_null(f->cfg.boot.initrd_path);
	assert_null(f->cfg.boot.boot_args);
	get_ok(f, "/vm/config", &r);
	bs = json_object_get(r.json, "boot-source");
	assert_null(json_object_get(bs, "boot_args"));
	assert_true(json_is_null(json_object_get(bs, "initrd_path")));
	reply_free(&r);
}

static void test_boot_source_bad(void **state)
{
	struct fixture *f = *state;
	char body[4096 + 256];
	char *longargs;

	must_400(f, "PUT", "/boot-source", "{\"kernel_image_path\": \"/nonexistent/vmlinux\"}",
		 "The kernel file cannot be opened: /nonexistent/vmlinux: No such file or directory");
	snprintf(body, sizeof(body), "{\"kernel_image_path\": \"%s\"}", f->dir);
	must_400(f, "PUT", "/boot-source", body, "The kernel file cannot be opened");
	must_400(f, "PUT", "/boot-source", "{\"kernel_image_path\": \"\"}", "is empty");
	snprintf(body, sizeof(body), "{\"kernel_image_path\": \"%s\", \"initrd_path\": \"%s/none\"}",
		 f->kernel, f->dir);
	must_400(f, "PUT", "/boot-source", body, "The initrd file cannot be opened");
	must_400(f, "PUT", "/boot-source", "{\"initrd_path\": \"x\"}", "missing field `kernel_image_path`");
	must_400(f, "PUT", "/boot-source", "{\"kernel_image_path\": 5}",
		 "invalid type: integer `5`, expected a string");
	must_400(f, "PUT", "/boot-source", "{\"kernel_image_path\": \"a\\u0000b\"}", DESER);
	snprintf(body, sizeof(body), "{\"kernel_image_path\": \"%s\", \"boot_args\": \"a\\nb\"}", f->kernel);
	must_400(f, "PUT", "/boot-source", body, "not printable ASCII");

	longargs = malloc(3000);
	assert_non_null(longargs);
	memset(longargs, 'a', 2999);
	longargs[2999] = '\0';
	snprintf(body, sizeof(body), "{\"kernel_image_path\": \"%s\", \"boot_args\": \"%.2100s\"}",
		 f->kernel, longargs);
	must_400(f, "PUT", "/boot-source", body, "the limit is 2047");
	free(longargs);
	assert_null(f->cfg.boot.kernel_image_path);
}

/* ---- /logger, /metrics, /serial ---- */

static void test_logger(void **state)
{
	struct fixture *f = *state;
	char body[1024];

	snprintf(body, sizeof(body), "{\"log_path\": \"%s\", \"level\": \"warning\", "
		 "\"show_level\": true, \"show_log_origin\": false, \"module\": \"api\"}", f->logfile);
	must_204(f, "PUT", "/logger", body);
	assert_true(f->cfg.logger_configured);
	assert_string_equal(f->cfg.logger.log_path, f->logfile);
	assert_string_equal(f->cfg.logger.level, "warning");
	assert_true(f->cfg.logger.show_level);
	assert_string_equal(f->cfg.logger.module, "api");
	assert_int_equal(log_get_level(), LOG_LVL_WARN);
	/* Applied at once: a line logged now is in the file. */
	log_warn("marker-%d", 42);
	log_info("below-the-level");
	assert_non_null(strstr(read_file(f->logfile), "marker-42"));
	assert_null(strstr(read_file(f->logfile), "below-the-level"));

	/* Back to stderr, default level; the file gets nothing more. */
	must_204(f, "PUT", "/logger", "{}");
	assert_null(f->cfg.logger.log_path);
	assert_int_equal(log_get_level(), LOG_LVL_INFO);
	log_set_level(LOG_LVL_ERROR);
	log_err("after-reset");
	assert_null(strstr(read_file(f->logfile), "after-reset"));
}

static void test_logger_bad(void **state)
{
	struct fixture *f = *state;
	char body[1024];

	must_400(f, "PUT", "/logger", "{\"level\": \"Verbose\"}",
		 "unknown variant `Verbose`, expected one of `Error`, `Warning`, `Info`, `Debug`, "
		 "`Trace`, `Off`");
	snprintf(body, sizeof(body), "{\"log_path\": \"%s/missing\"}", f->dir);
	must_400(f, "PUT", "/logger", body, "No such file or directory");
	must_400(f, "PUT", "/logger", "{\"log_path\": \"\"}", "empty");
	must_400(f, "PUT", "/logger", "{\"show_level\": \"yes\"}", "expected a boolean");
	must_400(f, "PUT", "/logger", "{\"log_file\": \"x\"}", "unknown field `log_file`");
	/* The refused requests left the level alone. */
	assert_int_equal(log_get_level(), LOG_LVL_ERROR);
	assert_false(f->cfg.logger_configured);
}

static void test_metrics(void **state)
{
	struct fixture *f = *state;
	char body[1024];
	struct reply r;

	snprintf(body, sizeof(body), "{\"metrics_path\": \"%s/none\"}", f->dir);
	must_400(f, "PUT", "/metrics", body, "No such file or directory");
	must_400(f, "PUT", "/metrics", "{}", "missing field `metrics_path`");
	snprintf(body, sizeof(body), "{\"metrics_path\": \"%s\"}", f->metrics);
	must_204(f, "PUT", "/metrics", body);
	assert_string_equal(f->cfg.metrics.metrics_path, f->metrics);
	must_400(f, "PUT", "/metrics", body, "Reinitialization of metrics not allowed.");

	get_ok(f, "/vm/config", &r);
	assert_string_equal(jstr(json_object_get(r.json, "metrics"), "metrics_path"), f->metrics);
	reply_free(&r);
}

static void test_serial(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	/* Not opened by the API: the VMM creates it at start. */
	must_204(f, "PUT", "/serial", "{\"serial_out_path\": \"serial.out\"}");
	assert_string_equal(f->cfg.serial.serial_out_path, "serial.out");
	get_ok(f, "/vm/config", &r);
	assert_string_equal(jstr(json_object_get(r.json, "serial"), "serial_out_path"), "serial.out");
	reply_free(&r);
	must_204(f, "PUT", "/serial", "{}");
	assert_null(f->cfg.serial.serial_out_path);
	must_400(f, "PUT", "/serial", "{\"path\": \"x\"}", "unknown field `path`, expected `serial_out_path`");
	must_400(f, "PUT", "/serial", "{\"serial_out_path\": 1}", "expected a string");
}

/* ---- /actions and /vm ---- */

static void test_start_without_kernel(void **state)
{
	struct fixture *f = *state;

	must_400(f, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}",
		 "Cannot start microvm without kernel configuration.");
	assert_int_equal(f->vmm.starts, 0);
}

static void test_start_and_twice(void **state)
{
	struct fixture *f = *state;

	start_vm(f);
	assert_int_equal(f->vmm.starts, 1);
	assert_ptr_equal(f->vmm.started_cfg, &f->cfg);
	must_400(f, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}", POST_BOOT);
	assert_int_equal(f->vmm.starts, 1);
}

static void test_pre_boot_only_after_start(void **state)
{
	struct fixture *f = *state;
	char body[1024];

	start_vm(f);
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 256}", POST_BOOT);
	must_400(f, "PATCH", "/machine-config", "{\"vcpu_count\": 2}", POST_BOOT);
	snprintf(body, sizeof(body), "{\"kernel_image_path\": \"%s\"}", f->kernel);
	must_400(f, "PUT", "/boot-source", body, POST_BOOT);
	snprintf(body, sizeof(body), "{\"log_path\": \"%s\"}", f->logfile);
	must_400(f, "PUT", "/logger", body, POST_BOOT);
	snprintf(body, sizeof(body), "{\"metrics_path\": \"%s\"}", f->metrics);
	must_400(f, "PUT", "/metrics", body, POST_BOOT);
	must_400(f, "PUT", "/serial", "{\"serial_out_path\": \"x\"}", POST_BOOT);
	assert_int_equal(f->cfg.machine.vcpu_count, 1);
	/* A body that does not deserialize is reported first, as in Firecracker. */
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 2}", "missing field");
}

static void test_start_failure_reported(void **state)
{
	struct fixture *f = *state;
	char body[1024];
	struct reply r;

	f->vmm.start_rc = -ENOEXEC;
	f->vmm.start_err = "Kernel image is not an ELF or bzImage";
	snprintf(body, sizeof(body), "{\"kernel_image_path\": \"%s\"}", f->kernel);
	must_204(f, "PUT", "/boot-source", body);
	must_400(f, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}",
		 "Kernel image is not an ELF or bzImage");
	get_ok(f, "/", &r);
	assert_string_equal(jstr(r.json, "state"), "Not started");
	reply_free(&r);
	/* Still pre-boot: the client can fix the config and retry. */
	must_204(f, "PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 256}");
	f->vmm.start_rc = -EIO;
	f->vmm.start_err = NULL;
	must_400(f, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}",
		 "Starting the microVM failed: Input/output error");
	f->vmm.start_rc = 0;
	must_204(f, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
	assert_int_equal(f->vmm.starts, 3);
}

static void test_pause_resume(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	must_400(f, "PATCH", "/vm", "{\"state\": \"Paused\"}", PRE_BOOT);
	assert_int_equal(f->vmm.pauses, 0);
	start_vm(f);
	must_204(f, "PATCH", "/vm", "{\"state\": \"Paused\"}");
	assert_int_equal(f->vmm.pauses, 1);
	get_ok(f, "/", &r);
	assert_string_equal(jstr(r.json, "state"), "Paused");
	reply_free(&r);
	must_204(f, "PATCH", "/vm", "{\"state\": \"Resumed\"}");
	assert_int_equal(f->vmm.resumes, 1);
	must_400(f, "PATCH", "/vm", "{\"state\": \"Stopped\"}",
		 "unknown variant `Stopped`, expected one of `Paused`, `Resumed`");
	must_400(f, "PATCH", "/vm", "{\"state\": \"paused\"}", "unknown variant `paused`");
	must_400(f, "PATCH", "/vm", "{}", "missing field `state`");
	f->vmm.op_rc = -EBUSY;
	f->vmm.op_err = "vCPUs did not stop in time";
	must_400(f, "PATCH", "/vm", "{\"state\": \"Paused\"}", "vCPUs did not stop in time");
}

static void test_ctrl_alt_del_and_flush(void **state)
{
	struct fixture *f = *state;

	must_400(f, "PUT", "/actions", "{\"action_type\": \"SendCtrlAltDel\"}", PRE_BOOT);
	assert_int_equal(f->vmm.ctrl_alt_dels, 0);
	/* FlushMetrics works before boot, as in Firecracker. */
	must_204(f, "PUT", "/actions", "{\"action_type\": \"FlushMetrics\"}");
	assert_int_equal(f->vmm.flushes, 1);
	start_vm(f);
	must_204(f, "PUT", "/actions", "{\"action_type\": \"SendCtrlAltDel\"}");
	assert_int_equal(f->vmm.ctrl_alt_dels, 1);
	f->vmm.op_rc = -EIO;
	f->vmm.op_err = "metrics file is gone";
	must_400(f, "PUT", "/actions", "{\"action_type\": \"FlushMetrics\"}", "metrics file is gone");
	assert_int_equal(f->vmm.flushes, 2);
}

static void test_bad_actions(void **state)
{
	struct fixture *f = *state;

	must_400(f, "PUT", "/actions", "{\"action_type\": \"Reboot\"}",
		 DESER "unknown variant `Reboot`, expected one of `FlushMetrics`, `InstanceStart`, "
		 "`SendCtrlAltDel`.");
	must_400(f, "PUT", "/actions", "{\"action_type\": \"InstanceStart\", \"now\": true}",
		 "unknown field `now`, expected `action_type`");
	must_400(f, "PUT", "/actions", "{}", "missing field `action_type`");
	must_400(f, "PUT", "/actions", "\"InstanceStart\"",
		 "invalid type: string \"InstanceStart\", expected a JSON object");
	assert_int_equal(f->vmm.starts, 0);
}

/* ---- routing ---- */

static void test_routing_errors(void **state)
{
	struct fixture *f = *state;

	must_400(f, "GET", "/foo", NULL, "Invalid request method and/or path: GET foo.");
	must_400(f, "GET", "/vm", NULL, "Invalid request method and/or path: GET vm.");
	must_400(f, "DELETE", "/machine-config", NULL,
		 "Invalid request method and/or path: DELETE machine-config.");
	must_400(f, "POST", "/actions", "{\"action_type\": \"InstanceStart\"}",
		 "Invalid request method and/or path: POST actions.");
	must_400(f, "GET", "/actions", NULL, "Invalid request method and/or path: GET actions.");
	must_400(f, "PUT", "/vm", "{\"state\": \"Paused\"}", "Invalid request method and/or path: PUT vm.");
	must_400(f, "PATCH", "/boot-source", "{}", "Invalid request method and/or path: PATCH boot-source.");
	must_400(f, "PUT", "/drives/rootfs", "{\"drive_id\": \"rootfs\"}",
		 "Invalid request method and/or path: PUT drives/rootfs. (splitvm does not "
		 "support /drives yet)");
	must_400(f, "PUT", "/vsock", "{}", "does not support /vsock yet");
	must_400(f, "GET", "/machine-config", "{}", "GET request cannot have a body.");
	must_400(f, "PUT", "/machine-config", NULL, "Empty PUT request.");
	must_400(f, "PUT", "/nowhere", NULL, "Empty PUT request.");
	must_400(f, "PATCH", "/vm", NULL, "Empty PATCH request.");
	assert_int_equal(f->vmm.starts, 0);
}

static void test_hostile_strings(void **state)
{
	struct fixture *f = *state;
	char path[600], body[600];
	struct reply r;

	/* Control bytes and invalid UTF-8 in the path come back as '?',
	 * inside a valid JSON reply (do_request parses it). */
	must_400(f, "GET", "/\x01\xff\xfe\n", NULL, "GET ????.");
	memset(path, 'x', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	do_request(f, "GET", path, NULL, &r);
	assert_int_equal(r.status, 400);
	assert_true(strlen(r.fault) < 200);
	assert_non_null(strstr(r.fault, "..."));
	reply_free(&r);

	snprintf(body, sizeof(body), "{\"\\u00e9\\u0007%s\": 1}", "very-long-field-name-that-goes-on");
	must_400(f, "PUT", "/actions", body, "unknown field `???very-long");

	/* A VMM message that is not UTF-8 still gives a JSON reply. */
	f->vmm.op_rc = -EIO;
	f->vmm.op_err = "bad \xff byte";
	must_400(f, "PUT", "/actions", "{\"action_type\": \"FlushMetrics\"}", "bad ? byte");
}

static void test_entropy(void **state)
{
	struct fixture *f = *state;
	struct reply r;
	json_t *rl;

	/* Absent until configured, as in Firecracker. */
	get_ok(f, "/vm/config", &r);
	assert_true(json_is_null(json_object_get(r.json, "entropy")));
	reply_free(&r);
	must_204(f, "PUT", "/entropy", "{}");
	assert_true(f->cfg.entropy.present);
	get_ok(f, "/vm/config", &r);
	rl = json_object_get(json_object_get(r.json, "entropy"), "rate_limiter");
	assert_true(json_is_null(json_object_get(rl, "bandwidth")));
	assert_true(json_is_null(json_object_get(rl, "ops")));
	reply_free(&r);
	must_204(f, "PUT", "/entropy",
		 "{\"rate_limiter\": {\"bandwidth\": {\"size\": 1000, \"refill_time\": 100}, "
		 "\"ops\": null}}");
	assert_true(f->cfg.entropy.rate_limiter.bandwidth.present);
	assert_int_equal(f->cfg.entropy.rate_limiter.bandwidth.size, 1000);
	assert_false(f->cfg.entropy.rate_limiter.ops.present);
	get_ok(f, "/vm/config", &r);
	rl = json_object_get(json_object_get(r.json, "entropy"), "rate_limiter");
	assert_int_equal(jint(json_object_get(rl, "bandwidth"), "refill_time"), 100);
	assert_true(json_is_null(json_object_get(rl, "ops")));
	reply_free(&r);

	must_400(f, "PUT", "/entropy", "{\"rate\": 1}", DESER "unknown field `rate`");
	must_400(f, "PUT", "/entropy", "{\"rate_limiter\": 5}", DESER "invalid type");
	must_400(f, "PUT", "/entropy", "{\"rate_limiter\": {\"ops\": {\"size\": -1, "
		 "\"refill_time\": 1}}}", DESER "invalid value: integer `-1`");
	must_400(f, "PUT", "/entropy", "{\"rate_limiter\": {\"ops\": {\"size\": 1}}}",
		 DESER "missing field `refill_time`");
	must_400(f, "PUT", "/entropy", "{\"rate_limiter\": {\"bandwith\": {}}}",
		 DESER "unknown field `bandwith`");
	must_400(f, "PUT", "/entropy", "{\"rate_limiter\": {\"ops\": {\"size\": \"10\", "
		 "\"refill_time\": 1}}}", DESER "invalid type");
	must_400(f, "PUT", "/entropy", "{\"rate_limiter\": {\"ops\": {\"size\": 1.5, "
		 "\"refill_time\": 1}}}", DESER "invalid type");
	must_400(f, "PUT", "/entropy", "{\"rate_limiter\": {\"ops\": {\"size\": 1, "
		 "\"refill_time\": 1, \"burst\": 2}}}", DESER "unknown field `burst`");
	/* The refusals left the last good configuration alone. */
	assert_int_equal(f->cfg.entropy.rate_limiter.bandwidth.size, 1000);
	must_204(f, "PUT", "/entropy", "{\"rate_limiter\": {\"ops\": {\"size\": 5, "
		 "\"one_time_burst\": 7, \"refill_time\": 9}}}");
	get_ok(f, "/vm/config", &r);
	rl = json_object_get(json_object_get(r.json, "entropy"), "rate_limiter");
	assert_true(json_is_null(json_object_get(rl, "bandwidth")));
	assert_int_equal(jint(json_object_get(rl, "ops"), "one_time_burst"), 7);
	assert_int_equal(jint(json_object_get(rl, "ops"), "refill_time"), 9);
	reply_free(&r);
	start_vm(f);
	must_400(f, "PUT", "/entropy", "{}", POST_BOOT);
	assert_int_equal(f->cfg.entropy.rate_limiter.ops.size, 5);
}

static void test_workers(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	get_ok(f, "/workers", &r);
	assert_true(json_is_array(r.json));
	assert_int_equal(json_array_size(r.json), 1);
	assert_string_equal(jstr(json_array_get(r.json, 0), "id"), "entropy");
	reply_free(&r);
	must_400(f, "PUT", "/workers", "{}", "Invalid request method and/or path");
}

static void test_workers_without_op(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	get_ok(f, "/workers", &r);
	assert_true(json_is_array(r.json));
	assert_int_equal(json_array_size(r.json), 0);
	reply_free(&r);
}

static void test_full_config_shape(void **state)
{
	struct fixture *f = *state;
	static const char *const null_sections[] = {
		"balloon", "cpu-config", "logger", "metrics", "mmds-config", "vsock", "entropy", "serial",
	};
	struct reply r;

	get_ok(f, "/vm/config", &r);
	for (size_t i = 0; i < sizeof(null_sections) / sizeof(null_sections[0]); i++) {
		json_t *v = json_object_get(r.json, null_sections[i]);

		if (!v || !json_is_null(v))
			fail_msg("section %s should be null", null_sections[i]);
	}
	assert_int_equal(json_array_size(json_object_get(r.json, "drives")), 0);
	assert_true(json_is_array(json_object_get(r.json, "drives")));
	assert_true(json_is_array(json_object_get(r.json, "network-interfaces")));
	assert_string_equal(jstr(json_object_get(r.json, "boot-source"), "kernel_image_path"), "");
	assert_int_equal(jint(json_object_get(r.json, "machine-config"), "vcpu_count"), 1);
	reply_free(&r);
}

static void test_stateless_ops(void **state)
{
	struct fixture *f = *state;
	struct reply r;

	/* With no state() callback the API tracks the state itself. */
	start_vm(f);
	must_204(f, "PATCH", "/vm", "{\"state\": \"Paused\"}");
	get_ok(f, "/", &r);
	assert_string_equal(jstr(r.json, "state"), "Paused");
	reply_free(&r);
	must_400(f, "PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 256}", POST_BOOT);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_instance_info),
		T(test_version),
		T(test_machine_config_defaults),
		T(test_put_machine_config),
		T(test_patch_machine_config),
		T(test_machine_config_ranges),
		T(test_machine_config_schema),
		T(test_boot_source),
		T(test_boot_source_bad),
		T(test_logger),
		T(test_logger_bad),
		T(test_metrics),
		T(test_serial),
		T(test_start_without_kernel),
		T(test_start_and_twice),
		T(test_pre_boot_only_after_start),
		T(test_start_failure_reported),
		T(test_pause_resume),
		T(test_ctrl_alt_del_and_flush),
		T(test_bad_actions),
		T(test_routing_errors),
		T(test_hostile_strings),
		T(test_full_config_shape),
		T(test_entropy),
		T(test_workers),
		cmocka_unit_test_setup_teardown(test_stateless_ops, fixture_setup_stateless,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(test_workers_without_op, fixture_setup_stateless,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
