/* The jailer's first steps, as Firecracker's: nothing the caller left open
 * or set in the environment may reach the jailed process. */
#ifndef SPLITVM_JAILER_ENV_H
#define SPLITVM_JAILER_ENV_H

/* Closes every fd above 2; opens /dev/null on any of 0..2 that is closed so
 * that no later open() lands there.  Returns 0 or -errno. */
int env_close_inherited_fds(void);

/* Empties the environment.  Returns 0 or -errno. */
int env_clear(void);

/* Restores default signal dispositions and an empty signal mask: an
 * ignored SIGCHLD or a blocked SIGTERM would otherwise survive exec and
 * change how vmm-core supervises its workers. */
void env_reset_signals(void);

#endif
