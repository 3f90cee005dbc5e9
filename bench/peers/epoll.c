/*
 * Benchmark peer: the hello server in C on edge-triggered epoll, one thread, no allocation.
 * It marks the floor of what the hardware and the kernel's TCP allow for this protocol.
 *
 * Every connection has a fixed slot (indexed by its descriptor) with an input and an output
 * buffer. On each readiness event the connection is serviced until the kernel says EAGAIN:
 * flush pending output; answer every complete line into the output buffer (stopping while it
 * is full: backpressure); read more. All ready replies go out in one write.
 *
 * Build: gcc -O2 -o epoll epoll.c     Run: ./epoll PORT
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_FDS 65536
#define IN_SIZE 4096
#define OUT_SIZE 8192
#define MAX_EVENTS 256

struct conn {
    size_t in_len;
    size_t out_off, out_len;
    char in[IN_SIZE];
    char out[OUT_SIZE];
};

/* Zero pages until touched: a slot costs memory only once its connection uses it. */
static struct conn conns[MAX_FDS];

static const char WELCOME[] = "Welcome!\n";

static void drop_conn(int fd) {
    close(fd);
}

/* Writes pending output; returns 1 when all is out, 0 on EAGAIN, -1 on error. */
static int flush_out(int fd, struct conn *c) {
    while (c->out_off < c->out_len) {
        ssize_t n = write(fd, c->out + c->out_off, c->out_len - c->out_off);
        if (n < 0) {
            if (errno == EAGAIN) return 0;
            if (errno == EINTR) continue;
            return -1;
        }
        c->out_off += (size_t)n;
    }
    c->out_off = c->out_len = 0;
    return 1;
}

/* Answers complete lines while the replies fit; returns 1 if `exit` was seen. */
static int answer(struct conn *c) {
    size_t start = 0;
    int done = 0;
    while (start < c->in_len) {
        char *nl = memchr(c->in + start, '\n', c->in_len - start);
        if (!nl) break;
        size_t len = (size_t)(nl - (c->in + start));
        const char *name = c->in + start;
        if (len > 0 && name[len - 1] == '\r') len--;
        if (len == 4 && memcmp(name, "exit", 4) == 0) { done = 1; start = c->in_len; break; }
        if (c->out_len + len + 9 > OUT_SIZE) break;
        memcpy(c->out + c->out_len, "Hello, ", 7);
        memcpy(c->out + c->out_len + 7, name, len);
        memcpy(c->out + c->out_len + 7 + len, "!\n", 2);
        c->out_len += len + 9;
        start = (size_t)(nl - c->in) + 1;
    }
    memmove(c->in, c->in + start, c->in_len - start);
    c->in_len -= start;
    return done;
}

/* Services one connection until EAGAIN; closes it when it ends. */
static void service(int fd) {
    struct conn *c = &conns[fd];
    for (;;) {
        int f = flush_out(fd, c);
        if (f < 0) { drop_conn(fd); return; }
        if (f == 0) return; /* EPOLLOUT will call again */
        int done = answer(c);
        if (done) { flush_out(fd, c); drop_conn(fd); return; }
        if (c->out_len > 0) continue;
        if (c->in_len == IN_SIZE) { drop_conn(fd); return; } /* line too long */
        ssize_t n = read(fd, c->in + c->in_len, IN_SIZE - c->in_len);
        if (n == 0) { drop_conn(fd); return; }
        if (n < 0) {
            if (errno == EAGAIN) return;
            if (errno == EINTR) continue;
            drop_conn(fd);
            return;
        }
        c->in_len += (size_t)n;
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 9999;
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 1024) < 0) {
        perror("listen");
        return 1;
    }
    int ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    struct epoll_event events[MAX_EVENTS];
    for (;;) {
        int n = epoll_wait(ep, events, MAX_EVENTS, -1);
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd != lfd) { service(fd); continue; }
            for (;;) {
                int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
                if (cfd < 0) break;
                if (cfd >= MAX_FDS) { close(cfd); continue; }
                setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                struct conn *c = &conns[cfd];
                c->in_len = 0;
                memcpy(c->out, WELCOME, sizeof WELCOME - 1);
                c->out_off = 0;
                c->out_len = sizeof WELCOME - 1;
                struct epoll_event cev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = cfd};
                epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev);
                service(cfd);
            }
        }
    }
}
