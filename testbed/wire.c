/* wire.c — dsgd-wire: the network between the testbed's namespaces.
 *
 *     dsgd-wire --netns NS0,NS1,... --latency-us D --rate-mbps R [--spin-us S] [--ready FILE]
 *
 * scripts/testbed.sh gives every network namespace a TUN device `tb0`
 * holding the address 10.77.0.(i+1)/24; this program attaches to all of
 * them and forwards each IPv4 packet to the namespace its destination
 * names, with the timing of a star of full-duplex links through a
 * store-and-forward switch: host i's uplink serialises the packet at R
 * bit/s, it travels D/2, waits for host j's downlink (R bit/s, one packet
 * at a time), travels D/2 more.  One-way time of a small packet: D; a long
 * transfer: R.  That is SimGrid's cluster of per-host links (latency D/2,
 * bandwidth R each, no backbone).
 *
 * Why not tc's netem: the kernel this was written on has no sch_netem (nor
 * fq/etf that honour packet timestamps), so no qdisc can delay a packet.
 * A user-space wire delays the same way on every kernel.
 *
 * It runs until SIGTERM/SIGINT; --ready FILE is written (temp + rename)
 * once every device is attached.  Exit status: 0 on a signal, 1 an error
 * while running, 2 a bad flag or namespace (one line on stderr). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#define WIRE_MAX_HOSTS 16
#define WIRE_MTU 65536
#define WIRE_MAX_QUEUED 65536 /* packets in flight; beyond that the wire drops */
#define WIRE_DEVICE "tb0"

typedef struct {
    int64_t deliver_ns; /* when the packet leaves the destination's downlink */
    uint64_t seq;       /* ties keep the order packets were read in */
    int dst;
    int len;
    unsigned char *data;
} wire_packet;

typedef struct {
    int hosts;
    int fd[WIRE_MAX_HOSTS];
    int64_t uplink_free_ns[WIRE_MAX_HOSTS];
    int64_t downlink_free_ns[WIRE_MAX_HOSTS];
    int64_t half_latency_ns;
    int64_t spin_ns;    /* busy-wait this long before a delivery instead of sleeping */
    double ns_per_byte; /* serialisation time at the link rate */
    wire_packet *heap;  /* min-heap on (deliver_ns, seq) */
    size_t queued;
    uint64_t seq;
    unsigned long dropped;
} wire_state;

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig) { stop_requested = sig; }

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int usage(const char *msg, const char *arg)
{
    if (msg)
        fprintf(stderr, "dsgd-wire: %s%s%s\n", msg, arg ? arg : "", arg ? "'" : "");
    return 2;
}

/* ---- the packets in flight: a min-heap on delivery time ------------------ */

static int earlier(const wire_packet *a, const wire_packet *b)
{
    return a->deliver_ns < b->deliver_ns || (a->deliver_ns == b->deliver_ns && a->seq < b->seq);
}

static void heap_push(wire_state *w, wire_packet p)
{
    size_t i = w->queued++;
    while (i > 0 && earlier(&p, &w->heap[(i - 1) / 2])) {
        w->heap[i] = w->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    w->heap[i] = p;
}

static wire_packet heap_pop(wire_state *w)
{
    wire_packet top = w->heap[0], last = w->heap[--w->queued];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= w->queued)
            break;
        if (c + 1 < w->queued && earlier(&w->heap[c + 1], &w->heap[c]))
            c++;
        if (!earlier(&w->heap[c], &last))
            break;
        w->heap[i] = w->heap[c];
        i = c;
    }
    w->heap[i] = last;
    return top;
}

/* ---- attaching to the namespaces' TUN devices ----------------------------- */

/* Opens WIRE_DEVICE inside namespace `name` (the fd keeps working from any
 * namespace).  Returns the fd or -1 with `err` filled. */
static int attach(const char *name, char *err, size_t errsz)
{
    char path[256];
    snprintf(path, sizeof path, "/run/netns/%s", name);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) {
        snprintf(err, errsz, "--netns %s: cannot open %s: %s", name, path, strerror(errno));
        return -1;
    }
    int ok = setns(ns, CLONE_NEWNET);
    close(ns);
    if (ok != 0) {
        snprintf(err, errsz, "--netns %s: cannot enter: %s", name, strerror(errno));
        return -1;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", WIRE_DEVICE);
    if (fd < 0 || ioctl(fd, TUNSETIFF, &ifr) != 0) {
        snprintf(err, errsz, "--netns %s: cannot attach to %s: %s", name, WIRE_DEVICE,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static int attach_all(wire_state *w, char *list, char *err, size_t errsz)
{
    int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (home < 0) {
        snprintf(err, errsz, "cannot open /proc/self/ns/net: %s", strerror(errno));
        return -1;
    }
    int rc = 0;
    for (char *save = NULL, *name = strtok_r(list, ",", &save); name && rc == 0;
         name = strtok_r(NULL, ",", &save)) {
        if (w->hosts == WIRE_MAX_HOSTS) {
            snprintf(err, errsz, "--netns: more than %d namespaces", WIRE_MAX_HOSTS);
            rc = -1;
        } else if ((w->fd[w->hosts] = attach(name, err, errsz)) < 0) {
            rc = -1;
        } else {
            w->hosts++;
        }
    }
    if (setns(home, CLONE_NEWNET) != 0 && rc == 0) {
        snprintf(err, errsz, "cannot return to the first namespace: %s", strerror(errno));
        rc = -1;
    }
    close(home);
    if (rc == 0 && w->hosts < 2) {
        snprintf(err, errsz, "--netns: want at least 2 namespaces, got %d", w->hosts);
        rc = -1;
    }
    return rc;
}

/* ---- forwarding ------------------------------------------------------------ */

/* Host index of an IPv4 destination 10.77.0.(i+1); -1 for anything else. */
static int destination(const wire_state *w, const unsigned char *p, int len)
{
    if (len < 20 || (p[0] >> 4) != 4)
        return -1;
    int host = p[19] - 1;
    return host >= 0 && host < w->hosts ? host : -1;
}

/* Schedules a packet read from host `src` (the timing of the header). */
static void schedule(wire_state *w, int src, int dst, unsigned char *data, int len, int64_t now)
{
    int64_t serialise = (int64_t)(w->ns_per_byte * len);
    int64_t up_start = now > w->uplink_free_ns[src] ? now : w->uplink_free_ns[src];
    w->uplink_free_ns[src] = up_start + serialise;
    int64_t at_switch = w->uplink_free_ns[src] + w->half_latency_ns;
    int64_t down_start =
        at_switch > w->downlink_free_ns[dst] ? at_switch : w->downlink_free_ns[dst];
    w->downlink_free_ns[dst] = down_start + serialise;
    wire_packet p = {w->downlink_free_ns[dst] + w->half_latency_ns, w->seq++, dst, len, data};
    heap_push(w, p);
}

/* Reads every packet waiting on host `src`'s device. */
static int drain(wire_state *w, int src)
{
    static unsigned char buf[WIRE_MTU];
    for (;;) {
        ssize_t n = read(w->fd[src], buf, sizeof buf);
        if (n < 0)
            return errno == EAGAIN || errno == EINTR ? 0 : -1;
        int dst = destination(w, buf, (int)n);
        if (dst < 0 || dst == src || w->queued == WIRE_MAX_QUEUED) {
            w->dropped += dst >= 0 && dst != src;
            continue;
        }
        unsigned char *copy = malloc((size_t)n);
        if (!copy)
            return -1;
        memcpy(copy, buf, (size_t)n);
        schedule(w, src, dst, copy, (int)n, now_ns());
    }
}

/* Writes every packet due by now; returns the next delivery time (or -1). */
static int64_t deliver_due(wire_state *w)
{
    while (w->queued > 0 && w->heap[0].deliver_ns <= now_ns()) {
        wire_packet p = heap_pop(w);
        if (write(w->fd[p.dst], p.data, (size_t)p.len) != p.len)
            w->dropped++;
        free(p.data);
    }
    return w->queued > 0 ? w->heap[0].deliver_ns : -1;
}

static int forward(wire_state *w)
{
    struct pollfd pfd[WIRE_MAX_HOSTS];
    for (int i = 0; i < w->hosts; i++)
        pfd[i] = (struct pollfd){.fd = w->fd[i], .events = POLLIN};
    while (!stop_requested) {
        int64_t next = deliver_due(w);
        struct timespec wait, *timeout = NULL;
        if (next >= 0) {
            /* Sleep until shortly before the delivery, then spin: waking
             * a sleeping (virtual) CPU takes tens to hundreds of us, as
             * long as the latency being emulated. */
            int64_t d = next - now_ns() - w->spin_ns;
            d = d < 0 ? 0 : d;
            wait = (struct timespec){.tv_sec = d / 1000000000, .tv_nsec = d % 1000000000};
            timeout = &wait;
        }
        int n = ppoll(pfd, (nfds_t)w->hosts, timeout, NULL);
        if (n < 0 && errno != EINTR)
            return -1;
        for (int i = 0; n > 0 && i < w->hosts; i++)
            if ((pfd[i].revents & POLLIN) && drain(w, i) != 0)
                return -1;
    }
    return 0;
}

/* ---- main ------------------------------------------------------------------ */

static int write_ready(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    fprintf(f, "%ld\n", (long)getpid());
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int parse_positive(const char *flag, const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    if (end == s || *end || !(*out >= 0) || *out > 1e12)
        return usage(flag, s);
    return 0;
}

int main(int argc, char **argv)
{
    char *netns = NULL;
    const char *ready = NULL;
    double latency_us = -1, rate_mbps = -1, spin_us = 200;
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        if (strcmp(f, "--help") == 0) {
            printf("usage: dsgd-wire --netns NS0,NS1,... --latency-us D --rate-mbps R\n"
                   "                 [--spin-us S] [--ready FILE]\n"
                   "Forwards IPv4 between the TUN devices '%s' of the namespaces (host i holds\n"
                   "10.77.0.(i+1)): one-way latency D microseconds, R Mbit/s per host link\n"
                   "(uplink and downlink, store-and-forward).  It busy-waits the last S us\n"
                   "(default 200) before each delivery: waking from sleep is slower than that.\n"
                   "--ready FILE: written with the pid once attached.  Runs until SIGTERM.\n",
                   WIRE_DEVICE);
            return 0;
        }
        if (i + 1 >= argc)
            return usage(
                strncmp(f, "--", 2) == 0 ? "flag needs a value: '" : "unexpected argument '", f);
        const char *v = argv[++i];
        int bad = 0;
        if (strcmp(f, "--netns") == 0)
            netns = strdup(v);
        else if (strcmp(f, "--latency-us") == 0)
            bad = parse_positive("--latency-us: bad value '", v, &latency_us);
        else if (strcmp(f, "--rate-mbps") == 0)
            bad = parse_positive("--rate-mbps: bad value '", v, &rate_mbps);
        else if (strcmp(f, "--spin-us") == 0)
            bad = parse_positive("--spin-us: bad value '", v, &spin_us);
        else if (strcmp(f, "--ready") == 0)
            ready = v;
        else
            return usage("unknown flag '", f);
        if (bad)
            return bad;
    }
    if (!netns || latency_us < 0 || !(rate_mbps > 0))
        return usage("want --netns, --latency-us and --rate-mbps (> 0); see --help", NULL);

    static wire_state w;
    char err[512];
    if (attach_all(&w, netns, err, sizeof err) != 0) {
        fprintf(stderr, "dsgd-wire: %s\n", err);
        return 2;
    }
    free(netns);
    w.half_latency_ns = (int64_t)(latency_us * 500.0);
    w.spin_ns = (int64_t)(spin_us * 1000.0);
    w.ns_per_byte = 8e3 / rate_mbps;
    if (!(w.heap = malloc(sizeof *w.heap * WIRE_MAX_QUEUED))) {
        fprintf(stderr, "dsgd-wire: out of memory\n");
        return 1;
    }
    /* Wake on time: no timer slack, and ahead of the ranks that compete
     * for the same cores (a real NIC does not wait for a CPU).  Both are
     * best effort: without them the wire is merely noisier. */
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
    struct sched_param sp = {.sched_priority = 10};
    sched_setscheduler(0, SCHED_FIFO, &sp);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    if (ready && write_ready(ready) != 0) {
        fprintf(stderr, "dsgd-wire: --ready %s: cannot write: %s\n", ready, strerror(errno));
        return 2;
    }
    int rc = forward(&w);
    if (rc != 0)
        fprintf(stderr, "dsgd-wire: forwarding failed: %s\n", strerror(errno));
    while (w.queued > 0)
        free(heap_pop(&w).data);
    free(w.heap);
    return rc == 0 ? 0 : 1;
}
