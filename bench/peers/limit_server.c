/* sse-limit-server: the practical physical limit of SSE fan-out on this machine.
 *
 * Accepts connections, reads each request's headers, and then either
 *   - a POST: reads Content-Length bytes of body, write()s the one frame "data: BODY\n\n" to
 *     every subscriber socket in turn, and answers 202; or
 *   - anything else: sends SSE response headers and keeps the socket as a subscriber.
 * No HTTP parsing beyond that, no queues, no ids, no heartbeats, no limits: writes to
 * subscribers are blocking, so a slow reader stalls everyone (a real server must not do this;
 * this one exists only to show the cost floor). One thread, one epoll.
 *
 * Usage: sse-limit-server [--listen 127.0.0.1:PORT]   (port 0: any; the bound address is
 * printed on stderr as "info: listening on ADDR:PORT")
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_REQUEST (64 * 1024 + 8192)

struct conn {
    int fd;
    int subscriber; /* index in subs[] or -1 */
    size_t len;     /* bytes in buf */
    char* buf;      /* request bytes until handled; NULL for subscribers */
};

static struct conn** subs;
static int nsubs, cap_subs;
static char frame[MAX_REQUEST + 16];

static void die(const char* what) {
    fprintf(stderr, "sse-limit-server: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void drop(int ep, struct conn* c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    if (c->subscriber >= 0) {
        subs[c->subscriber] = subs[--nsubs];
        subs[c->subscriber]->subscriber = c->subscriber;
    }
    free(c->buf);
    free(c);
}

static int write_all(int fd, const char* p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Returns 1 when a publish was handled (another request may follow), 0 when more input is
 * needed, -1 when the connection became a subscriber and -2 when it was dropped. */
static int handle(int ep, struct conn* c) {
    char* end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end) return 0;
    size_t head = (size_t)(end - c->buf) + 4;
    if (c->len >= 4 && memcmp(c->buf, "POST", 4) == 0) {
        size_t body = 0;
        for (char* p = c->buf; p && p < end; p = memchr(p, '\n', (size_t)(end - p))) {
            if (*p == '\n') p++;
            if (strncasecmp(p, "content-length:", 15) == 0) body = strtoul(p + 15, NULL, 10);
        }
        if (body > MAX_REQUEST - head) body = MAX_REQUEST - head;
        if (c->len < head + body) return 0;
        size_t n =
            (size_t)snprintf(frame, sizeof frame, "data: %.*s\n\n", (int)body, c->buf + head);
        int delivered = 0;
        for (int i = 0; i < nsubs;) {
            if (write_all(subs[i]->fd, frame, n) == 0) {
                delivered++;
                i++;
            } else {
                drop(ep, subs[i]); /* moves the last subscriber into slot i */
            }
        }
        char answer[160];
        char json[48];
        int jn = snprintf(json, sizeof json, "{\"subscribers\":%d}", delivered);
        int an = snprintf(answer, sizeof answer,
                          "HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\n"
                          "Content-Length: %d\r\n\r\n%s",
                          jn, json);
        write_all(c->fd, answer, (size_t)an);
        memmove(c->buf, c->buf + head + body, c->len - head - body);
        c->len -= head + body;
        return 1;
    }
    static const char sse_head[] = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                   "Cache-Control: no-store\r\n\r\n: ok\n\n";
    if (write_all(c->fd, sse_head, sizeof sse_head - 1) != 0) {
        drop(ep, c);
        return -2;
    }
    free(c->buf);
    c->buf = NULL;
    if (nsubs == cap_subs) {
        cap_subs = cap_subs ? cap_subs * 2 : 1024;
        subs = realloc(subs, (size_t)cap_subs * sizeof *subs);
        if (!subs) die("realloc");
    }
    c->subscriber = nsubs;
    subs[nsubs++] = c;
    return -1;
}

int main(int argc, char** argv) {
    const char* listen_spec = "127.0.0.1:8081";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
            listen_spec = argv[++i];
        else {
            fprintf(stderr, "usage: sse-limit-server [--listen IPv4:PORT]\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
    char host[64];
    const char* colon = strrchr(listen_spec, ':');
    if (!colon || (size_t)(colon - listen_spec) >= sizeof host) {
        fprintf(stderr, "sse-limit-server: --listen wants IPv4:PORT\n");
        return 2;
    }
    memcpy(host, listen_spec, (size_t)(colon - listen_spec));
    host[colon - listen_spec] = 0;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "sse-limit-server: bad address %s\n", host);
        return 2;
    }
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr*)&addr, sizeof addr) != 0) die("bind");
    if (listen(ls, 4096) != 0) die("listen");
    socklen_t alen = sizeof addr;
    getsockname(ls, (struct sockaddr*)&addr, &alen);
    fprintf(stderr, "info: listening on %s:%d\n", host, ntohs(addr.sin_port));

    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    static char discard[4096];
    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        if (n < 0 && errno != EINTR) die("epoll_wait");
        for (int i = 0; i < n; i++) {
            struct conn* c = events[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    c = calloc(1, sizeof *c);
                    c->fd = fd;
                    c->subscriber = -1;
                    c->buf = malloc(MAX_REQUEST);
                    struct epoll_event cev = {.events = EPOLLIN, .data.ptr = c};
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &cev);
                }
                continue;
            }
            if (c->subscriber >= 0) { /* a subscriber only ever sends its close */
                ssize_t r = recv(c->fd, discard, sizeof discard, MSG_DONTWAIT);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) drop(ep, c);
                continue;
            }
            ssize_t r = recv(c->fd, c->buf + c->len, MAX_REQUEST - c->len, MSG_DONTWAIT);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                drop(ep, c);
                continue;
            }
            if (r < 0) continue;
            c->len += (size_t)r;
            int h;
            while ((h = handle(ep, c)) == 1)
                ;
            if (h == 0 && c->len == MAX_REQUEST) drop(ep, c); /* too large: not a benchmark */
        }
    }
}
