/* --netns: the network namespace the VM joins (its tap devices live there). */
#ifndef SPLITVM_JAILER_NETNS_H
#define SPLITVM_JAILER_NETNS_H

/* Opens path and checks that it is a network namespace (not a plain file,
 * not another kind of namespace).  Returns an fd or -errno (logged). */
int netns_open(const char *path);

/* Moves the calling process into the namespace fd.  Returns 0 or -errno. */
int netns_join(int fd, const char *path);

#endif
