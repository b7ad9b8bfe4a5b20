/* HTTP answers of the web listener (http_answer.c): statuses of error codes (docs/transports.md),
 * content types of codecs, event streams. Not installed. */
#ifndef INTEROP_HTTP_ANSWER_H
#define INTEROP_HTTP_ANSWER_H

#include "ws.h"

/* An answer with a body of `n` bytes (none for 202 and 204, nor for a HEAD: w->head_only);
 * `close` adds Connection: close. */
void http_answer(ws_link *w, int status, const char *content_type, const uint8_t *body, size_t n, bool close);
/* An error envelope (docs/wire.md §4) in `codec`, with `status`. */
void http_answer_error(ws_link *w, int status, interop_code code, const char *message, uint8_t codec, bool close);
/* 405 for a method that a /<module>/<member> path does not take, with its Allow header. */
void http_answer_not_allowed(ws_link *w, const char *message, bool close);
/* The node's RESPONSE, PONG or ERROR; an ERROR's status from its code unless `status` is given. */
void http_answer_frame(ws_link *w, const interop_frame *f, int status, bool close);
/* OPTIONS: the methods and headers a page may use. */
void http_answer_preflight(ws_link *w);
/* GET /<module>/<event>: the event stream's head, each EVENT of `target` (or module.*), its end. */
void http_answer_sse_start(ws_link *w, const char *target);
void http_answer_sse_event(ws_link *w, const char *target, const interop_frame *f);
void http_answer_sse_end(ws_link *w);

#endif
