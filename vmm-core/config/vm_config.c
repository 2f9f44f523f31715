#include "vm_config.h"

#include <stdio.h>
#include <stdlib.h>

void vm_config_init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->id, sizeof(cfg->id), "%s", VM_ID_DEFAULT);
	cfg->machine.vcpu_count = 1;
	cfg->machine.mem_size_mib = VM_MEM_DEFAULT_MIB;
	snprintf(cfg->machine.huge_pages, sizeof(cfg->machine.huge_pages), "None");
}

void vm_config_free(struct vm_config *cfg)
{
	free(cfg->boot.kernel_image_path);
	free(cfg->boot.initrd_path);
	free(cfg->boot.boot_args);
	free(cfg->logger.log_path);
	free(cfg->logger.level);
	free(cfg->logger.module);
	free(cfg->metrics.metrics_path);
	free(cfg->serial.serial_out_path);
	cfg->boot = (struct boot_source_config){ 0 };
	cfg->logger = (struct logger_config){ 0 };
	cfg->logger_configured = false;
	cfg->metrics = (struct metrics_config){ 0 };
	cfg->serial = (struct serial_config){ 0 };
}

bool vm_id_valid(const char *id)
{
	size_t n = 0;

	for (const char *p = id; *p; p++, n++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '-';

		if (!ok || n >= VM_ID_MAX)
			return false;
	}
	return n > 0;
}
