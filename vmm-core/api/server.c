/* The HTTP side: libevent's evhttp on a unix socket we bind ourselves.
 * It only moves bytes between the socket and api_handle(), and tells an
 * optional observer (the metrics) what it answered. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api_internal.h"
#include "log.h"

/* Header block bound: a request line and a few headers; nothing a client
 * of this API sends comes close. */
#define API_MAX_HEADERS_SIZE (16 * 1024)
#define API_LISTEN_BACKLOG 64
/* evhttp buffers a whole body before our callback runs and answers a
 * body over its own limit with 413 by itself.  So its limit is ours plus
 * this much slack: bodies up to there get Firecracker's 400 from us, and
 * memory per request stays bounded. */
#define API_BODY_SLACK_MIN (64 * 1024)

struct api_server {
	struct evhttp *http;
	struct api_context *ctx;
	size_t max_payload;
	char *path;
	api_request_observer_fn observer;
	void *observer_opaque;
	dev_t dev;                /* identity of the socket file we made, so */
	ino_t ino;                /* that stop never unlinks someone else's */
};

static const char *method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return "GET";
	case EVHTTP_REQ_POST: return "POST";
	case EVHTTP_REQ_HEAD: return "HEAD";
	case EVHTTP_REQ_PUT: return "PUT";
	case EVHTTP_REQ_DELETE: return "DELETE";
	case EVHTTP_REQ_OPTIONS: return "OPTIONS";
	case EVHTTP_REQ_TRACE: return "TRACE";
	case EVHTTP_REQ_CONNECT: return "CONNECT";
	case EVHTTP_REQ_PATCH: return "PATCH";
	}
	return "UNKNOWN";
}

static const char *reason_phrase(int status)
{
	switch (status) {
	case 200: return "OK";
	case 204: return "No Content";
	case 400: return "Bad Request";
	default: return "Internal Server Error";
	}
}

static void send_reply(struct evhttp_request *req, const struct api_response *resp)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = NULL;

	evhttp_add_header(h, "Server", "splitvm API");
	if (resp->body) {
		out = evbuffer_new();
		if (out)
			evbuffer_add(out, resp->body, strlen(resp->body));
		evhttp_add_header(h, "Content-Type", "application/json");
	}
	evhttp_send_reply(req, resp->status, reason_phrase(resp->status), out);
	if (out)
		evbuffer_free(out);
}

/* Every answer goes out here, so that the observer sees each one once. */
static void send_response(struct api_server *srv, struct evhttp_request *req, const char *method,
			  const char *path, const struct api_response *resp)
{
	send_reply(req, resp);
	if (srv->observer)
		srv->observer(srv->observer_opaque, method, path, resp->status);
}

static void reply_too_large(struct api_server *srv, struct evhttp_request *req,
			    const char *method, const char *path, size_t len, size_t limit)
{
	struct api_response resp = { .status = 400 };
	char msg[160];
	json_t *j;

	snprintf(msg, sizeof(msg),
		 "Request payload with size %zu is larger than the limit of %zu allowed by server.",
		 len, limit);
	log_warn("API: %s", msg);
	j = json_pack("{s:s}", "fault_message", msg);
	resp.body = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!resp.body)
		resp.status = 500;
	send_response(srv, req, method, path, &resp);
	free(resp.body);
}

static void handle_request(struct evhttp_request *req, void *arg)
{
	struct api_server *srv = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *uri_path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *path = uri_path && *uri_path ? uri_path : "/";
	const char *method = method_name(evhttp_request_get_command(req));
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	struct api_response resp;
	const char *body = NULL;

	if (len > srv->max_payload) {
		reply_too_large(srv, req, method, path, len, srv->max_payload);
		return;
	}
	if (len) {
		/* One contiguous copy, at most max_payload bytes. */
		body = (const char *)evbuffer_pullup(in, -1);
		if (!body) {
			resp.status = 500;
			resp.body = NULL;
			send_response(srv, req, method, path, &resp);
			return;
		}
	}
	api_handle(srv->ctx, method, path, body, len, &resp);
	send_response(srv, req, method, path, &resp);
	api_response_free(&resp);
}

/* Binds and listens on a new socket file at path, refusing any existing
 * file: we never delete what we did not create. */
static int bind_socket(const char *path, int *out_fd, struct stat *st)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	int fd, rc;

	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, n + 1);
	if (lstat(path, st) == 0)
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		/* Created by someone else between lstat and bind. */
		rc = errno == EADDRINUSE ? -EEXIST : -errno;
		goto err_close;
	}
	if (lstat(path, st) < 0) {
		rc = -errno;
		goto err_close;     /* gone already: nothing of ours to unlink */
	}
	if (listen(fd, API_LISTEN_BACKLOG) < 0) {
		rc = -errno;
		unlink(path);
		goto err_close;
	}
	*out_fd = fd;
	return 0;

err_close:
	close(fd);
	return rc;
}

static void configure_http(struct evhttp *http, struct api_server *srv)
{
	size_t slack = srv->max_payload > API_BODY_SLACK_MIN ? srv->max_payload : API_BODY_SLACK_MIN;
	size_t cap;

	if (__builtin_add_overflow(srv->max_payload, slack, &cap) || cap > (size_t)INT64_MAX)
		cap = (size_t)INT64_MAX;
	evhttp_set_max_body_size(http, (ev_ssize_t)cap);
	evhttp_set_max_headers_size(http, API_MAX_HEADERS_SIZE);
	/* Every method reaches us, so that a wrong one gets Firecracker's
	 * 400 "Invalid request method and/or path" instead of evhttp's 405. */
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
				   EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
				   EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	/* A body over the cap is read and dropped rather than buffered, and
	 * the client gets a reply instead of a reset. */
	evhttp_set_flags(http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_default_content_type(http, "application/json");
	evhttp_set_gencb(http, handle_request, srv);
}

int api_server_start(struct event_base *base, struct api_context *ctx, const char *path,
		     size_t max_payload, struct api_server **out)
{
	struct api_server *srv;
	struct stat st;
	int fd = -1, rc;

	if (!base || !ctx || !path || !out || max_payload == 0)
		return -EINVAL;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return -ENOMEM;
	srv->ctx = ctx;
	srv->max_payload = max_payload;
	srv->path = strdup(path);
	srv->http = evhttp_new(base);
	if (!srv->path || !srv->http) {
		rc = -ENOMEM;
		goto err_free;
	}
	configure_http(srv->http, srv);
	rc = bind_socket(path, &fd, &st);
	if (rc)
		goto err_free;      /* the caller logs it, with its context */
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	if (!evhttp_accept_socket_with_handle(srv->http, fd)) {
		rc = -ENOMEM;
		/* Not closed here: evhttp may already have closed it while
		 * failing, and a second close could hit a reused number. */
		unlink(path);
		goto err_free;
	}
	log_info("API server listening on %s", path);
	*out = srv;
	return 0;

err_free:
	if (srv->http)
		evhttp_free(srv->http);
	free(srv->path);
	free(srv);
	return rc;
}

void api_server_set_observer(struct api_server *srv, api_request_observer_fn fn, void *opaque)
{
	srv->observer = fn;
	srv->observer_opaque = fn ? opaque : NULL;
}

void api_server_stop(struct api_server *srv)
{
	struct stat st;

	if (!srv)
		return;
	/* Closes the listening socket and every open connection. */
	evhttp_free(srv->http);
	if (lstat(srv->path, &st) == 0 && st.st_dev == srv->dev && st.st_ino == srv->ino)
		unlink(srv->path);
	free(srv->path);
	free(srv);
}
