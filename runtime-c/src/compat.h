/* Mixed versions (docs/wire.md §2.1-2.2): the compatibility tables peers exchange in HELLO and
 * WELCOME, checked for shape, and the rule that judges one function or event of a module against
 * the peer's version of it. The tables come from the module's embedded IR (its `compat`, written
 * by the compiler: docs/ir.md); this file only checks shapes and compares strings. Not installed. */
#ifndef INTEROP_COMPAT_H
#define INTEROP_COMPAT_H

#include <cjson/cJSON.h>
#include "node_internal.h"

/* A handshake's `compat`: an object of well-formed tables (PROTOCOL_ERROR otherwise). `where`
 * names it in the message ("HELLO.compat"). */
int compat_check_tables(const cJSON *compat, const char *where, interop_error *err);

/* Whether this side, with its table `ours` of `module`, can call function `member` (or subscribe
 * to event `member`, when `event`) of a peer whose table is `theirs`: INTEROP_OK, or the code
 * with err set (UNIMPLEMENTED, NOT_FOUND, SCHEMA_MISMATCH) and the message of docs/wire.md §2.2. */
int compat_verdict(bool event, const char *module, const char *member, const cJSON *ours, const cJSON *theirs,
                   interop_error *err);

/* The compatibility table of a module's embedded IR, parsed once per node (NULL when its
 * descriptor has none, as a hand-made one). Lives until interop_node_free. */
const cJSON *compat_table_of(interop_node *node, const interop_module *m);
void compat_cache_free(interop_node *node);

/* Writes a JSON document as canonical JSON (docs/wire.md §3.1: keys sorted by code point, no
 * whitespace); numbers are the integers a handshake holds. */
void compat_write_json(interop_buf *b, const cJSON *v);

/* A HELLO (`hello`) or WELCOME payload, checked (docs/wire.md §2): the document, or NULL with err
 * set (PROTOCOL_ERROR). The caller deletes it. */
cJSON *handshake_decode(const uint8_t *payload, size_t len, bool hello, interop_error *err);

#endif
