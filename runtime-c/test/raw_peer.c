/* A raw peer for runtime-c's tests (raw_peer.h). */
#include "raw_peer.h"
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

int raw_connect(const char *path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
  assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
  return fd;
}

void raw_put(int fd, uint8_t kind, uint8_t codec, uint16_t flags, uint32_t id, const char *target, const char *payload) {
  interop_frame f = {kind, codec, flags, id, 0, target, strlen(target), (const uint8_t *)payload, strlen(payload)};
  interop_buf b = INTEROP_BUF_INIT;
  interop_error err;
  interop_frame_encode(&b, &f, &err);
  assert_int_equal(send(fd, b.data, b.len, MSG_NOSIGNAL), (ssize_t)b.len);
  interop_buf_free(&b);
}

void raw_turn(uv_loop_t *loop) {
  uv_run(loop, UV_RUN_NOWAIT);
  nanosleep(&(struct timespec){0, 1000000}, NULL);
}

int raw_next(int fd, interop_frame_decoder *d, uv_loop_t *loop, int wait_ms, uint32_t *id, char *text, size_t size) {
  for (int i = 0; i < wait_ms; i++) {
    interop_frame f;
    interop_error err;
    if (interop_frame_decoder_next(d, &f, &err) == 1) {
      if (id != NULL) *id = f.correlation;
      if (text != NULL) snprintf(text, size, "%.*s", (int)f.payload_len, (const char *)f.payload);
      return f.kind;
    }
    uint8_t buf[65536];
    ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0) return 0;
    if (n > 0) interop_frame_decoder_push(d, buf, (size_t)n), i--;
    else raw_turn(loop);
  }
  return -1;
}

int raw_accept(int listener, uv_loop_t *loop) {
  for (int i = 0; i < 3000; i++) {
    int fd = accept(listener, NULL, NULL);
    if (fd >= 0) return fd;
    raw_turn(loop);
  }
  return -1;
}
