/* libinterop: the C runtime of interop (docs/c.md). Include this one header. */
#ifndef INTEROP_INTEROP_H
#define INTEROP_INTEROP_H

#include "arena.h"
#include "buf.h"
#include "client.h"
#include "codec.h"
#include "error.h"
#include "frame.h"
#include "module.h"
#include "node.h"
#include "types.h"
#include "values.h"

#endif
