/*
 * nop_rtt: the C peer of dev.kio.benchmarks.NopRoundTrip.
 *
 * The same workload on liburing: OPS NOP round trips, BATCH in flight at a time, one
 * io_uring_enter per batch (submit and wait together), on a ring set up the way kio sets
 * up its workers' rings: 256 SQ entries, a 4x CQ, SUBMIT_ALL | COOP_TASKRUN | SINGLE_ISSUER |
 * DEFER_TASKRUN (each flag the kernel refuses dropped, newest first, as kio does), the ring
 * fd registered with itself, the thread and the ring's io-wq pinned to one CPU.
 *
 *   nop_rtt [--cpu N] [--warmup N] [--iterations N] [--time-ms MS] OPS BATCH
 *
 * Like a JMH iteration, each timed iteration repeats rounds of OPS NOPs until MS milliseconds
 * have passed and reports wall-clock time over NOPs done. The last line is machine-readable:
 *
 *   RESULT batch=32 ops=65536 iterations=5 ns_per_op=55.12 min=54.01 max=57.30 cpu_ns_per_op=54.80
 *
 * ns_per_op is the mean of the iterations' wall-clock figures, as JMH's score is;
 * cpu_ns_per_op the mean of the thread's CPU time per NOP. Exits non-zero on any failure.
 *
 * Build: gcc -O2 -o nop_rtt nop_rtt.c -luring   (benchmarks/run-nop links liburing.a statically)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <liburing.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SQ_ENTRIES 256
#define CQ_ENTRIES (4 * SQ_ENTRIES)

static void die(const char *what, int err)
{
    fprintf(stderr, "nop_rtt: %s: %s\n", what, strerror(err));
    exit(1);
}

static uint64_t clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Sets the ring up as kio's Ring.open does, dropping refused flags newest first; returns the flags. */
static unsigned setup_ring(struct io_uring *ring)
{
    static const unsigned fallback[] = {
        IORING_SETUP_DEFER_TASKRUN, IORING_SETUP_SINGLE_ISSUER,
        IORING_SETUP_COOP_TASKRUN, IORING_SETUP_SUBMIT_ALL,
    };
    unsigned flags = IORING_SETUP_SUBMIT_ALL | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SINGLE_ISSUER
                     | IORING_SETUP_DEFER_TASKRUN;
    struct io_uring_params p;
    int ret;
    size_t i = 0;
    for (;;) {
        memset(&p, 0, sizeof(p));
        p.flags = flags | IORING_SETUP_CQSIZE;
        p.cq_entries = CQ_ENTRIES;
        ret = io_uring_queue_init_params(SQ_ENTRIES, ring, &p);
        if (ret != -EINVAL)
            break;
        while (i < sizeof(fallback) / sizeof(fallback[0]) && !(flags & fallback[i]))
            i++;
        if (i == sizeof(fallback) / sizeof(fallback[0]))
            break;
        flags &= ~fallback[i++];
    }
    if (ret < 0)
        die("io_uring_queue_init_params", -ret);
    return p.flags; /* what the kernel kept, CQSIZE included, as kio's Ring.setupFlags() reports */
}

/* OPS NOPs, BATCH at a time; every completion is checked. */
static void run(struct io_uring *ring, long ops, int batch)
{
    long done = 0;
    while (done < ops) {
        int n = ops - done < batch ? (int)(ops - done) : batch;
        for (int i = 0; i < n; i++) {
            struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
            if (!sqe)
                die("io_uring_get_sqe", EBUSY);
            io_uring_prep_nop(sqe);
            sqe->user_data = (uint64_t)i;
        }
        int pending = n;
        int ret = io_uring_submit_and_wait(ring, 1);
        if (ret < 0)
            die("io_uring_submit_and_wait", -ret);
        for (;;) {
            struct io_uring_cqe *cqe;
            unsigned head, seen = 0;
            io_uring_for_each_cqe(ring, head, cqe) {
                if (cqe->res != 0) {
                    fprintf(stderr, "nop_rtt: NOP completed with %d\n", cqe->res);
                    exit(1);
                }
                seen++;
            }
            io_uring_cq_advance(ring, seen);
            pending -= (int)seen;
            if (pending <= 0)
                break;
            /* Never for NOPs, which complete inline; kept so the loop is correct anyway. */
            ret = io_uring_submit_and_wait(ring, 1);
            if (ret < 0 && ret != -EINTR)
                die("io_uring_submit_and_wait", -ret);
        }
        done += n;
    }
}

/*
 * Repeats rounds of OPS NOPs for at least ms milliseconds; returns wall-clock ns per NOP and
 * sets *cpu to the thread's CPU ns per NOP (which time stolen by other tasks does not inflate).
 */
static double iteration(struct io_uring *ring, long ops, int batch, long ms, double *cpu)
{
    uint64_t cpu0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    uint64_t start = clock_ns(CLOCK_MONOTONIC), end = start + (uint64_t)ms * 1000000ull, t;
    long total = 0;
    do {
        run(ring, ops, batch);
        total += ops;
        t = clock_ns(CLOCK_MONOTONIC);
    } while (t < end);
    *cpu = (double)(clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0) / (double)total;
    return (double)(t - start) / (double)total;
}

static void usage(void)
{
    fprintf(stderr, "usage: nop_rtt [--cpu N] [--warmup N] [--iterations N] [--time-ms MS] OPS BATCH\n");
    exit(2);
}

static long number(const char *s, long min)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < min) {
        fprintf(stderr, "nop_rtt: not a number >= %ld: '%s'\n", min, s);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"cpu", required_argument, 0, 'c'},
        {"warmup", required_argument, 0, 'w'},
        {"iterations", required_argument, 0, 'i'},
        {"time-ms", required_argument, 0, 't'},
        {0, 0, 0, 0},
    };
    int cpu = 1;
    long warmup = 5, iterations = 5, ms = 1000;
    int c;
    while ((c = getopt_long(argc, argv, "c:w:i:t:", options, NULL)) != -1) {
        switch (c) {
        case 'c': cpu = (int)number(optarg, 0); break;
        case 'w': warmup = number(optarg, 0); break;
        case 'i': iterations = number(optarg, 1); break;
        case 't': ms = number(optarg, 1); break;
        default: usage();
        }
    }
    if (argc - optind != 2)
        usage();
    long ops = number(argv[optind], 1);
    long batch = number(argv[optind + 1], 1);
    if (batch > SQ_ENTRIES) {
        fprintf(stderr, "nop_rtt: batch must be at most %d\n", SQ_ENTRIES);
        return 2;
    }

    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0)
        die("sched_setaffinity", errno);

    struct io_uring ring;
    unsigned flags = setup_ring(&ring);
    int registered = io_uring_register_ring_fd(&ring);
    if (registered < 0)
        fprintf(stderr, "nop_rtt: io_uring_register_ring_fd: %s (entering by fd)\n", strerror(-registered));
    /* Best effort, as in kio: NOPs never reach io-wq anyway. */
    io_uring_register_iowq_aff(&ring, sizeof(set), &set);

    printf("# nop_rtt: cpu %d, setup flags 0x%x, registered ring fd %s, ops %ld, batch %ld\n",
           cpu, flags, registered == 1 ? "yes" : "no", ops, batch);
    double cpu_ns, cpu_sum = 0;
    for (long i = 0; i < warmup; i++) {
        double v = iteration(&ring, ops, (int)batch, ms, &cpu_ns);
        printf("# warmup %ld: %.2f ns/op, cpu %.2f ns/op\n", i + 1, v, cpu_ns);
    }
    double sum = 0, min = 0, max = 0;
    for (long i = 0; i < iterations; i++) {
        double v = iteration(&ring, ops, (int)batch, ms, &cpu_ns);
        printf("# iteration %ld: %.2f ns/op, cpu %.2f ns/op\n", i + 1, v, cpu_ns);
        sum += v;
        cpu_sum += cpu_ns;
        if (i == 0 || v < min)
            min = v;
        if (i == 0 || v > max)
            max = v;
    }
    printf("RESULT batch=%ld ops=%ld iterations=%ld ns_per_op=%.2f min=%.2f max=%.2f cpu_ns_per_op=%.2f\n",
           batch, ops, iterations, sum / (double)iterations, min, max, cpu_sum / (double)iterations);
    io_uring_queue_exit(&ring);
    return 0;
}
