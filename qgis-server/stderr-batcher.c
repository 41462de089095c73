/*
 * qgis-stderr-batcher MS COMMAND [ARG]...: runs COMMAND (spawn-fcgi and multiwatch) with
 * its stderr going into a pipe, and copies that pipe to this process's stderr (Docker's
 * log) at most once every MS milliseconds.
 *
 * Why: every QGIS worker writes a request-log line to stderr per request. Written straight
 * into Docker's log pipe, each line woke containerd-shim and dockerd (0.3-0.4 ms of CPU
 * per request on a 2-core machine, beside the worker's 1.6-1.8 ms on a DescribeFeatureType)
 * and the worker paid the wake-up. Here the first line of a batch wakes this process, which
 * then waits MS and passes on everything the workers wrote meanwhile in one write.
 * Workers write whole lines of at most PIPE_BUF bytes, which a pipe never interleaves.
 *
 * It runs as the container's PID 1: it passes the signals Docker and the stack send (TERM,
 * INT, HUP, QUIT, USR1, USR2) on to COMMAND, reaps orphans, and when COMMAND ends it passes
 * on what is left in the pipe and exits with COMMAND's status, so that the workers' last
 * lines reach the log before the container stops.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BUFFER_BYTES (1 << 20)
#define PIPE_BYTES (1 << 20) /* room for bursts between batches (pipe-max-size caps it) */

static volatile sig_atomic_t child_pid;
static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

static void forward(int sig) {
    if (child_pid > 0)
        kill(child_pid, sig);
}

static void on_child(int sig) { (void)sig; /* only to interrupt poll() */ }

static void die(const char *what) {
    fprintf(stderr, "qgis-stderr-batcher: %s: %s\n", what, strerror(errno));
    exit(70);
}

static void write_all(const char *data, size_t length) {
    while (length > 0) {
        ssize_t written = write(STDERR_FILENO, data, length);
        if (written < 0) {
            if (errno == EINTR)
                continue;
            return; /* nowhere to log to: keep draining, or the workers would block */
        }
        data += written;
        length -= (size_t)written;
    }
}

/* Copies what the pipe holds now; returns 1 once every writer has closed it. */
static int drain(int fd, char *buffer) {
    for (;;) {
        ssize_t got = read(fd, buffer, BUFFER_BYTES);
        if (got > 0) {
            write_all(buffer, (size_t)got);
            continue;
        }
        if (got == 0)
            return 1;
        if (errno == EINTR)
            continue;
        return 0; /* EAGAIN: empty for now */
    }
}

/* Reaps every ended child (PID 1 inherits orphans); returns 1 once COMMAND has ended. */
static int reap(int *status) {
    int ended = 0, st;
    pid_t pid;
    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        if (pid == child_pid) {
            *status = st;
            ended = 1;
        }
    }
    return ended;
}

static int exit_code(int status) {
    if (WIFEXITED(status))
        return WEXITSTATUS(status);
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 70;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: qgis-stderr-batcher MILLISECONDS COMMAND [ARG]...\n");
        return 64;
    }
    char *end;
    long ms = strtol(argv[1], &end, 10);
    if (*end != '\0' || ms < 1 || ms > 1000) {
        fprintf(stderr, "qgis-stderr-batcher: MILLISECONDS must be 1 to 1000, not '%s'\n", argv[1]);
        return 64;
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        die("pipe");
    fcntl(fds[0], F_SETPIPE_SZ, PIPE_BYTES); /* best effort: the default 64 KiB still works */

    struct sigaction action;
    memset(&action, 0, sizeof action);
    sigemptyset(&action.sa_mask);
    action.sa_handler = on_child;
    sigaction(SIGCHLD, &action, NULL);
    /* Blocked until the child exists, so that none is lost in between. */
    sigset_t block, previous;
    sigemptyset(&block);
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
        sigaddset(&block, forwarded[i]);
    sigprocmask(SIG_BLOCK, &block, &previous);

    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &previous, NULL);
        if (dup2(fds[1], STDERR_FILENO) < 0)
            _exit(70);
        execvp(argv[2], argv + 2);
        fprintf(stderr, "qgis-stderr-batcher: cannot run %s: %s\n", argv[2], strerror(errno));
        _exit(127);
    }
    child_pid = pid;
    close(fds[1]);
    action.sa_handler = forward;
    for (size_t i = 0; i < sizeof forwarded / sizeof *forwarded; i++)
        sigaction(forwarded[i], &action, NULL);
    sigprocmask(SIG_SETMASK, &previous, NULL);

    if (fcntl(fds[0], F_SETFL, O_NONBLOCK) != 0)
        die("fcntl");
    char *buffer = malloc(BUFFER_BYTES);
    if (buffer == NULL)
        die("malloc");
    struct pollfd readable = {.fd = fds[0], .events = POLLIN};
    struct timespec batch = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
    int status = 0, closed = 0;
    for (;;) {
        if (!closed) {
            /* A signal (SIGCHLD, a forwarded one) may cut either wait short: that batch is
               then just smaller. */
            if (poll(&readable, 1, -1) > 0 && !(readable.revents & POLLHUP))
                nanosleep(&batch, NULL);
            closed = drain(fds[0], buffer);
        }
        if (reap(&status))
            break;
        if (closed) { /* every writer is gone but COMMAND is not: wait for it */
            while (waitpid(child_pid, &status, 0) < 0 && errno == EINTR) {
            }
            break;
        }
    }
    drain(fds[0], buffer); /* lines written after the last batch */
    return exit_code(status);
}
