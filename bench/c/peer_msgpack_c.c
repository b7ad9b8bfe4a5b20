/* msgpack-c as a peer (peer_msgpack_c.h). Decoding checks every type it reads, as ours does (ours
 * also checks UTF-8 and the limits of docs/wire.md §5, which this does not). */
#include "peer_msgpack_c.h"

#include <string.h>

static void pack_str(msgpack_packer *pk, interop_str s) {
  msgpack_pack_str(pk, s.len);
  msgpack_pack_str_body(pk, s.ptr, s.len);
}

static void pack_small(msgpack_packer *pk, const bench_shapes_Small *v) {
  msgpack_pack_map(pk, 5);
  msgpack_pack_uint8(pk, 1), msgpack_pack_uint32(pk, v->id);
  msgpack_pack_uint8(pk, 2), pack_str(pk, v->name);
  msgpack_pack_uint8(pk, 3), v->active ? msgpack_pack_true(pk) : msgpack_pack_false(pk);
  msgpack_pack_uint8(pk, 4), msgpack_pack_double(pk, v->score);
  msgpack_pack_uint8(pk, 5), msgpack_pack_int32(pk, v->delta);
}

static void pack_nested(msgpack_packer *pk, const bench_shapes_Nested *v) {
  msgpack_pack_map(pk, 6);
  msgpack_pack_uint8(pk, 1), msgpack_pack_uint32(pk, v->id);
  msgpack_pack_uint8(pk, 2), pack_str(pk, v->title);
  msgpack_pack_uint8(pk, 3), pack_small(pk, &v->owner);
  msgpack_pack_uint8(pk, 4), msgpack_pack_array(pk, v->items.len);
  for (size_t i = 0; i < v->items.len; i++) {
    const bench_shapes_Item *it = &v->items.items[i];
    msgpack_pack_map(pk, 4);
    msgpack_pack_uint8(pk, 1), msgpack_pack_uint32(pk, it->id);
    msgpack_pack_uint8(pk, 2), pack_str(pk, it->label);
    msgpack_pack_uint8(pk, 3), msgpack_pack_double(pk, it->price);
    msgpack_pack_uint8(pk, 4), msgpack_pack_array(pk, it->tags.len);
    for (size_t t = 0; t < it->tags.len; t++) pack_str(pk, it->tags.items[t]);
  }
  msgpack_pack_uint8(pk, 5), msgpack_pack_map(pk, v->attrs.len);
  for (size_t i = 0; i < v->attrs.len; i++) pack_str(pk, v->attrs.keys[i]), pack_str(pk, v->attrs.values[i]);
  msgpack_pack_uint8(pk, 6), msgpack_pack_map(pk, v->counts.len);
  for (size_t i = 0; i < v->counts.len; i++) pack_str(pk, v->counts.keys[i]), msgpack_pack_uint32(pk, v->counts.values[i]);
}

static void pack_blob(msgpack_packer *pk, const bench_shapes_Blob *v) {
  msgpack_pack_map(pk, 2);
  msgpack_pack_uint8(pk, 1), msgpack_pack_uint32(pk, v->id);
  msgpack_pack_uint8(pk, 2), msgpack_pack_bin(pk, v->data.len), msgpack_pack_bin_body(pk, v->data.ptr, v->data.len);
}

void mpc_encode(shape_id s, const void *value, msgpack_sbuffer *sbuf) {
  msgpack_packer pk;
  msgpack_packer_init(&pk, sbuf, msgpack_sbuffer_write);
  if (s == SHAPE_SMALL) pack_small(&pk, value);
  else if (s == SHAPE_NESTED) pack_nested(&pk, value);
  else pack_blob(&pk, value);
}

/* ---- decoding: each reader returns 0, or -1 on a type it does not expect ---- */

static int u32_of(const msgpack_object *o, uint32_t *out) {
  if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER || o->via.u64 > UINT32_MAX) return -1;
  *out = (uint32_t)o->via.u64;
  return 0;
}

static int str_of(const msgpack_object *o, interop_str *out) {
  if (o->type != MSGPACK_OBJECT_STR) return -1;
  *out = (interop_str){o->via.str.ptr, o->via.str.size};
  return 0;
}

static int f64_of(const msgpack_object *o, double *out) {
  if (o->type == MSGPACK_OBJECT_FLOAT64 || o->type == MSGPACK_OBJECT_FLOAT32) *out = o->via.f64;
  else if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) *out = (double)o->via.u64;
  else if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) *out = (double)o->via.i64;
  else return -1;
  return 0;
}

/* Loops over a struct's map: KEY_ and VAL_ name each entry's key and value. */
#define FOR_FIELDS(o, KEY_, VAL_)                                             \
  if ((o)->type != MSGPACK_OBJECT_MAP) return -1;                            \
  for (uint32_t i_ = 0; i_ < (o)->via.map.size; i_++)                         \
    for (const msgpack_object *KEY_ = &(o)->via.map.ptr[i_].key, *VAL_ = &(o)->via.map.ptr[i_].val; KEY_ != NULL; KEY_ = NULL)

static int small_of(const msgpack_object *o, bench_shapes_Small *v) {
  FOR_FIELDS(o, k, x) {
    if (k->type != MSGPACK_OBJECT_POSITIVE_INTEGER) return -1;
    int rc = 0;
    switch (k->via.u64) {
      case 1: rc = u32_of(x, &v->id); break;
      case 2: rc = str_of(x, &v->name); break;
      case 3: rc = x->type == MSGPACK_OBJECT_BOOLEAN ? (v->active = x->via.boolean, 0) : -1; break;
      case 4: rc = f64_of(x, &v->score); break;
      case 5:
        if (x->type == MSGPACK_OBJECT_POSITIVE_INTEGER && x->via.u64 <= INT32_MAX) v->delta = (int32_t)x->via.u64;
        else if (x->type == MSGPACK_OBJECT_NEGATIVE_INTEGER && x->via.i64 >= INT32_MIN) v->delta = (int32_t)x->via.i64;
        else rc = -1;
        break;
      default: break;
    }
    if (rc != 0) return -1;
  }
  return 0;
}

static int item_of(const msgpack_object *o, bench_shapes_Item *v, msgpack_zone *zone) {
  FOR_FIELDS(o, k, x) {
    if (k->type != MSGPACK_OBJECT_POSITIVE_INTEGER) return -1;
    int rc = 0;
    if (k->via.u64 == 1) rc = u32_of(x, &v->id);
    else if (k->via.u64 == 2) rc = str_of(x, &v->label);
    else if (k->via.u64 == 3) rc = f64_of(x, &v->price);
    else if (k->via.u64 == 4) {
      if (x->type != MSGPACK_OBJECT_ARRAY) return -1;
      v->tags.len = x->via.array.size;
      v->tags.items = msgpack_zone_malloc(zone, v->tags.len * sizeof *v->tags.items);
      for (size_t t = 0; t < v->tags.len && rc == 0; t++) rc = str_of(&x->via.array.ptr[t], &v->tags.items[t]);
    }
    if (rc != 0) return -1;
  }
  return 0;
}

static int nested_of(const msgpack_object *o, bench_shapes_Nested *v, msgpack_zone *zone) {
  FOR_FIELDS(o, k, x) {
    if (k->type != MSGPACK_OBJECT_POSITIVE_INTEGER) return -1;
    int rc = 0;
    switch (k->via.u64) {
      case 1: rc = u32_of(x, &v->id); break;
      case 2: rc = str_of(x, &v->title); break;
      case 3: rc = small_of(x, &v->owner); break;
      case 4:
        if (x->type != MSGPACK_OBJECT_ARRAY) return -1;
        v->items.len = x->via.array.size;
        v->items.items = msgpack_zone_malloc(zone, v->items.len * sizeof *v->items.items);
        for (size_t i = 0; i < v->items.len && rc == 0; i++) rc = item_of(&x->via.array.ptr[i], &v->items.items[i], zone);
        break;
      case 5:
      case 6: {
        if (x->type != MSGPACK_OBJECT_MAP) return -1;
        size_t n = x->via.map.size;
        interop_str *keys = msgpack_zone_malloc(zone, n * sizeof *keys);
        if (k->via.u64 == 5) v->attrs = (bench_shapes_map_string_string){keys, msgpack_zone_malloc(zone, n * sizeof(interop_str)), n};
        else v->counts = (bench_shapes_map_string_u32){keys, msgpack_zone_malloc(zone, n * sizeof(uint32_t)), n};
        for (size_t i = 0; i < n && rc == 0; i++) {
          rc = str_of(&x->via.map.ptr[i].key, &keys[i]);
          if (rc == 0) rc = k->via.u64 == 5 ? str_of(&x->via.map.ptr[i].val, &v->attrs.values[i]) : u32_of(&x->via.map.ptr[i].val, &v->counts.values[i]);
        }
        break;
      }
      default: break;
    }
    if (rc != 0) return -1;
  }
  return 0;
}

static int blob_of(const msgpack_object *o, bench_shapes_Blob *v) {
  FOR_FIELDS(o, k, x) {
    if (k->type != MSGPACK_OBJECT_POSITIVE_INTEGER) return -1;
    if (k->via.u64 == 1 && u32_of(x, &v->id) != 0) return -1;
    if (k->via.u64 == 2) {
      if (x->type != MSGPACK_OBJECT_BIN) return -1;
      v->data = (interop_bytes){(const uint8_t *)x->via.bin.ptr, x->via.bin.size};
    }
  }
  return 0;
}

int mpc_decode(shape_id s, const char *data, size_t len, msgpack_unpacked *result, void *out) {
  size_t off = 0;
  if (msgpack_unpack_next(result, data, len, &off) != MSGPACK_UNPACK_SUCCESS) return -1;
  const msgpack_object *o = &result->data;
  if (s == SHAPE_SMALL) return small_of(o, out);
  if (s == SHAPE_NESTED) return nested_of(o, out, result->zone);
  return blob_of(o, out);
}
