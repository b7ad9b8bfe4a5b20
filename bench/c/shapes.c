/* The bench shapes in C: the same values bench/shapes/data.ts builds (makeSmall, makeNested, makeBlob). */
#include "shapes.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

const char *const SHAPE_NAMES[SHAPE_COUNT] = {"small", "nested", "blob"};

shape_id shape_by_name(const char *name) {
  for (int s = 0; s < SHAPE_COUNT; s++)
    if (strcmp(name, SHAPE_NAMES[s]) == 0) return (shape_id)s;
  return SHAPE_COUNT;
}

uint64_t bench_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static interop_str str_of(const char *s) { return (interop_str){s, strlen(s)}; }

const bench_shapes_Small *shape_small(void) {
  static const bench_shapes_Small v = {12345, INTEROP_STR("sensor-12345"), true, 98.625, -42};
  return &v;
}

#define NESTED_ITEMS 10
const bench_shapes_Nested *shape_nested(void) {
  static bench_shapes_Nested v;
  static bench_shapes_Item items[NESTED_ITEMS];
  static interop_str tags[NESTED_ITEMS][3];
  static char labels[NESTED_ITEMS][32], tag3[NESTED_ITEMS][8];
  static interop_str keys[NESTED_ITEMS], values[NESTED_ITEMS], count_keys[NESTED_ITEMS];
  static char key_text[NESTED_ITEMS][16], value_text[NESTED_ITEMS][40], count_text[NESTED_ITEMS][16];
  static uint32_t counts[NESTED_ITEMS];
  if (v.items.len != 0) return &v;
  for (int i = 0; i < NESTED_ITEMS; i++) {
    snprintf(labels[i], sizeof labels[i], "item number %d", i);
    snprintf(tag3[i], sizeof tag3[i], "t%d", i);
    tags[i][0] = INTEROP_STR("red"), tags[i][1] = INTEROP_STR("green"), tags[i][2] = str_of(tag3[i]);
    items[i] = (bench_shapes_Item){(uint32_t)i, str_of(labels[i]), i * 1.25 + 0.5, {tags[i], 3}};
    snprintf(key_text[i], sizeof key_text[i], "attr%d", i);
    snprintf(value_text[i], sizeof value_text[i], "value of attribute %d", i);
    snprintf(count_text[i], sizeof count_text[i], "count%d", i);
    keys[i] = str_of(key_text[i]), values[i] = str_of(value_text[i]), count_keys[i] = str_of(count_text[i]);
    counts[i] = (uint32_t)i * 1000;
  }
  v.id = 7;
  v.title = INTEROP_STR("order 7 for the benchmark");
  v.owner = *shape_small();
  v.attrs = (bench_shapes_map_string_string){keys, values, NESTED_ITEMS};
  v.counts = (bench_shapes_map_string_u32){count_keys, counts, NESTED_ITEMS};
  v.items = (bench_shapes_list_Item){items, NESTED_ITEMS};
  return &v;
}

#define BLOB_BYTES (1u << 20)
const bench_shapes_Blob *shape_blob(void) {
  static uint8_t data[BLOB_BYTES];
  static bench_shapes_Blob v;
  if (v.data.len != 0) return &v;
  for (uint32_t i = 0; i < BLOB_BYTES; i++) data[i] = (uint8_t)((i * 31 + 7) & 255);
  v = (bench_shapes_Blob){1, {data, BLOB_BYTES}};
  return &v;
}

const void *shape_value(shape_id s) {
  return s == SHAPE_SMALL ? (const void *)shape_small() : s == SHAPE_NESTED ? (const void *)shape_nested() : (const void *)shape_blob();
}
