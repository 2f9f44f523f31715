#include "privs.h"

#include <errno.h>
#include <string.h>
#include <grp.h>
#include <stdbool.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"

static int fail(const char *what)
{
	int ret = -errno;

	log_err("dropping privileges: %s: %s", what, strerror(errno));
	return ret;
}

static int drop_bounding_set(void)
{
	/* The kernel answers EINVAL past its last capability. */
	for (unsigned long cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0)
			continue;
		if (errno == EINVAL)
			return 0;
		return fail("PR_CAPBSET_DROP");
	}
	return 0;
}

static int cap_sets(struct __user_cap_data_struct *data)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capget, &hdr, data) < 0 ? fail("capget") : 0;
}

static int cap_sets_write(struct __user_cap_data_struct *data)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capset, &hdr, data) < 0 ? fail("capset") : 0;
}

/* Inheritable must be empty: an exec would otherwise keep what a file's
 * inheritable set names. */
static int clear_inheritable(void)
{
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int ret = cap_sets(data);

	for (int i = 0; ret == 0 && i < _LINUX_CAPABILITY_U32S_3; i++)
		data[i].inheritable = 0;
	return ret ? ret : cap_sets_write(data);
}

static int check_ids(uid_t uid, gid_t gid, uid_t saved)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0)
		return fail("getresuid");
	if (ru != uid || eu != uid || su != saved || rg != gid || eg != gid || sg != gid ||
	    getgroups(0, NULL) != 0) {
		log_err("dropping privileges: ids did not change to %u:%u", uid, gid);
		return -EPERM;
	}
	return 0;
}

/* What the exec'd program inherits: nothing effective, inheritable or
 * ambient, an empty bounding set; permitted too unless way_back. */
static int check_caps(bool way_back)
{
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int ret = cap_sets(data);

	if (ret)
		return ret;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		if (data[i].effective || data[i].inheritable || (!way_back && data[i].permitted)) {
			log_err("dropping privileges: capabilities remain after setresuid");
			return -EPERM;
		}
	}
	for (unsigned long cap = 0; cap < 64; cap++) {
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 ||
		    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) == 1) {
			log_err("dropping privileges: capability %lu remains bounding or ambient", cap);
			return -EPERM;
		}
	}
	return 0;
}

int privs_drop(uid_t uid, gid_t gid, bool way_back)
{
	struct __user_cap_data_struct none[_LINUX_CAPABILITY_U32S_3] = { 0 };
	int ret;

	/* No exec may gain privileges again (set-id files, file caps);
	 * vmm-core's seccomp filters need this too. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail("PR_SET_NO_NEW_PRIVS");
	if (setgroups(0, NULL) < 0)
		return fail("setgroups");
	if (setresgid(gid, gid, gid) < 0)
		return fail("setresgid");
	/* Needs CAP_SETPCAP: before the uid changes. */
	ret = drop_bounding_set();
	if (ret == 0 && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 &&
	    errno != EINVAL)
		ret = fail("PR_CAP_AMBIENT_CLEAR_ALL");
	if (ret == 0)
		ret = clear_inheritable();
	if (ret)
		return ret;
	if (setresuid(uid, uid, way_back ? 0 : uid) < 0)
		return fail("setresuid");
	/* setresuid clears the sets unless SECBIT_KEEP_CAPS or
	 * SECBIT_NO_SETUID_FIXUP were inherited: clear them regardless. */
	if (!way_back && (ret = cap_sets_write(none)))
		return ret;
	ret = check_ids(uid, gid, way_back ? 0 : uid);
	return ret ? ret : check_caps(way_back);
}

int privs_regain(void)
{
	if (setresuid(0, 0, 0) < 0 || setresgid(0, 0, 0) < 0)
		return fail("regaining root to roll back");
	return 0;
}
