/* Removes QGIS Server's ~10 ms floor per FastCGI request (QGIS >= 3.36), loaded into the
 * workers with LD_PRELOAD by the entrypoint (QGIS_STACK_SOCKET_MONITOR_FIX=0 turns it off).
 *
 * Why: for every request QGIS starts a socket-monitoring thread (QgsSocketMonitoringThread)
 * that loops on select(socket, 10 ms), recv(MSG_PEEK), then waits up to 333 ms on a mutex.
 * The response's destructor calls stop(), which releases that mutex but cannot wake the
 * select(), and then joins the thread: every request shorter than 10 ms lasts 10 ms.
 *
 * What: only that select() (called from libqgis_server, one read set, no write or except
 * set, a timeout of at most 100 ms) becomes a non-blocking check. The thread then waits on
 * the mutex, which stop() releases at once; a client that hangs up is still noticed (every
 * 333 ms). Every other select() in the process is left alone, and QGIS 3.22, which has no
 * such thread, never takes the path. When QGIS replaces the select(), this stops matching. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <string.h>
#include <sys/select.h>

typedef int (*select_function)(int, fd_set *, fd_set *, fd_set *, struct timeval *);

static int called_from_qgis_server(const void *caller) {
	Dl_info info;
	return dladdr(caller, &info) && info.dli_fname && strstr(info.dli_fname, "libqgis_server.so");
}

int select(int nfds, fd_set *readable, fd_set *writable, fd_set *failed, struct timeval *timeout) {
	static select_function real_select;
	if (!real_select) real_select = (select_function)dlsym(RTLD_NEXT, "select");
	if (timeout && readable && !writable && !failed && timeout->tv_sec == 0 && timeout->tv_usec > 0 &&
	    timeout->tv_usec <= 100000 && called_from_qgis_server(__builtin_return_address(0))) {
		timeout->tv_usec = 0;
	}
	return real_select(nfds, readable, writable, failed, timeout);
}
