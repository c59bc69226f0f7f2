/* sse-reference-server: the cost floor of SSE fan-out on this machine, the benchmark's reference.
 *
 * Accepts connections, reads each request's headers, and then either
 *   - a POST: reads Content-Length bytes of body, sends the one frame
 *     "id: <ms>-<seq>\ndata: BODY\n\n" to every subscriber socket, and answers 202; or
 *   - anything else: sends SSE response headers and keeps the socket as a subscriber.
 * The frame has the bytes ssehub sends for the same publish: an id of the same shape as
 * ssehub's ("<unix ms>-<count within that ms>", so of the same length) and the body as one
 * data line (the benchmark's payloads have no line breaks), so both send equally many bytes.
 * No HTTP parsing beyond that, no queues, no heartbeats, no limits: one thread, one epoll.
 *
 * Two ways to send a broadcast (--mode):
 *   write  one blocking write() per subscriber in turn.
 *   uring  the sends of one broadcast prepared as io_uring entries (IORING_OP_SEND,
 *          MSG_DONTWAIT | MSG_NOSIGNAL) on registered files, as ssehub's fan-out does
 *          (src/net/send_batch.cpp): a full ring is submitted at once, then the rest, and
 *          every completion is reaped before the answer. A short send or EAGAIN is finished
 *          with a blocking write() of the rest.
 * Either way a slow reader stalls everyone (a real server must not do this: it has no queues,
 * so it may be unfair where ssehub may not); it exists only to show the cost floor.
 *
 * Usage: sse-reference-server [--listen 127.0.0.1:PORT] [--mode write|uring]
 * (port 0: any; the bound address is printed on stderr as "info: listening on ADDR:PORT")
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifdef REFERENCE_HAVE_URING
#include <liburing.h>
#endif

#define MAX_REQUEST (64 * 1024 + 8192)
#define RING_ENTRIES 512 /* ssehub's SendBatch default */

struct conn {
    int fd;
    int subscriber; /* index in subs[] or -1 */
    int slot;       /* registered-file slot (uring mode) or -1 */
    size_t len;     /* bytes in buf */
    char* buf;      /* request bytes until handled; NULL for subscribers */
};

static struct conn** subs;
static int nsubs, cap_subs;
static char frame[MAX_REQUEST + 64];

static void die(const char* what) {
    fprintf(stderr, "sse-reference-server: %s: %s\n", what, strerror(errno));
    exit(1);
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

/* The next id as ssehub's IdSource makes it: the wall clock in ms, never less than the last
 * id's, and a count within one ms. */
static int format_id(char* out, size_t size) {
    static uint64_t last_ms, last_seq;
    static int issued;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
    if (!issued || ms > last_ms) {
        last_ms = ms;
        last_seq = 0;
    } else {
        last_seq++;
    }
    issued = 1;
    return snprintf(out, size, "%llu-%llu", (unsigned long long)last_ms,
                    (unsigned long long)last_seq);
}

#ifdef REFERENCE_HAVE_URING

static int uring_mode; /* --mode uring */
static struct io_uring ring;
static unsigned nslots;      /* registered-file table: slot = descriptor, when below nslots */
static struct conn** failed; /* subscribers whose send failed in this broadcast */
static int nfailed;
static size_t in_flight; /* submitted, not yet reaped */

static void uring_start(void) {
    unsigned flags = 0;
#ifdef IORING_SETUP_SUBMIT_ALL
    flags |= IORING_SETUP_SUBMIT_ALL; /* one bad entry must not stop the others */
#endif
#ifdef IORING_SETUP_COOP_TASKRUN
    flags |= IORING_SETUP_COOP_TASKRUN; /* no interrupt to run completion work: we wait anyway */
#endif
    int err = io_uring_queue_init(RING_ENTRIES, &ring, flags);
    if (err == -EINVAL && flags) err = io_uring_queue_init(RING_ENTRIES, &ring, 0);
    if (err < 0) {
        fprintf(stderr, "sse-reference-server: --mode uring: io_uring unavailable: %s\n",
                strerror(-err));
        exit(1);
    }
    struct io_uring_probe* probe = io_uring_get_probe_ring(&ring);
    int can_send = probe && io_uring_opcode_supported(probe, IORING_OP_SEND);
    if (probe) io_uring_free_probe(probe);
    if (!can_send) {
        fprintf(stderr, "sse-reference-server: --mode uring: the kernel has no IORING_OP_SEND\n");
        exit(1);
    }
    /* One slot per possible descriptor (the kernel allows at most 2^20). */
    struct rlimit lim;
    unsigned want = 65536;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY)
        want = lim.rlim_cur < (1u << 20) ? (unsigned)lim.rlim_cur : (1u << 20);
    err = io_uring_register_files_sparse(&ring, want);
    if (err < 0)
        fprintf(stderr, "info: no registered files (%s): entries name plain descriptors\n",
                strerror(-err));
    else
        nslots = want;
    fprintf(stderr, "info: mode uring, %d entries, %u registered-file slots\n", RING_ENTRIES,
            nslots);
}

static void uring_join(struct conn* c) {
    if ((unsigned)c->fd < nslots &&
        io_uring_register_files_update(&ring, (unsigned)c->fd, &c->fd, 1) == 1)
        c->slot = c->fd;
}

/* The slot holds a reference to the socket: without this, close() would not close it. */
static void uring_leave(struct conn* c) {
    if (c->slot < 0) return;
    int none = -1;
    io_uring_register_files_update(&ring, (unsigned)c->slot, &none, 1);
    c->slot = -1;
}

static void reap(size_t n, int* delivered) {
    struct io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
        struct conn* c = io_uring_cqe_get_data(cqe);
        int res = cqe->res;
        int ok;
        if (res >= 0) /* all of it, or the rest after a short send */
            ok = write_all(c->fd, frame + res, n - (size_t)res) == 0;
        else if (res == -EAGAIN || res == -EINTR)
            ok = write_all(c->fd, frame, n) == 0;
        else
            ok = 0;
        if (ok)
            (*delivered)++;
        else
            failed[nfailed++] = c;
        seen++;
    }
    io_uring_cq_advance(&ring, seen);
    in_flight -= seen < in_flight ? seen : in_flight;
}

/* Hands every prepared entry to the kernel and reaps what has been answered. */
static void submit(size_t n, int* delivered) {
    while (io_uring_sq_ready(&ring) > 0) {
        int r = io_uring_submit(&ring);
        if (r > 0) {
            in_flight += (size_t)r;
        } else if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY) {
            errno = -r;
            die("io_uring_submit");
        }
        reap(n, delivered); /* -EBUSY/-EAGAIN: completions must be taken first */
    }
}

#endif

static void drop(int ep, struct conn* c) {
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
#ifdef REFERENCE_HAVE_URING
    if (uring_mode) uring_leave(c);
#endif
    close(c->fd);
    if (c->subscriber >= 0) {
        subs[c->subscriber] = subs[--nsubs];
        subs[c->subscriber]->subscriber = c->subscriber;
    }
    free(c->buf);
    free(c);
}

static int broadcast_write(int ep, size_t n) {
    int delivered = 0;
    for (int i = 0; i < nsubs;) {
        if (write_all(subs[i]->fd, frame, n) == 0) {
            delivered++;
            i++;
        } else {
            drop(ep, subs[i]); /* moves the last subscriber into slot i */
        }
    }
    return delivered;
}

#ifdef REFERENCE_HAVE_URING
static int broadcast_uring(int ep, size_t n) {
    int delivered = 0;
    nfailed = 0;
    for (int i = 0; i < nsubs; i++) {
        struct io_uring_sqe* sqe = io_uring_get_sqe(&ring);
        if (!sqe) { /* a full ring: the first subscribers are not kept waiting for the last */
            submit(n, &delivered);
            sqe = io_uring_get_sqe(&ring);
            if (!sqe) {
                errno = EBUSY;
                die("io_uring_get_sqe");
            }
        }
        struct conn* c = subs[i];
        io_uring_prep_send(sqe, c->slot >= 0 ? c->slot : c->fd, frame, n,
                           MSG_DONTWAIT | MSG_NOSIGNAL);
        if (c->slot >= 0) sqe->flags |= IOSQE_FIXED_FILE;
        io_uring_sqe_set_data(sqe, c);
    }
    submit(n, &delivered);
    while (in_flight > 0) { /* sends that did not finish inline */
        struct io_uring_cqe* cqe;
        int r = io_uring_wait_cqe(&ring, &cqe);
        if (r < 0 && r != -EINTR && r != -EAGAIN) {
            errno = -r;
            die("io_uring_wait_cqe");
        }
        reap(n, &delivered);
    }
    /* Dropped only now: every entry named its connection until it was answered. */
    for (int i = 0; i < nfailed; i++)
        drop(ep, failed[i]);
    return delivered;
}
#endif

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
        char id[48];
        format_id(id, sizeof id);
        size_t n = (size_t)snprintf(frame, sizeof frame, "id: %s\ndata: %.*s\n\n", id, (int)body,
                                    c->buf + head);
        int delivered;
#ifdef REFERENCE_HAVE_URING
        if (uring_mode)
            delivered = broadcast_uring(ep, n);
        else
#endif
            delivered = broadcast_write(ep, n);
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
#ifdef REFERENCE_HAVE_URING
        failed = realloc(failed, (size_t)cap_subs * sizeof *failed);
        if (!failed) die("realloc");
#endif
    }
#ifdef REFERENCE_HAVE_URING
    if (uring_mode) uring_join(c);
#endif
    c->subscriber = nsubs;
    subs[nsubs++] = c;
    return -1;
}

int main(int argc, char** argv) {
    const char* listen_spec = "127.0.0.1:8081";
    const char* mode = "write";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--listen") == 0 && i + 1 < argc)
            listen_spec = argv[++i];
        else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc)
            mode = argv[++i];
        else {
            fprintf(stderr, "usage: sse-reference-server [--listen IPv4:PORT] "
                            "[--mode write|uring]\n");
            return 2;
        }
    }
    if (strcmp(mode, "uring") == 0) {
#ifdef REFERENCE_HAVE_URING
        uring_mode = 1;
#else
        fprintf(stderr, "sse-reference-server: --mode uring: built without liburing (install "
                        "liburing-dev and build again)\n");
        return 1;
#endif
    } else if (strcmp(mode, "write") != 0) {
        fprintf(stderr, "sse-reference-server: --mode wants write or uring, not %s\n", mode);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
#ifdef REFERENCE_HAVE_URING
    if (uring_mode) uring_start(); /* after the limit is raised: it sizes the file table */
#endif
    char host[64];
    const char* colon = strrchr(listen_spec, ':');
    if (!colon || (size_t)(colon - listen_spec) >= sizeof host) {
        fprintf(stderr, "sse-reference-server: --listen wants IPv4:PORT\n");
        return 2;
    }
    memcpy(host, listen_spec, (size_t)(colon - listen_spec));
    host[colon - listen_spec] = 0;
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(colon + 1))};
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        fprintf(stderr, "sse-reference-server: bad address %s\n", host);
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
                    c->slot = -1;
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
