/* Entering the jail: a private mount namespace whose root is the jail's
 * root/ folder (bind-mounted, nosuid), the host's tree detached. */
#ifndef SPLITVM_JAILER_CHROOT_H
#define SPLITVM_JAILER_CHROOT_H

/* root_path is the jail's root/ folder, root_fd an fd of it (to check that
 * the path still leads there).  Returns 0 or -errno (logged). */
int chroot_enter(const char *root_path, int root_fd);

#endif
