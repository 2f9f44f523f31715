#include "args.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

#include "log.h"

/* Flags that only make sense when launching a VM; --cleanup refuses them
 * so that a mistyped cleanup never looks like it did something. */
enum flag_bit {
	F_ID = 1u << 0,
	F_EXEC = 1u << 1,
	F_UID = 1u << 2,
	F_GID = 1u << 3,
	F_BASE = 1u << 4,
	F_NETNS = 1u << 5,
	F_DAEMON = 1u << 6,
	F_PIDNS = 1u << 7,
	F_CGROUP = 1u << 8,
	F_CGVER = 1u << 9,
	F_PARENT = 1u << 10,
	F_RLIMIT = 1u << 11,
	F_CLEANUP = 1u << 12,
	F_HELP = 1u << 13,
	F_VERSION = 1u << 14,
};

#define LAUNCH_ONLY (F_UID | F_GID | F_NETNS | F_DAEMON | F_PIDNS | F_CGROUP | \
		     F_CGVER | F_PARENT | F_RLIMIT)
/* Flags that may be given more than once. */
#define REPEATABLE (F_CGROUP | F_RLIMIT)

struct flag {
	const char *name;
	unsigned int bit;
	bool takes_value;
};

static const struct flag flags[] = {
	{ "id", F_ID, true },
	{ "exec-file", F_EXEC, true },
	{ "uid", F_UID, true },
	{ "gid", F_GID, true },
	{ "chroot-base-dir", F_BASE, true },
	{ "netns", F_NETNS, true },
	{ "daemonize", F_DAEMON, false },
	{ "new-pid-ns", F_PIDNS, false },
	{ "cgroup", F_CGROUP, true },
	{ "cgroup-version", F_CGVER, true },
	{ "parent-cgroup", F_PARENT, true },
	{ "resource-limit", F_RLIMIT, true },
	{ "cleanup", F_CLEANUP, false },
	{ "help", F_HELP, false },
	{ "version", F_VERSION, false },
};

void args_usage(FILE *out)
{
	fprintf(out,
		"usage: jailer --id ID --exec-file FILE [--uid UID] [--gid GID]\n"
		"              [--chroot-base-dir DIR] [--netns PATH] [--daemonize] [--new-pid-ns]\n"
		"              [--cgroup FILE=VALUE]... [--cgroup-version 1|2] [--parent-cgroup PATH]\n"
		"              [--resource-limit fsize=N|no-file=N]... [-- ARGS...]\n"
		"       jailer --id ID [options] -- COMMAND [ARGS...]\n"
		"       jailer --cleanup --id ID [--chroot-base-dir DIR] [--exec-file NAME]\n"
		"Defaults: --uid %u --gid %u, --chroot-base-dir %s, no-file=%u,\n"
		"--cgroup-version 2 when /sys/fs/cgroup is cgroup2 (else 1).  See docs/jailer.md.\n",
		JAIL_DEFAULT_UID, JAIL_DEFAULT_GID, JAIL_DEFAULT_BASE, JAIL_DEFAULT_NOFILE);
}

static bool ctl_char_free(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int args_parse_cgroup(const char *arg, struct cgroup_setting *out)
{
	const char *eq = strchr(arg, '=');
	const char *dot;
	size_t file_len, ctl_len;

	if (!eq) {
		log_err("--cgroup %s: expected FILE=VALUE", arg);
		return -EINVAL;
	}
	file_len = (size_t)(eq - arg);
	dot = memchr(arg, '.', file_len);
	if (file_len == 0 || file_len > CGROUP_FILE_MAX || !dot) {
		log_err("--cgroup %s: FILE must look like <controller>.<property>", arg);
		return -EINVAL;
	}
	ctl_len = (size_t)(dot - arg);
	/* Controller names are lower-case; property names may hold digits,
	 * '_', '.' and upper case ("hugetlb.2MB.max"). */
	if (ctl_len == 0 || ctl_len > CGROUP_CONTROLLER_MAX ||
	    strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789_") != ctl_len ||
	    dot + 1 == eq ||
	    strspn(dot + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") !=
		    (size_t)(eq - dot - 1)) {
		log_err("--cgroup %s: invalid cgroup file name", arg);
		return -EINVAL;
	}
	/* cgroup.procs, cgroup.subtree_control, ... are the jailer's to
	 * write: letting a caller set them would move the VM elsewhere or
	 * break the no-internal-process rule of cgroup v2. */
	if (ctl_len == 6 && memcmp(arg, "cgroup", 6) == 0) {
		log_err("--cgroup %s: cgroup.* files are managed by the jailer", arg);
		return -EINVAL;
	}
	if (eq[1] == '\0' || strlen(eq + 1) > CGROUP_VALUE_MAX || !ctl_char_free(eq + 1)) {
		log_err("--cgroup %s: VALUE must be 1..%d printable characters", arg,
			CGROUP_VALUE_MAX);
		return -EINVAL;
	}
	memcpy(out->file, arg, file_len);
	out->file[file_len] = '\0';
	memcpy(out->controller, arg, ctl_len);
	out->controller[ctl_len] = '\0';
	out->value = eq + 1;
	return 0;
}

int args_parse_rlimit(const char *arg, struct jail_rlimits *rl)
{
	const char *eq = strchr(arg, '=');
	uint64_t v;
	bool *set;
	uint64_t *dst;
	int ret;

	if (eq && (size_t)(eq - arg) == 5 && memcmp(arg, "fsize", 5) == 0) {
		set = &rl->fsize_set;
		dst = &rl->fsize;
	} else if (eq && (size_t)(eq - arg) == 7 && memcmp(arg, "no-file", 7) == 0) {
		set = &rl->nofile_set;
		dst = &rl->nofile;
	} else {
		log_err("--resource-limit %s: expected fsize=N or no-file=N", arg);
		return -EINVAL;
	}
	if (*set) {
		log_err("--resource-limit %s: %.*s given twice", arg, (int)(eq - arg), arg);
		return -EINVAL;
	}
	/* UINT64_MAX is RLIM_INFINITY: a limit must be a number. */
	ret = parse_u64_dec(eq + 1, UINT64_MAX - 1, &v);
	if (ret) {
		log_err("--resource-limit %s: value is not a number below 2^64-1", arg);
		return -EINVAL;
	}
	*set = true;
	*dst = v;
	return 0;
}

static int parse_id_number(const char *flag, const char *s, unsigned int *out)
{
	uint64_t v;

	/* (uid_t)-1 means "unchanged" to setresuid(): never a real id. */
	if (parse_u64_dec(s, UINT32_MAX - 1, &v)) {
		log_err("--%s %s: expected a decimal number below %u", flag, s, UINT32_MAX);
		return -EINVAL;
	}
	if (v == 0) {
		log_err("--%s 0: refusing to run the jailed process as root", flag);
		return -EINVAL;
	}
	*out = (unsigned int)v;
	return 0;
}

static const struct flag *find_flag(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
		if (strlen(flags[i].name) == len && memcmp(flags[i].name, name, len) == 0)
			return &flags[i];
	return NULL;
}

static int path_arg(const char *flag, const char *v, bool absolute)
{
	size_t len = strnlen(v, PATH_MAX);

	if (len == 0 || len >= PATH_MAX - 256) {
		log_err("--%s: path is empty or too long", flag);
		return -EINVAL;
	}
	if (absolute && v[0] != '/') {
		log_err("--%s %s: must be an absolute path", flag, v);
		return -EINVAL;
	}
	return 0;
}

static int apply_flag(struct jail_args *a, const struct flag *f, const char *v)
{
	uint64_t ver;

	switch (f->bit) {
	case F_ID:
		if (!jail_id_valid(v)) {
			log_err("--id %s: must be 1..%d letters, digits or '-' (not first)", v,
				JAIL_ID_MAX);
			return -EINVAL;
		}
		a->id = v;
		return 0;
	case F_EXEC:
		a->exec_file = v;
		return path_arg("exec-file", v, false);
	case F_UID:
		return parse_id_number("uid", v, &a->uid);
	case F_GID:
		return parse_id_number("gid", v, &a->gid);
	case F_BASE:
		a->chroot_base = v;
		return path_arg("chroot-base-dir", v, true);
	case F_NETNS:
		a->netns = v;
		return path_arg("netns", v, false);
	case F_DAEMON:
		a->daemonize = true;
		return 0;
	case F_PIDNS:
		a->new_pid_ns = true;
		return 0;
	case F_CGROUP:
		if (a->n_cgroups == JAIL_MAX_CGROUPS) {
			log_err("--cgroup: at most %d may be given", JAIL_MAX_CGROUPS);
			return -EINVAL;
		}
		for (size_t i = 0; i < a->n_cgroups; i++) {
			size_t n = strlen(a->cgroups[i].file);

			if (strncmp(v, a->cgroups[i].file, n) == 0 && v[n] == '=') {
				log_err("--cgroup %s: %s given twice", v, a->cgroups[i].file);
				return -EINVAL;
			}
		}
		if (args_parse_cgroup(v, &a->cgroups[a->n_cgroups]))
			return -EINVAL;
		a->n_cgroups++;
		return 0;
	case F_CGVER:
		if (parse_u64_dec(v, 2, &ver) || ver < 1) {
			log_err("--cgroup-version %s: must be 1 or 2", v);
			return -EINVAL;
		}
		a->cgroup_version = (int)ver;
		return 0;
	case F_PARENT:
		if (!rel_path_valid(v, PARENT_CGROUP_MAX)) {
			log_err("--parent-cgroup %s: must be a relative path of names made of "
				"letters, digits, '-', '_' and '.' (no '.' first)", v);
			return -EINVAL;
		}
		a->parent_cgroup = v;
		return 0;
	case F_RLIMIT:
		return args_parse_rlimit(v, &a->rl);
	case F_CLEANUP:
		a->cleanup = true;
		return 0;
	case F_HELP:
		a->help = true;
		return 0;
	case F_VERSION:
		a->version = true;
		return 0;
	}
	return -EINVAL;
}

/* Reads the flags before "--"; returns the index of the first argument
 * after "--" (argc when there is none) or -EINVAL. */
static int parse_flags(int argc, char *const argv[], struct jail_args *a, unsigned int *seen)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *arg = argv[i], *name, *eq, *value;
		const struct flag *f;
		size_t len;

		if (strcmp(arg, "--") == 0)
			return i + 1;
		if (strcmp(arg, "-h") == 0)
			arg = "--help";
		if (strncmp(arg, "--", 2) != 0) {
			log_err("unexpected argument '%s' (arguments for the exec file go after --)",
				arg);
			return -EINVAL;
		}
		name = arg + 2;
		eq = strchr(name, '=');
		len = eq ? (size_t)(eq - name) : strlen(name);
		f = find_flag(name, len);
		if (!f) {
			log_err("unknown option '%.*s'", (int)(len + 2), arg);
			return -EINVAL;
		}
		if ((*seen & f->bit) && !(f->bit & REPEATABLE)) {
			log_err("--%s given twice", f->name);
			return -EINVAL;
		}
		*seen |= f->bit;
		if (!f->takes_value) {
			if (eq) {
				log_err("--%s takes no value", f->name);
				return -EINVAL;
			}
			value = NULL;
		} else if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			log_err("--%s needs a value", f->name);
			return -EINVAL;
		}
		if (apply_flag(a, f, value))
			return -EINVAL;
	}
	return argc;
}

static int check_cleanup(const struct jail_args *a, unsigned int seen)
{
	if (seen & LAUNCH_ONLY) {
		log_err("--cleanup takes only --id, --chroot-base-dir and --exec-file");
		return -EINVAL;
	}
	if (a->n_extra > 0) {
		log_err("--cleanup takes no arguments after --");
		return -EINVAL;
	}
	return 0;
}

int args_parse(int argc, char *const argv[], struct jail_args *a)
{
	unsigned int seen = 0;
	int rest;

	memset(a, 0, sizeof(*a));
	a->uid = JAIL_DEFAULT_UID;
	a->gid = JAIL_DEFAULT_GID;
	a->chroot_base = JAIL_DEFAULT_BASE;

	rest = parse_flags(argc, argv, a, &seen);
	if (rest < 0)
		return -EINVAL;
	a->extra = argv + rest;
	a->n_extra = argc - rest;
	if (a->help || a->version)
		return 0;
	if (!a->id) {
		log_err("--id is required");
		return -EINVAL;
	}
	if (a->cleanup) {
		if (check_cleanup(a, seen))
			return -EINVAL;
		if (!a->exec_file)
			a->exec_file = JAIL_DEFAULT_EXEC_NAME;
		return 0;
	}
	/* Short form: `jailer --id vm1 -- vmm-core --enable-pci`. */
	if (!a->exec_file) {
		if (a->n_extra == 0 || a->extra[0][0] == '\0') {
			log_err("--exec-file is required (or give the command after --)");
			return -EINVAL;
		}
		a->exec_file = a->extra[0];
		a->exec_from_command = true;
		a->extra++;
		a->n_extra--;
		if (path_arg("exec-file", a->exec_file, false))
			return -EINVAL;
	}
	return 0;
}
