/* TLS for runtime-c's web transports (wss://, https://; ADR 0031): OpenSSL over memory BIOs, so
 * the link code keeps reading and writing its libuv TCP stream as before and this layer only turns
 * ciphertext into plaintext and back. Not installed. */
#ifndef INTEROP_TLS_H
#define INTEROP_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct tls_conn tls_conn;
typedef struct ssl_ctx_st tls_ctx; /* OpenSSL's SSL_CTX */

/* Ciphertext for the socket (the link's own write). 0, or -1 when it cannot be sent. */
typedef int (*tls_send_fn)(void *user, const void *p, size_t n);

/* A listener's context from the config's tls.cert and tls.key (PEM files); NULL with `why` (for
 * people: which key, which file, what is wrong with it) when they cannot be used. */
tls_ctx *tls_server_ctx(const char *cert, const char *key, char *why, size_t cap);
/* A client's: the system's certificate authorities, and those of `ca` (a PEM file) when not empty. */
tls_ctx *tls_client_ctx(const char *ca, char *why, size_t cap);
void tls_ctx_free(tls_ctx *ctx);

/* One connection's TLS. A client checks the server's certificate against `host` (a name or an
 * IP address, as dialed) and sends it as SNI when it is a name. */
tls_conn *tls_conn_new(tls_ctx *ctx, bool server, const char *host, tls_send_fn send, void *user);
void tls_conn_free(tls_conn *t);
/* Plaintext to send: encrypted at once, or held until the handshake is done. 0, or -1. */
int tls_conn_write(tls_conn *t, const void *p, size_t n);
/* Ciphertext from the socket. Returns the number of plaintext bytes decrypted (*plain: a malloc'ed
 * copy the caller frees, NULL when 0), TLS_CLOSED once the peer closed its TLS side, or TLS_FAILED
 * with `why` (a handshake refused: an untrusted or expired certificate, a plaintext peer). */
enum { TLS_CLOSED = -1, TLS_FAILED = -2 };
ssize_t tls_conn_read(tls_conn *t, const void *p, size_t n, char **plain, char *why, size_t cap);
/* Sends close_notify (before the TCP connection is shut down). */
void tls_conn_close_notify(tls_conn *t);

#endif
