/* wss:// and https:// in runtime-c (src/tls.c, ADR 0028; docs/transports.md "Security"): a C node
 * listening on both with the config's tls.cert and tls.key, and C nodes dialing them with the
 * connect entry's `ca`: calls go through; a client that does not trust the certificate (no ca, the
 * wrong ca, an expired certificate) fails with UNAVAILABLE saying why; a plaintext client to a TLS
 * listener is closed (rejected_handshakes) while others are served; a missing, garbage or
 * mismatched certificate or key stops the node at start with INVALID_ARGUMENT saying which. The
 * certificates are made here with OpenSSL (a P-256 key, SAN IP:127.0.0.1 and DNS:localhost). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>
#include "support.h"
#include "conformance_impl.h"

static char dir[128], cert[160], key[160], other_cert[160], other_key[160], expired_cert[160], expired_key[160], garbage[160];
static interop_conformance_server server;
static conformance_state state;
static interop_node *node;
static char wss[96], https[96];

/* A self-signed certificate valid from `from` to `to` days from now, and its key, as PEM files. */
static void make_cert(const char *cert_path, const char *key_path, long from, long to) {
  EVP_PKEY *pkey = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  assert_non_null(pkey);
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), (long)uv_hrtime() & 0x7fffffff);
  X509_gmtime_adj(X509_getm_notBefore(x), from * 86400);
  X509_gmtime_adj(X509_getm_notAfter(x), to * 86400);
  X509_set_pubkey(x, pkey);
  X509_NAME *name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
  X509_EXTENSION *san = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  X509_EXTENSION *basic = X509V3_EXT_conf_nid(NULL, &ctx, NID_basic_constraints, "critical,CA:TRUE");
  X509_add_ext(x, san, -1);
  X509_add_ext(x, basic, -1);
  X509_EXTENSION_free(san);
  X509_EXTENSION_free(basic);
  assert_true(X509_sign(x, pkey, EVP_sha256()) > 0);
  FILE *f = fopen(cert_path, "w");
  PEM_write_X509(f, x);
  fclose(f);
  f = fopen(key_path, "w");
  PEM_write_PrivateKey(f, pkey, NULL, NULL, 0, NULL, NULL);
  fclose(f);
  X509_free(x);
  EVP_PKEY_free(pkey);
}

static int start(void **s) {
  (void)s;
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/interop-c-tls-XXXXXX", tmp != NULL && strlen(tmp) < 60 ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) return -1;
  snprintf(cert, sizeof cert, "%s/cert.pem", dir);
  snprintf(key, sizeof key, "%s/key.pem", dir);
  snprintf(other_cert, sizeof other_cert, "%s/other-cert.pem", dir);
  snprintf(other_key, sizeof other_key, "%s/other-key.pem", dir);
  snprintf(expired_cert, sizeof expired_cert, "%s/expired-cert.pem", dir);
  snprintf(expired_key, sizeof expired_key, "%s/expired-key.pem", dir);
  snprintf(garbage, sizeof garbage, "%s/garbage.pem", dir);
  make_cert(cert, key, -1, 1);
  make_cert(other_cert, other_key, -1, 1);
  make_cert(expired_cert, expired_key, -3, -1);
  FILE *f = fopen(garbage, "w");
  fputs("-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n", f);
  fclose(f);

  char config[1024];
  snprintf(config, sizeof config,
           "{\"node\":\"tls\",\"listen\":[\"wss://127.0.0.1:0\",\"https://127.0.0.1:0\"],\"tls\":{\"cert\":\"%s\",\"key\":\"%s\"},"
           "\"limits\":{\"handshake_timeout_ms\":2000}}", cert, key);
  conformance_server_init(&server, &state);
  const interop_module_impl *impls[] = {&server.module_impl};
  interop_error err;
  if (interop_node_start(config, impls, 1, NULL, &node, &err) != INTEROP_OK) {
    fprintf(stderr, "%s\n", err.message);
    return -1;
  }
  state.node = node;
  for (size_t i = 0; i < 2; i++) { /* the endpoints, in any order */
    const char *ep = interop_node_endpoint(node, i);
    snprintf(ep[0] == 'w' ? wss : https, sizeof wss, "%s", ep);
  }
  if (strncmp(wss, "wss://127.0.0.1:", 16) == 0 && strncmp(https, "https://127.0.0.1:", 18) == 0) return 0;
  fprintf(stderr, "unexpected endpoints: %s %s\n", wss, https);
  return -1;
}

static int stop(void **s) {
  (void)s;
  interop_node_close(node);
  conformance_state_free(&state);
  const char *files[] = {cert, key, other_cert, other_key, expired_cert, expired_key, garbage};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) unlink(files[i]);
  rmdir(dir);
  return 0;
}

typedef struct outcome {
  int rc, done;
  char message[400];
} outcome;

static void on_done(void *user, int rc, const interop_error *err) {
  outcome *o = user;
  o->rc = rc;
  o->done = 1;
  if (err != NULL && rc != INTEROP_OK) snprintf(o->message, sizeof o->message, "%s", err->message);
}

/* add(2, 3) from a C node dialing `address`, trusting `ca` ("" for the system's only). */
static outcome c_call(const char *address, const char *ca) {
  char config[1024];
  snprintf(config, sizeof config,
           "{\"node\":\"caller\",\"modules\":[],\"connect\":[{\"address\":\"%s\",%s%s%s\"modules\":[\"interop.conformance\"]}]}",
           address, ca[0] != '\0' ? "\"ca\":\"" : "", ca, ca[0] != '\0' ? "\"," : "");
  interop_node *caller;
  interop_error err;
  assert_int_equal(interop_node_start(config, NULL, 0, interop_node_loop(node), &caller, &err), INTEROP_OK);
  interop_invoker *client = interop_node_invoker(caller, &interop_conformance_module, &err);
  interop_arena arena = INTEROP_ARENA_INIT;
  outcome o = {0};
  int64_t sum = 0;
  assert_int_equal(interop_conformance_add(client, 2, 3, &sum, &arena, NULL, on_done, &o), INTEROP_OK);
  for (uint64_t until = uv_hrtime() + 10000000000ull; !o.done && uv_hrtime() < until;) interop_node_run_once(caller, true);
  interop_node_close(caller);
  interop_arena_free(&arena);
  if (o.rc == INTEROP_OK) assert_int_equal(sum, 5);
  if (o.rc != INTEROP_OK) fprintf(stderr, "  %s (ca \"%s\"): %s\n", address, ca, o.message);
  return o;
}

static void test_calls_over_wss_and_https(void **s) {
  (void)s;
  assert_int_equal(c_call(wss, cert).rc, INTEROP_OK);
  assert_int_equal(c_call(https, cert).rc, INTEROP_OK);
  char by_name[128]; /* the certificate's other name, checked as SNI and against the SAN */
  snprintf(by_name, sizeof by_name, "wss://localhost:%s", strrchr(wss, ':') + 1);
  assert_int_equal(c_call(by_name, cert).rc, INTEROP_OK);
}

static void expect_untrusted(const char *address, const char *ca, const char *reason) {
  outcome o = c_call(address, ca);
  assert_int_equal(o.rc, INTEROP_UNAVAILABLE);
  assert_non_null(strstr(o.message, "the server's certificate is not trusted"));
  assert_non_null(strstr(o.message, reason));
}

static void test_untrusted_certificates(void **s) {
  (void)s;
  expect_untrusted(wss, "", "self-signed certificate");
  expect_untrusted(https, "", "self-signed certificate");
  expect_untrusted(wss, other_cert, "self-signed certificate");
  expect_untrusted(https, other_cert, "self-signed certificate");
  outcome o = c_call(wss, garbage);
  assert_int_equal(o.rc, INTEROP_UNAVAILABLE);
  assert_non_null(strstr(o.message, "ca: "));
  assert_non_null(strstr(o.message, "has no PEM certificate"));
}

/* A node whose certificate has expired: its clients refuse it, saying so. */
static void test_expired_certificate(void **s) {
  (void)s;
  char config[1024];
  snprintf(config, sizeof config, "{\"node\":\"old\",\"listen\":[\"https://127.0.0.1:0\"],\"tls\":{\"cert\":\"%s\",\"key\":\"%s\"}}",
           expired_cert, expired_key);
  interop_conformance_server old_server;
  conformance_state old_state;
  conformance_server_init(&old_server, &old_state);
  const interop_module_impl *impls[] = {&old_server.module_impl};
  interop_node *old;
  interop_error err;
  assert_int_equal(interop_node_start(config, impls, 1, interop_node_loop(node), &old, &err), INTEROP_OK);
  char address[96];
  snprintf(address, sizeof address, "%s", interop_node_endpoint(old, 0));
  expect_untrusted(address, expired_cert, "certificate has expired");
  interop_node_close(old);
  conformance_state_free(&old_state);
}

/* A client that speaks plain HTTP to the TLS listener is closed without an answer and counted;
 * the listener goes on serving TLS clients. */
static void test_plaintext_client(void **s) {
  (void)s;
  uint64_t before = interop_node_counter(node, INTEROP_REJECTED_HANDSHAKES);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(strrchr(https, ':') + 1))};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  const char req[] = "GET /.well-known/interop/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  assert_int_equal(send(fd, req, sizeof req - 1, MSG_NOSIGNAL), (ssize_t)sizeof req - 1);
  char answer[512];
  ssize_t got = 0;
  bool closed = false;
  for (uint64_t until = uv_hrtime() + 5000000000ull; !closed && uv_hrtime() < until && got < (ssize_t)sizeof answer - 1;) {
    interop_node_run_once(node, false);
    ssize_t n = recv(fd, answer + got, sizeof answer - 1 - (size_t)got, MSG_DONTWAIT);
    closed = n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK); /* closed (or reset) */
    if (n > 0) got += n;
    else nanosleep(&(struct timespec){0, 1000000}, NULL);
  }
  close(fd);
  assert_true(closed);
  answer[got] = '\0';
  assert_null(strstr(answer, "HTTP/1.1")); /* nothing readable: at most a TLS alert */
  assert_int_equal(interop_node_counter(node, INTEROP_REJECTED_HANDSHAKES), before + 1);
  assert_int_equal(c_call(https, cert).rc, INTEROP_OK);
}

static void expect_refused_config(const char *tls, const char *part) {
  char config[1024];
  snprintf(config, sizeof config, "{\"node\":\"bad\",\"listen\":[\"wss://127.0.0.1:0\"]%s}", tls);
  interop_node *bad = NULL;
  interop_error err;
  assert_int_equal(interop_node_start(config, NULL, 0, interop_node_loop(node), &bad, &err), INTEROP_INVALID_ARGUMENT);
  if (strstr(err.message, part) == NULL) fprintf(stderr, "  expected \"%s\" in: %s\n", part, err.message);
  assert_non_null(strstr(err.message, part));
}

static void test_bad_tls_config(void **s) {
  (void)s;
  char tls[600];
  expect_refused_config("", "wss://127.0.0.1:0 needs a certificate: add \"tls\": {\"cert\": \"cert.pem\", \"key\": \"key.pem\"}");
  expect_refused_config(",\"tls\":{\"cert\":\"c.pem\"}", "tls: expected {\"cert\": \"cert.pem\", \"key\": \"key.pem\"}");
  snprintf(tls, sizeof tls, ",\"tls\":{\"cert\":\"%s/none.pem\",\"key\":\"%s\"}", dir, key);
  expect_refused_config(tls, "none.pem: No such file or directory");
  snprintf(tls, sizeof tls, ",\"tls\":{\"cert\":\"%s\",\"key\":\"%s\"}", garbage, key);
  expect_refused_config(tls, "tls.cert: ");
  expect_refused_config(tls, "garbage.pem is not a PEM certificate");
  snprintf(tls, sizeof tls, ",\"tls\":{\"cert\":\"%s\",\"key\":\"%s\"}", cert, garbage);
  expect_refused_config(tls, "tls.key: ");
  snprintf(tls, sizeof tls, ",\"tls\":{\"cert\":\"%s\",\"key\":\"%s\"}", cert, other_key);
  expect_refused_config(tls, "other-key.pem is not the key of the certificate");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_calls_over_wss_and_https),
      cmocka_unit_test(test_untrusted_certificates),
      cmocka_unit_test(test_expired_certificate),
      cmocka_unit_test(test_plaintext_client),
      cmocka_unit_test(test_bad_tls_config),
  };
  return cmocka_run_group_tests(tests, start, stop);
}
