/* Shared by the API unit tests: a fake VMM that records what the API asks
 * of it, a scratch directory with a kernel and an initrd, and a request
 * helper that parses the reply. */
#ifndef SPLITVM_TEST_API_HELPERS_H
#define SPLITVM_TEST_API_HELPERS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "api.h"

struct fake_vmm {
	int starts, pauses, resumes, ctrl_alt_dels, flushes;
	int start_rc;             /* what instance_start returns */
	const char *start_err;    /* and writes into err */
	int op_rc;                /* what the other ops return */
	const char *op_err;
	const struct vm_config *started_cfg;
	enum vm_run_state state;
};

extern const struct vmm_control_ops fake_ops;
extern const struct vmm_control_ops fake_ops_stateless;   /* state == NULL */

struct fixture {
	struct vm_config cfg;
	struct fake_vmm vmm;
	struct api_context *ctx;
	char dir[256];
	char kernel[300];
	char initrd[300];
	char logfile[300];
	char metrics[300];
};

struct reply {
	int status;
	json_t *json;             /* parsed body, NULL for 204 */
	const char *fault;        /* fault_message or NULL */
};

int fixture_setup(void **state);
int fixture_setup_stateless(void **state);
int fixture_teardown(void **state);

void do_request(struct fixture *f, const char *method, const char *path, const char *body,
		struct reply *out);
void reply_free(struct reply *r);

/* A request that must succeed with 204. */
void must_204(struct fixture *f, const char *method, const char *path, const char *body);
/* A request that must fail with 400 and a fault_message containing want;
 * and must not change the config (GET /vm/config before == after). */
void must_400(struct fixture *f, const char *method, const char *path, const char *body,
	      const char *want);

/* GET /vm/config as a compact string (for before/after comparisons). */
char *config_dump(struct fixture *f);

/* Writes content to a new file (mode 0644). */
void write_file(const char *path, const char *content);
/* Reads a whole small file into a static buffer. */
const char *read_file(const char *path);

void start_vm(struct fixture *f);

#endif
