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
} conformance_state;

void conformance_server_init(interop_conformance_server *server, conformance_state *state);
void conformance_state_free(conformance_state *state);

#endif
