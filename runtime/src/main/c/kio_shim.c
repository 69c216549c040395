/*
 * kio's native shim: the few calls Java cannot make through the mapped rings.
 *
 * Ring set-up, tear-down and registration go through liburing (linked statically);
 * the per-operation path never comes here: Java writes SQEs and reads CQEs itself
 * and only calls kio_enter, at most once per worker loop turn.
 *
 * Every function returns 0 or a count on success and -errno on failure, so Java
 * never has to read the thread's errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <liburing.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KIO_API __attribute__((visibility("default")))

/* Layout of the info array filled by kio_ring_create; RingLayout.java mirrors it. */
enum {
    INFO_RING_PTR,
    INFO_RING_FD,
    INFO_SETUP_FLAGS,
    INFO_FEATURES,
    INFO_SQ_ENTRIES,
    INFO_CQ_ENTRIES,
    INFO_SQ_KHEAD,
    INFO_SQ_KTAIL,
    INFO_SQ_KFLAGS,
    INFO_SQ_KDROPPED,
    INFO_SQ_ARRAY,
    INFO_SQES,
    INFO_CQ_KHEAD,
    INFO_CQ_KTAIL,
    INFO_CQ_KOVERFLOW,
    INFO_CQES,
    INFO_CQ_KFLAGS,
    INFO_COUNT
};

KIO_API int kio_info_count(void) { return INFO_COUNT; }

KIO_API int kio_ring_create(unsigned entries, unsigned cq_entries, unsigned flags, uint64_t *info)
{
    struct io_uring *ring = calloc(1, sizeof(*ring));
    if (!ring)
        return -ENOMEM;
    struct io_uring_params p;
    memset(&p, 0, sizeof(p));
    p.flags = flags;
    if (cq_entries) {
        p.flags |= IORING_SETUP_CQSIZE;
        p.cq_entries = cq_entries;
    }
    int ret = io_uring_queue_init_params(entries, ring, &p);
    if (ret < 0) {
        free(ring);
        return ret;
    }
    info[INFO_RING_PTR] = (uint64_t)(uintptr_t)ring;
    info[INFO_RING_FD] = (uint64_t)ring->ring_fd;
    info[INFO_SETUP_FLAGS] = p.flags;
    info[INFO_FEATURES] = p.features;
    info[INFO_SQ_ENTRIES] = ring->sq.ring_entries;
    info[INFO_CQ_ENTRIES] = ring->cq.ring_entries;
    info[INFO_SQ_KHEAD] = (uint64_t)(uintptr_t)ring->sq.khead;
    info[INFO_SQ_KTAIL] = (uint64_t)(uintptr_t)ring->sq.ktail;
    info[INFO_SQ_KFLAGS] = (uint64_t)(uintptr_t)ring->sq.kflags;
    info[INFO_SQ_KDROPPED] = (uint64_t)(uintptr_t)ring->sq.kdropped;
    info[INFO_SQ_ARRAY] = (uint64_t)(uintptr_t)ring->sq.array;
    info[INFO_SQES] = (uint64_t)(uintptr_t)ring->sq.sqes;
    info[INFO_CQ_KHEAD] = (uint64_t)(uintptr_t)ring->cq.khead;
    info[INFO_CQ_KTAIL] = (uint64_t)(uintptr_t)ring->cq.ktail;
    info[INFO_CQ_KOVERFLOW] = (uint64_t)(uintptr_t)ring->cq.koverflow;
    info[INFO_CQES] = (uint64_t)(uintptr_t)ring->cq.cqes;
    info[INFO_CQ_KFLAGS] = (uint64_t)(uintptr_t)ring->cq.kflags;
    return 0;
}

/* Registers the ring fd with itself (5.18+); returns the index to enter with. */
KIO_API int kio_ring_register_fd(uint64_t ring_ptr)
{
    struct io_uring *ring = (struct io_uring *)(uintptr_t)ring_ptr;
    int ret = io_uring_register_ring_fd(ring);
    if (ret < 0)
        return ret;
    return ring->enter_ring_fd;
}

/* Fills supported[op] with 1 for every opcode the kernel supports; returns last_op + 1. */
KIO_API int kio_ring_probe(uint64_t ring_ptr, uint8_t *supported, int len)
{
    struct io_uring *ring = (struct io_uring *)(uintptr_t)ring_ptr;
    struct io_uring_probe *probe = io_uring_get_probe_ring(ring);
    if (!probe)
        return -EINVAL;
    int n = probe->ops_len;
    for (int i = 0; i < len; i++)
        supported[i] = i < n && (probe->ops[i].flags & IO_URING_OP_SUPPORTED) ? 1 : 0;
    int last = probe->last_op + 1;
    io_uring_free_probe(probe);
    return last;
}

/* Pins the ring's io-wq helper threads to one CPU, as the worker itself is. */
KIO_API int kio_ring_iowq_cpu(uint64_t ring_ptr, int cpu)
{
    struct io_uring *ring = (struct io_uring *)(uintptr_t)ring_ptr;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return io_uring_register_iowq_aff(ring, sizeof(set), &set);
}

/*
 * Registers count buffers for READ_FIXED / WRITE_FIXED; iovecs holds {base, len} pairs.
 * The kernel pins their pages and charges them to RLIMIT_MEMLOCK unless CAP_IPC_LOCK.
 */
KIO_API int kio_register_buffers(uint64_t ring_ptr, const struct iovec *iovecs, unsigned count)
{
    struct io_uring *ring = (struct io_uring *)(uintptr_t)ring_ptr;
    return io_uring_register_buffers(ring, iovecs, count);
}

KIO_API int kio_unregister_buffers(uint64_t ring_ptr)
{
    struct io_uring *ring = (struct io_uring *)(uintptr_t)ring_ptr;
    return io_uring_unregister_buffers(ring);
}

/*
 * Registers a provided-buffer ring (5.19+) of entries slots at ring_addr (page aligned) as
 * buffer group bgid. Java fills the slots and moves the tail itself.
 */
KIO_API int kio_register_buf_ring(uint64_t ring_ptr, uint64_t ring_addr, unsigned entries, int bgid)
{
    struct io_uring *ring = (struct io_uring *)(uintptr_t)ring_ptr;
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof(reg));
    reg.ring_addr = ring_addr;
    reg.ring_entries = entries;
    reg.bgid = (__u16)bgid;
    return io_uring_register_buf_ring(ring, &reg, 0);
}

KIO_API int kio_unregister_buf_ring(uint64_t ring_ptr, int bgid)
{
    struct io_uring *ring = (struct io_uring *)(uintptr_t)ring_ptr;
    return io_uring_unregister_buf_ring(ring, bgid);
}

/* Unmaps the rings and closes the ring fd; the kernel finishes outstanding work after this. */
KIO_API void kio_ring_destroy(uint64_t ring_ptr)
{
    struct io_uring *ring = (struct io_uring *)(uintptr_t)ring_ptr;
    io_uring_queue_exit(ring);
    free(ring);
}

KIO_API int kio_enter(int fd, unsigned to_submit, unsigned min_complete, unsigned flags)
{
    long ret = syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags, NULL, 0);
    return ret < 0 ? -errno : (int)ret;
}

/* Like kio_enter, but the wait ends with -ETIME after nanos (IORING_ENTER_EXT_ARG, 5.11+). */
KIO_API int kio_enter_timeout(int fd, unsigned to_submit, unsigned min_complete, unsigned flags, int64_t nanos)
{
    struct __kernel_timespec ts = { .tv_sec = nanos / 1000000000LL, .tv_nsec = nanos % 1000000000LL };
    struct io_uring_getevents_arg arg;
    memset(&arg, 0, sizeof(arg));
    arg.ts = (uint64_t)(uintptr_t)&ts;
    long ret = syscall(__NR_io_uring_enter, fd, to_submit, min_complete, flags | IORING_ENTER_EXT_ARG,
                       &arg, sizeof(arg));
    return ret < 0 ? -errno : (int)ret;
}

KIO_API int kio_set_affinity(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

/* Writes the calling thread's CPU mask into words (64 CPUs a word); returns the count of CPUs in it. */
KIO_API int kio_get_affinity(uint64_t *words, int nwords)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) < 0)
        return -errno;
    memset(words, 0, (size_t)nwords * sizeof(uint64_t));
    for (int cpu = 0; cpu < CPU_SETSIZE && cpu < nwords * 64; cpu++)
        if (CPU_ISSET(cpu, &set))
            words[cpu / 64] |= 1ULL << (cpu % 64);
    return CPU_COUNT(&set);
}

KIO_API int kio_pipe(int *fds, int flags)
{
    return pipe2(fds, flags) < 0 ? -errno : 0;
}

KIO_API int kio_eventfd(unsigned initval, int flags)
{
    int fd = eventfd(initval, flags);
    return fd < 0 ? -errno : fd;
}

KIO_API int kio_eventfd_write(int fd, uint64_t value)
{
    return eventfd_write(fd, value) < 0 ? -errno : 0;
}

KIO_API int kio_close(int fd)
{
    return close(fd) < 0 ? -errno : 0;
}

KIO_API int kio_memlock_limit(uint64_t *soft, uint64_t *hard)
{
    struct rlimit r;
    if (getrlimit(RLIMIT_MEMLOCK, &r) < 0)
        return -errno;
    *soft = r.rlim_cur;
    *hard = r.rlim_max;
    return 0;
}

/* Copies the errno's symbolic name ("EAGAIN") and description into the buffers. */
KIO_API int kio_errno_text(int err, char *name, int name_len, char *text, int text_len)
{
    const char *n = strerrorname_np(err);
    const char *d = strerrordesc_np(err);
    if (name_len > 0) {
        strncpy(name, n ? n : "", (size_t)name_len - 1);
        name[name_len - 1] = 0;
    }
    if (text_len > 0) {
        strncpy(text, d ? d : "", (size_t)text_len - 1);
        text[text_len - 1] = 0;
    }
    return n ? 0 : -EINVAL;
}
