/* The practical limit for a PTY relay: forkpty, then copy the child's output to stdout in 64 KiB
 * reads (and stdin to the child), nothing else. Built by bench/run as a reference.
 *
 * With RELAY_BUSY_NS_PER_KIB=N in the environment it also spins N ns per KiB it relayed after
 * each write: the cost of a relay that does something with the bytes (a screen model), with
 * nothing else changed. The benchmark runs it beside the plain relay to show how this machine's
 * wall time answers to such work. */
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int write_all(int fd, const char *buf, ssize_t n) {
    while (n > 0) {
        ssize_t w = write(fd, buf, (size_t)n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        buf += w;
        n -= w;
    }
    return 0;
}

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void busy(long long ns) {
    long long until = now_ns() + ns;
    while (now_ns() < until) {
    }
}

int main(int argc, char **argv) {
    if (argc < 2) return 2;
    const char *busy_env = getenv("RELAY_BUSY_NS_PER_KIB");
    long long busy_per_kib = busy_env ? atoll(busy_env) : 0;
    struct winsize ws = {.ws_row = 24, .ws_col = 80};
    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws);
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, &ws);
    if (pid < 0) return 1;
    if (pid == 0) {
        execvp(argv[1], argv + 1);
        _exit(127);
    }
    static char buf[65536];
    struct pollfd fds[2] = {{.fd = master, .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
    int nfds = 2;
    for (;;) {
        if (poll(fds, nfds, -1) < 0) {
            if (errno == EINTR) continue;
            break;
        }
        if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(master, buf, sizeof buf);
            if (n <= 0) break;
            if (write_all(STDOUT_FILENO, buf, n) < 0) break;
            if (busy_per_kib > 0) busy(busy_per_kib * n / 1024);
        }
        if (nfds == 2 && fds[1].revents & (POLLIN | POLLHUP)) {
            ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            if (n <= 0) nfds = 1;
            else write_all(master, buf, n);
        }
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
