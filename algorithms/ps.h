/* ps.h — parameter-server plumbing shared by ssgd-ps, asgd, odsgd, easgd.
 *
 * Server s (of S, the last S ranks) owns the contiguous shard s of the flat
 * parameter vector.  A worker talks to every server about its shard. */
#ifndef DSGD_PS_H
#define DSGD_PS_H

#include "algorithms/node.h"

enum {
    DSGD_PS_TAG_HDR = 100, /* worker -> server: header (ps_header) */
    DSGD_PS_TAG_DATA,      /* worker -> server: a shard (gradient or model) */
    DSGD_PS_TAG_REPLY_HDR, /* server -> worker: header */
    DSGD_PS_TAG_REPLY,     /* server -> worker: a shard */
    DSGD_PS_TAG_STATS,     /* server -> worker 0 at the end: staleness summary */
};

/* Worker-to-server header of the asynchronous variants. */
enum { DSGD_PS_PUSH = 1, DSGD_PS_PULL = 2, DSGD_PS_DONE = 4 };
typedef struct dsgd_ps_header {
    double kind;    /* DSGD_PS_* bits */
    double version; /* worker: version of its parameters; server: current version */
    double iter;    /* worker's iteration */
    double stale_sum, updates, stale_max; /* server's final summary (DSGD_PS_TAG_STATS) */
} dsgd_ps_header;

/* The options every parameter-server variant's options struct starts with
 * (its first member, named ps), and their table entry. */
typedef struct dsgd_ps_options {
    int servers;
    int inflow;  /* asynchronous servers: shard receives posted at once (0: one per worker) */
    int outflow; /* asynchronous servers: reply snapshots in flight at once (0: one per worker) */
} dsgd_ps_options;
#define DSGD_PS_SERVERS_OPTION(T)                                                                  \
    {"servers", DSGD_OPT_INT, DSGD_OPT_AT(T, ps.servers), .def = "1", .min = 1, .metavar = "S",    \
     .help = "parameter servers (the last S ranks), each owning a contiguous shard"}

/* --server-inflow, for the variants served by dsgd_ps_serve_async. */
#define DSGD_PS_INFLOW_OPTION(T)                                                                   \
    {"server-inflow", DSGD_OPT_INT, DSGD_OPT_AT(T, ps.inflow), .min = 0, .metavar = "K",           \
     .help = "a server receives at most K pushes at once, each into a buffer of its shard "        \
             "(default or 0: one per worker, every push moves side by side)"}

/* --server-outflow, for the variants served by dsgd_ps_serve_async. */
#define DSGD_PS_OUTFLOW_OPTION(T)                                                                  \
    {                                                                                              \
        "server-outflow", DSGD_OPT_INT, DSGD_OPT_AT(T, ps.outflow),                                \
            .min = 0, .metavar = "K",                                                              \
            .help =                                                                                \
                "a server has at most K replies in flight at once, each from a snapshot of its "   \
                "shard (default or 0: one per worker, every reply moves side by side)"             \
    }

/* Roles: the last --servers ranks are servers, the others workers (at
 * least one of each). */
int dsgd_roles_servers_last(const dsgd_config *cfg, int size, const int *node_of_rank,
                            dsgd_role *role_of_rank, char *err, size_t errlen);

void dsgd_ps_shard(size_t n, int servers, int s, size_t *off, size_t *len);
/* v[off .. off+len) as a vector (phantom stays phantom). */
dsgd_vec dsgd_vec_view(const dsgd_vec *v, size_t off, size_t len);
/* Worker: sends shard s of v to server s, to every server at once (as a
 * parameter-server client pushes its shards side by side). */
int dsgd_ps_push(dsgd_comm *c, const dsgd_layout *l, const dsgd_vec *v, int tag);
/* Worker: posts the receive of every server's shard into v (reqs[S]). */
int dsgd_ps_post_pull(dsgd_comm *c, const dsgd_layout *l, dsgd_vec *v, int tag,
                      dsgd_request **reqs);
int dsgd_ps_wait_all(dsgd_comm *c, dsgd_request **reqs, int n);
/* Worker of the asynchronous variants: one exchange with every server.
 * Each gets a header (kind, versions[s] or 0, iteration t) and, if kind has
 * DSGD_PS_PUSH, its shard of `push`.  If `into` is not NULL, each server's
 * shard of the reply lands there, and with `replies` its reply header too
 * (versions[] then takes the servers' versions).  The receives are posted
 * first: a server's reply never waits for us. */
int dsgd_ps_exchange(dsgd_comm *c, const dsgd_layout *l, int kind, long t, const dsgd_vec *push,
                     dsgd_vec *into, double *versions, dsgd_ps_header *replies);
/* Server of the synchronous variants (a serve hook): for every iteration,
 * receives every worker's gradient shard, averages them (summed in worker
 * order), takes an SGD-momentum step on its shard, and sends the shard to
 * every worker. */
int dsgd_ps_serve_sync(dsgd_node *n, dsgd_comm *c);

/* What an asynchronous server answers a worker: a header (if has_header,
 * DSGD_PS_TAG_REPLY_HDR), then a vector (if vec, DSGD_PS_TAG_REPLY). */
typedef struct dsgd_ps_reply {
    int has_header;
    dsgd_ps_header header;
    const dsgd_vec *vec; /* copied when the handler returns: it may change after */
} dsgd_ps_reply;

/* What an asynchronous server does with one worker's message: header h
 * from src and, for a push, its shard in `in` (NULL otherwise; the handler
 * may overwrite it: it is that push's own buffer until handle returns).
 * It fills *reply (zeroed: no reply) and sends nothing itself. */
typedef int (*dsgd_ps_handler)(dsgd_node *n, dsgd_comm *c, const dsgd_ps_header *h, int src,
                               dsgd_vec *in, dsgd_ps_reply *reply, void *ctx);
/* Server of the asynchronous variants.  It keeps a receive posted for
 * every worker, its next header or, once that header says push, its shard
 * (into a buffer shaped like `shard`; at most --server-inflow of them at a
 * time, the other pushes queue in the order their headers came), so the
 * pushes of many workers arrive side by side.  As each message completes,
 * in any order (dsgd_waitany), it calls handle (the updates stay one at a
 * time: the shard is one memory), copies the reply's vector into a reply
 * buffer (at most --server-outflow of them; a reply waits for a free one,
 * and for that worker's previous reply), posts the reply's sends, which
 * complete in the same dsgd_waitany as the receives, and posts that
 * worker's next header receive.  It returns when every worker has said
 * done (DSGD_PS_DONE) or failed, and every reply has gone (a failed
 * worker's receives and sends are forgiven; the others go on).
 * Memory: min(inflow, workers) + min(outflow, workers) shard buffers. */
int dsgd_ps_serve_async(dsgd_node *n, dsgd_comm *c, const dsgd_vec *shard, dsgd_ps_handler handle,
                        void *ctx);

/* The SGD optimiser of shard [off, off+len) of w's (shares the velocity). */
dsgd_sgd dsgd_ps_shard_opt(const dsgd_worker *w, size_t off, size_t len, long iter);

#endif
