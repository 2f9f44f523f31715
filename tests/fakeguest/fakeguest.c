// SPDX-License-Identifier: Apache-2.0
#include "fakeguest.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "channel.h"
#include "virtio_mmio.h"
#include "virtio_pci.h"
#include "worker_fds.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int make_memfd(const char *name, size_t size, bool seal)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0 ||
	    (seal && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static int create_resources(struct fg *g)
{
	void *shm;

	g->memfd = make_memfd("fakeguest-ram", FG_MEM_SIZE, true);
	g->mbox_shm = make_memfd("fakeguest-mailbox", MBOX_SHM_SIZE, true);
	if (g->memfd < 0 || g->mbox_shm < 0)
		return -ENOMEM;
	g->mem = mmap(NULL, FG_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, g->memfd, 0);
	shm = mmap(NULL, MBOX_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, g->mbox_shm, 0);
	if (g->mem == MAP_FAILED || shm == MAP_FAILED)
		return -ENOMEM;
	g->mbox_req = eventfd(0, EFD_CLOEXEC);
	g->mbox_reply = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	g->config_irq_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (g->mbox_req < 0 || g->mbox_reply < 0 || g->config_irq_fd < 0)
		return -EMFILE;
	mbox_producer_init(&g->mbox, shm, g->mbox_req, g->mbox_reply);
	for (int i = 0; i < FG_MAX_QUEUES; i++) {
		g->notify_fd[i] = eventfd(0, EFD_CLOEXEC);
		g->irq_fd[i] = g->transport == FG_MMIO ? g->config_irq_fd :
			       eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (g->notify_fd[i] < 0 || g->irq_fd[i] < 0)
			return -EMFILE;
	}
	return 0;
}

static void exec_worker(int sock, const char *path, const struct fg_options *opts)
{
	const char *argv[16] = { path };
	int argc = 1;

	if (dup2(sock, WORKER_CONTROL_FD) < 0)
		_exit(126);
	/* LeakSanitizer stops the world with ptrace at exit, which the
	 * sandbox forbids; the library code is leak-checked in-process. */
	setenv("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=1", 1);
	unsetenv("SPLITVM_SECCOMP_LOG");
	for (const char *const *e = opts->extra_env; e && *e; e++)
		putenv((char *)*e);
	for (const char *const *a = opts->extra_args; a && *a && argc < 15; a++)
		argv[argc++] = *a;
	execv(path, (char *const *)argv);
	_exit(127);
}

int fg_spawn(struct fg *g, const char *path, const struct fg_options *opts)
{
	int sv[2];
	int ret;

	memset(g, 0, sizeof(*g));
	g->transport = opts->transport;
	g->pid = -1;
	g->ctl = g->memfd = g->mbox_shm = g->mbox_req = g->mbox_reply = -1;
	g->config_irq_fd = -1;
	for (int i = 0; i < FG_MAX_QUEUES; i++)
		g->notify_fd[i] = g->irq_fd[i] = -1;
	g->mem = MAP_FAILED;
	ret = create_resources(g);
	if (ret)
		return ret;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	g->pid = fork();
	if (g->pid < 0) {
		ret = -errno;
		close(sv[0]);
		close(sv[1]);
		return ret;
	}
	if (g->pid == 0)
		exec_worker(sv[1], path, opts);
	close(sv[1]);
	g->ctl = sv[0];
	return 0;
}

/* ---- control channel ---- */

static int recv_msg(struct fg *g, struct chan_msg *msg, int timeout_ms)
{
	struct pollfd pfd = { .fd = g->ctl, .events = POLLIN };
	enum chan_err err;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return -ETIMEDOUT;
	err = chan_recv(g->ctl, CHAN_SIDE_CORE, msg);
	if (err == CHAN_ERR_HANGUP)
		return -EPIPE;
	return err == CHAN_OK ? 0 : -EPROTO;
}

/* Counts an unsolicited message; true when it was one. */
static bool note_unsolicited(struct fg *g, const struct chan_msg *msg)
{
	if (msg->type == CHAN_MSG_EVENT) {
		const Ctl__Event *ev = (const Ctl__Event *)msg->body;

		if (ev->kind == CTL__EVENT_KIND__EVENT_NEEDS_RESET)
			g->needs_reset_events++;
		return true;
	}
	return msg->type == CHAN_MSG_ERROR;
}

/* Sends a request and returns the answer of type want (caller clears it). */
static int transact(struct fg *g, unsigned int type, const void *body, const int *fds,
		    unsigned int nfds, unsigned int want, struct chan_msg *answer)
{
	uint32_t seq = ++g->seq;
	int64_t deadline = now_ms() + FG_TIMEOUT_MS;
	enum chan_err err;

	err = chan_send(g->ctl, CHAN_SIDE_CORE, type, seq, body, fds, nfds);
	if (err != CHAN_OK)
		return -EPROTO;
	for (;;) {
		int ret = recv_msg(g, answer, (int)(deadline - now_ms()));

		if (ret)
			return ret;
		if (note_unsolicited(g, answer)) {
			chan_msg_clear(answer);
			continue;
		}
		if (answer->seq != seq || answer->type != want) {
			chan_msg_clear(answer);
			return -EPROTO;
		}
		return 0;
	}
}

int fg_call(struct fg *g, unsigned int type, const void *body, const int *fds,
	    unsigned int nfds)
{
	struct chan_msg reply = { 0 };
	int ret = transact(g, type, body, fds, nfds, CHAN_MSG_REPLY, &reply);

	if (ret)
		return ret;
	ret = ((const Ctl__Reply *)reply.body)->status;
	chan_msg_clear(&reply);
	return ret;
}

int fg_wait_needs_reset_event(struct fg *g, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	while (g->needs_reset_events == 0) {
		struct chan_msg msg = { 0 };
		int ret = recv_msg(g, &msg, (int)(deadline - now_ms()));

		if (ret)
			return ret;
		note_unsolicited(g, &msg);
		chan_msg_clear(&msg);
	}
	g->needs_reset_events--;
	return 0;
}

int64_t fg_stat(struct fg *g, const char *name)
{
	Ctl__GetStats req = CTL__GET_STATS__INIT;
	struct chan_msg answer = { 0 };
	const Ctl__Stats *stats;
	int64_t value = -ENOENT;
	int ret = transact(g, CHAN_MSG_GET_STATS, &req, NULL, 0, CHAN_MSG_STATS, &answer);

	if (ret)
		return ret;
	stats = (const Ctl__Stats *)answer.body;
	for (size_t i = 0; i < stats->n_counters; i++)
		if (strcmp(stats->counters[i]->name, name) == 0)
			value = (int64_t)stats->counters[i]->value;
	chan_msg_clear(&answer);
	return value;
}

static int setup_queues(struct fg *g, uint16_t num_queues, uint16_t queue_max)
{
	for (uint16_t q = 0; q < num_queues; q++) {
		Ctl__QueueSetup qs = CTL__QUEUE_SETUP__INIT;
		int fds[2] = { g->notify_fd[q], g->irq_fd[q] };
		int ret;

		qs.index = q;
		qs.max_size = queue_max;
		if (g->transport == FG_PCI) {
			qs.has_msix_vector = true;
			qs.msix_vector = FG_QUEUE_VECTOR(q);
		}
		ret = fg_call(g, CHAN_MSG_QUEUE_SETUP, &qs, fds, 2);
		if (ret)
			return ret > 0 ? -ret : ret;
	}
	return 0;
}

static int setup_memory(struct fg *g)
{
	Ctl__MemoryRegion r0 = CTL__MEMORY_REGION__INIT, r1 = CTL__MEMORY_REGION__INIT;
	Ctl__MemoryRegion *regions[2] = { &r0, &r1 };
	Ctl__MemoryMap mm = CTL__MEMORY_MAP__INIT;

	r0.guest_phys_addr = FG_REGION0_GPA;
	r0.size = FG_REGION_SIZE;
	r0.memfd_offset = 0;
	r1.guest_phys_addr = FG_REGION1_GPA;
	r1.size = FG_REGION_SIZE;
	r1.memfd_offset = FG_REGION_SIZE;
	mm.n_regions = 2;
	mm.regions = regions;
	return fg_call(g, CHAN_MSG_MEMORY_MAP, &mm, &g->memfd, 1);
}

int fg_setup(struct fg *g, const struct fg_options *opts, uint16_t num_queues,
	     uint16_t queue_max)
{
	Ctl__RngConfig rng = CTL__RNG_CONFIG__INIT;
	Ctl__Configure cfg = CTL__CONFIGURE__INIT;
	Ctl__Mailbox mb = CTL__MAILBOX__INIT;
	Ctl__ConfigInterrupt ci = CTL__CONFIG_INTERRUPT__INIT;
	Ctl__Activate act = CTL__ACTIVATE__INIT;
	int mb_fds[3] = { g->mbox_shm, g->mbox_req, g->mbox_reply };
	int ret;

	if (num_queues > FG_MAX_QUEUES)
		return -EINVAL;
	g->num_queues = num_queues;
	if (chan_hello(g->ctl, CHAN_SIDE_CORE, CTL__DEVICE_TYPE__DEVICE_RNG, "fakeguest",
		       FG_TIMEOUT_MS, NULL) != CHAN_OK)
		return -EPROTO;
	cfg.transport = opts->transport == FG_MMIO ? CTL__TRANSPORT__TRANSPORT_MMIO :
						    CTL__TRANSPORT__TRANSPORT_PCI;
	cfg.device_id = (char *)"rng0";
	if (opts->max_bytes_per_request) {
		rng.has_max_bytes_per_request = true;
		rng.max_bytes_per_request = opts->max_bytes_per_request;
	}
	cfg.device_case = CTL__CONFIGURE__DEVICE_RNG;
	cfg.rng = &rng;
	mb.layout_version = MBOX_LAYOUT_VERSION;
	mb.shm_size = MBOX_SHM_SIZE;
	if (opts->transport == FG_PCI) {
		ci.has_msix_vector = true;
		ci.msix_vector = FG_CONFIG_VECTOR;
	}
	ret = fg_call(g, CHAN_MSG_CONFIGURE, &cfg, NULL, 0);
	if (!ret)
		ret = setup_memory(g);
	if (!ret)
		ret = fg_call(g, CHAN_MSG_MAILBOX, &mb, mb_fds, 3);
	if (!ret)
		ret = setup_queues(g, num_queues, queue_max);
	if (!ret)
		ret = fg_call(g, CHAN_MSG_CONFIG_INTERRUPT, &ci, &g->config_irq_fd, 1);
	if (!ret)
		ret = fg_call(g, CHAN_MSG_ACTIVATE, &act, NULL, 0);
	return ret > 0 ? -ret : ret;
}

int fg_wait_exit(struct fg *g, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	int status;

	if (g->pid <= 0)
		return -ECHILD;
	for (;;) {
		pid_t r = waitpid(g->pid, &status, WNOHANG);

		if (r == g->pid) {
			g->pid = -1;
			return status;
		}
		if (r < 0)
			return -errno;
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ .tv_nsec = 2000000 }, NULL);
	}
}

bool fg_worker_alive(struct fg *g)
{
	int status;

	if (g->pid <= 0)
		return false;
	if (waitpid(g->pid, &status, WNOHANG) == g->pid) {
		g->pid = -1;
		return false;
	}
	return true;
}

int fg_shutdown(struct fg *g)
{
	Ctl__Shutdown sd = CTL__SHUTDOWN__INIT;
	int ret = fg_call(g, CHAN_MSG_SHUTDOWN, &sd, NULL, 0);

	if (ret)
		return ret > 0 ? -ret : ret;
	return fg_wait_exit(g, FG_TIMEOUT_MS);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void fg_destroy(struct fg *g)
{
	if (g->pid > 0) {
		kill(g->pid, SIGKILL);
		waitpid(g->pid, NULL, 0);
		g->pid = -1;
	}
	for (int i = 0; i < FG_MAX_QUEUES; i++) {
		close_fd(&g->notify_fd[i]);
		if (g->transport == FG_PCI)
			close_fd(&g->irq_fd[i]);
	}
	close_fd(&g->config_irq_fd);
	close_fd(&g->ctl);
	close_fd(&g->memfd);
	close_fd(&g->mbox_shm);
	close_fd(&g->mbox_req);
	close_fd(&g->mbox_reply);
	if (g->mem != MAP_FAILED && g->mem)
		munmap(g->mem, FG_MEM_SIZE);
	if (g->mbox.shm)
		munmap(g->mbox.shm, MBOX_SHM_SIZE);
	memset(g, 0, sizeof(*g));
}

/* ---- registers ---- */

uint64_t fg_read(struct fg *g, uint64_t offset, uint32_t size)
{
	uint64_t v = UINT64_MAX;
	int ret = mbox_producer_read(&g->mbox, 0, offset, size, &v, FG_TIMEOUT_MS);

	if (ret && !g->error)
		g->error = ret;
	return v;
}

void fg_write(struct fg *g, uint64_t offset, uint32_t size, uint64_t value)
{
	int ret = mbox_producer_write(&g->mbox, 0, offset, size, value, FG_TIMEOUT_MS);

	if (ret && !g->error)
		g->error = ret;
}

uint8_t fg_get_status(struct fg *g)
{
	if (g->transport == FG_MMIO)
		return (uint8_t)fg_read(g, VIRTIO_MMIO_STATUS, 4);
	return (uint8_t)fg_read(g, VIRTIO_PCI_COMMON_STATUS, 1);
}

void fg_set_status(struct fg *g, uint8_t status)
{
	if (g->transport == FG_MMIO)
		fg_write(g, VIRTIO_MMIO_STATUS, 4, status);
	else
		fg_write(g, VIRTIO_PCI_COMMON_STATUS, 1, status);
}

uint64_t fg_device_features(struct fg *g)
{
	uint64_t sel = g->transport == FG_MMIO ? VIRTIO_MMIO_DEVICE_FEATURES_SEL :
						 VIRTIO_PCI_COMMON_DFSELECT;
	uint64_t reg = g->transport == FG_MMIO ? VIRTIO_MMIO_DEVICE_FEATURES :
						 VIRTIO_PCI_COMMON_DF;
	uint64_t lo, hi;

	fg_write(g, sel, 4, 0);
	lo = fg_read(g, reg, 4);
	fg_write(g, sel, 4, 1);
	hi = fg_read(g, reg, 4);
	return (hi << 32) | (lo & 0xffffffffULL);
}

void fg_set_driver_features(struct fg *g, uint64_t features)
{
	uint64_t sel = g->transport == FG_MMIO ? VIRTIO_MMIO_DRIVER_FEATURES_SEL :
						 VIRTIO_PCI_COMMON_GFSELECT;
	uint64_t reg = g->transport == FG_MMIO ? VIRTIO_MMIO_DRIVER_FEATURES :
						 VIRTIO_PCI_COMMON_GF;

	fg_write(g, sel, 4, 0);
	fg_write(g, reg, 4, features & 0xffffffffULL);
	fg_write(g, sel, 4, 1);
	fg_write(g, reg, 4, features >> 32);
}

int fg_negotiate(struct fg *g, uint64_t features)
{
	uint8_t s;

	fg_set_status(g, 0);
	fg_set_status(g, VIRTIO_STATUS_ACKNOWLEDGE);
	fg_set_status(g, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	(void)fg_device_features(g);
	fg_set_driver_features(g, features);
	fg_set_status(g, VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
			 VIRTIO_STATUS_FEATURES_OK);
	s = fg_get_status(g);
	if (g->error)
		return g->error;
	return (s & VIRTIO_STATUS_FEATURES_OK) ? 1 : 0;
}

uint16_t fg_queue_max(struct fg *g, uint16_t q)
{
	if (g->transport == FG_MMIO) {
		fg_write(g, VIRTIO_MMIO_QUEUE_SEL, 4, q);
		return (uint16_t)fg_read(g, VIRTIO_MMIO_QUEUE_NUM_MAX, 4);
	}
	fg_write(g, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	return (uint16_t)fg_read(g, VIRTIO_PCI_COMMON_Q_SIZE, 2);
}

static void write64(struct fg *g, uint64_t lo_off, uint64_t value)
{
	fg_write(g, lo_off, 4, value & 0xffffffffULL);
	fg_write(g, lo_off + 4, 4, value >> 32);
}

void fg_queue_setup(struct fg *g, uint16_t q, uint16_t size, uint64_t desc,
		    uint64_t avail, uint64_t used)
{
	g->qsize = size;
	g->desc_gpa = desc;
	g->avail_gpa = avail;
	g->used_gpa = used;
	g->avail_idx = 0;
	g->used_seen = 0;
	if (g->transport == FG_MMIO) {
		fg_write(g, VIRTIO_MMIO_QUEUE_SEL, 4, q);
		fg_write(g, VIRTIO_MMIO_QUEUE_NUM, 4, size);
		write64(g, VIRTIO_MMIO_QUEUE_DESC_LOW, desc);
		write64(g, VIRTIO_MMIO_QUEUE_DRIVER_LOW, avail);
		write64(g, VIRTIO_MMIO_QUEUE_DEVICE_LOW, used);
		fg_write(g, VIRTIO_MMIO_QUEUE_READY, 4, 1);
		return;
	}
	fg_write(g, VIRTIO_PCI_COMMON_Q_SELECT, 2, q);
	fg_write(g, VIRTIO_PCI_COMMON_Q_SIZE, 2, size);
	write64(g, VIRTIO_PCI_COMMON_Q_DESCLO, desc);
	write64(g, VIRTIO_PCI_COMMON_Q_AVAILLO, avail);
	write64(g, VIRTIO_PCI_COMMON_Q_USEDLO, used);
	fg_write(g, VIRTIO_PCI_COMMON_Q_MSIX, 2, FG_QUEUE_VECTOR(q));
	fg_write(g, VIRTIO_PCI_COMMON_Q_ENABLE, 2, 1);
}

int fg_bring_up(struct fg *g, uint64_t features, uint16_t size)
{
	uint8_t ok = VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER |
		     VIRTIO_STATUS_FEATURES_OK;
	int ret = fg_negotiate(g, features);

	if (ret != 1)
		return ret < 0 ? ret : -ENOTSUP;
	/* The ring memory is the driver's to clear before handing it over. */
	memset(fg_gpa(g, FG_DESC_GPA, 0x3000), 0, 0x3000);
	if (g->transport == FG_PCI)
		fg_write(g, VIRTIO_PCI_COMMON_MSIX, 2, FG_CONFIG_VECTOR);
	fg_queue_setup(g, 0, size, FG_DESC_GPA, FG_AVAIL_GPA, FG_USED_GPA);
	fg_set_status(g, ok | VIRTIO_STATUS_DRIVER_OK);
	if (fg_get_status(g) != (ok | VIRTIO_STATUS_DRIVER_OK))
		return -EIO;
	return g->error;
}

/* ---- guest memory ---- */

void *fg_gpa(struct fg *g, uint64_t gpa, uint64_t len)
{
	if (gpa + len <= FG_REGION0_GPA + FG_REGION_SIZE)	/* region 0 starts at 0 */
		return g->mem + (gpa - FG_REGION0_GPA);
	if (gpa >= FG_REGION1_GPA && gpa + len <= FG_REGION1_GPA + FG_REGION_SIZE)
		return g->mem + FG_REGION_SIZE + (gpa - FG_REGION1_GPA);
	abort();	/* a test bug: the fake guest only touches its own RAM */
}

void fg_set_desc(struct fg *g, uint64_t table_gpa, uint16_t idx, uint64_t addr,
		 uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = { addr, len, flags, next };

	memcpy(fg_gpa(g, table_gpa + 16ULL * idx, 16), &d, sizeof(d));
}

static uint16_t *avail_field(struct fg *g, unsigned int n)
{
	return fg_gpa(g, g->avail_gpa + 2ULL * n, 2);
}

void fg_avail_add(struct fg *g, uint16_t head)
{
	*avail_field(g, 2 + (g->avail_idx % g->qsize)) = head;
	g->avail_idx++;
	__atomic_store_n(avail_field(g, 1), g->avail_idx, __ATOMIC_RELEASE);
}

void fg_set_avail_idx(struct fg *g, uint16_t idx)
{
	g->avail_idx = idx;
	__atomic_store_n(avail_field(g, 1), idx, __ATOMIC_RELEASE);
}

void fg_set_used_event(struct fg *g, uint16_t v)
{
	__atomic_store_n(avail_field(g, 2 + g->qsize), v, __ATOMIC_RELEASE);
}

void fg_set_avail_flags(struct fg *g, uint16_t flags)
{
	__atomic_store_n(avail_field(g, 0), flags, __ATOMIC_RELEASE);
}

uint16_t fg_used_idx(struct fg *g)
{
	return __atomic_load_n((uint16_t *)fg_gpa(g, g->used_gpa + 2, 2), __ATOMIC_ACQUIRE);
}

uint16_t fg_avail_event(struct fg *g)
{
	return __atomic_load_n((uint16_t *)fg_gpa(g, g->used_gpa + 4 + 8ULL * g->qsize, 2),
			       __ATOMIC_ACQUIRE);
}

void fg_used_elem(struct fg *g, uint16_t n, uint32_t *id, uint32_t *len)
{
	struct virtq_used_elem e;

	(void)fg_used_idx(g);
	memcpy(&e, fg_gpa(g, g->used_gpa + 4 + 8ULL * (n % g->qsize), 8), sizeof(e));
	*id = e.id;
	*len = e.len;
}

void fg_kick(struct fg *g, uint16_t q)
{
	(void)!eventfd_write(g->notify_fd[q], 1);
}

static int wait_eventfd(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	eventfd_t v;

	if (poll(&pfd, 1, timeout_ms) <= 0)
		return 0;
	(void)eventfd_read(fd, &v);
	return 1;
}

int fg_wait_queue_irq(struct fg *g, uint16_t q, int timeout_ms)
{
	return wait_eventfd(g->irq_fd[q], timeout_ms);
}

int fg_wait_config_irq(struct fg *g, int timeout_ms)
{
	return wait_eventfd(g->config_irq_fd, timeout_ms);
}

int fg_wait_used(struct fg *g, uint16_t want, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	while (fg_used_idx(g) != want) {
		if (now_ms() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ .tv_nsec = 500000 }, NULL);
	}
	return 0;
}
