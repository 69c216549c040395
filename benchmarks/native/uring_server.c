/*
 * The C liburing peer of the benchmark suite (benchmarks/peers.sh): the practical limit for a
 * server on io_uring.
 *
 *   uring_server echo|http PORT THREADS
 *
 * THREADS threads, each with its own ring (kio's setup flags: SUBMIT_ALL | COOP_TASKRUN |
 * SINGLE_ISSUER | DEFER_TASKRUN, with a fallback when the kernel refuses them, and a registered
 * ring fd) and its own SO_REUSEPORT listener on 127.0.0.1:PORT (0 picks a port). Connections
 * come from a multishot accept; each has one 16 KiB buffer and one operation in flight at a time:
 * a recv, then the sends that answer it.
 *   echo: sends back exactly the bytes received, until the peer closes.
 *   http: counts the requests each recv completes (each ends at its "\r\n\r\n"; GET, no body) and
 *         answers each with the fixed hello response, in order, pipelined requests included.
 * Prints "READY <port>" once every listener is up; exits 0 on SIGTERM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RING_ENTRIES 256
#define CQ_ENTRIES 1024
#define BUF_BYTES (16 * 1024)
#define BATCH 64
#define MAX_THREADS 64

static const char RESPONSE[] = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nContent-Type: text/plain\r\n\r\nHello, World!";
#define RESPONSE_BYTES ((int)sizeof(RESPONSE) - 1)

enum { OP_ACCEPT, OP_RECV, OP_SEND };

struct conn {
    int fd;
    int matched;          /* how much of "\r\n\r\n" the bytes so far end with (http) */
    long pending;         /* responses still to send (http) */
    const char *out;      /* the bytes the send in flight, or the next one, sends */
    int out_len;
    char buf[BUF_BYTES];
};

struct worker {
    struct io_uring ring;
    int listen_fd;
    int index;
};

static int http_mode;
static char responses[BATCH * RESPONSE_BYTES];

static void die(const char *what, int err)
{
    fprintf(stderr, "uring_server: %s: %s\n", what, strerror(err));
    exit(1);
}

/* An SQE, submitting what is queued first when the SQ is full. */
static struct io_uring_sqe *sqe_of(struct io_uring *ring)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    while (!sqe) {
        int rc = io_uring_submit(ring);
        if (rc < 0)
            die("io_uring_submit", -rc);
        sqe = io_uring_get_sqe(ring);
    }
    return sqe;
}

static void arm_accept(struct worker *w)
{
    struct io_uring_sqe *sqe = sqe_of(&w->ring);
    io_uring_prep_multishot_accept(sqe, w->listen_fd, NULL, NULL, 0);
    io_uring_sqe_set_data64(sqe, OP_ACCEPT);
}

static void arm_recv(struct worker *w, struct conn *c)
{
    struct io_uring_sqe *sqe = sqe_of(&w->ring);
    io_uring_prep_recv(sqe, c->fd, c->buf, BUF_BYTES, 0);
    io_uring_sqe_set_data(sqe, c);
    sqe->user_data |= OP_RECV;
}

static void arm_send(struct worker *w, struct conn *c)
{
    struct io_uring_sqe *sqe = sqe_of(&w->ring);
    io_uring_prep_send(sqe, c->fd, c->out, c->out_len, MSG_NOSIGNAL);
    io_uring_sqe_set_data(sqe, c);
    sqe->user_data |= OP_SEND;
}

static void finish(struct conn *c)
{
    close(c->fd);
    free(c);
}

/* http: the next batch of responses owed, if any; 0 when all are sent. */
static int next_responses(struct conn *c)
{
    long batch = c->pending < BATCH ? c->pending : BATCH;
    c->pending -= batch;
    c->out = responses;
    c->out_len = (int)batch * RESPONSE_BYTES;
    return batch > 0;
}

static void on_recv(struct worker *w, struct conn *c, int res)
{
    if (res <= 0) { /* the peer closed, or a reset */
        finish(c);
        return;
    }
    if (!http_mode) {
        c->out = c->buf;
        c->out_len = res;
        arm_send(w, c);
        return;
    }
    int matched = c->matched;
    for (int i = 0; i < res; i++) {
        char b = c->buf[i];
        if (b == '\r') {
            matched = matched == 2 ? 3 : 1;
        } else if (b == '\n' && matched == 3) {
            c->pending++;
            matched = 0;
        } else {
            matched = b == '\n' && matched == 1 ? 2 : 0;
        }
    }
    c->matched = matched;
    if (next_responses(c))
        arm_send(w, c);
    else
        arm_recv(w, c);
}

static void on_send(struct worker *w, struct conn *c, int res)
{
    if (res < 0) {
        finish(c);
        return;
    }
    c->out += res;
    c->out_len -= res;
    if (c->out_len > 0 || (http_mode && next_responses(c)))
        arm_send(w, c);
    else
        arm_recv(w, c);
}

static void on_accept(struct worker *w, struct io_uring_cqe *cqe)
{
    if (!(cqe->flags & IORING_CQE_F_MORE))
        arm_accept(w);
    if (cqe->res < 0) /* EMFILE, ECONNABORTED...: keep accepting */
        return;
    struct conn *c = malloc(sizeof(*c));
    if (!c) {
        close(cqe->res);
        return;
    }
    c->fd = cqe->res;
    c->matched = 0;
    c->pending = 0;
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    arm_recv(w, c);
}

static int setup_ring(struct io_uring *ring)
{
    static const unsigned tries[] = {
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
        IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN,
        0,
    };
    int rc = -EINVAL;
    for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
        struct io_uring_params p;
        memset(&p, 0, sizeof(p));
        p.flags = tries[i] | IORING_SETUP_CQSIZE;
        p.cq_entries = CQ_ENTRIES;
        rc = io_uring_queue_init_params(RING_ENTRIES, ring, &p);
        if (rc == 0) {
            if (i > 0)
                fprintf(stderr, "uring_server: the kernel refused kio's ring flags; running with 0x%x\n", tries[i]);
            io_uring_register_ring_fd(ring);
            return 0;
        }
        if (rc != -EINVAL)
            break;
    }
    return rc;
}

static void *serve(void *arg)
{
    struct worker *w = arg;
    int rc = setup_ring(&w->ring);
    if (rc < 0)
        die("io_uring_queue_init_params", -rc);
    arm_accept(w);
    for (;;) {
        rc = io_uring_submit_and_wait(&w->ring, 1);
        if (rc < 0 && rc != -EINTR && rc != -EBUSY)
            die("io_uring_submit_and_wait", -rc);
        struct io_uring_cqe *cqe;
        unsigned head, seen = 0;
        io_uring_for_each_cqe(&w->ring, head, cqe) {
            seen++;
            unsigned op = cqe->user_data & 7;
            struct conn *c = (struct conn *)(cqe->user_data & ~(__u64)7);
            if (op == OP_ACCEPT)
                on_accept(w, cqe);
            else if (op == OP_RECV)
                on_recv(w, c, cqe->res);
            else
                on_send(w, c, cqe->res);
        }
        io_uring_cq_advance(&w->ring, seen);
    }
    return NULL;
}

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket", errno);
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
        die("setsockopt SO_REUSEPORT", errno);
    struct sockaddr_in addr = {
        .sin_family = AF_INET,
        .sin_port = htons((unsigned short)port),
        .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
    };
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
        die("bind 127.0.0.1", errno);
    if (listen(fd, 1024) < 0)
        die("listen", errno);
    return fd;
}

int main(int argc, char **argv)
{
    char *end;
    long port = argc == 4 ? strtol(argv[2], &end, 10) : -1;
    long threads = argc == 4 ? strtol(argv[3], &end, 10) : -1;
    if (argc != 4 || (strcmp(argv[1], "echo") && strcmp(argv[1], "http")) || port < 0 || port > 65535 ||
        threads < 1 || threads > MAX_THREADS) {
        fprintf(stderr, "usage: uring_server echo|http PORT(0..65535) THREADS(1..%d)\n", MAX_THREADS);
        return 2;
    }
    http_mode = !strcmp(argv[1], "http");
    for (int i = 0; i < BATCH; i++)
        memcpy(responses + i * RESPONSE_BYTES, RESPONSE, RESPONSE_BYTES);

    /* SIGTERM is taken by sigwait below, never by a serving thread, which inherit this mask. */
    sigset_t term;
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    sigaddset(&term, SIGINT);
    pthread_sigmask(SIG_BLOCK, &term, NULL);

    static struct worker workers[MAX_THREADS];
    for (int i = 0; i < threads; i++) {
        workers[i].index = i;
        workers[i].listen_fd = listen_on((int)port);
        if (port == 0) {
            struct sockaddr_in bound;
            socklen_t len = sizeof(bound);
            if (getsockname(workers[i].listen_fd, (struct sockaddr *)&bound, &len) < 0)
                die("getsockname", errno);
            port = ntohs(bound.sin_port);
        }
    }
    for (int i = 0; i < threads; i++) {
        pthread_t t;
        int rc = pthread_create(&t, NULL, serve, &workers[i]);
        if (rc)
            die("pthread_create", rc);
    }
    printf("READY %ld\n", port);
    fflush(stdout);
    int sig;
    sigwait(&term, &sig);
    _exit(0);
}
