/* listener.c — serving peers while waiting, and ending together (see
 * listener.h). */
#include "algorithms/listener.h"

#include <stdlib.h>

enum { CTRL_DONE = 1, CTRL_STOP = 3 };

int dsgd_listener_open(dsgd_listener *ls, dsgd_comm *c)
{
    return dsgd_irecv(c, DSGD_ANY_SOURCE, ls->tag, ls->buf, ls->bytes, &ls->req);
}

/* Handles a completed listener receive and posts the next one, unless it
 * was our own closing message. */
static int handle(dsgd_listener *ls, dsgd_comm *c, const dsgd_msg_info *info)
{
    if (info->source == dsgd_rank(c) && info->bytes == 0) {
        ls->closed = 1;
        return DSGD_OK;
    }
    int rc = ls->handle(ls->ctx, c, info);
    return rc == DSGD_OK ? dsgd_listener_open(ls, c) : rc;
}

int dsgd_listener_wait(dsgd_listener *ls, dsgd_comm *c, dsgd_request **req, dsgd_msg_info *info)
{
    while (*req) {
        dsgd_request *reqs[2] = {*req, ls->req};
        int index;
        dsgd_msg_info got;
        int rc = dsgd_waitany(c, reqs, 2, &index, &got);
        *req = reqs[0];
        ls->req = reqs[1];
        if (index == 0) {
            if (info)
                *info = got;
            if (rc != DSGD_OK)
                return rc;
        } else if (rc == DSGD_OK) {
            if ((rc = handle(ls, c, &got)) != DSGD_OK)
                return rc;
        } else if (rc != DSGD_EFAILED) { /* the listener's notices are only wake-ups */
            return rc;
        }
    }
    return DSGD_OK;
}

int dsgd_listener_poll(dsgd_listener *ls, dsgd_comm *c)
{
    int done = 1, rc = DSGD_OK;
    while (rc == DSGD_OK && done && ls->req) {
        dsgd_msg_info info;
        rc = dsgd_test(c, &ls->req, &done, &info);
        if (rc == DSGD_OK && done)
            rc = handle(ls, c, &info);
    }
    return rc == DSGD_EFAILED ? DSGD_OK : rc;
}

/* Coordinator: serves until every other worker alive has said done, then
 * tells them to stop. */
static int coordinate(dsgd_listener *ls, dsgd_comm *c, const dsgd_layout *l)
{
    int me = dsgd_rank(c), rc = DSGD_OK;
    unsigned char *done = ls->done = calloc((size_t)dsgd_size(c), 1);
    if (!done)
        return DSGD_ENOMEM;
    double word;
    dsgd_request *ctrl = NULL;
    for (;;) {
        int waiting = 0;
        for (int i = 0; i < l->n_workers; i++) {
            int r = dsgd_layout_worker(l, i);
            waiting += r != me && !done[r] && !dsgd_failed(c, r);
        }
        if (!waiting || rc != DSGD_OK)
            break;
        if (!ctrl && (rc = dsgd_irecv(c, DSGD_ANY_SOURCE, ls->ctrl_tag, &word, sizeof word, &ctrl)))
            break;
        dsgd_msg_info info;
        rc = dsgd_listener_wait(ls, c, &ctrl, &info);
        if (rc == DSGD_OK)
            done[info.source] = 1;
        else if (rc == DSGD_EFAILED) /* a worker failed: count again */
            rc = DSGD_OK;
    }
    if (ctrl && rc == DSGD_OK) { /* complete our own pending receive */
        rc = dsgd_send(c, me, ls->ctrl_tag, &word, sizeof word);
        while (rc == DSGD_OK && ctrl)
            if ((rc = dsgd_listener_wait(ls, c, &ctrl, NULL)) == DSGD_EFAILED)
                rc = DSGD_OK;
    }
    static const double stop = CTRL_STOP;
    for (int i = 0; rc == DSGD_OK && i < l->n_workers; i++) {
        int r = dsgd_layout_worker(l, i);
        if (r != me && !dsgd_failed(c, r))
            rc = dsgd_forgive(c, dsgd_send(c, r, ls->ctrl_tag, &stop, sizeof stop), r);
    }
    free(done);
    ls->done = NULL;
    return rc;
}

int dsgd_listener_close(dsgd_listener *ls, dsgd_comm *c, const dsgd_layout *l)
{
    int me = dsgd_rank(c), rc = DSGD_OK;
    /* done -> coordinator, until one alive says stop (or we coordinate) */
    for (int coord = dsgd_layout_first_alive(c, l); rc == DSGD_OK;
         coord = dsgd_layout_first_alive(c, l)) {
        if (coord == me) {
            rc = coordinate(ls, c, l);
            break;
        }
        static const double done = CTRL_DONE;
        double word;
        dsgd_request *stop = NULL;
        if ((rc = dsgd_irecv(c, coord, ls->ctrl_tag, &word, sizeof word, &stop)))
            break;
        int sent = dsgd_send(c, coord, ls->ctrl_tag, &done, sizeof done);
        rc = dsgd_listener_wait(ls, c, &stop, NULL);
        if (rc == DSGD_OK && sent == DSGD_OK)
            break;
        rc = dsgd_forgive(c, rc != DSGD_OK ? rc : sent, coord); /* the coordinator failed: next */
    }
    /* nobody sends to us any more: close the listener behind what came */
    if (rc == DSGD_OK)
        rc = dsgd_send(c, me, ls->tag, NULL, 0);
    while (rc == DSGD_OK && !ls->closed) {
        dsgd_msg_info info;
        rc = dsgd_wait(c, &ls->req, &info);
        if (rc == DSGD_OK)
            rc = handle(ls, c, &info);
        else if (rc == DSGD_EFAILED)
            rc = DSGD_OK;
    }
    return rc;
}
