/* chrome.h — export a dsgd trace to Chrome trace-event JSON.
 *
 * The JSON opens in Perfetto (ui.perfetto.dev) and chrome://tracing, like
 * Horovod's timeline.  Layout: one process per rank ("rank R"); events that
 * overlap without nesting (a non-blocking receive spanning compute) go on
 * extra threads of that rank, so every track is properly nested.  Eval and
 * mark events of zero duration become "i" (instant) events, every other
 * event an "X" (complete) event: the JSON holds one X or i event per CSV line,
 * with ts/dur in microseconds.  Each send is paired with a receive by
 * (source, destination) in order of start time (MPI's non-overtaking rule;
 * the trace does not record the tags of non-blocking operations) and the
 * pair is drawn as a flow arrow ("s" at the send, "f" at the receive). */
#ifndef DSGD_CHROME_H
#define DSGD_CHROME_H

#include <stddef.h>

#include "core/trace.h"

typedef struct dsgd_chrome_stats {
    size_t events;          /* X and i events written: one per trace event */
    size_t flows;           /* send -> recv arrows */
    size_t unmatched_sends; /* sends with no receive in the trace, and ... */
    size_t unmatched_recvs; /* ... receives with no send */
    int ranks;              /* processes (distinct ranks) */
    int max_threads;        /* most threads one rank needed */
} dsgd_chrome_stats;

/* Writes trace (any order) as Chrome JSON to path, through a temporary file
 * renamed into place.  Returns 0 (stats filled), or -1 with a one-line
 * reason in err and no file left behind. */
int dsgd_chrome_write(const char *path, const dsgd_trace *trace, dsgd_chrome_stats *stats,
                      char *err, size_t errlen);

#endif
