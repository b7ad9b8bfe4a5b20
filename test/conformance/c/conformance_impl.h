/* The C implementation of interop.conformance (conformance_impl.c). */
#ifndef CONFORMANCE_IMPL_H
#define CONFORMANCE_IMPL_H

#include <interop/node.h>
#include "interop_conformance.h"

typedef struct conformance_state {
  interop_node *node;           /* set once the node started: slow() needs its loop */
  interop_publisher *publisher; /* set once the node started: publish() needs it */
  uint64_t count;
  interop_str last_note;
  uint64_t flood_produced;      /* stream_stats: items the last flood made */
  double cancelled_at_ms;       /* stream_stats: when a stream handler last saw a cancel */
  uint64_t slow_cancels;        /* slow() calls cancelled (runtime-c's tests read it) */
} conformance_state;

/* The stream functions (conformance_streams.c). */
int conformance_upload(void *impl, interop_call *call, uint64_t *result, interop_error *err);
int conformance_download(void *impl, interop_call *call, interop_list_u32 sizes, interop_error *err);
int conformance_ping_pong(void *impl, interop_call *call, interop_error *err);
int conformance_tick_stream(void *impl, interop_call *call, uint32_t count, interop_str end, interop_error *err);
int conformance_flood(void *impl, interop_call *call, uint32_t chunk, uint64_t total, interop_error *err);
int conformance_stream_stats(void *impl, interop_call *call, interop_conformance_StreamStats *result, interop_error *err);
int conformance_die_mid_stream(void *impl, interop_call *call, uint32_t count, interop_error *err);

void conformance_server_init(interop_conformance_server *server, conformance_state *state);
void conformance_state_free(conformance_state *state);

#endif
