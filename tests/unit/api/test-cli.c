/* cli_parse() and cli_apply(): Firecracker's flags, both spellings, and
 * every way a command line is refused. */
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

#include "cli.h"
#include "helpers.h"
#include "log.h"

#define MAX_ARGS 48

static char errbuf[512];

/* Parses a NULL-terminated list of arguments (argv[0] is added). */
static int parse(struct core_options *o, ...)
{
	char *argv[MAX_ARGS] = { "vmm-core" };
	int argc = 1;
	va_list ap;

	va_start(ap, o);
	for (char *a; (a = va_arg(ap, char *)) && argc < MAX_ARGS - 1;)
		argv[argc++] = a;
	va_end(ap);
	errbuf[0] = '\0';
	return cli_parse(argc, argv, o, errbuf, sizeof(errbuf));
}

#define expect_refused(want, ...)                                                    \
	do {                                                                         \
		struct core_options o_;                                              \
		int rc_ = parse(&o_, __VA_ARGS__, NULL);                             \
		if (rc_ != -EINVAL || !strstr(errbuf, want))                         \
			fail_msg("expected refusal \"%s\", got %d \"%s\"", want, rc_, \
				 errbuf);                                            \
	} while (0)

static void test_defaults(void **state)
{
	struct core_options o;

	assert_int_equal(parse(&o, NULL), 0);
	assert_int_equal(o.action, CLI_ACTION_RUN);
	assert_string_equal(o.api_sock, "/run/splitvm.socket");
	assert_null(o.config_file);
	assert_false(o.no_api);
	assert_string_equal(o.id, "anonymous-instance");
	assert_false(o.enable_pci);
	assert_null(o.log_path);
	assert_null(o.level);
	assert_null(o.metrics_path);
	assert_false(o.boot_timer);
	assert_int_equal(o.http_api_max_payload_size, 51200);
	assert_false(o.no_seccomp);
	assert_null(o.worker_dir);
	assert_int_equal(o.mailbox_deadline_ms, 100);
	assert_int_equal(o.mailbox_spin_us, 20);
}

static void test_every_flag_separate_value(void **state)
{
	struct core_options o;

	assert_int_equal(parse(&o, "--api-sock", "/tmp/a.sock", "--config-file", "vm.json",
			       "--id", "vm-1", "--enable-pci", "--log-path", "log.fifo",
			       "--level", "Debug", "--show-level", "--show-log-origin",
			       "--metrics-path", "metrics.fifo", "--boot-timer",
			       "--http-api-max-payload-size", "1048576", "--mmds-size-limit", "4096",
			       "--start-time-us", "123", "--start-time-cpu-us", "45",
			       "--parent-cpu-time-us", "6", "--no-seccomp",
			       "--worker-dir", "libexec/splitvm", "--mailbox-deadline-ms", "250",
			       "--mailbox-spin-us", "0", NULL), 0);
	assert_string_equal(o.api_sock, "/tmp/a.sock");
	assert_string_equal(o.config_file, "vm.json");
	assert_string_equal(o.id, "vm-1");
	assert_true(o.enable_pci);
	assert_string_equal(o.log_path, "log.fifo");
	assert_string_equal(o.level, "Debug");
	assert_true(o.show_level);
	assert_true(o.show_log_origin);
	assert_string_equal(o.metrics_path, "metrics.fifo");
	assert_true(o.boot_timer);
	assert_int_equal(o.http_api_max_payload_size, 1048576);
	assert_int_equal(o.mmds_size_limit, 4096);
	assert_int_equal(o.start_time_us, 123);
	assert_int_equal(o.start_time_cpu_us, 45);
	assert_int_equal(o.parent_cpu_time_us, 6);
	assert_true(o.no_seccomp);
	assert_string_equal(o.worker_dir, "libexec/splitvm");
	assert_int_equal(o.mailbox_deadline_ms, 250);
	assert_int_equal(o.mailbox_spin_us, 0);
	assert_int_equal(o.action, CLI_ACTION_RUN);
}

static void test_equals_form(void **state)
{
	struct core_options o;

	assert_int_equal(parse(&o, "--api-sock=/tmp/b.sock", "--id=abc-DEF-123", "--level=off",
			       "--http-api-max-payload-size=100", "--config-file=x.json", "--no-api",
			       "--log-path=a=b", "--worker-dir=/opt/w", NULL), 0);
	assert_string_equal(o.api_sock, "/tmp/b.sock");
	assert_string_equal(o.id, "abc-DEF-123");
	assert_string_equal(o.level, "off");
	assert_int_equal(o.http_api_max_payload_size, 100);
	assert_true(o.no_api);
	/* Only the first '=' splits. */
	assert_string_equal(o.log_path, "a=b");
	assert_string_equal(o.worker_dir, "/opt/w");
}

static void test_actions(void **state)
{
	struct core_options o;

	assert_int_equal(parse(&o, "--version", NULL), 0);
	assert_int_equal(o.action, CLI_ACTION_VERSION);
	assert_int_equal(parse(&o, "--version", "--help", NULL), 0);
	assert_int_equal(o.action, CLI_ACTION_HELP);
	/* --no-api without a file is fine when we only print. */
	assert_int_equal(parse(&o, "--help", "--no-api", NULL), 0);
	/* A bad flag is still an error next to --help. */
	expect_refused("Unknown flag", "--help", "--bogus");
}

static void test_no_api(void **state)
{
	struct core_options o;

	expect_refused("--no-api needs --config-file", "--no-api");
	assert_int_equal(parse(&o, "--no-api", "--config-file", "vm.json", NULL), 0);
	assert_true(o.no_api);
}

static void test_bad_id(void **state)
{
	char long_id[80];

	memset(long_id, 'a', 65);
	long_id[65] = '\0';
	expect_refused("Invalid instance ID", "--id", long_id);
	long_id[64] = '\0';
	{
		struct core_options o;

		assert_int_equal(parse(&o, "--id", long_id, NULL), 0);
		assert_int_equal(strlen(o.id), 64);
	}
	expect_refused("Invalid instance ID", "--id", "vm_1");
	expect_refused("Invalid instance ID", "--id", "vm 1");
	expect_refused("Invalid instance ID", "--id", "../etc");
	expect_refused("needs a non-empty value", "--id=");
}

static void test_unknown_and_malformed(void **state)
{
	expect_refused("Unknown flag \"--bogus\"", "--bogus");
	expect_refused("Unknown flag \"--api-socket\"", "--api-socket=x");
	expect_refused("Unexpected argument \"-h\"", "-h");
	expect_refused("Unexpected argument \"vm.json\"", "vm.json");
	expect_refused("Unexpected argument \"--\"", "--");
	expect_refused("--api-sock needs a value", "--api-sock");
	expect_refused("--api-sock needs a value", "--api-sock", "--enable-pci");
	expect_refused("--no-api takes no value", "--no-api=true", "--config-file", "x");
	expect_refused("--enable-pci given more than once", "--enable-pci", "--enable-pci");
	expect_refused("--id given more than once", "--id", "a", "--id=b");
	expect_refused("Invalid --level", "--level", "verbose");
	expect_refused("Invalid --level", "--level", "Warn");
	expect_refused("--worker-dir needs a value", "--worker-dir");
	expect_refused("--worker-dir", "--worker-dir=");
	expect_refused("--worker-dir given more than once", "--worker-dir", "a",
		       "--worker-dir", "b");
}

static void test_payload_size(void **state)
{
	expect_refused("between 1 and", "--http-api-max-payload-size", "0");
	expect_refused("non-negative decimal", "--http-api-max-payload-size", "-1");
	expect_refused("non-negative decimal", "--http-api-max-payload-size", "12k");
	expect_refused("non-negative decimal", "--http-api-max-payload-size", " 12");
	expect_refused("non-negative decimal", "--http-api-max-payload-size", "99999999999999999999999");
	expect_refused("between 1 and", "--http-api-max-payload-size", "1073741824");
	expect_refused("non-negative decimal", "--start-time-us", "x");
}

static void test_mailbox_bounds(void **state)
{
	struct core_options o;

	expect_refused("between 1 and 10000", "--mailbox-deadline-ms", "0");
	expect_refused("between 1 and 10000", "--mailbox-deadline-ms", "10001");
	expect_refused("non-negative decimal", "--mailbox-deadline-ms", "1s");
	expect_refused("between 0 and 1000", "--mailbox-spin-us", "1001");
	expect_refused("non-negative decimal", "--mailbox-spin-us", "-5");
	assert_int_equal(parse(&o, "--mailbox-deadline-ms=10000", "--mailbox-spin-us=1000", NULL),
			 0);
	assert_int_equal(o.mailbox_deadline_ms, 10000);
	assert_int_equal(o.mailbox_spin_us, 1000);
}

static void test_refused_flags(void **state)
{
	expect_refused("--seccomp-filter is not supported", "--seccomp-filter", "filter.bpf");
	expect_refused("--metadata is not supported", "--metadata", "m.json");
	expect_refused("--describe-snapshot is not supported", "--describe-snapshot", "s");
}

static void test_usage(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	cli_print_usage(f, "vmm-core");
	fclose(f);
	assert_non_null(strstr(buf, "--api-sock PATH"));
	assert_non_null(strstr(buf, "--http-api-max-payload-size BYTES"));
	/* Refused flags are not advertised. */
	assert_null(strstr(buf, "--seccomp-filter"));
	free(buf);
}

static void test_apply(void **state)
{
	struct fixture *f = *state;
	struct core_options o;
	char lvl[] = "--level=Warning";
	char logarg[400], metarg[400], err[512];

	snprintf(logarg, sizeof(logarg), "--log-path=%s", f->logfile);
	snprintf(metarg, sizeof(metarg), "--metrics-path=%s", f->metrics);
	assert_int_equal(parse(&o, "--id", "vm-7", "--enable-pci", "--boot-timer", logarg, lvl,
			       metarg, NULL), 0);
	assert_int_equal(cli_apply(&o, &f->cfg, err, sizeof(err)), 0);
	assert_string_equal(f->cfg.id, "vm-7");
	assert_true(f->cfg.enable_pci);
	assert_true(f->cfg.boot_timer);
	assert_string_equal(f->cfg.metrics.metrics_path, f->metrics);
	assert_true(f->cfg.logger_configured);
	assert_string_equal(f->cfg.logger.log_path, f->logfile);
	assert_int_equal(log_get_level(), LOG_LVL_WARN);
	log_warn("cli-marker");
	assert_non_null(strstr(read_file(f->logfile), "cli-marker"));

	/* A later PUT /metrics is refused: metrics are set once. */
	{
		struct reply r;
		char body[400];

		snprintf(body, sizeof(body), "{\"metrics_path\": \"%s\"}", f->metrics);
		do_request(f, "PUT", "/metrics", body, &r);
		assert_int_equal(r.status, 400);
		reply_free(&r);
	}
	/* Back to stderr for the other tests. */
	assert_int_equal(parse(&o, "--level", "Error", NULL), 0);
	assert_int_equal(cli_apply(&o, &f->cfg, err, sizeof(err)), 0);
	log_err("after-cli-reset");
	assert_null(strstr(read_file(f->logfile), "after-cli-reset"));
}

static void test_apply_missing_files(void **state)
{
	struct fixture *f = *state;
	struct core_options o;
	char arg[400], err[512];

	snprintf(arg, sizeof(arg), "--metrics-path=%s/none", f->dir);
	assert_int_equal(parse(&o, arg, NULL), 0);
	assert_int_equal(cli_apply(&o, &f->cfg, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "--metrics-path"));
	assert_null(f->cfg.metrics.metrics_path);

	snprintf(arg, sizeof(arg), "--log-path=%s/none", f->dir);
	assert_int_equal(parse(&o, arg, NULL), 0);
	assert_int_equal(cli_apply(&o, &f->cfg, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "No such file"));
	assert_false(f->cfg.logger_configured);
}

#define T(fn) cmocka_unit_test(fn)
#define TF(fn) cmocka_unit_test_setup_teardown(fn, fixture_setup, fixture_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_defaults),
		T(test_every_flag_separate_value),
		T(test_equals_form),
		T(test_actions),
		T(test_no_api),
		T(test_bad_id),
		T(test_unknown_and_malformed),
		T(test_payload_size),
		T(test_mailbox_bounds),
		T(test_refused_flags),
		T(test_usage),
		TF(test_apply),
		TF(test_apply_missing_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
