/* Guest memory: the memfd is sealed against resizing, and with 2 MiB huge
 * pages the whole size is reserved from the host's pool at creation, so a
 * pool too small is an error at InstanceStart, never a SIGBUS later. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "layout.h"
#include "memory.h"

#define FREE_2M "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"

static long free_huge_pages(void)
{
	FILE *f = fopen(FREE_2M, "r");
	long n = -1;

	if (f) {
		if (fscanf(f, "%ld", &n) != 1)
			n = -1;
		fclose(f);
	}
	return n;
}

static void test_sealed_against_resize(void **state)
{
	struct guest_memory mem;

	(void)state;
	assert_int_equal(guest_memory_create(&mem, 8 * MiB, false), 0);
	assert_int_equal(ftruncate(mem.memfd, 4 * MiB), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(ftruncate(mem.memfd, 16 * MiB), -1);
	assert_int_equal(errno, EPERM);
	mem.host[8 * MiB - 1] = 1;
	guest_memory_destroy(&mem);
}

static void test_huge_size_must_be_2m_multiple(void **state)
{
	struct guest_memory mem;

	(void)state;
	assert_int_equal(guest_memory_create(&mem, 3 * MiB, true), -EINVAL);
	assert_int_equal(guest_memory_create(&mem, 2 * MiB + 4 * KiB, true), -EINVAL);
}

/* Whatever the host's pool holds, asking for one page more than is free
 * fails cleanly; when a page is free, it backs the memfd. */
static void test_huge_reserved_up_front(void **state)
{
	struct guest_memory mem;
	long avail = free_huge_pages();
	struct stat st;

	(void)state;
	if (avail < 0)
		skip();   /* no 2 MiB hugetlb support on this host */
	assert_int_equal(guest_memory_create(&mem, (uint64_t)(avail + 1) * 2 * MiB, true),
			 -ENOMEM);
	assert_int_equal(free_huge_pages(), avail);
	if (avail == 0)
		return;
	assert_int_equal(guest_memory_create(&mem, 2 * MiB, true), 0);
	assert_int_equal(fstat(mem.memfd, &st), 0);
	assert_int_equal(st.st_blksize, 2 * MiB);
	mem.host[0] = 1;
	guest_memory_destroy(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sealed_against_resize),
		cmocka_unit_test(test_huge_size_must_be_2m_multiple),
		cmocka_unit_test(test_huge_reserved_up_front),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
