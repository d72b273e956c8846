/* p2p.c — SimGrid point-to-point: one mailbox per (source, destination,
 * tag), so messages between two ranks with one tag stay in order (mailboxes
 * are FIFO) and never mix with other tags or collectives. */
#include <simgrid/actor.h>
#include <simgrid/engine.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/idle.h"
#include "sim/sim_internal.h"

sg_mailbox_t sim_mailbox(int src, int dst, long tag)
{
    char name[64];
    snprintf(name, sizeof name, "%d>%d#%ld", src, dst, tag);
    return sg_mailbox_by_name(name);
}

/* The message header always travels (SimGrid aborts on a NULL payload);
 * the data only when the buffer is real. */
sim_msg *sim_msg_new(int src, long tag, const void *buf, size_t bytes)
{
    size_t data_bytes = buf ? bytes : 0;
    sim_msg *m = malloc(sizeof *m + data_bytes);
    if (!m)
        return NULL;
    m->src = src;
    m->tag = tag;
    m->bytes = bytes;
    m->real = buf != NULL;
    m->marker = 0;
    m->owner = NULL;
    m->flow_sender = NULL;
    if (buf)
        memcpy(m->data, buf, bytes);
    return m;
}

int sim_isend(sim_rank *r, int dst, long tag, const void *buf, size_t bytes, sg_comm_t *comm)
{
    sim_msg *m = sim_msg_new(r->comm.rank, tag, buf, bytes);
    if (!m)
        return DSGD_ENOMEM;
    *comm = sg_mailbox_put_async(sim_mailbox(r->comm.rank, dst, tag), m, (long)bytes);
    if (r->n_sending < SIM_MAX_SENDING) {
        r->sending[r->n_sending].comm = *comm;
        r->sending[r->n_sending++].msg = m;
        m->owner = r;
    }
    return DSGD_OK;
}

int sim_send_wait(sim_rank *r, sg_comm_t comm)
{
    int ok = sg_comm_wait(comm) == SG_OK;
    for (int i = 0; i < r->n_sending; i++)
        if (r->sending[i].comm == comm) {
            /* Not taken by the receiver (yet): alive, and still listed. */
            sim_msg *m = r->sending[i].msg;
            if (!ok) /* not delivered: still ours */
                free(m);
            else if (m)
                m->owner = NULL;
            r->sending[i] = r->sending[--r->n_sending];
            break;
        }
    return ok ? DSGD_OK : DSGD_ENETWORK;
}

void sim_msg_free(sim_msg *m)
{
    if (m && !m->marker)
        free(m);
}

void sim_msg_take(sim_msg *m)
{
    if (!m || !m->owner)
        return;
    sim_rank *r = m->owner;
    for (int i = 0; i < r->n_sending; i++)
        if (r->sending[i].msg == m)
            r->sending[i].msg = NULL; /* the comm stays: the sender still waits on it */
    m->owner = NULL;
}

void sim_release_sends(sim_rank *r)
{
    /* An unwaited comm holds its actor (and the actor's stack). */
    while (r->n_sending > 0) {
        r->n_sending--;
        free(r->sending[r->n_sending].msg);
        sg_comm_unref(r->sending[r->n_sending].comm);
    }
}

int sim_send(sim_rank *r, int dst, long tag, const void *buf, size_t bytes)
{
    sg_comm_t comm;
    int rc = sim_isend(r, dst, tag, buf, bytes, &comm);
    return rc != DSGD_OK ? rc : sim_send_wait(r, comm);
}

/* A nap's overshoot, drawn from the profile's distribution. */
static double draw_overshoot(void *ctx)
{
    sim_rank *r = ctx;
    return dsgd_cost_wake_draw(&r->world->opt.cost, dsgd_rng_uniform(&r->wake_rng));
}

void sim_polled(sim_rank *r, double t_start)
{
    if (!r->world->opt.polled_waits || r->spinning)
        return;
    double happened = simgrid_get_clock() - t_start;
    const dsgd_cost_profile *cost = &r->world->opt.cost;
    double noticed = cost->wake_n ? dsgd_idle_noticed_drawn(happened, cost->wake_latency_s,
                                                            cost->wake_q[cost->wake_n - 1],
                                                            draw_overshoot, r)
                                  : dsgd_idle_noticed(happened, cost->wake_latency_s);
    double late = noticed - happened;
    if (late >= SIM_TIME_PRECISION)
        sg_actor_sleep_for(late);
}

int sim_deliver(sim_msg *m, void *buf, size_t cap, sim_land land, dsgd_msg_info *info)
{
    if (info) {
        info->source = m->src;
        info->tag = (int)(m->tag <= DSGD_TAG_MAX ? m->tag : -1);
        info->bytes = m->bytes;
    }
    int rc = DSGD_OK;
    if (m->bytes > cap)
        rc = DSGD_ETRUNC;
    else if (!buf || !m->real)
        ; /* phantom on either side: only the size moved */
    else if (land == SIM_COPY)
        memcpy(buf, m->data, m->bytes);
    else {
        float *dst = buf;
        for (size_t i = 0; i < m->bytes / sizeof(float); i++)
            dst[i] += m->data[i];
    }
    sim_msg_free(m);
    return rc;
}

int sim_recv(sim_rank *r, int src, long tag, void *buf, size_t cap, sim_land land,
             dsgd_msg_info *info)
{
    void *payload = NULL;
    double t_start = simgrid_get_clock();
    sg_comm_t comm = sg_mailbox_get_async(sim_mailbox(src, r->comm.rank, tag), &payload);
    if (sg_comm_wait(comm) != SG_OK)
        return DSGD_ENETWORK;
    sim_msg_take(payload);
    sim_polled(r, t_start); /* the sum, if any, runs in the poll that sees the message */
    double bytes = payload ? (double)((sim_msg *)payload)->bytes : 0;
    int rc = sim_deliver(payload, buf, cap, land, info);
    /* A reduction's sum runs on this rank's host, at its memory speed,
     * before anything else it does (real or phantom payload alike). */
    double sum_s = SIM_REDUCE_TRAFFIC * bytes / r->mem_bw_Bps;
    if (rc == DSGD_OK && land == SIM_ACCUMULATE && sum_s >= SIM_TIME_PRECISION)
        sg_actor_sleep_for(sum_s);
    return rc;
}
