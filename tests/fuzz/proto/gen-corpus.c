/* Writes the seed corpus of fuzz-proto-recv: one valid packet of every
 * message type (and every Configure device), in the input format of
 * fuzz-input.h, into the directory named on the command line.  Each seed is
 * first checked to pass chan_recv() over a real socketpair, so the corpus
 * never silently goes stale when the schema changes.
 *
 *   gen-corpus DIR */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "channel.h"
#include "fuzz-input.h"
#include "samples.h"

static uint8_t pkt[1 + CHAN_MAX_PACKET];

/* Proves the packet is accepted as it stands. */
static int check_accepted(enum chan_msg_type type, const ProtobufCMessage *body,
			  enum chan_side to, unsigned int nfds)
{
	enum chan_side from = to == CHAN_SIDE_CORE ? CHAN_SIDE_WORKER : CHAN_SIDE_CORE;
	struct chan_msg msg;
	int sp[2], fds[CHAN_MAX_FDS];
	enum chan_err err;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	for (unsigned int i = 0; i < nfds; i++)
		fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	err = chan_send(sp[0], from, type, 1, body, fds, nfds);
	if (err == CHAN_OK)
		err = chan_recv(sp[1], to, &msg);
	if (err == CHAN_OK)
		chan_msg_clear(&msg);
	for (unsigned int i = 0; i < nfds; i++)
		close(fds[i]);
	close(sp[0]);
	close(sp[1]);
	if (err != CHAN_OK)
		fprintf(stderr, "gen-corpus: %s refused: %s\n", chan_msg_info(type)->name,
			chan_strerror(err));
	return err == CHAN_OK ? 0 : -EPROTO;
}

static int write_seed(const char *dir, const char *name, enum chan_msg_type type,
		      const ProtobufCMessage *body, enum chan_side to)
{
	unsigned int nfds = chan_msg_info(type)->nfds;
	char path[4096];
	size_t len;
	FILE *f;
	int ret;

	ret = check_accepted(type, body, to, nfds);
	if (ret)
		return ret;
	pkt[0] = (uint8_t)(nfds | (to == CHAN_SIDE_CORE ? FUZZ_CTL_TO_CORE : 0));
	if (chan_encode(type, 1, body, pkt + 1, sizeof(pkt) - 1, &len) != CHAN_OK)
		return -EPROTO;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(pkt, 1, len + 1, f) != len + 1 || fclose(f) != 0) {
		fprintf(stderr, "gen-corpus: %s: %s\n", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

static void lowercase_name(char *out, size_t cap, const char *name, const char *suffix)
{
	size_t i;

	for (i = 0; name[i] && i + 1 < cap; i++)
		out[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
	out[i] = '\0';
	strncat(out, suffix, cap - i - 1);
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		Ctl__Configure__DeviceCase device;
	} configs[] = {
		{ "configure-rng", CTL__CONFIGURE__DEVICE_RNG },
		{ "configure-net", CTL__CONFIGURE__DEVICE_NET },
		{ "configure-vsock", CTL__CONFIGURE__DEVICE_VSOCK },
	};
	char name[64];
	int ret = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	for (unsigned int t = CHAN_MSG_FIRST; t <= CHAN_MSG_LAST && !ret; t++) {
		const struct chan_msg_info *info = chan_msg_info(t);
		enum chan_side from = sample_sender(t);
		enum chan_side to = from == CHAN_SIDE_CORE ? CHAN_SIDE_WORKER : CHAN_SIDE_CORE;

		lowercase_name(name, sizeof(name), info->name, "");
		ret = write_seed(argv[1], name, t, sample_body(t), to);
		/* HELLO travels both ways. */
		if (!ret && info->dir == CHAN_DIR_BOTH) {
			lowercase_name(name, sizeof(name), info->name, "-to-core");
			ret = write_seed(argv[1], name, t, sample_body(t), CHAN_SIDE_CORE);
		}
	}
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]) && !ret; i++)
		ret = write_seed(argv[1], configs[i].name, CHAN_MSG_CONFIGURE,
				 sample_configure(configs[i].device), CHAN_SIDE_WORKER);
	return ret ? 1 : 0;
}
