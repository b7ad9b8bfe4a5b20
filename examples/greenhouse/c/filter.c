// greenhouse.filter in C: a module library for interop-node (docs/c.md "The module ABI"). The
// handler table is the generated greenhouse_filter_handlers; interop_module_entry() is the one
// symbol the node host looks up.
#include <string.h>
#include "greenhouse_filter.h"

#define MAX_SENSORS 32

typedef struct average {
  char sensor[64];
  double celsius;
} average;

typedef struct filter_state {
  average sensors[MAX_SENSORS];
  size_t count;
} filter_state;

static average *average_of(filter_state *st, interop_str sensor) {
  for (size_t i = 0; i < st->count; i++)
    if (strlen(st->sensors[i].sensor) == sensor.len && memcmp(st->sensors[i].sensor, sensor.ptr, sensor.len) == 0)
      return &st->sensors[i];
  if (st->count == MAX_SENSORS || sensor.len >= sizeof st->sensors[0].sensor) return NULL;
  average *a = &st->sensors[st->count++];
  memcpy(a->sensor, sensor.ptr, sensor.len);
  a->sensor[sensor.len] = '\0';
  a->celsius = 0;
  return a;
}

static int smooth(void *impl, interop_call *call, const greenhouse_sensors_Reading *reading,
                  greenhouse_sensors_Reading *result, interop_error *err) {
  (void)call;
  average *a = average_of(impl, reading->sensor);
  if (a == NULL) return interop_error_set(err, INTEROP_RESOURCE_EXHAUSTED, "more than %d sensors", MAX_SENSORS);
  a->celsius = a->celsius == 0 ? reading->celsius : (a->celsius + reading->celsius) / 2;
  *result = *reading; /* the sensor name stays the caller's: it lives until the call ends */
  result->celsius = a->celsius;
  return INTEROP_OK;
}

static filter_state state;
static greenhouse_filter_server server;

const interop_module_impl *interop_module_entry(void) {
  static const greenhouse_filter_handlers handlers = {.smooth = smooth};
  greenhouse_filter_server_init(&server, &handlers, &state);
  return &server.module_impl;
}
