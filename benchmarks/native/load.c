/*
 * kio-load: the load generator of benchmarks/run-peers (issue 5), one thread on epoll.
 *
 *   kio-load --mode echo|http --port P [--host 127.0.0.1] --conns N [--size BYTES] [--pipeline D]
 *            --warmup SECONDS --duration SECONDS [--rate REQ_PER_S] --json OUT.json
 *
 * Closed loop (the default): every connection keeps D requests in flight and sends the next one
 * as soon as a response completes; latency runs from the moment a request is handed to write().
 * Open loop (--rate R): request j of the run is due at start + j / R and goes out on connection
 * j mod N, at most D in flight per connection; a request that cannot go out yet (its connection
 * still waits for D responses) leaves as soon as a response frees its slot. Its latency runs
 * from the time it was DUE, not sent (coordinated omission corrected, as wrk2 does), and a
 * request sent more than LATE_NS after it was due is counted as "late". Sends are paced by
 * epoll_pwait2's nanosecond timeout, with the thread's timer slack set to 1 µs.
 *
 * echo: each request is SIZE bytes of a pattern that differs per connection; every byte that
 * comes back is compared with what was sent at the same offset of the stream, and SIZE bytes
 * back complete the oldest request. http: each request is "GET / HTTP/1.1" with a Host header;
 * each response is parsed (status line, headers up to the empty line, Content-Length, body)
 * and must be the contract's 200 with the body "Hello, World!". A wrong byte, a wrong response,
 * a response nobody asked for or a connection the server closes is an error: the connection is
 * closed and counted, the others go on. Exit status 0 only when there was no error.
 *
 * The JSON (one object, one line) has the contract's keys, plus "late", the window's wall-clock
 * bounds "start_unix_ns" / "end_unix_ns" (to line up server-side figures such as JFR's) and
 * "load_cpu_s", kio-load's own CPU time over the window: near "seconds", the load generator and
 * not the server was the limit.
 *
 * Only responses that complete inside the measured window (after --warmup, for --duration) are
 * counted and recorded, in microseconds, in a histogram laid out exactly as HdrHistogram's
 * (lowest discernible value 1, highest trackable 3.6e9 µs, 3 significant digits), so the
 * percentiles are HdrHistogram's and the histogram, written into the JSON in its V2 compressed
 * encoding (base64), decodes with org.HdrHistogram.Histogram.decodeFromCompressedByteBuffer.
 *
 * Build: gcc -O2 -o kio-load load.c -lm   (benchmarks/lib.sh: bench_build_load)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LATE_NS 1000000ll /* an open-loop request sent more than 1 ms after it was due is late */
#define READ_CHUNK (256 * 1024)
#define MAX_EVENTS 1024
#define HTTP_HEADER_MAX 1024

static const char HTTP_REQUEST[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
static const char HTTP_BODY[] = "Hello, World!";

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kio-load: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* ---- HdrHistogram, the layout of org.HdrHistogram.Histogram(1, 3_600_000_000L, 3) ------------ */

#define HDR_HIGHEST 3600000000ll
#define HDR_DIGITS 3
#define HDR_SUB_BUCKET_HALF_MAGNITUDE 10 /* log2(2 * 10^3) rounded up, minus one */
#define HDR_SUB_BUCKET_COUNT (1 << (HDR_SUB_BUCKET_HALF_MAGNITUDE + 1))
#define HDR_SUB_BUCKET_HALF_COUNT (HDR_SUB_BUCKET_COUNT / 2)
#define HDR_SUB_BUCKET_MASK ((int64_t)HDR_SUB_BUCKET_COUNT - 1)

struct hdr {
    int64_t *counts;
    int length;
    int64_t total;
    int64_t max; /* the largest value recorded */
};

static int hdr_bucket_index(int64_t v)
{
    /* HdrHistogram: leadingZeroCountBase - numberOfLeadingZeros(value | subBucketMask), unit magnitude 0 */
    return 64 - HDR_SUB_BUCKET_HALF_MAGNITUDE - 1 - __builtin_clzll((uint64_t)(v | HDR_SUB_BUCKET_MASK));
}

static int hdr_index(int64_t v)
{
    int bucket = hdr_bucket_index(v);
    int sub = (int)(v >> bucket);
    return ((bucket + 1) << HDR_SUB_BUCKET_HALF_MAGNITUDE) + sub - HDR_SUB_BUCKET_HALF_COUNT;
}

static int64_t hdr_value_at_index(int index)
{
    int bucket = (index >> HDR_SUB_BUCKET_HALF_MAGNITUDE) - 1;
    int sub = (index & (HDR_SUB_BUCKET_HALF_COUNT - 1)) + HDR_SUB_BUCKET_HALF_COUNT;
    if (bucket < 0) {
        sub -= HDR_SUB_BUCKET_HALF_COUNT;
        bucket = 0;
    }
    return (int64_t)sub << bucket;
}

/* The largest value equivalent to v (in the same bucket slot), as getMaxValue and percentiles report. */
static int64_t hdr_highest_equivalent(int64_t v)
{
    int bucket = hdr_bucket_index(v);
    int sub = (int)(v >> bucket);
    int range_bucket = sub >= HDR_SUB_BUCKET_COUNT ? bucket + 1 : bucket;
    int64_t lowest = (int64_t)sub << bucket;
    return lowest + ((int64_t)1 << range_bucket) - 1;
}

static void hdr_init(struct hdr *h)
{
    int64_t smallest_untrackable = HDR_SUB_BUCKET_COUNT;
    int buckets = 1;
    while (smallest_untrackable <= HDR_HIGHEST) {
        smallest_untrackable <<= 1;
        buckets++;
    }
    h->length = (buckets + 1) * HDR_SUB_BUCKET_HALF_COUNT;
    h->counts = calloc((size_t)h->length, sizeof(int64_t));
    if (h->counts == NULL)
        die("out of memory");
    h->total = 0;
    h->max = 0;
}

static void hdr_record(struct hdr *h, int64_t v)
{
    if (v < 0)
        v = 0;
    if (v > HDR_HIGHEST)
        v = HDR_HIGHEST;
    h->counts[hdr_index(v)]++;
    h->total++;
    if (v > h->max)
        h->max = v;
}

/* getValueAtPercentile of HdrHistogram 2.2. */
static int64_t hdr_percentile(const struct hdr *h, double percentile)
{
    double requested = fmin(fmax(nextafter(percentile, -INFINITY), 0.0), 100.0);
    int64_t at = (int64_t)ceil(requested * (double)h->total / 100.0);
    int64_t seen = 0;
    if (at < 1)
        at = 1;
    for (int i = 0; i < h->length; i++) {
        seen += h->counts[i];
        if (seen >= at)
            return hdr_highest_equivalent(hdr_value_at_index(i));
    }
    return 0;
}

static size_t put_zigzag(uint8_t *out, int64_t value)
{
    uint64_t v = ((uint64_t)value << 1) ^ (uint64_t)(value >> 63);
    size_t n = 0;
    /* HdrHistogram's LEB128: 7 bits per byte, the ninth byte carries the last 8 bits whole */
    while (n < 8 && v >= 0x80) {
        out[n++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    out[n++] = (uint8_t)v;
    return n;
}

static void put_be32(uint8_t *out, uint32_t v)
{
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
}

static void put_be64(uint8_t *out, uint64_t v)
{
    put_be32(out, (uint32_t)(v >> 32));
    put_be32(out + 4, (uint32_t)v);
}

/* A zlib stream of stored (uncompressed) deflate blocks, which java.util.zip.Inflater reads like
 * any other: the encoding is a few KB, and kio-load then needs no zlib to build. Returns its length. */
static size_t zlib_stored(uint8_t *out, const uint8_t *in, size_t len)
{
    uint32_t a = 1, b = 0;
    size_t o = 0;
    out[o++] = 0x78; /* deflate, 32 KiB window */
    out[o++] = 0x01; /* no preset dictionary, fastest; (0x78 << 8 | 0x01) % 31 == 0 */
    for (size_t i = 0, n; i < len; i += n) { /* len >= 40: at least one block */
        n = len - i < 65535 ? len - i : 65535;
        out[o++] = i + n == len; /* BFINAL on the last block, BTYPE 00: stored */
        out[o++] = (uint8_t)n;
        out[o++] = (uint8_t)(n >> 8);
        out[o++] = (uint8_t)~n;
        out[o++] = (uint8_t)(~n >> 8);
        memcpy(out + o, in + i, n);
        o += n;
    }
    for (size_t i = 0; i < len; i++) {
        a = (a + in[i]) % 65521;
        b = (b + a) % 65521;
    }
    put_be32(out + o, b << 16 | a);
    return o + 4;
}

/* encodeIntoCompressedByteBuffer: the V2 encoding (40-byte header, zig-zag varint counts with
 * runs of zeros as negative lengths) in a zlib stream behind an 8-byte header; as base64. */
static char *hdr_encode_base64(const struct hdr *h)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    int limit = hdr_index(h->max) + 1;
    uint8_t *plain = malloc(40 + (size_t)limit * 9);
    size_t len = 40;
    if (plain == NULL)
        die("out of memory");
    for (int i = 0; i < limit;) {
        int64_t count = h->counts[i++];
        int zeros = 0;
        if (count == 0) {
            zeros = 1;
            while (i < limit && h->counts[i] == 0) {
                zeros++;
                i++;
            }
        }
        len += put_zigzag(plain + len, zeros > 1 ? -(int64_t)zeros : count);
    }
    union {
        double d;
        uint64_t u;
    } ratio = {.d = 1.0};
    put_be32(plain, 0x1c849303 | 0x10);
    put_be32(plain + 4, (uint32_t)(len - 40));
    put_be32(plain + 8, 0); /* normalizing index offset */
    put_be32(plain + 12, HDR_DIGITS);
    put_be64(plain + 16, 1); /* lowest discernible value */
    put_be64(plain + 24, HDR_HIGHEST);
    put_be64(plain + 32, ratio.u); /* integer to double value conversion ratio */

    uint8_t *packed = malloc(8 + 6 + len + 5 * (len / 65535 + 1));
    if (packed == NULL)
        die("out of memory");
    size_t zlen = zlib_stored(packed + 8, plain, len);
    put_be32(packed, 0x1c849304 | 0x10);
    put_be32(packed + 4, (uint32_t)zlen);
    size_t total = 8 + zlen;

    char *b64 = malloc(4 * ((total + 2) / 3) + 1);
    size_t o = 0;
    for (size_t i = 0; i < total; i += 3) {
        uint32_t w = (uint32_t)packed[i] << 16 | (i + 1 < total ? (uint32_t)packed[i + 1] << 8 : 0)
                     | (i + 2 < total ? packed[i + 2] : 0);
        b64[o++] = alphabet[w >> 18 & 63];
        b64[o++] = alphabet[w >> 12 & 63];
        b64[o++] = i + 1 < total ? alphabet[w >> 6 & 63] : '=';
        b64[o++] = i + 2 < total ? alphabet[w & 63] : '=';
    }
    b64[o] = '\0';
    free(plain);
    free(packed);
    return b64;
}

/* ---- connections ---------------------------------------------------------------------------- */

enum mode { ECHO, HTTP };

struct conn {
    int fd;
    int index;
    int dead;
    int polling_out;   /* EPOLLOUT is registered: the socket buffer was full */
    uint8_t *out;      /* the request repeated pipeline + 1 times, so any unsent tail is contiguous */
    uint64_t queued;   /* requests handed to the send side */
    uint64_t done;     /* responses completed */
    uint64_t written;  /* bytes written */
    uint64_t received; /* echo: bytes received */
    int64_t *start;    /* per request in flight (index % pipeline): when its latency starts */
    /* http: the response being parsed */
    char header[HTTP_HEADER_MAX];
    int header_len;
    int body_left;     /* -1 while in the header */
    int body_pos;
};

static struct {
    enum mode mode;
    const char *host;
    int port;
    int conns;
    int size;
    int pipeline;
    double warmup;
    double duration;
    double rate;
    const char *json;
} opt = {.host = "127.0.0.1", .size = 64, .pipeline = 1};

static struct conn *conns;
static int epfd;
static int64_t t_start, t_measure, t_end;
static int64_t realtime_offset; /* CLOCK_REALTIME - CLOCK_MONOTONIC, for the window's wall-clock times */
static int64_t now;
static struct hdr hist;
static uint64_t measured, errors, late, next_due;
static double cpu_at_measure = -1; /* this process's CPU seconds when the window opened */
static int alive;
static double period_ns;
static uint8_t *scratch;

static void fail(struct conn *c, const char *fmt, ...)
{
    va_list ap;
    if (errors < 5) {
        va_start(ap, fmt);
        fprintf(stderr, "kio-load: connection %d: ", c->index);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    errors++;
    c->dead = 1;
    alive--;
    close(c->fd);
}

/* Request k of connection c is due at start + (k * conns + c) * period (open loop). */
static int64_t due_at(const struct conn *c, uint64_t k)
{
    return t_start + (int64_t)((double)(k * (uint64_t)opt.conns + (uint64_t)c->index) * period_ns);
}

static void set_out_polling(struct conn *c, int on)
{
    struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0), .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0)
        die("epoll_ctl: %s", strerror(errno));
    c->polling_out = on;
}

static void flush(struct conn *c)
{
    uint64_t pending = c->queued * (uint64_t)opt.size - c->written;
    while (pending > 0) {
        ssize_t n = write(c->fd, c->out + c->written % (uint64_t)opt.size, pending);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN) {
                if (!c->polling_out)
                    set_out_polling(c, 1);
                return;
            }
            fail(c, "write: %s", strerror(errno));
            return;
        }
        c->written += (uint64_t)n;
        pending -= (uint64_t)n;
    }
    if (c->polling_out)
        set_out_polling(c, 0);
}

/* Queues what may go out now: closed loop, up to pipeline in flight; open loop, what is due too. */
static void send_more(struct conn *c)
{
    uint64_t limit = c->done + (uint64_t)opt.pipeline;
    if (opt.rate > 0) {
        while (c->queued < limit && due_at(c, c->queued) <= now) {
            int64_t due = due_at(c, c->queued);
            if (now - due > LATE_NS && now >= t_measure)
                late++;
            c->start[c->queued % (uint64_t)opt.pipeline] = due;
            c->queued++;
        }
    } else {
        while (c->queued < limit)
            c->start[c->queued++ % (uint64_t)opt.pipeline] = now;
    }
    flush(c);
}

static void complete(struct conn *c)
{
    int64_t start = c->start[c->done % (uint64_t)opt.pipeline];
    c->done++;
    if (now >= t_measure && now < t_end) {
        hdr_record(&hist, (now - start + 500) / 1000);
        measured++;
    }
}

static void on_echo(struct conn *c, const uint8_t *data, size_t n)
{
    uint64_t size = (uint64_t)opt.size;
    if (c->received + n > c->written) {
        fail(c, "%zu bytes back, only %llu unanswered bytes were sent", n,
             (unsigned long long)(c->written - c->received));
        return;
    }
    while (n > 0) {
        uint64_t pos = c->received % size;
        size_t chunk = n < size - pos ? n : (size_t)(size - pos);
        if (memcmp(data, c->out + pos, chunk) != 0) {
            fail(c, "echo mismatch in bytes %llu..%llu of the stream", (unsigned long long)c->received,
                 (unsigned long long)(c->received + chunk));
            return;
        }
        c->received += chunk;
        data += chunk;
        n -= chunk;
        if (c->received % size == 0)
            complete(c);
    }
}

/* Checks a complete header block (status line to the empty line); returns the Content-Length or -1. */
static int http_header(struct conn *c)
{
    static const char status[] = "HTTP/1.1 200 ";
    c->header[c->header_len] = '\0';
    if (strncmp(c->header, status, sizeof(status) - 1) != 0) {
        fail(c, "unexpected status line: %.*s", (int)strcspn(c->header, "\r\n"), c->header);
        return -1;
    }
    for (char *line = strstr(c->header, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
        static const char name[] = "\r\ncontent-length:";
        if (strncasecmp(line, name, sizeof(name) - 1) == 0) {
            char *end;
            long v = strtol(line + sizeof(name) - 1, &end, 10);
            if (end == line + sizeof(name) - 1 || v < 0 || v > 1 << 20) {
                fail(c, "bad Content-Length");
                return -1;
            }
            return (int)v;
        }
    }
    fail(c, "a response without Content-Length");
    return -1;
}

static void on_http(struct conn *c, const uint8_t *data, size_t n)
{
    for (size_t i = 0; i < n && !c->dead;) {
        if (c->body_left < 0) {
            if (c->done >= c->written / (uint64_t)opt.size) {
                fail(c, "a response nobody asked for");
                return;
            }
            if (c->header_len == HTTP_HEADER_MAX - 1) {
                fail(c, "a response header longer than %d bytes", HTTP_HEADER_MAX - 1);
                return;
            }
            c->header[c->header_len++] = (char)data[i++];
            if (c->header_len >= 4 && memcmp(c->header + c->header_len - 4, "\r\n\r\n", 4) == 0) {
                int length = http_header(c);
                if (length < 0)
                    return;
                if (length != (int)sizeof(HTTP_BODY) - 1) {
                    fail(c, "Content-Length %d, expected %zu", length, sizeof(HTTP_BODY) - 1);
                    return;
                }
                c->body_left = length;
                c->body_pos = 0;
            }
        } else {
            size_t chunk = n - i < (size_t)c->body_left ? n - i : (size_t)c->body_left;
            if (memcmp(data + i, HTTP_BODY + c->body_pos, chunk) != 0) {
                fail(c, "unexpected response body");
                return;
            }
            i += chunk;
            c->body_pos += (int)chunk;
            c->body_left -= (int)chunk;
        }
        if (c->body_left == 0) {
            c->body_left = -1;
            c->header_len = 0;
            complete(c);
        }
    }
}

static void on_readable(struct conn *c)
{
    for (;;) {
        ssize_t n = read(c->fd, scratch, READ_CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN)
                fail(c, "read: %s", strerror(errno));
            break;
        }
        if (n == 0) {
            fail(c, "the server closed the connection");
            break;
        }
        now = now_ns();
        if (opt.mode == ECHO)
            on_echo(c, scratch, (size_t)n);
        else
            on_http(c, scratch, (size_t)n);
        if (c->dead || n < READ_CHUNK)
            break;
    }
    if (!c->dead)
        send_more(c);
}

static void open_conn(struct conn *c, const struct sockaddr_in *addr)
{
    size_t size = (size_t)opt.size;
    int one = 1;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        die("socket: %s", strerror(errno));
    if (connect(c->fd, (const struct sockaddr *)addr, sizeof(*addr)) < 0)
        die("connect to %s:%d (connection %d): %s", opt.host, opt.port, c->index, strerror(errno));
    if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
        die("TCP_NODELAY: %s", strerror(errno));
    c->out = malloc(size * (size_t)(opt.pipeline + 1));
    c->start = calloc((size_t)opt.pipeline, sizeof(int64_t));
    if (c->out == NULL || c->start == NULL)
        die("out of memory");
    for (size_t i = 0; i < size; i++) {
        /* differs per connection, so bytes echoed on the wrong connection do not match */
        c->out[i] = opt.mode == HTTP ? (uint8_t)HTTP_REQUEST[i] : (uint8_t)(i * 31 + (size_t)c->index * 17 + i / 251);
    }
    for (int r = 1; r <= opt.pipeline; r++)
        memcpy(c->out + (size_t)r * size, c->out, size);
    c->body_left = -1;
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
        die("epoll_ctl: %s", strerror(errno));
    if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) < 0)
        die("O_NONBLOCK: %s", strerror(errno));
}

/* ---- the run ------------------------------------------------------------------------------- */

static double number(const char *name, const char *value, int zero_allowed)
{
    char *end;
    double v = strtod(value, &end);
    if (*value == '\0' || *end != '\0' || !(zero_allowed ? v >= 0 : v > 0) || v > 1e12)
        die("--%s takes a %s number, got '%s'", name, zero_allowed ? "non-negative" : "positive", value);
    return v;
}

static void usage(void)
{
    fputs("usage: kio-load --mode echo|http --port P [--host 127.0.0.1] --conns N [--size BYTES]\n"
          "                [--pipeline D] --warmup SECONDS --duration SECONDS [--rate REQ_PER_S] --json OUT.json\n",
          stderr);
    exit(2);
}

static void parse(int argc, char **argv)
{
    static const struct option options[] = {
        {"mode", required_argument, NULL, 'm'},     {"port", required_argument, NULL, 'p'},
        {"host", required_argument, NULL, 'h'},     {"conns", required_argument, NULL, 'c'},
        {"size", required_argument, NULL, 's'},     {"pipeline", required_argument, NULL, 'd'},
        {"warmup", required_argument, NULL, 'w'},   {"duration", required_argument, NULL, 't'},
        {"rate", required_argument, NULL, 'r'},     {"json", required_argument, NULL, 'j'},
        {NULL, 0, NULL, 0},
    };
    const char *mode = NULL;
    int o;
    opt.warmup = -1;
    while ((o = getopt_long(argc, argv, "", options, NULL)) != -1) {
        switch (o) {
        case 'm': mode = optarg; break;
        case 'p': opt.port = (int)number("port", optarg, 0); break;
        case 'h': opt.host = optarg; break;
        case 'c': opt.conns = (int)number("conns", optarg, 0); break;
        case 's': opt.size = (int)number("size", optarg, 0); break;
        case 'd': opt.pipeline = (int)number("pipeline", optarg, 0); break;
        case 'w': opt.warmup = number("warmup", optarg, 1); break;
        case 't': opt.duration = number("duration", optarg, 0); break;
        case 'r': opt.rate = number("rate", optarg, 0); break;
        case 'j': opt.json = optarg; break;
        default: usage();
        }
    }
    if (optind != argc || mode == NULL || opt.port == 0 || opt.conns == 0 || opt.warmup < 0 || opt.duration == 0
        || opt.json == NULL)
        usage();
    if (strcmp(mode, "echo") == 0) {
        opt.mode = ECHO;
        if (opt.size > 1 << 20)
            die("--size is at most 1 MiB, got %d", opt.size);
    } else if (strcmp(mode, "http") == 0) {
        opt.mode = HTTP;
        opt.size = (int)sizeof(HTTP_REQUEST) - 1; /* the request is fixed */
    } else {
        die("--mode takes echo or http, got '%s'", mode);
    }
    if (opt.port > 65535 || opt.conns > 60000 || opt.pipeline > 4096)
        die("--port, --conns or --pipeline out of range");
}

static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static void write_json(double seconds, double load_cpu)
{
    FILE *f = fopen(opt.json, "w");
    char *hdr = hdr_encode_base64(&hist);
    if (f == NULL)
        die("cannot write %s: %s", opt.json, strerror(errno));
    fprintf(f,
            "{\"mode\":\"%s\",\"conns\":%d,\"size\":%d,\"pipeline\":%d,\"rate\":%.0f,\"seconds\":%.6f,"
            "\"requests\":%llu,\"rps\":%.1f,\"errors\":%llu,\"late\":%llu,\"p50_us\":%lld,\"p90_us\":%lld,"
            "\"p99_us\":%lld,\"p999_us\":%lld,\"max_us\":%lld,\"start_unix_ns\":%lld,\"end_unix_ns\":%lld,"
            "\"load_cpu_s\":%.3f,\"hdr\":\"%s\"}\n",
            opt.mode == ECHO ? "echo" : "http", opt.conns, opt.size, opt.pipeline, opt.rate, seconds,
            (unsigned long long)measured, seconds > 0 ? (double)measured / seconds : 0.0, (unsigned long long)errors,
            (unsigned long long)late, (long long)hdr_percentile(&hist, 50), (long long)hdr_percentile(&hist, 90),
            (long long)hdr_percentile(&hist, 99), (long long)hdr_percentile(&hist, 99.9),
            (long long)(hist.total > 0 ? hdr_highest_equivalent(hist.max) : 0), (long long)(t_measure + realtime_offset),
            (long long)(t_measure + realtime_offset + (int64_t)(seconds * 1e9)), load_cpu, hdr);
    if (fclose(f) != 0)
        die("cannot write %s: %s", opt.json, strerror(errno));
    free(hdr);
}

/* Ends every connection the polite way (our FIN, then the server's), reading and dropping what
 * was still in flight, so that servers see clean closes rather than resets. Gives up after 2 s. */
static void drain(void)
{
    struct epoll_event events[MAX_EVENTS];
    int64_t deadline = now_ns() + 2000000000ll;
    for (int i = 0; i < opt.conns; i++) {
        if (!conns[i].dead && shutdown(conns[i].fd, SHUT_WR) < 0)
            fail(&conns[i], "shutdown: %s", strerror(errno));
    }
    while (alive > 0 && now_ns() < deadline) {
        int n = epoll_wait(epfd, events, MAX_EVENTS, 100);
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            ssize_t r = c->dead ? 1 : read(c->fd, scratch, READ_CHUNK);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                c->dead = 1;
                alive--;
                close(c->fd);
            }
        }
    }
    for (int i = 0; i < opt.conns; i++) {
        if (!conns[i].dead)
            close(conns[i].fd);
    }
}

int main(int argc, char **argv)
{
    struct sockaddr_in addr = {.sin_family = AF_INET};
    struct epoll_event events[MAX_EVENTS];

    parse(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_TIMERSLACK, 1000UL); /* pace open-loop sends to the microsecond, not the default 50 µs */
    addr.sin_port = htons((uint16_t)opt.port);
    if (inet_pton(AF_INET, opt.host, &addr.sin_addr) != 1)
        die("--host takes an IPv4 address, got '%s'", opt.host);
    hdr_init(&hist);
    scratch = malloc(READ_CHUNK);
    conns = calloc((size_t)opt.conns, sizeof(struct conn));
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (scratch == NULL || conns == NULL || epfd < 0)
        die("set-up failed: %s", strerror(errno));
    for (int i = 0; i < opt.conns; i++) {
        conns[i].index = i;
        open_conn(&conns[i], &addr);
    }
    alive = opt.conns;
    period_ns = opt.rate > 0 ? 1e9 / opt.rate : 0;
    struct timespec real;
    clock_gettime(CLOCK_REALTIME, &real);
    now = t_start = now_ns();
    realtime_offset = (int64_t)real.tv_sec * 1000000000ll + real.tv_nsec - t_start;
    t_measure = t_start + (int64_t)(opt.warmup * 1e9);
    t_end = t_measure + (int64_t)(opt.duration * 1e9);
    if (opt.rate == 0) {
        for (int i = 0; i < opt.conns; i++)
            send_more(&conns[i]);
    }

    while (now < t_end && alive > 0) {
        /* open loop: wake when the next request of the run is due */
        int64_t wake = t_end;
        if (opt.rate > 0) {
            int64_t due = t_start + (int64_t)((double)next_due * period_ns);
            if (due < wake)
                wake = due;
        }
        int64_t wait = wake > now ? wake - now : 0;
        struct timespec timeout = {.tv_sec = wait / 1000000000ll, .tv_nsec = wait % 1000000000ll};
        int n = epoll_pwait2(epfd, events, MAX_EVENTS, &timeout, NULL);
        if (n < 0 && errno != EINTR)
            die("epoll_pwait2: %s", strerror(errno));
        now = now_ns();
        if (cpu_at_measure < 0 && now >= t_measure)
            cpu_at_measure = cpu_seconds();
        for (int i = 0; i < n; i++) {
            struct conn *c = events[i].data.ptr;
            if (c->dead)
                continue;
            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
                on_readable(c);
            if (!c->dead && (events[i].events & EPOLLOUT))
                flush(c);
        }
        if (opt.rate > 0) {
            now = now_ns();
            /* every request due by now goes out on its connection, unless that one is full */
            for (; t_start + (int64_t)((double)next_due * period_ns) <= now; next_due++) {
                struct conn *c = &conns[next_due % (uint64_t)opt.conns];
                if (!c->dead)
                    send_more(c);
            }
        }
    }
    int64_t stop = now < t_end ? now : t_end;
    double seconds = stop > t_measure ? (double)(stop - t_measure) / 1e9 : 0;
    write_json(seconds, cpu_at_measure < 0 ? 0 : cpu_seconds() - cpu_at_measure);
    fprintf(stderr, "kio-load: %s %d conns, size %d, pipeline %d%s: %llu requests in %.2f s (%.0f/s), p50 %lld µs, "
            "p99 %lld µs, %llu errors, %llu late\n", opt.mode == ECHO ? "echo" : "http", opt.conns, opt.size,
            opt.pipeline, opt.rate > 0 ? " (open loop)" : "", (unsigned long long)measured, seconds,
            seconds > 0 ? (double)measured / seconds : 0.0, (long long)hdr_percentile(&hist, 50),
            (long long)hdr_percentile(&hist, 99), (unsigned long long)errors, (unsigned long long)late);
    drain();
    return errors == 0 ? 0 : 1;
}
