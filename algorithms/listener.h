/* listener.h — serving peers while waiting, and ending together.
 *
 * A rank that others may message at any moment (gossip) keeps one
 * any-source receive posted: its listener.  While it waits for its own
 * operations it serves whatever arrives (waitany over both), so a peer is
 * never left waiting on it.  At the end the workers agree, in O(N)
 * messages, that nobody sends any more: each worker, once its own
 * exchanges are complete, tells the coordinator (the first worker alive)
 * it is done and serves the others until the coordinator, once all are
 * done, says stop.  Nobody sends after saying done, so a worker then ends
 * its listener with a zero-byte message to itself: everything sent to it
 * earlier is handled first.  (On MPI, which orders messages per sender
 * only, a message below the eager limit still in flight from another
 * worker could arrive after that one and be dropped; larger ones complete
 * only once matched.)
 * Failures (comm.h): the coordinator counts a failed worker as done, and
 * if the coordinator fails the others tell the next one. */
#ifndef DSGD_LISTENER_H
#define DSGD_LISTENER_H

#include "algorithms/layout.h"

typedef struct dsgd_listener {
    int tag;      /* what the listener receives */
    int ctrl_tag; /* done / stop of the ending */
    void *buf;    /* where a message lands (bytes of room) */
    size_t bytes;
    /* A message arrived in buf (info: from whom, how long). */
    int (*handle)(void *ctx, dsgd_comm *c, const dsgd_msg_info *info);
    void *ctx;
    dsgd_request *req; /* the posted receive */
    int closed;        /* our own zero-byte message came through */
    /* The coordinator's marks of the workers done, while it coordinates
     * (here, not on its stack: the owner frees it should the rank end
     * there). */
    unsigned char *done;
} dsgd_listener;

/* Posts the listener's receive (fields above set by the caller). */
int dsgd_listener_open(dsgd_listener *ls, dsgd_comm *c);
/* Handles what has arrived, without blocking. */
int dsgd_listener_poll(dsgd_listener *ls, dsgd_comm *c);
/* Waits for *req while serving the listener.  Returns what completed *req
 * (info filled if not NULL), or DSGD_EFAILED with *req still pending if a
 * failure notice came through it. */
int dsgd_listener_wait(dsgd_listener *ls, dsgd_comm *c, dsgd_request **req, dsgd_msg_info *info);
/* The ending among l's workers (collective over those alive); returns once
 * the listener is closed. */
int dsgd_listener_close(dsgd_listener *ls, dsgd_comm *c, const dsgd_layout *l);

#endif
