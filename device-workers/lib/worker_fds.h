/* File-descriptor conventions of every device worker (worker.h has the
 * rest of the worker's contract).
 *
 * File descriptors.  The core starts a worker with exactly these open:
 *
 *   0  stdin   /dev/null (never read)
 *   1  stdout  unused
 *   2  stderr  log lines (a pipe or socket: the rng worker runs with
 *              RLIMIT_FSIZE 0, so writes to a regular file fail)
 *   3  WORKER_CONTROL_FD: the control socket, AF_UNIX SOCK_SEQPACKET
 *
 * Anything else inherited is closed at startup.  Every other fd arrives over
 * the control socket (proto/msgtypes.h says which message carries which):
 * the guest-memory memfd (mapped, then closed), the mailbox shm (mapped,
 * then closed) and its two eventfds, per queue the notify eventfd (KVM
 * ioeventfd) and the interrupt eventfd (KVM irqfd) of its MSI-X vector, and
 * the config-interrupt eventfd (with virtio-mmio: the device's single pin,
 * which the queues share).  The worker never opens or creates anything
 * after startup; its seccomp policy does not let it.
 */
#ifndef SPLITVM_WORKERS_WORKER_FDS_H
#define SPLITVM_WORKERS_WORKER_FDS_H

#define WORKER_CONTROL_FD 3

#endif
