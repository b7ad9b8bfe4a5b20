#include "support.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "interop_vectors.h"

char *read_repo_file(const char *relative, size_t *len) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", REPO_ROOT, relative);
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    fprintf(stderr, "cannot open %s\n", path);
    exit(2);
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = malloc((size_t)n + 1);
  if (data == NULL || fread(data, 1, (size_t)n, f) != (size_t)n) exit(2);
  data[n] = '\0';
  fclose(f);
  if (len) *len = (size_t)n;
  return data;
}

cJSON *read_repo_json(const char *relative) {
  char *text = read_repo_file(relative, NULL);
  cJSON *json = cJSON_Parse(text);
  free(text);
  if (json == NULL) {
    fprintf(stderr, "cannot parse %s\n", relative);
    exit(2);
  }
  return json;
}

static int hexval(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

uint8_t *from_hex(const char *hex, size_t *len) {
  size_t n = strlen(hex);
  if (n % 2) return NULL;
  uint8_t *out = malloc(n / 2 + 1);
  for (size_t i = 0; i < n / 2; i++) {
    int a = hexval(hex[2 * i]), b = hexval(hex[2 * i + 1]);
    if (a < 0 || b < 0) {
      free(out);
      return NULL;
    }
    out[i] = (uint8_t)(a << 4 | b);
  }
  *len = n / 2;
  return out;
}

char *to_hex(const uint8_t *p, size_t n) {
  char *out = malloc(2 * n + 1);
  for (size_t i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", p[i]);
  out[2 * n] = '\0';
  return out;
}

const interop_type *vector_type(const char *qualified) {
  for (size_t i = 0; i < interop_vectors_types_count; i++)
    if (strcmp(interop_vectors_types[i].name, qualified) == 0) return interop_vectors_types[i].type;
  return NULL;
}

char *vector_convert(const interop_type *t, interop_codec from, const uint8_t *in, size_t len, interop_codec to,
                     interop_error *err) {
  interop_arena arena = INTEROP_ARENA_INIT;
  void *value = malloc(t->size);
  char *out = NULL;
  if (interop_decode(t, in, len, from, INTEROP_DEFAULT_MAX_DEPTH, &arena, value, err) == INTEROP_OK) {
    interop_buf buf = INTEROP_BUF_INIT;
    if (interop_encode(t, value, to, INTEROP_DEFAULT_MAX_DEPTH, &buf, err) == INTEROP_OK) {
      if (to == INTEROP_CODEC_JSON) {
        out = malloc(buf.len + 1);
        memcpy(out, buf.data, buf.len);
        out[buf.len] = '\0';
      } else {
        out = to_hex(buf.data, buf.len);
      }
    }
    interop_buf_free(&buf);
  }
  free(value);
  interop_arena_free(&arena);
  return out;
}

int vector_check(const char *name, const char *what, const char *got, const char *want, const interop_error *err) {
  if (got != NULL && strcmp(got, want) == 0) return 0;
  if (got == NULL) printf("FAIL %s (%s): %s: %s\n", name, what, interop_code_name(err->code), err->message);
  else printf("FAIL %s (%s): got %s, want %s\n", name, what, got, want);
  return 1;
}
