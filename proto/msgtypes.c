/* The message-type table.  Adding a message: give it the next free tag in
 * msgtypes.h, a row here with its exact fd count, and rules in rules.c if
 * decoding alone does not make it safe to use. */
#include "msgtypes.h"

#include "checked.h"
#include "rules.h"

#define MSG(tag, pb, direction, fd_count, rules)			\
	[CHAN_MSG_##tag] = {						\
		.name = #tag,						\
		.descriptor = &ctl__##pb##__descriptor,			\
		.dir = CHAN_DIR_##direction,				\
		.nfds = fd_count,					\
		.validate = rules,					\
	}

static const struct chan_msg_info msg_table[] = {
	MSG(HELLO,		hello,		  BOTH,	     0, rules_hello),
	MSG(REPLY,		reply,		  TO_CORE,   0, rules_reply),
	MSG(CONFIGURE,		configure,	  TO_WORKER, 0, rules_configure),
	MSG(MEMORY_MAP,		memory_map,	  TO_WORKER, 1, rules_memory_map),
	MSG(ATTACH_BACKEND,	backend,	  TO_WORKER, 1, rules_backend),
	MSG(MAILBOX,		mailbox,	  TO_WORKER, 3, rules_mailbox),
	MSG(QUEUE_SETUP,	queue_setup,	  TO_WORKER, 2, rules_queue_setup),
	MSG(CONFIG_INTERRUPT,	config_interrupt, TO_WORKER, 1, rules_config_interrupt),
	MSG(ACTIVATE,		activate,	  TO_WORKER, 0, NULL),
	MSG(RESET,		reset,		  TO_WORKER, 0, NULL),
	MSG(PAUSE,		pause,		  TO_WORKER, 0, NULL),
	MSG(RESUME,		resume,		  TO_WORKER, 0, NULL),
	MSG(SAVE_STATE,		save_state,	  TO_WORKER, 0, NULL),
	MSG(STATE,		device_state,	  TO_CORE,   0, rules_device_state),
	MSG(RESTORE_STATE,	device_state,	  TO_WORKER, 0, rules_device_state),
	MSG(UPDATE_BACKEND,	backend,	  TO_WORKER, 1, rules_backend),
	MSG(GET_STATS,		get_stats,	  TO_WORKER, 0, NULL),
	MSG(STATS,		stats,		  TO_CORE,   0, rules_stats),
	MSG(SHUTDOWN,		shutdown,	  TO_WORKER, 0, NULL),
	MSG(EVENT,		event,		  TO_CORE,   0, rules_event),
	MSG(ERROR,		error,		  TO_CORE,   0, rules_error),
};

_Static_assert(ARRAY_SIZE(msg_table) == CHAN_MSG_LAST + 1, "one row per message type");

const struct chan_msg_info *chan_msg_info(unsigned int type)
{
	if (type >= ARRAY_SIZE(msg_table) || !msg_table[type].descriptor)
		return NULL;
	return &msg_table[type];
}
