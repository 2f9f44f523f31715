/* libFuzzer target for the API: each input is a sequence of requests
 * separated by NUL bytes, each "METHOD PATH\nBODY" (no '\n': no body), or
 * "CONFIG\n" followed by a config file.  A fake VMM and fake filesystem
 * checks keep hostile paths away from the machine: only paths under
 * /fuzz/ "exist". */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "api_internal.h"
#include "log.h"

#define MAX_RECORDS 64

struct fuzz_vmm {
	enum vm_run_state state;
};

static int fake_path(const char *path)
{
	return strncmp(path, "/fuzz/", 6) == 0 ? 0 : -ENOENT;
}

static int fake_apply_logger(const struct logger_config *lc, char *err, size_t errlen)
{
	return lc->log_path ? fake_path(lc->log_path) : 0;
}

static const struct api_host_ops fuzz_host = {
	.check_readable_file = fake_path,
	.check_output_file = fake_path,
	.apply_logger = fake_apply_logger,
};

static int fz_start(void *opaque, const struct vm_config *cfg, char *err, size_t errlen)
{
	struct fuzz_vmm *v = opaque;

	/* Let the fuzzer reach both the failure and the post-boot paths. */
	if (cfg->machine.vcpu_count == 7) {
		strncpy(err, "fake start failure", errlen - 1);
		err[errlen - 1] = '\0';
		return -EINVAL;
	}
	v->state = VM_STATE_RUNNING;
	return 0;
}

static int fz_pause(void *opaque, char *err, size_t errlen)
{
	((struct fuzz_vmm *)opaque)->state = VM_STATE_PAUSED;
	return 0;
}

static int fz_resume(void *opaque, char *err, size_t errlen)
{
	((struct fuzz_vmm *)opaque)->state = VM_STATE_RUNNING;
	return 0;
}

static int fz_ok(void *opaque, char *err, size_t errlen)
{
	return 0;
}

static enum vm_run_state fz_state(void *opaque)
{
	return ((struct fuzz_vmm *)opaque)->state;
}

static const struct vmm_control_ops fuzz_ops = {
	.instance_start = fz_start,
	.pause = fz_pause,
	.resume = fz_resume,
	.send_ctrl_alt_del = fz_ok,
	.flush_metrics = fz_ok,
	.state = fz_state,
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_set_level(LOG_LVL_ERROR);
	return 0;
}

static void run_record(struct api_context *ctx, char *rec, size_t len)
{
	struct api_response resp;
	char err[512];
	char *nl = memchr(rec, '\n', len);
	char *sp;

	if (nl && (size_t)(nl - rec) == 6 && memcmp(rec, "CONFIG", 6) == 0) {
		if (api_apply_config_file(ctx, nl + 1, len - 7, err, sizeof(err)) == 0)
			api_instance_start(ctx, err, sizeof(err));
		return;
	}
	if (nl)
		*nl = '\0';
	sp = strchr(rec, ' ');
	if (sp)
		*sp = '\0';
	api_handle(ctx, rec, sp ? sp + 1 : "/", nl ? nl + 1 : NULL,
		   nl ? len - (size_t)(nl + 1 - rec) : 0, &resp);
	/* Every answer is a status we document and, but for 204, a body. */
	if ((resp.status != 204) != (resp.body != NULL))
		abort();
	if (resp.status != 200 && resp.status != 204 && resp.status != 400)
		abort();
	api_response_free(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_vmm vmm = { VM_STATE_NOT_STARTED };
	struct vm_config cfg;
	struct api_context *ctx;
	char *buf = malloc(size + 1);
	size_t start = 0;
	int records = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	vm_config_init(&cfg);
	ctx = api_context_new(&cfg, &fuzz_ops, &vmm, "0.0.0-fuzz");
	if (!ctx)
		goto out;
	api_context_set_host_ops(ctx, &fuzz_host);
	for (size_t i = 0; i <= size && records < MAX_RECORDS; i++) {
		if (i == size || buf[i] == '\0') {
			run_record(ctx, buf + start, i - start);
			start = i + 1;
			records++;
		}
	}
	api_context_free(ctx);
out:
	vm_config_free(&cfg);
	free(buf);
	return 0;
}
