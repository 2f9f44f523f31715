/* Setup and teardown shared by the kernel loader tests.  Each test keeps
 * its own fixture struct, but every one of them starts with the guest
 * memory the loader writes into: that is what lets one teardown release
 * them all (each test checks it with LOADER_FIXTURE_CHECK). */
#ifndef SPLITVM_TEST_BOOT_LOADER_FIXTURE_H
#define SPLITVM_TEST_BOOT_LOADER_FIXTURE_H

#include <stddef.h>
#include <stdint.h>

#define LOADER_FIXTURE_CHECK(type) \
	_Static_assert(offsetof(type, mem) == 0, #type " must start with its guest memory")

/* A zeroed fixture of fixture_size bytes whose leading struct guest_memory
 * holds mem_size bytes; stored into *state and returned.  Fails the test
 * when the memory cannot be made. */
void *loader_fixture_new(void **state, size_t fixture_size, uint64_t mem_size);
/* cmocka teardown for a fixture from loader_fixture_new(). */
int loader_fixture_teardown(void **state);

/* Fails the test unless the loader's error message err mentions needle. */
void assert_err_contains(const char *err, const char *needle);

#endif
