/* _interop_shm: the CPython extension behind interop_runtime's shm transport (docs/wire.md §9).
 * It holds what Python cannot do safely: the segment's mapping and the atomic loads and stores of
 * the ring indices with the orderings §9.3 and §9.4 require. Everything else (the set-up socket,
 * the event loop, when to sleep) is Python's (interop_runtime/transport/shm.py). Built by
 * runtime-python/build-shm.sh into the virtualenv; the pure-Python runtime works without it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SHM_MAGIC 0x4d485349u /* "ISHM" little-endian */
#define SHM_VERSION 1u
#define SHM_HEADER 4096u
#define SHM_RING_MIN 4096u
#define SHM_RING_MAX (16u * 1024u * 1024u)

static PyObject *SetupError, *RingBroken;

typedef struct ring {
  uint64_t *widx;   /* written by the producer only */
  uint32_t *wwait;  /* the producer waits for room */
  uint64_t *ridx;   /* written by the consumer only */
  uint32_t *rsleep; /* the consumer sleeps */
  uint8_t *data;
} ring;

typedef struct {
  PyObject_HEAD
  uint8_t *base;
  size_t size;
  uint32_t ring_bytes;
  ring in, out;
  uint64_t rpos, wpos; /* our own indices: never read back from the segment */
  int wake_peer;
} Ring;

static int valid_ring_bytes(uint32_t n) { return n >= SHM_RING_MIN && n <= SHM_RING_MAX && (n & (n - 1)) == 0; }

static void wake(int fd) {
  uint64_t one = 1;
  if (write(fd, &one, sizeof one) < 0) { /* full or closed: the peer is awake or gone */ }
}

/* ---- set-up ---- */

/* create(ring_bytes) -> (memfd, message): the dialer's sealed segment, header written, rings empty,
 * and the 16-byte set-up message to send with it. */
static PyObject *shm_create(PyObject *self, PyObject *args) {
  (void)self;
  unsigned int ring_bytes;
  if (!PyArg_ParseTuple(args, "I", &ring_bytes)) return NULL;
  if (!valid_ring_bytes(ring_bytes)) return PyErr_Format(PyExc_ValueError, "ring size %u is not a power of two between 4 KiB and 16 MiB", ring_bytes);
  size_t size = SHM_HEADER + 2 * (size_t)ring_bytes;
  int fd = memfd_create("interop-shm", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return PyErr_SetFromErrno(PyExc_OSError);
  uint32_t head[4] = {SHM_MAGIC, SHM_VERSION, ring_bytes, 0};
  if (ftruncate(fd, (off_t)size) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0 ||
      pwrite(fd, head, sizeof head, 0) != (ssize_t)sizeof head) {
    int e = errno;
    close(fd);
    errno = e;
    return PyErr_SetFromErrno(PyExc_OSError);
  }
  return Py_BuildValue("(iy#)", fd, (const char *)head, (Py_ssize_t)sizeof head);
}

/* check_message(message) -> ring_bytes: the listener's check of the 16 bytes (SetupError why not). */
static PyObject *shm_check_message(PyObject *self, PyObject *args) {
  (void)self;
  Py_buffer b;
  if (!PyArg_ParseTuple(args, "y*", &b)) return NULL;
  uint32_t msg[4] = {0};
  Py_ssize_t n = b.len;
  if (n == sizeof msg) memcpy(msg, b.buf, sizeof msg);
  PyBuffer_Release(&b);
  if (n != sizeof msg) return PyErr_Format(SetupError, "set-up message of the wrong size");
  if (msg[0] != SHM_MAGIC || msg[1] != SHM_VERSION) return PyErr_Format(SetupError, "not an interop shm set-up (magic or version)");
  if (!valid_ring_bytes(msg[2])) return PyErr_Format(SetupError, "ring size not a power of two between 4 KiB and 16 MiB");
  return PyLong_FromUnsignedLong(msg[2]);
}

/* Ring(memfd, ring_bytes, initiator, wake_peer): maps the segment after checking everything a
 * dishonest dialer could get wrong: size, seal against shrinking, header, empty rings. */
static int ring_init(Ring *s, PyObject *args, PyObject *kw) {
  (void)kw;
  int fd, initiator, wake_peer;
  unsigned int ring_bytes;
  if (!PyArg_ParseTuple(args, "iIpi", &fd, &ring_bytes, &initiator, &wake_peer)) return -1;
  if (s->base != NULL) return PyErr_SetString(PyExc_RuntimeError, "Ring already initialised"), -1;
  if (!valid_ring_bytes(ring_bytes)) return PyErr_SetString(SetupError, "ring size not a power of two between 4 KiB and 16 MiB"), -1;
  s->ring_bytes = ring_bytes;
  s->size = SHM_HEADER + 2 * (size_t)ring_bytes;
  s->wake_peer = wake_peer;
  struct stat st;
  int seals = fcntl(fd, F_GET_SEALS);
  if (fstat(fd, &st) != 0 || (size_t)st.st_size != s->size) return PyErr_SetString(SetupError, "segment of the wrong size"), -1;
  /* Sealed against shrinking, or the dialer could truncate it under us (SIGBUS on access). */
  if (seals < 0 || !(seals & F_SEAL_SHRINK)) return PyErr_SetString(SetupError, "segment not sealed against shrinking"), -1;
  void *base = mmap(NULL, s->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base == MAP_FAILED) return PyErr_SetString(SetupError, "cannot map the segment"), -1;
  s->base = base;
  uint32_t head[3];
  memcpy(head, s->base, sizeof head);
  if (head[0] != SHM_MAGIC || head[1] != SHM_VERSION || head[2] != ring_bytes)
    return PyErr_SetString(SetupError, "segment header does not match"), -1;
  for (int r = 0; r < 2; r++) {
    uint8_t *ctl = s->base + 64 + 256 * r;
    ring g = {(uint64_t *)ctl, (uint32_t *)(ctl + 8), (uint64_t *)(ctl + 128), (uint32_t *)(ctl + 136),
              s->base + SHM_HEADER + (size_t)r * ring_bytes};
    /* ring 0 carries dialer → listener, ring 1 listener → dialer */
    if ((r == 0) == (initiator != 0)) s->out = g;
    else s->in = g;
  }
  /* Both rings start empty: our indices start at zero, as long as that is what is there (all but
   * the inbound write index, which a dialer may already have moved: its HELLO follows the set-up). */
  if (__atomic_load_n(s->in.ridx, __ATOMIC_ACQUIRE) != 0 ||
      __atomic_load_n(s->out.widx, __ATOMIC_ACQUIRE) != 0 || __atomic_load_n(s->out.ridx, __ATOMIC_ACQUIRE) != 0)
    return PyErr_SetString(SetupError, "segment rings not empty at set-up"), -1;
  return 0;
}

static void ring_unmap(Ring *s) {
  if (s->base != NULL) munmap(s->base, s->size);
  s->base = NULL;
}

static void ring_dealloc(Ring *s) {
  ring_unmap(s);
  Py_TYPE(s)->tp_free((PyObject *)s);
}

static int mapped(Ring *s) {
  if (s->base != NULL) return 1;
  PyErr_SetString(PyExc_ValueError, "shm ring closed");
  return 0;
}

/* ---- the rings (docs/wire.md §9.3, §9.4) ---- */

/* Bytes waiting in the inbound ring; -1 when the peer's write index is impossible. */
static int64_t inbound(Ring *s, int order) {
  uint64_t w = __atomic_load_n(s->in.widx, order);
  if (w < s->rpos || w - s->rpos > s->ring_bytes) return -1;
  return (int64_t)(w - s->rpos);
}

/* Room in the outbound ring; -1 when the peer's read index is impossible. */
static int64_t outbound_room(Ring *s) {
  uint64_t r = __atomic_load_n(s->out.ridx, __ATOMIC_SEQ_CST);
  if (r > s->wpos || s->wpos - r > s->ring_bytes) return -1;
  return (int64_t)(s->ring_bytes - (s->wpos - r));
}

/* put(data) -> bytes written. Fewer than given: the ring is full and `writer_waiting` is set,
 * so the reader will write our eventfd once it makes room. */
static PyObject *ring_put(Ring *s, PyObject *args) {
  Py_buffer b;
  if (!mapped(s) || !PyArg_ParseTuple(args, "y*", &b)) return NULL;
  const uint8_t *p = b.buf;
  size_t n = (size_t)b.len, done = 0;
  ring *o = &s->out;
  while (done < n) {
    int64_t room = outbound_room(s);
    if (room == 0) {
      /* Ask to be woken, then look again: the reader may have made room before it saw the flag. */
      __atomic_store_n(o->wwait, 1, __ATOMIC_SEQ_CST);
      room = outbound_room(s);
      if (room == 0) break;
      __atomic_store_n(o->wwait, 0, __ATOMIC_SEQ_CST);
    }
    if (room < 0) {
      PyBuffer_Release(&b);
      return PyErr_Format(RingBroken, "shm ring broken by the peer: read index out of range");
    }
    size_t k = n - done < (size_t)room ? n - done : (size_t)room;
    size_t at = (size_t)(s->wpos & (s->ring_bytes - 1)), first = s->ring_bytes - at;
    if (first > k) first = k;
    memcpy(o->data + at, p + done, first);
    memcpy(o->data, p + done + first, k - first);
    s->wpos += k;
    done += k;
    __atomic_store_n(o->widx, s->wpos, __ATOMIC_RELEASE);
    __atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the reader's fence before it sleeps */
    if (__atomic_load_n(o->rsleep, __ATOMIC_RELAXED) != 0) wake(s->wake_peer);
  }
  PyBuffer_Release(&b);
  return PyLong_FromSize_t(done);
}

/* take() -> bytes: what waits in the inbound ring (b"" when empty), copied out into private
 * memory before the room is handed back. */
static PyObject *ring_take(Ring *s, PyObject *unused) {
  (void)unused;
  if (!mapped(s)) return NULL;
  int64_t avail = inbound(s, __ATOMIC_ACQUIRE);
  if (avail < 0) return PyErr_Format(RingBroken, "shm ring broken by the peer: write index out of range");
  size_t at = (size_t)(s->rpos & (s->ring_bytes - 1)), k = (size_t)avail, first = s->ring_bytes - at;
  if (first > k) first = k;
  PyObject *out = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)k);
  if (out == NULL) return NULL;
  memcpy(PyBytes_AS_STRING(out), s->in.data + at, first);
  memcpy(PyBytes_AS_STRING(out) + first, s->in.data, k - first);
  if (k == 0) return out;
  s->rpos += k;
  __atomic_store_n(s->in.ridx, s->rpos, __ATOMIC_RELEASE);
  __atomic_thread_fence(__ATOMIC_SEQ_CST); /* pairs with the writer's fence before it waits */
  if (__atomic_load_n(s->in.wwait, __ATOMIC_RELAXED) != 0) wake(s->wake_peer);
  return out;
}

/* sleep() -> bool: sets `reader_sleeping`, then looks again (§9.4); True when the ring is still
 * empty (wait for the eventfd), False when data came meanwhile (the flag is cleared: take it). */
static PyObject *ring_sleep(Ring *s, PyObject *unused) {
  (void)unused;
  if (!mapped(s)) return NULL;
  __atomic_store_n(s->in.rsleep, 1, __ATOMIC_SEQ_CST);
  if (inbound(s, __ATOMIC_SEQ_CST) == 0) Py_RETURN_TRUE; /* pairs with the writer's fence */
  __atomic_store_n(s->in.rsleep, 0, __ATOMIC_SEQ_CST);
  Py_RETURN_FALSE;
}

/* woken(): after our eventfd fired (and was read): neither asleep nor waiting for room any more. */
static PyObject *ring_woken(Ring *s, PyObject *unused) {
  (void)unused;
  if (!mapped(s)) return NULL;
  __atomic_store_n(s->in.rsleep, 0, __ATOMIC_SEQ_CST);
  __atomic_store_n(s->out.wwait, 0, __ATOMIC_SEQ_CST);
  Py_RETURN_NONE;
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* spin(ns) -> bool: polls the inbound ring for at most `ns` nanoseconds, without the GIL; True
 * when bytes (or an impossible index: take() reports it) are there. The bounded poll of §9.4. */
static PyObject *ring_spin(Ring *s, PyObject *args) {
  unsigned long long ns;
  if (!mapped(s) || !PyArg_ParseTuple(args, "K", &ns)) return NULL;
  int found = 0;
  Py_BEGIN_ALLOW_THREADS
  uint64_t end = now_ns() + ns;
  for (unsigned i = 0;; i++) {
    if (inbound(s, __ATOMIC_ACQUIRE) != 0) {
      found = 1;
      break;
    }
    if ((i & 63) == 0 && now_ns() >= end) break;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  Py_END_ALLOW_THREADS
  return PyBool_FromLong(found);
}

/* pending() -> int: bytes waiting in the inbound ring (RingBroken when impossible). */
static PyObject *ring_pending(Ring *s, PyObject *unused) {
  (void)unused;
  if (!mapped(s)) return NULL;
  int64_t avail = inbound(s, __ATOMIC_ACQUIRE);
  if (avail < 0) return PyErr_Format(RingBroken, "shm ring broken by the peer: write index out of range");
  return PyLong_FromLongLong(avail);
}

static PyObject *ring_close(Ring *s, PyObject *unused) {
  (void)unused;
  ring_unmap(s);
  Py_RETURN_NONE;
}

static PyMethodDef ring_methods[] = {
    {"put", (PyCFunction)ring_put, METH_VARARGS, "put(data) -> bytes written; fewer: the ring is full, wait for the eventfd"},
    {"take", (PyCFunction)ring_take, METH_NOARGS, "take() -> the bytes waiting (b'' when none)"},
    {"pending", (PyCFunction)ring_pending, METH_NOARGS, "pending() -> bytes waiting"},
    {"sleep", (PyCFunction)ring_sleep, METH_NOARGS, "sleep() -> True: wait for the eventfd; False: data came"},
    {"woken", (PyCFunction)ring_woken, METH_NOARGS, "woken(): clears reader_sleeping and writer_waiting"},
    {"spin", (PyCFunction)ring_spin, METH_VARARGS, "spin(ns) -> True when data came within ns"},
    {"close", (PyCFunction)ring_close, METH_NOARGS, "close(): unmaps the segment"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject RingType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "_interop_shm.Ring",
    .tp_basicsize = sizeof(Ring),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Ring(memfd, ring_bytes, initiator, wake_peer): one side of a mapped shm segment",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)ring_init,
    .tp_dealloc = (destructor)ring_dealloc,
    .tp_methods = ring_methods,
};

static PyMethodDef module_methods[] = {
    {"create", shm_create, METH_VARARGS, "create(ring_bytes) -> (memfd, set-up message)"},
    {"check_message", shm_check_message, METH_VARARGS, "check_message(message) -> ring_bytes"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "_interop_shm", .m_doc = "interop shm rings (docs/wire.md §9)", .m_size = -1, .m_methods = module_methods};

PyMODINIT_FUNC PyInit__interop_shm(void) {
  if (PyType_Ready(&RingType) < 0) return NULL;
  PyObject *m = PyModule_Create(&module);
  if (m == NULL) return NULL;
  SetupError = PyErr_NewException("_interop_shm.SetupError", PyExc_ValueError, NULL);
  RingBroken = PyErr_NewException("_interop_shm.RingBroken", PyExc_ValueError, NULL);
  Py_INCREF(&RingType);
  if (SetupError == NULL || RingBroken == NULL || PyModule_AddObject(m, "Ring", (PyObject *)&RingType) < 0 ||
      PyModule_AddObject(m, "SetupError", SetupError) < 0 || PyModule_AddObject(m, "RingBroken", RingBroken) < 0 ||
      PyModule_AddIntConstant(m, "RING_BYTES", 256 * 1024) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
