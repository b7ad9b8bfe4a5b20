/* The error envelope of ERROR frames (docs/wire.md §4). Not installed. */
#ifndef INTEROP_ENVELOPE_H
#define INTEROP_ENVELOPE_H

#include <stdio.h>
#include "internal.h"

int interop_envelope_encode(const interop_error *e, interop_codec codec, uint32_t max_depth, interop_buf *out,
                            interop_error *err);
/* Reads an envelope into `out`; a declared error's detail (by its name among `declared`) is
 * decoded into `arena` as that type. */
int interop_envelope_decode(const uint8_t *p, size_t n, interop_codec codec, uint32_t max_depth,
                            const interop_type *const *declared, uint32_t declared_count, interop_arena *arena,
                            interop_error *out, interop_error *err);

#endif
