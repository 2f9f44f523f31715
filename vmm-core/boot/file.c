/* Reading kernel and initrd files.  The files come from the user and may be
 * anything: a directory, a FIFO that blocks forever, a file that shrinks
 * while it is read.  Only regular files are accepted, sizes come from fstat,
 * and every read is positioned (pread) and completed in a loop. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boot_priv.h"
#include "checked.h"

/* pread() transfers at most 0x7ffff000 bytes at a time; larger chunks only
 * turn into short reads. */
#define READ_CHUNK (1ULL << 30)

void boot_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int boot_file_size(int fd, const char *what, uint64_t *size,
		   char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int ret = -errno;

		boot_errf(err, errlen, "%s: cannot stat: %s", what, strerror(-ret));
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		boot_errf(err, errlen, "%s is not a regular file", what);
		return -EINVAL;
	}
	if (st.st_size <= 0) {
		boot_errf(err, errlen, "%s is empty", what);
		return -EINVAL;
	}
	*size = (uint64_t)st.st_size;
	return 0;
}

int boot_file_read(int fd, void *buf, uint64_t len, uint64_t off)
{
	uint8_t *p = buf;

	while (len > 0) {
		size_t chunk = len < READ_CHUNK ? (size_t)len : (size_t)READ_CHUNK;
		ssize_t n;

		if (off > (uint64_t)INT64_MAX - chunk)
			return -EINVAL;
		n = pread(fd, p, chunk, (off_t)off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ENODATA;
		p += n;
		len -= (uint64_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

int boot_file_to_guest(const struct guest_memory *mem, int fd, uint64_t off,
		       uint64_t gpa, uint64_t len)
{
	void *dst;

	if (len == 0)
		return 0;
	dst = guest_memory_ptr(mem, gpa, len);
	if (!dst)
		return -EFAULT;
	return boot_file_read(fd, dst, len, off);
}

int boot_read_failed(int ret, const char *what, uint64_t off,
		     char *err, size_t errlen)
{
	if (ret == -ENODATA) {
		boot_errf(err, errlen, "%s is shorter than its headers say (read at "
			  "offset %llu hit the end of the file)", what,
			  (unsigned long long)off);
		return -EIO;
	}
	boot_errf(err, errlen, "%s: read error at offset %llu: %s", what,
		  (unsigned long long)off, strerror(-ret));
	return ret;
}
