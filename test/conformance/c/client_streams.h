/* What the C conformance client's parts share (client.c, client_streams.c). */
#ifndef CLIENT_STREAMS_H
#define CLIENT_STREAMS_H

#include <cjson/cJSON.h>
#include "conformance_impl.h"

typedef struct outcome {
  char detail[1024];
  bool failed;
} outcome;

extern const interop_module *M;
extern interop_node *node;
extern interop_invoker *client;

uint32_t fn_index(const char *name);
/* The canonical JSON of a value, or NULL (err set). Caller frees. */
char *to_json(const interop_type *t, const void *v, interop_error *err);
void failf(outcome *o, const char *fmt, const char *a, const char *b);
/* Compares a call's or stream's end (rc, err) with the case's `error` (NULL: none expected). */
void check_outcome(cJSON *want_err, int rc, const interop_error *err, outcome *o);
/* Runs the node's loop for `ms`. */
void sleep_loop(uint64_t ms);
/* The stream case kinds (test/conformance/README.md); false for another kind. */
bool run_stream_case(cJSON *c, const char *kind, outcome *o);

#endif
