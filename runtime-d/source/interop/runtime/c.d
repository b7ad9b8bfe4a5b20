/// The part of runtime-c's C API (runtime-c/include/interop) the D layer calls: type descriptors,
/// codecs, arenas, buffers and errors. D calls C directly (ADR 0028): these declarations mirror
/// the C headers field for field; the layouts are part of runtime-c's ABI (types.h, values.h).
module interop.runtime.c;

extern (C) nothrow @nogc:

/// interop_kind (types.h).
enum Kind : ubyte {
  bool_ = 1, i8, i16, i32, i64, u8, u16, u32, u64, f32, f64, string_, bytes, enum_, list, map,
  optional, struct_, union_,
}

/// interop_type.flags
enum : ubyte {
  INTEROP_TYPE_ERROR = 1,
  INTEROP_TYPE_BY_POINTER = 2,
}

struct interop_field {
  uint id;
  uint offset;
  const(char)* name;
  const(interop_type)* type;
  const(void)* default_value;
}

struct interop_enum_member {
  const(char)* name;
  int value;
}

struct interop_type {
  ubyte kind;
  ubyte flags;
  ushort reserved;
  uint size;
  uint align_;
  uint count;
  uint value_offset;
  const(char)* name;
  const(interop_type)* elem;
  const(interop_type)* key;
  const(interop_field)* fields;
  const(interop_enum_member)* members;
}

struct interop_str {
  const(char)* ptr;
  size_t len;
}

struct interop_bytes {
  const(ubyte)* ptr;
  size_t len;
}

struct interop_list {
  void* items;
  size_t len;
}

struct interop_map {
  void* keys;
  void* values;
  size_t len;
}

struct interop_arena {
  void* head;
  size_t used;
  size_t total;
}

struct interop_buf {
  ubyte* data;
  size_t len;
  size_t cap;
  bool failed;
}

enum INTEROP_MESSAGE_MAX = 512;

struct interop_error {
  uint code;
  char[INTEROP_MESSAGE_MAX] message;
  char[128] type_name;
  const(interop_type)* type;
  void* detail;
}

enum INTEROP_DEFAULT_MAX_DEPTH = 64;

int interop_encode(const(interop_type)* type, const(void)* value, int codec, uint max_depth,
                   interop_buf* out_, interop_error* err);
int interop_decode(const(interop_type)* type, const(ubyte)* data, size_t len, int codec,
                   uint max_depth, interop_arena* arena, void* out_, interop_error* err);
int interop_check(const(interop_type)* type, const(void)* value, uint max_depth, interop_error* err);

void interop_arena_init(interop_arena* a);
void* interop_arena_alloc(interop_arena* a, size_t size, size_t align_);
void interop_arena_free(interop_arena* a);

void interop_buf_init(interop_buf* b);
void interop_buf_free(interop_buf* b);

int interop_error_set(interop_error* err, uint code, const(char)* fmt, ...);
void interop_error_clear(interop_error* err);
const(char)* interop_code_name(uint code);
uint interop_code_from_name(const(char)* name);
