/* WebSocket (ws://) listeners and dialing (ws.c), called by transport.c for ws:// addresses.
 * Not installed. */
#ifndef INTEROP_WS_H
#define INTEROP_WS_H

#include "transport.h"

bool ws_is_address(const char *address);
/* As transport_listen, for ws://host:port. */
int ws_listen(interop_node *node, const char *address, bool control_only, interop_error *err);
/* As transport_dial, for ws://host:port[/path]: the connection starts once the WebSocket is open. */
const char *ws_dial(interop_node *node, const char *address, conn *c);

#endif
