/* MSI-X table, PBA and control bits kept in the core (see msix.h). */
#include "msix.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

uint32_t msix_table_size(unsigned int n)
{
	return n * MSIX_ENTRY_SIZE;
}

uint32_t msix_pba_size(unsigned int n)
{
	return ((n + 63) / 64) * 8;
}

int msix_init(struct msix *m, unsigned int n, const struct msix_ops *ops, void *opaque)
{
	memset(m, 0, sizeof(*m));
	if (n == 0 || n > MSIX_MAX_VECTORS || !ops || !ops->update || !ops->pending)
		return -EINVAL;
	m->table = calloc(n, sizeof(*m->table));
	m->told = calloc(n, sizeof(*m->told));
	if (!m->table || !m->told) {
		free(m->table);
		free(m->told);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++)
		m->table[i].ctrl = MSIX_ENTRY_MASKED;
	m->n = n;
	m->ops = ops;
	m->opaque = opaque;
	pthread_mutex_init(&m->lock, NULL);
	return 0;
}

void msix_destroy(struct msix *m)
{
	if (!m->table)
		return;
	free(m->table);
	free(m->told);
	m->table = NULL;
	m->told = NULL;
	pthread_mutex_destroy(&m->lock);
}

/* What vector vec should do now; called with the lock held. */
static struct msix_delivery wanted(const struct msix *m, unsigned int vec)
{
	const struct msix_entry *e = &m->table[vec];

	return (struct msix_delivery){
		.on = m->enabled && !m->fmask && !(e->ctrl & MSIX_ENTRY_MASKED),
		.addr = (uint64_t)e->addr_hi << 32 | e->addr_lo,
		.data = e->data,
	};
}

/* Called with the lock held: tells ops about vec if its delivery changed.
 * While off, the message is not ops' business. */
static void sync_vector(struct msix *m, unsigned int vec)
{
	struct msix_delivery want = wanted(m, vec), *told = &m->told[vec];
	int ret;

	if (want.on == told->on &&
	    (!want.on || (want.addr == told->addr && want.data == told->data)))
		return;
	m->updates++;
	ret = m->ops->update(m->opaque, vec, want.on, want.addr, want.data);
	if (ret) {
		log_err("MSI-X vector %u: cannot switch its delivery %s: %s", vec,
			want.on ? "on" : "off", strerror(-ret));
		return;
	}
	*told = want;
}

static void sync_all(struct msix *m)
{
	for (unsigned int i = 0; i < m->n; i++)
		sync_vector(m, i);
}

void msix_control_write(struct msix *m, uint16_t control)
{
	pthread_mutex_lock(&m->lock);
	m->enabled = control & MSIX_CTRL_ENABLE;
	m->fmask = control & MSIX_CTRL_FMASK;
	sync_all(m);
	pthread_mutex_unlock(&m->lock);
}

static bool access_ok(uint64_t offset, unsigned int len, uint64_t size, bool allow64)
{
	if (len != 4 && !(allow64 && len == 8))
		return false;
	return offset % len == 0 && offset < size && size - offset >= len;
}

static uint32_t *entry_word(struct msix *m, uint64_t offset)
{
	struct msix_entry *e = &m->table[offset / MSIX_ENTRY_SIZE];

	switch (offset % MSIX_ENTRY_SIZE) {
	case 0: return &e->addr_lo;
	case 4: return &e->addr_hi;
	case 8: return &e->data;
	default: return &e->ctrl;
	}
}

void msix_table_read(struct msix *m, uint64_t offset, void *data, unsigned int len)
{
	uint64_t v = UINT64_MAX;

	if (access_ok(offset, len, msix_table_size(m->n), true)) {
		pthread_mutex_lock(&m->lock);
		v = *entry_word(m, offset);
		if (len == 8)
			v |= (uint64_t)*entry_word(m, offset + 4) << 32;
		pthread_mutex_unlock(&m->lock);
	}
	memcpy(data, &v, len > 8 ? 8 : len);
}

static void write_word(struct msix *m, uint64_t offset, uint32_t v)
{
	uint32_t *w = entry_word(m, offset);

	/* Only the mask bit of Vector Control is writable. */
	if (offset % MSIX_ENTRY_SIZE == 12)
		v = (*w & ~MSIX_ENTRY_MASKED) | (v & MSIX_ENTRY_MASKED);
	*w = v;
}

void msix_table_write(struct msix *m, uint64_t offset, const void *data, unsigned int len)
{
	uint64_t v = 0;

	if (!access_ok(offset, len, msix_table_size(m->n), true))
		return;
	memcpy(&v, data, len);
	pthread_mutex_lock(&m->lock);
	write_word(m, offset, (uint32_t)v);
	if (len == 8)
		write_word(m, offset + 4, (uint32_t)(v >> 32));
	sync_vector(m, (unsigned int)(offset / MSIX_ENTRY_SIZE));
	pthread_mutex_unlock(&m->lock);
}

void msix_pba_read(struct msix *m, uint64_t offset, void *data, unsigned int len)
{
	uint64_t v = UINT64_MAX;

	if (access_ok(offset, len, msix_pba_size(m->n), true)) {
		v = 0;
		pthread_mutex_lock(&m->lock);
		for (unsigned int bit = 0; bit < len * 8; bit++) {
			uint64_t vec = offset * 8 + bit;

			if (vec < m->n && !m->told[vec].on &&
			    m->ops->pending(m->opaque, (unsigned int)vec))
				v |= 1ull << bit;
		}
		pthread_mutex_unlock(&m->lock);
	}
	memcpy(data, &v, len > 8 ? 8 : len);
}

int msix_vector_info(struct msix *m, unsigned int vec, bool *enabled, uint64_t *addr,
		     uint32_t *data)
{
	struct msix_delivery want;

	if (vec >= m->n)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	want = wanted(m, vec);
	pthread_mutex_unlock(&m->lock);
	*enabled = want.on;
	*addr = want.addr;
	*data = want.data;
	return 0;
}
