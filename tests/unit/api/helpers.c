#include "helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

static void copy_err(char *err, size_t errlen, const char *msg)
{
	snprintf(err, errlen, "%s", msg ? msg : "");
}

static int fake_start(void *opaque, const struct vm_config *cfg, char *err, size_t errlen)
{
	struct fake_vmm *v = opaque;

	v->starts++;
	if (v->start_rc) {
		copy_err(err, errlen, v->start_err);
		return v->start_rc;
	}
	v->started_cfg = cfg;
	v->state = VM_STATE_RUNNING;
	return 0;
}

static int fake_pause(void *opaque, char *err, size_t errlen)
{
	struct fake_vmm *v = opaque;

	v->pauses++;
	if (v->op_rc) {
		copy_err(err, errlen, v->op_err);
		return v->op_rc;
	}
	v->state = VM_STATE_PAUSED;
	return 0;
}

static int fake_resume(void *opaque, char *err, size_t errlen)
{
	struct fake_vmm *v = opaque;

	v->resumes++;
	if (v->op_rc) {
		copy_err(err, errlen, v->op_err);
		return v->op_rc;
	}
	v->state = VM_STATE_RUNNING;
	return 0;
}

static int fake_cad(void *opaque, char *err, size_t errlen)
{
	struct fake_vmm *v = opaque;

	v->ctrl_alt_dels++;
	copy_err(err, errlen, v->op_rc ? v->op_err : NULL);
	return v->op_rc;
}

static int fake_flush(void *opaque, char *err, size_t errlen)
{
	struct fake_vmm *v = opaque;

	v->flushes++;
	copy_err(err, errlen, v->op_rc ? v->op_err : NULL);
	return v->op_rc;
}

static enum vm_run_state fake_state(void *opaque)
{
	return ((struct fake_vmm *)opaque)->state;
}

static json_t *fake_workers(void *opaque)
{
	(void)opaque;
	return json_pack("[{s:s, s:s}]", "id", "entropy", "state", "running");
}

const struct vmm_control_ops fake_ops = {
	.instance_start = fake_start,
	.pause = fake_pause,
	.resume = fake_resume,
	.send_ctrl_alt_del = fake_cad,
	.flush_metrics = fake_flush,
	.state = fake_state,
	.workers = fake_workers,
};

const struct vmm_control_ops fake_ops_stateless = {
	.instance_start = fake_start,
	.pause = fake_pause,
	.resume = fake_resume,
	.send_ctrl_alt_del = fake_cad,
	.flush_metrics = fake_flush,
};

void write_file(const char *path, const char *content)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(content, fp);
	assert_int_equal(fclose(fp), 0);
}

const char *read_file(const char *path)
{
	static char buf[65536];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, sizeof(buf) - 1);
	assert_true(n >= 0);
	buf[n] = '\0';
	close(fd);
	return buf;
}

static int setup_with(void **state, const struct vmm_control_ops *ops)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *tmp = getenv("TMPDIR");

	assert_non_null(f);
	/* The tests exercise refusals on purpose; keep their warnings out of
	 * the test output. */
	log_set_level(LOG_LVL_ERROR);
	snprintf(f->dir, sizeof(f->dir), "%s/splitvm-api-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->kernel, sizeof(f->kernel), "%s/vmlinux", f->dir);
	snprintf(f->initrd, sizeof(f->initrd), "%s/initrd", f->dir);
	snprintf(f->logfile, sizeof(f->logfile), "%s/log", f->dir);
	snprintf(f->metrics, sizeof(f->metrics), "%s/metrics", f->dir);
	write_file(f->kernel, "not really a kernel");
	write_file(f->initrd, "not really an initrd");
	write_file(f->logfile, "");
	write_file(f->metrics, "");
	vm_config_init(&f->cfg);
	f->ctx = api_context_new(&f->cfg, ops, &f->vmm, "1.2.3");
	assert_non_null(f->ctx);
	*state = f;
	return 0;
}

int fixture_setup(void **state)
{
	return setup_with(state, &fake_ops);
}

int fixture_setup_stateless(void **state)
{
	return setup_with(state, &fake_ops_stateless);
}

int fixture_teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[600];

	api_context_free(f->ctx);
	vm_config_free(&f->cfg);
	unlink(f->kernel);
	unlink(f->initrd);
	unlink(f->logfile);
	unlink(f->metrics);
	snprintf(cmd, sizeof(cmd), "%s/sock", f->dir);
	unlink(cmd);
	rmdir(f->dir);
	free(f);
	return 0;
}

void do_request(struct fixture *f, const char *method, const char *path, const char *body,
		struct reply *out)
{
	struct api_response resp;
	json_error_t jerr;

	api_handle(f->ctx, method, path, body, body ? strlen(body) : 0, &resp);
	out->status = resp.status;
	out->json = NULL;
	out->fault = NULL;
	if (resp.status == 204) {
		assert_null(resp.body);
	} else {
		/* Every non-204 answer is a JSON object, except the list of
		 * GET /workers; faults are always objects. */
		assert_non_null(resp.body);
		out->json = json_loads(resp.body, 0, &jerr);
		if (!out->json)
			fail_msg("reply is not JSON: %s (%s)", resp.body, jerr.text);
		assert_true(json_is_object(out->json) ||
			    (json_is_array(out->json) && resp.status == 200));
		out->fault = json_string_value(json_object_get(out->json, "fault_message"));
	}
	api_response_free(&resp);
}

void reply_free(struct reply *r)
{
	json_decref(r->json);
	r->json = NULL;
}

void must_204(struct fixture *f, const char *method, const char *path, const char *body)
{
	struct reply r;

	do_request(f, method, path, body, &r);
	if (r.status != 204)
		fail_msg("%s %s %s: expected 204, got %d: %s", method, path, body ? body : "",
			 r.status, r.fault ? r.fault : "");
	reply_free(&r);
}

char *config_dump(struct fixture *f)
{
	struct reply r;
	char *s;

	do_request(f, "GET", "/vm/config", NULL, &r);
	assert_int_equal(r.status, 200);
	s = json_dumps(r.json, JSON_COMPACT | JSON_SORT_KEYS);
	assert_non_null(s);
	reply_free(&r);
	return s;
}

void must_400(struct fixture *f, const char *method, const char *path, const char *body,
	      const char *want)
{
	char *before = config_dump(f), *after;
	struct reply r;

	do_request(f, method, path, body, &r);
	if (r.status != 400 || !r.fault || !strstr(r.fault, want))
		fail_msg("%s %s %s: expected 400 with \"%s\", got %d: %s", method, path,
			 body ? body : "", want, r.status, r.fault ? r.fault : "(no fault)");
	/* Exactly one key: Firecracker's error body. */
	assert_int_equal(json_object_size(r.json), 1);
	reply_free(&r);
	after = config_dump(f);
	assert_string_equal(before, after);
	free(before);
	free(after);
}

void start_vm(struct fixture *f)
{
	char body[512];

	snprintf(body, sizeof(body), "{\"kernel_image_path\": \"%s\"}", f->kernel);
	must_204(f, "PUT", "/boot-source", body);
	must_204(f, "PUT", "/actions", "{\"action_type\": \"InstanceStart\"}");
}
