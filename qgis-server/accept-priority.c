/* Hands each FastCGI connection to the idle worker that started first, loaded into the
 * workers with LD_PRELOAD by the entrypoint (QGIS_STACK_ACCEPT_PRIORITY=0 turns it off).
 *
 * Why: every worker blocks in accept() on the socket spawn-fcgi shares, and the kernel wakes
 * the one that has waited longest, so connections go round-robin. At low load each worker
 * then sleeps through the others' turns and starts every request with cold caches: a small
 * request costs a worker two to three times the CPU it costs one kept busy (measured by
 * `make bench`'s floor). With a fixed order, the first idle worker takes the next
 * connection, one warm worker serves a light load, and the others join as load rises.
 *
 * What: only the accept() libfcgi makes on its listening socket changes. Each worker
 * registers that socket once in its own epoll set with EPOLLEXCLUSIVE, and the kernel wakes
 * the first registered worker that is waiting (Linux >= 4.5); the socket is made
 * non-blocking so that a worker woken together with another and beaten to the connection
 * waits again instead of blocking in accept(). A signal still interrupts the wait with EINTR,
 * which libfcgi reads as before (a graceful stop ends the worker). A worker whose set-up
 * fails waits in poll() instead, in the kernel's order, as without this library. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

typedef int (*accept_function)(int, struct sockaddr *, socklen_t *);

enum { NOT_SET_UP = -1, NO_EPOLL = -2 };

static int waiting = NOT_SET_UP; /* the epoll set, or one of the states above */

static int called_from_libfcgi(const void *caller) {
	Dl_info info;
	return dladdr(caller, &info) && info.dli_fname && strstr(info.dli_fname, "libfcgi.so");
}

static int is_listening(int fd) {
	int listening = 0;
	socklen_t size = sizeof listening;
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) == 0 && listening;
}

static int set_up(int fd) {
	int set = epoll_create1(EPOLL_CLOEXEC);
	if (set < 0) return NO_EPOLL;
	struct epoll_event event = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.fd = fd};
	int flags = fcntl(fd, F_GETFL);
	if (flags < 0 || epoll_ctl(set, EPOLL_CTL_ADD, fd, &event) < 0 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		close(set);
		return NO_EPOLL;
	}
	return set;
}

/* Until the listening socket is readable: in the kernel's order with the epoll set, in
 * any order without (the socket may still be non-blocking: the workers share it). */
static int wait_for_connection(int fd) {
	struct epoll_event ready;
	struct pollfd socket = {.fd = fd, .events = POLLIN};
	return waiting >= 0 ? epoll_wait(waiting, &ready, 1, -1) : poll(&socket, 1, -1);
}

int accept(int fd, struct sockaddr *address, socklen_t *length) {
	static accept_function real_accept;
	if (!real_accept) real_accept = (accept_function)dlsym(RTLD_NEXT, "accept");
	if (!called_from_libfcgi(__builtin_return_address(0)) || !is_listening(fd))
		return real_accept(fd, address, length);
	if (waiting == NOT_SET_UP) waiting = set_up(fd);
	for (;;) {
		int connection = real_accept(fd, address, length);
		if (connection >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return connection;
		if (wait_for_connection(fd) < 0) return -1; /* EINTR: libfcgi checks for a stop */
	}
}
