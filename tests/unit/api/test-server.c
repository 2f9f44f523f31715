/* The real HTTP server on a scratch unix socket, driven in-process: the
 * test thread runs the event loop without blocking while a client socket
 * writes raw HTTP and reads the answer. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "clock.h"
#include "helpers.h"
#include "metrics.h"

#define LIMIT 1024

struct srv_fixture {
	struct fixture *f;
	struct event_base *base;
	struct api_server *srv;
	char sock[300];
};

struct http_reply {
	int status;
	char headers[2048];
	char *body;               /* NUL-terminated, may be empty */
	json_t *json;
	char raw[1 << 16];
};

static int srv_setup(void **state)
{
	struct srv_fixture *s = calloc(1, sizeof(*s));
	void *inner;

	assert_non_null(s);
	fixture_setup(&inner);
	s->f = inner;
	snprintf(s->sock, sizeof(s->sock), "%s/sock", s->f->dir);
	s->base = event_base_new();
	assert_non_null(s->base);
	assert_int_equal(api_server_start(s->base, s->f->ctx, s->sock, LIMIT, &s->srv), 0);
	*state = s;
	return 0;
}

static int srv_teardown(void **state)
{
	struct srv_fixture *s = *state;
	void *inner = s->f;

	api_server_stop(s->srv);
	event_base_free(s->base);
	fixture_teardown(&inner);
	free(s);
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* True once raw[0..got) holds a whole response (headers + Content-Length
 * bytes of body). */
static bool response_complete(const char *raw, size_t got)
{
	const char *end = memmem(raw, got, "\r\n\r\n", 4);
	const char *cl;
	size_t head;

	if (!end)
		return false;
	head = (size_t)(end - raw) + 4;
	cl = strcasestr(raw, "\r\nContent-Length:");
	if (!cl || cl > end)
		return true;
	return got >= head + strtoul(cl + 17, NULL, 10);
}

static void parse_reply(struct http_reply *r, size_t got)
{
	char *end = strstr(r->raw, "\r\n\r\n");
	size_t hl;

	assert_non_null(end);
	assert_int_equal(sscanf(r->raw, "HTTP/1.%*d %d", &r->status), 1);
	hl = (size_t)(end - r->raw);
	assert_true(hl < sizeof(r->headers));
	memcpy(r->headers, r->raw, hl);
	r->headers[hl] = '\0';
	r->body = end + 4;
	r->json = *r->body ? json_loads(r->body, 0, NULL) : NULL;
	(void)got;
}

/* Sends req (len bytes) on a new connection and reads one response while
 * running the server's loop. */
static void exchange(struct srv_fixture *s, const char *req, size_t len, struct http_reply *r)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t sent = 0, got = 0;
	double deadline = now_s() + 10;
	int fd;

	memset(r, 0, sizeof(*r));
	assert_true(strlen(s->sock) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, s->sock, strlen(s->sock) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	while (now_s() < deadline) {
		ssize_t n;

		if (sent < len) {
			n = send(fd, req + sent, len - sent, MSG_NOSIGNAL);
			if (n > 0)
				sent += (size_t)n;
			else if (n < 0 && errno != EAGAIN)
				sent = len;     /* the server hung up: read what it said */
		}
		event_base_loop(s->base, EVLOOP_NONBLOCK);
		n = recv(fd, r->raw + got, sizeof(r->raw) - 1 - got, 0);
		if (n > 0) {
			got += (size_t)n;
			r->raw[got] = '\0';
			if (response_complete(r->raw, got))
				break;
		} else if (n == 0) {
			break;
		} else {
			poll(NULL, 0, 1);
		}
	}
	close(fd);
	assert_true(got > 0);
	parse_reply(r, got);
}

static void request(struct srv_fixture *s, const char *method, const char *path, const char *body,
		    struct http_reply *r)
{
	char req[4096];
	int n;

	n = snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: localhost\r\n"
		     "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
		     method, path, body ? strlen(body) : 0, body ? body : "");
	assert_true(n > 0 && (size_t)n < sizeof(req));
	exchange(s, req, (size_t)n, r);
}

static const char *fault_of(struct http_reply *r)
{
	assert_non_null(r->json);
	return json_string_value(json_object_get(r->json, "fault_message"));
}

static void test_get(void **state)
{
	struct srv_fixture *s = *state;
	struct http_reply r;

	request(s, "GET", "/", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strcasestr(r.headers, "\r\nContent-Type: application/json"));
	assert_non_null(r.json);
	assert_string_equal(json_string_value(json_object_get(r.json, "app_name")), "splitvm");
	json_decref(r.json);

	/* The query string is not part of the route. */
	request(s, "GET", "/machine-config?verbose=1", NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(json_integer_value(json_object_get(r.json, "mem_size_mib")), 128);
	json_decref(r.json);
}

static void test_put_no_content(void **state)
{
	struct srv_fixture *s = *state;
	struct http_reply r;

	request(s, "PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 64}", &r);
	assert_int_equal(r.status, 204);
	assert_string_equal(r.body, "");
	assert_int_equal(s->f->cfg.machine.vcpu_count, 2);

	request(s, "PUT", "/machine-config", "{\"vcpu_count\": 0, \"mem_size_mib\": 64}", &r);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(fault_of(&r), "number of vCPUs"));
	json_decref(r.json);
}

static char *padded_body(size_t len)
{
	static const char head[] = "{\"vcpu_count\": 4, \"mem_size_mib\": 64";
	char *b = malloc(len + 1);

	/* Valid JSON, so only its size is wrong. */
	assert_non_null(b);
	memcpy(b, head, sizeof(head) - 1);
	memset(b + sizeof(head) - 1, ' ', len - sizeof(head));
	b[len - 1] = '}';
	b[len] = '\0';
	return b;
}

static void test_over_limit_is_400(void **state)
{
	struct srv_fixture *s = *state;
	struct http_reply r;
	char *body = padded_body(LIMIT + 1);
	char *at_limit = padded_body(LIMIT);
	char *req = malloc(LIMIT + 512);
	int n;

	assert_non_null(req);
	n = snprintf(req, LIMIT + 512, "PUT /machine-config HTTP/1.1\r\nContent-Length: %d\r\n\r\n%s",
		     LIMIT + 1, body);
	exchange(s, req, (size_t)n, &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(fault_of(&r), "Request payload with size 1025 is larger than the limit "
			    "of 1024 allowed by server.");
	json_decref(r.json);
	assert_int_equal(s->f->cfg.machine.vcpu_count, 1);

	/* Exactly at the limit is fine. */
	n = snprintf(req, LIMIT + 512, "PUT /machine-config HTTP/1.1\r\nContent-Length: %d\r\n\r\n%s",
		     LIMIT, at_limit);
	exchange(s, req, (size_t)n, &r);
	assert_int_equal(r.status, 204);
	assert_int_equal(s->f->cfg.machine.vcpu_count, 4);
	free(body);
	free(at_limit);
	free(req);
}

static void test_huge_body_bounded(void **state)
{
	struct srv_fixture *s = *state;
	size_t len = 4u << 20;
	struct http_reply r;
	char *req = malloc(len + 256);
	int n;

	/* Far past what the server buffers: it is cut off (evhttp's own
	 * answer, documented), the server keeps serving. */
	assert_non_null(req);
	n = snprintf(req, 256, "PUT /machine-config HTTP/1.1\r\nContent-Length: %zu\r\n\r\n", len);
	memset(req + n, ' ', len);
	exchange(s, req, (size_t)n + len, &r);
	assert_true(r.status == 400 || r.status == 413);
	json_decref(r.json);
	free(req);

	request(s, "GET", "/version", NULL, &r);
	assert_int_equal(r.status, 200);
	json_decref(r.json);
}

static void test_methods_get_400(void **state)
{
	struct srv_fixture *s = *state;
	struct http_reply r;

	/* PATCH reaches us (evhttp would answer 405 by default). */
	request(s, "PATCH", "/vm", "{\"state\": \"Paused\"}", &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(fault_of(&r),
			    "The requested operation is not supported before starting the microVM.");
	json_decref(r.json);
	request(s, "DELETE", "/machine-config", NULL, &r);
	assert_int_equal(r.status, 400);
	assert_string_equal(fault_of(&r), "Invalid request method and/or path: DELETE machine-config.");
	json_decref(r.json);
	request(s, "POST", "/actions", "{\"action_type\": \"InstanceStart\"}", &r);
	assert_int_equal(r.status, 400);
	json_decref(r.json);
	assert_int_equal(s->f->vmm.starts, 0);
}

static void test_existing_path_refused(void **state)
{
	struct srv_fixture *s = *state;
	struct api_server *other = NULL;
	char path[400];

	/* The running server's own socket. */
	assert_int_equal(api_server_start(s->base, s->f->ctx, s->sock, LIMIT, &other), -EEXIST);
	assert_null(other);
	/* Somebody else's file: refused and left alone. */
	snprintf(path, sizeof(path), "%s/precious", s->f->dir);
	write_file(path, "keep me");
	assert_int_equal(api_server_start(s->base, s->f->ctx, path, LIMIT, &other), -EEXIST);
	assert_string_equal(read_file(path), "keep me");
	unlink(path);
}

static void test_path_too_long(void **state)
{
	struct srv_fixture *s = *state;
	struct api_server *other = NULL;
	char path[200];

	memset(path, 'a', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(api_server_start(s->base, s->f->ctx, path, LIMIT, &other), -ENAMETOOLONG);
}

static void test_stop_removes_socket(void **state)
{
	void *inner;
	struct fixture *f;
	struct event_base *base = event_base_new();
	struct api_server *srv;
	char sock[400];
	struct stat st;

	fixture_setup(&inner);
	f = inner;
	snprintf(sock, sizeof(sock), "%s/sock", f->dir);
	assert_int_equal(api_server_start(base, f->ctx, sock, LIMIT, &srv), 0);
	assert_int_equal(lstat(sock, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	api_server_stop(srv);
	assert_int_equal(lstat(sock, &st), -1);
	assert_int_equal(errno, ENOENT);

	/* Replaced by another file while running: stop leaves it alone. */
	assert_int_equal(api_server_start(base, f->ctx, sock, LIMIT, &srv), 0);
	unlink(sock);
	write_file(sock, "not ours");
	api_server_stop(srv);
	assert_string_equal(read_file(sock), "not ours");
	unlink(sock);
	event_base_free(base);
	fixture_teardown(&inner);
}

/* What the observer was told, request by request. */
struct seen {
	int n;
	char method[8][16];
	char path[8][64];
	int status[8];
};

static void record(void *opaque, const char *method, const char *path, int status)
{
	struct seen *w = opaque;

	assert_true(w->n < 8);
	snprintf(w->method[w->n], sizeof(w->method[0]), "%s", method);
	snprintf(w->path[w->n], sizeof(w->path[0]), "%s", path);
	w->status[w->n] = status;
	w->n++;
}

static void test_observer_sees_every_answer(void **state)
{
	struct srv_fixture *s = *state;
	struct seen w = { 0 };
	struct http_reply r;
	char req[LIMIT + 512];
	int n;

	api_server_set_observer(s->srv, record, &w);
	request(s, "GET", "/machine-config?verbose=1", NULL, &r);
	json_decref(r.json);
	request(s, "PUT", "/machine-config", "{\"vcpu_count\": 0, \"mem_size_mib\": 64}", &r);
	json_decref(r.json);
	/* Answered by the server itself, before any handler. */
	n = snprintf(req, sizeof(req), "PUT /boot-source HTTP/1.1\r\nContent-Length: %d\r\n\r\n%*s",
		     LIMIT + 1, LIMIT + 1, "x");
	exchange(s, req, (size_t)n, &r);
	json_decref(r.json);
	request(s, "BREW", "/coffee", NULL, &r);  /* evhttp refuses it: not ours */
	json_decref(r.json);

	assert_int_equal(w.n, 3);
	assert_string_equal(w.method[0], "GET");
	assert_string_equal(w.path[0], "/machine-config");  /* no query */
	assert_int_equal(w.status[0], 200);
	assert_string_equal(w.method[1], "PUT");
	assert_int_equal(w.status[1], 400);
	assert_string_equal(w.path[2], "/boot-source");
	assert_int_equal(w.status[2], 400);

	/* Turned off: nothing more is reported. */
	api_server_set_observer(s->srv, NULL, &w);
	request(s, "GET", "/", NULL, &r);
	json_decref(r.json);
	assert_int_equal(w.n, 3);
}

/* The count of route+status in a rendered metrics line, 0 when absent. */
static int route_count(json_t *line, const char *route, int status)
{
	json_t *reqs = json_object_get(json_object_get(line, "api_server"), "requests");
	size_t i;
	json_t *e;

	assert_non_null(reqs);
	json_array_foreach(reqs, i, e) {
		if (!strcmp(json_string_value(json_object_get(e, "route")), route) &&
		    json_integer_value(json_object_get(e, "status")) == status)
			return (int)json_integer_value(json_object_get(e, "count"));
	}
	return 0;
}

static void test_requests_counted_in_metrics(void **state)
{
	struct srv_fixture *s = *state;
	struct http_reply r;
	struct metrics m;
	char *text;
	json_t *line;

	metrics_init(&m, &s->f->cfg, monotonic_ns());
	api_server_set_observer(s->srv, metrics_count_api_request, &m);
	request(s, "GET", "/", NULL, &r);
	json_decref(r.json);
	request(s, "GET", "/machine-config", NULL, &r);
	json_decref(r.json);
	request(s, "PUT", "/machine-config", "{\"vcpu_count\": 2, \"mem_size_mib\": 64}", &r);
	request(s, "PUT", "/machine-config", "{\"vcpu_count\": 0, \"mem_size_mib\": 64}", &r);
	json_decref(r.json);
	request(s, "PUT", "/machine-config", "{", &r);
	json_decref(r.json);
	/* Ids are dropped: both land on "PUT /drives", with their status. */
	request(s, "PUT", "/drives/rootfs", "{}", &r);
	json_decref(r.json);
	request(s, "PUT", "/drives/scratch", "{}", &r);
	json_decref(r.json);
	assert_int_equal(r.status, 400);
	/* Bytes a client sends in the path stay valid JSON in the line. */
	request(s, "GET", "/%ff\x7f", NULL, &r);
	json_decref(r.json);

	text = metrics_render(&m);
	assert_non_null(text);
	line = json_loads(text, 0, NULL);
	assert_non_null(line);
	assert_int_equal(route_count(line, "GET /", 200), 1);
	assert_int_equal(route_count(line, "GET /machine-config", 200), 1);
	assert_int_equal(route_count(line, "PUT /machine-config", 204), 1);
	assert_int_equal(route_count(line, "PUT /machine-config", 400), 2);
	assert_int_equal(route_count(line, "PUT /drives", 400), 2);
	assert_int_equal(route_count(line, "GET /%ff?", 400), 1);
	assert_int_equal(json_array_size(json_object_get(json_object_get(line, "api_server"),
							 "requests")), 6);
	json_decref(line);
	free(text);
	api_server_set_observer(s->srv, NULL, NULL);
	metrics_destroy(&m);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, srv_setup, srv_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_get),
		T(test_put_no_content),
		T(test_over_limit_is_400),
		T(test_huge_body_bounded),
		T(test_methods_get_400),
		T(test_observer_sees_every_answer),
		T(test_requests_counted_in_metrics),
		T(test_existing_path_refused),
		T(test_path_too_long),
		cmocka_unit_test(test_stop_removes_socket),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
