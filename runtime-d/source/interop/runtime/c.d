/// The part of runtime-c's C API (runtime-c/include/interop) the D layer calls: type descriptors,
/// codecs, arenas, buffers and errors. D calls C directly (ADR 0029): these declarations mirror
/// the C headers field for field; the layouts are part of runtime-c's ABI (types.h, values.h).
module interop.runtime.c;

extern (C) nothrow:

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

// module.h, client.h, node.h: nodes, calls, handlers, events.

enum INTEROP_ABI_VERSION = 2;
enum INTEROP_PENDING = -1;

struct interop_function {
  const(char)* name;
  uint kind;
  uint throws_count;
  const(interop_type)* params;
  const(interop_type)* result;
  const(interop_type*)* throws;
  const(interop_type)* input;
  const(interop_type)* output;
}

struct interop_event {
  const(char)* name;
  const(interop_type)* payload;
}

struct interop_module {
  uint abi_version;
  uint functions_count;
  uint events_count;
  uint imports_count;
  const(char)* name;
  const(char)* version_;
  const(char)* fingerprint;
  const(char)* ir_json;
  const(interop_function)* functions;
  const(interop_event)* events;
  const(interop_module*)* imports;
}

struct interop_call;
struct interop_node;
struct interop_invoker;
struct interop_publisher;
struct interop_subscription;

alias interop_handler = int function(void* impl, interop_call* call, const(void)* params, void* result, interop_error* err);

struct interop_module_impl {
  uint abi_version;
  uint reserved;
  const(interop_module)* module_;
  const(interop_handler)* handlers;
  void* impl;
  int function(void* impl, interop_node* node, interop_error* err) init_;
  void function(void* impl) fini_;
}

struct interop_call_options {
  uint timeout_ms;
}

alias interop_done = void function(void* user, int rc, const(interop_error)* err);
alias interop_event_handler = void function(void* user, const(void)* payload);

interop_arena* interop_call_arena(interop_call* call);
void interop_call_finish(interop_call* call, int rc, const(interop_error)* err);
const(char)* interop_call_peer(const(interop_call)* call);
void interop_call_on_cancel(interop_call* call, void function(void* arg) cb, void* arg);

int interop_invoke(interop_invoker* inv, const(interop_module)* module_, uint fn, const(void)* params,
                   void* result, interop_arena* arena, const(interop_call_options)* opts, interop_done done, void* user);
int interop_send_oneway(interop_invoker* inv, const(interop_module)* module_, uint fn, const(void)* params,
                        const(interop_call_options)* opts, interop_error* err);
int interop_subscribe(interop_invoker* inv, const(interop_module)* module_, uint event, interop_event_handler handler,
                      void* user, interop_subscription** out_, interop_error* err);
void interop_unsubscribe(interop_subscription* sub);
int interop_publish(interop_publisher* pub, const(interop_module)* module_, uint event, const(void)* payload, interop_error* err);

int interop_node_start(const(char)* config, const(interop_module_impl*)* impls, size_t impls_count, void* uv_loop,
                       interop_node** out_, interop_error* err);
interop_invoker* interop_node_invoker(interop_node* node, const(interop_module)* module_, interop_error* err);
interop_publisher* interop_node_publisher(interop_node* node, const(interop_module)* module_, interop_error* err);
int interop_node_run(interop_node* node);
void interop_node_stop(interop_node* node);
int interop_node_run_once(interop_node* node, bool wait);
void interop_node_close(interop_node* node);
int interop_node_post(interop_node* node, void function(void* arg) fn, void* arg);
const(char)* interop_node_name(const(interop_node)* node);
const(char)* interop_node_endpoint(const(interop_node)* node, size_t index);

struct interop_stream;
enum INTEROP_DONE = -2;
int interop_stream_open(interop_invoker* inv, const(interop_module)* module_, uint fn, const(void)* params,
                        const(interop_call_options)* opts, interop_stream** out_, interop_error* err);
int interop_stream_send(interop_stream* s, const(void)* item, interop_error* err);
int interop_stream_end(interop_stream* s, interop_error* err);
int interop_stream_next(interop_stream* s, void* item, interop_arena* arena, interop_error* err);
int interop_stream_finish(interop_stream* s, void* result, interop_arena* arena, interop_error* err);
void interop_stream_cancel(interop_stream* s);
int interop_call_send_item(interop_call* call, const(void)* item, interop_error* err);
void interop_call_on_ready(interop_call* call, void function(void* arg) cb, void* arg);
void interop_call_on_item(interop_call* call, void function(void* arg, const(void)* item) cb, void* arg);
