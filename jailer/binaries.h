/* The programs that go into the jail: the exec file and every worker
 * binary beside it that it may spawn.  They are opened (and checked) before
 * anything is created, and copied into the jail root afterwards. */
#ifndef SPLITVM_JAILER_BINARIES_H
#define SPLITVM_JAILER_BINARIES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "exec_path.h"

/* vmm-core spawns its device workers from the files named
 * vmm-worker-<letters, digits, '-'> in its own directory. */
#define WORKER_PREFIX "vmm-worker-"
#define MAX_WORKERS 32

struct binary {
	char name[EXEC_NAME_MAX + 1];
	int fd;      /* O_RDONLY, checked regular, single-linked, executable */
	mode_t mode; /* permission bits, set-id bits cleared */
	off_t size;
};

struct binary_set {
	struct binary exec;
	struct binary workers[MAX_WORKERS];
	size_t n_workers;
};

/* True for a worker binary's file name. */
bool binaries_is_worker_name(const char *name);

/* Opens dir/name and every worker binary in dir.  Refuses (logging the
 * file) symlinks, anything but a regular executable file, and files with
 * more than one link: a hard link could be swapped for another program
 * under the same name by whoever can write the other directory.
 * Returns 0 or -errno; nothing stays open on failure. */
int binaries_open(const char *dir, const char *name, struct binary_set *set);

/* Copies every binary into the directory root_fd, root-owned, modes kept
 * (without set-id bits).  Returns 0 or -errno. */
int binaries_copy(const struct binary_set *set, int root_fd);

void binaries_close(struct binary_set *set);

#endif
