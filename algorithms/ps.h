/* ps.h — parameter-server plumbing shared by ssgd-ps, asgd, odsgd, easgd.
 *
 * Server s (of S, the last S ranks) owns the contiguous shard s of the flat
 * parameter vector.  A worker talks to every server about its shard. */
#ifndef DSGD_PS_H
#define DSGD_PS_H

#include "algorithms/worker.h"

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

void dsgd_ps_shard(size_t n, int servers, int s, size_t *off, size_t *len);
/* v[off .. off+len) as a vector (phantom stays phantom). */
dsgd_vec dsgd_vec_view(const dsgd_vec *v, size_t off, size_t len);
/* Worker: sends shard s of v to server s, for every s. */
int dsgd_ps_push(dsgd_comm *c, const dsgd_layout *l, const dsgd_vec *v, int tag);
/* Worker: posts the receive of every server's shard into v (reqs[S]). */
int dsgd_ps_post_pull(dsgd_comm *c, const dsgd_layout *l, dsgd_vec *v, int tag,
                      dsgd_request **reqs);
int dsgd_ps_wait_all(dsgd_comm *c, dsgd_request **reqs, int n);
/* Server of the synchronous variants: for every iteration, receives every
 * worker's gradient shard, averages them (summed in worker order), takes
 * an SGD-momentum step on its shard, and sends the shard to every worker. */
int dsgd_ps_serve_sync(dsgd_worker *w, dsgd_comm *c, const dsgd_layout *l);

typedef int (*dsgd_ps_server_fn)(dsgd_worker *w, dsgd_comm *c, const dsgd_layout *l);
typedef int (*dsgd_ps_worker_fn)(dsgd_worker *w, dsgd_comm *c, const dsgd_layout *l,
                                 dsgd_result *out);

/* The node program every parameter-server variant shares: set up the
 * worker and the layout of `algo`, start together, run this rank's role
 * (serve or work), time it, and let the workers evaluate. */
int dsgd_ps_run(const dsgd_algo *algo, dsgd_ps_server_fn serve, dsgd_ps_worker_fn work,
                dsgd_comm *c, const dsgd_job *job, dsgd_result *out);
/* Asynchronous servers outlive failed workers (comm.h, "Failures"): the
 * workers still owed service have neither said done (done[world rank])
 * nor failed. */
int dsgd_ps_owed(dsgd_comm *c, const dsgd_layout *l, const unsigned char *done);
/* The SGD optimiser of shard [off, off+len) of w's (shares the velocity). */
dsgd_sgd dsgd_ps_shard_opt(const dsgd_worker *w, size_t off, size_t len, long iter);

#endif
