/* TLS for the web transports (tls.h, ADR 0031). Each connection's SSL object reads from one memory
 * BIO (the ciphertext the socket delivered) and writes to another (what goes to the socket), so no
 * socket or loop is handed to OpenSSL: the links keep their libuv streams, timers and limits. */
#include "tls.h"
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "interop/interop.h"

struct tls_conn {
  SSL *ssl;
  BIO *in, *out; /* ciphertext from the socket; ciphertext for it */
  tls_send_fn send;
  void *user;
  interop_buf pending; /* plaintext written before the handshake was done */
  bool failed;
};

/* OpenSSL's last error, in words ("no start line", "certificate verify failed"). */
static const char *last_error(void) {
  unsigned long e = ERR_peek_last_error();
  const char *r = e != 0 ? ERR_reason_error_string(e) : NULL;
  return r != NULL ? r : "unknown error";
}

static bool readable(const char *what, const char *path, char *why, size_t cap) {
  FILE *f = fopen(path, "r");
  if (f != NULL) return fclose(f), true;
  snprintf(why, cap, "%s: cannot read %s: %s", what, path, strerror(errno));
  return false;
}

tls_ctx *tls_server_ctx(const char *cert, const char *key, char *why, size_t cap) {
  if (!readable("tls.cert", cert, why, cap) || !readable("tls.key", key, why, cap)) return NULL;
  ERR_clear_error();
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == NULL) return snprintf(why, cap, "TLS: %s", last_error()), NULL;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
    snprintf(why, cap, "tls.cert: %s is not a PEM certificate OpenSSL can use (%s)", cert, last_error());
  else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH || ERR_peek_last_error() == 0)
      snprintf(why, cap, "tls.key: %s is not the key of the certificate %s", key, cert);
    else
      snprintf(why, cap, "tls.key: %s is not a PEM private key OpenSSL can use (%s)", key, last_error());
  }
  else
    return ctx;
  SSL_CTX_free(ctx);
  return NULL;
}

tls_ctx *tls_client_ctx(const char *ca, char *why, size_t cap) {
  if (ca[0] != '\0' && !readable("ca", ca, why, cap)) return NULL;
  ERR_clear_error();
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == NULL) return snprintf(why, cap, "TLS: %s", last_error()), NULL;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  SSL_CTX_set_default_verify_paths(ctx);
  if (ca[0] != '\0' && SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
    snprintf(why, cap, "ca: %s has no PEM certificate OpenSSL can use (%s)", ca, last_error());
    SSL_CTX_free(ctx);
    return NULL;
  }
  return ctx;
}

void tls_ctx_free(tls_ctx *ctx) { SSL_CTX_free(ctx); }

tls_conn *tls_conn_new(tls_ctx *ctx, bool server, const char *host, tls_send_fn send, void *user) {
  tls_conn *t = calloc(1, sizeof *t);
  if (t == NULL) return NULL;
  t->send = send;
  t->user = user;
  t->ssl = SSL_new(ctx);
  t->in = BIO_new(BIO_s_mem());
  t->out = BIO_new(BIO_s_mem());
  if (t->ssl == NULL || t->in == NULL || t->out == NULL) {
    BIO_free(t->in);
    BIO_free(t->out);
    SSL_free(t->ssl);
    free(t);
    return NULL;
  }
  BIO_set_mem_eof_return(t->in, -1); /* empty means "more to come", not the end */
  SSL_set_bio(t->ssl, t->in, t->out);
  if (server) {
    SSL_set_accept_state(t->ssl);
    return t;
  }
  SSL_set_connect_state(t->ssl);
  unsigned char ip[16];
  if (inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1) {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host);
  } else {
    SSL_set_tlsext_host_name(t->ssl, host);
    SSL_set1_host(t->ssl, host);
  }
  return t;
}

void tls_conn_free(tls_conn *t) {
  if (t == NULL) return;
  SSL_free(t->ssl); /* and its BIOs */
  interop_buf_free(&t->pending);
  free(t);
}

/* Hands what OpenSSL wrote (records, handshake messages, alerts) to the socket. */
static int flush(tls_conn *t) {
  char buf[16384];
  int n;
  while ((n = BIO_read(t->out, buf, sizeof buf)) > 0)
    if (t->send(t->user, buf, (size_t)n) != 0) return -1;
  return 0;
}

static int encrypt(tls_conn *t, const uint8_t *p, size_t n) {
  while (n > 0) { /* a memory BIO never blocks: each SSL_write takes all it is given */
    int k = SSL_write(t->ssl, p, n > INT_MAX ? INT_MAX : (int)n);
    if (k <= 0) return -1;
    p += k;
    n -= (size_t)k;
  }
  return flush(t);
}

int tls_conn_write(tls_conn *t, const void *p, size_t n) {
  if (t->failed) return -1;
  if (SSL_is_init_finished(t->ssl) && t->pending.len == 0) return encrypt(t, p, n);
  interop_buf_put(&t->pending, p, n);
  int r = SSL_is_server(t->ssl) ? 1 : SSL_do_handshake(t->ssl); /* a client starts the handshake */
  if (r <= 0 && SSL_get_error(t->ssl, r) != SSL_ERROR_WANT_READ) t->failed = true;
  return t->pending.failed || t->failed || flush(t) != 0 ? -1 : 0;
}

/* Why the handshake (or a record) failed, for people: the certificate check's own words when that
 * is what failed ("certificate has expired", "self-signed certificate"). */
static void describe(tls_conn *t, int error, char *why, size_t cap) {
  long verify = SSL_get_verify_result(t->ssl);
  bool unknown_issuer = verify == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT || verify == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN ||
                        verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || verify == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT;
  if (!SSL_is_server(t->ssl) && verify != X509_V_OK)
    snprintf(why, cap, "TLS: the server's certificate is not trusted: %s%s", X509_verify_cert_error_string(verify),
             unknown_issuer ? " (give its certificate authority as the connect entry's \"ca\")" : "");
  else if (error == SSL_ERROR_SSL)
    snprintf(why, cap, "TLS: %s", last_error());
  else
    snprintf(why, cap, "TLS: the connection failed");
}

ssize_t tls_conn_read(tls_conn *t, const void *p, size_t n, char **plain, char *why, size_t cap) {
  *plain = NULL;
  if (t->failed) return snprintf(why, cap, "TLS: the connection failed"), TLS_FAILED;
  ERR_clear_error();
  if (n > 0 && BIO_write(t->in, p, (int)n) != (int)n) return snprintf(why, cap, "TLS: out of memory"), TLS_FAILED;
  interop_buf out = INTEROP_BUF_INIT;
  bool closed = false;
  for (;;) {
    char buf[16384];
    int k = SSL_read(t->ssl, buf, sizeof buf);
    if (k > 0) {
      interop_buf_put(&out, buf, (size_t)k);
      continue;
    }
    int e = SSL_get_error(t->ssl, k);
    if (e == SSL_ERROR_WANT_READ) break;
    if (e == SSL_ERROR_ZERO_RETURN) {
      closed = true;
      break;
    }
    describe(t, e, why, cap);
    t->failed = true;
    flush(t); /* the alert tells the peer why */
    interop_buf_free(&out);
    return TLS_FAILED;
  }
  bool ok = flush(t) == 0;
  if (ok && SSL_is_init_finished(t->ssl) && t->pending.len > 0) { /* the handshake is done: what waited goes */
    ok = encrypt(t, t->pending.data, t->pending.len) == 0;
    t->pending.len = 0;
  }
  if (!ok || out.failed) {
    interop_buf_free(&out);
    snprintf(why, cap, "TLS: cannot send");
    return TLS_FAILED;
  }
  if (out.len == 0) {
    interop_buf_free(&out);
    return closed ? TLS_CLOSED : 0;
  }
  *plain = (char *)out.data;
  return (ssize_t)out.len;
}

void tls_conn_close_notify(tls_conn *t) {
  if (t->failed || !SSL_is_init_finished(t->ssl)) return;
  SSL_shutdown(t->ssl);
  flush(t);
}
