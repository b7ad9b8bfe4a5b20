/* _interop_shm: the CPython extension behind interop_runtime's shm transport (docs/wire.md §9).
 * A thin layer over runtime-c's ring core (runtime-c/src/shm_ring.c, compiled in as it is): the
 * set-up, the mapping and the atomics of the ring indices are the core's; this file turns them
 * into a Python type and adds the bounded poll (spin) that Python runs without the GIL. Everything
 * else (the event loop, when to poll or sleep) is interop_runtime/transport/shm.py. Built by
 * runtime-python/build-shm.sh into the virtualenv; the pure-Python runtime works without it. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <time.h>

#include "interop/shm_ring.h"

static PyObject *SetupError, *RingBroken;

typedef struct {
  PyObject_HEAD
  interop_shm_ring ring;
  int open; /* mapped, its descriptors ours */
} Ring;

static PyTypeObject RingType;

static Ring *ring_new(void) {
  Ring *s = PyObject_New(Ring, &RingType);
  if (s == NULL) return NULL;
  interop_shm_ring_init(&s->ring);
  s->open = 0;
  return s;
}

static void ring_dealloc(Ring *s) {
  interop_shm_ring_close(&s->ring);
  PyObject_Free(s);
}

static int is_open(Ring *s) {
  if (s->open) return 1;
  PyErr_SetString(PyExc_ValueError, "shm ring closed");
  return 0;
}

static PyObject *broken(Ring *s) {
  return PyErr_Format(RingBroken, "%s", s->ring.error != NULL ? s->ring.error : "shm ring broken by the peer");
}

/* dial(sock_fd, ring_bytes=0) -> Ring: the dialer's new segment, sent on the connected socket. */
static PyObject *shm_dial(PyObject *self, PyObject *args) {
  (void)self;
  int sock;
  unsigned int ring_bytes = 0;
  if (!PyArg_ParseTuple(args, "i|I", &sock, &ring_bytes)) return NULL;
  Ring *s = ring_new();
  if (s == NULL) return NULL;
  const char *why = interop_shm_ring_create(&s->ring, ring_bytes);
  if (why == NULL) why = interop_shm_ring_send_setup(&s->ring, sock);
  if (why != NULL) {
    Py_DECREF(s);
    return PyErr_Format(SetupError, "%s", why);
  }
  s->open = 1;
  return (PyObject *)s;
}

/* accept(sock_fd) -> Ring | None: the listener's side; None while the set-up message has not come
 * (wait for the socket to be readable); SetupError says what is wrong with it. */
static PyObject *shm_accept(PyObject *self, PyObject *args) {
  (void)self;
  int sock;
  if (!PyArg_ParseTuple(args, "i", &sock)) return NULL;
  Ring *s = ring_new();
  if (s == NULL) return NULL;
  const char *why = interop_shm_ring_receive_setup(&s->ring, sock);
  if (why != NULL) {
    Py_DECREF(s);
    if (why[0] == '\0') Py_RETURN_NONE;
    return PyErr_Format(SetupError, "%s", why);
  }
  s->open = 1;
  return (PyObject *)s;
}

/* put(data) -> bytes written; fewer: the ring is full, wait for wake_fd. */
static PyObject *ring_put(Ring *s, PyObject *args) {
  Py_buffer b;
  if (!is_open(s) || !PyArg_ParseTuple(args, "y*", &b)) return NULL;
  ptrdiff_t n = interop_shm_ring_write(&s->ring, b.buf, (size_t)b.len);
  PyBuffer_Release(&b);
  return n < 0 ? broken(s) : PyLong_FromSsize_t(n);
}

/* take() -> bytes: everything waiting (b"" when none), copied out before the room is given back. */
static PyObject *ring_take(Ring *s, PyObject *unused) {
  (void)unused;
  if (!is_open(s)) return NULL;
  const uint8_t *p;
  ptrdiff_t n = interop_shm_ring_peek(&s->ring, &p);
  if (n < 0) return broken(s);
  PyObject *out = PyBytes_FromStringAndSize((const char *)p, n);
  if (out == NULL || n == 0) return out;
  interop_shm_ring_consume(&s->ring, (size_t)n);
  ptrdiff_t more = interop_shm_ring_peek(&s->ring, &p); /* the part after the wrap, if any */
  if (more < 0) return Py_DECREF(out), broken(s);
  if (more == 0) return out;
  if (_PyBytes_Resize(&out, n + more) < 0) return NULL;
  memcpy(PyBytes_AS_STRING(out) + n, p, (size_t)more);
  interop_shm_ring_consume(&s->ring, (size_t)more);
  return out;
}

/* pending() -> bytes waiting (at least: up to the end of the ring). */
static PyObject *ring_pending(Ring *s, PyObject *unused) {
  (void)unused;
  if (!is_open(s)) return NULL;
  const uint8_t *p;
  ptrdiff_t n = interop_shm_ring_peek(&s->ring, &p);
  return n < 0 ? broken(s) : PyLong_FromSsize_t(n);
}

static PyObject *ring_sleep(Ring *s, PyObject *unused) {
  (void)unused;
  if (!is_open(s)) return NULL;
  return PyBool_FromLong(interop_shm_ring_sleep(&s->ring));
}

static PyObject *ring_woken(Ring *s, PyObject *unused) {
  (void)unused;
  if (!is_open(s)) return NULL;
  interop_shm_ring_woken(&s->ring);
  Py_RETURN_NONE;
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* spin(ns) -> bool: polls the inbound ring for at most `ns` nanoseconds without the GIL; True when
 * bytes came (or the ring broke: take() says so). The bounded poll of §9.4. */
static PyObject *ring_spin(Ring *s, PyObject *args) {
  unsigned long long ns;
  if (!is_open(s) || !PyArg_ParseTuple(args, "K", &ns)) return NULL;
  int found = 0;
  Py_BEGIN_ALLOW_THREADS
  uint64_t end = now_ns() + ns;
  for (unsigned i = 0;; i++) {
    const uint8_t *p;
    if (interop_shm_ring_peek(&s->ring, &p) != 0) {
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

static PyObject *ring_close(Ring *s, PyObject *unused) {
  (void)unused;
  interop_shm_ring_close(&s->ring);
  s->open = 0;
  Py_RETURN_NONE;
}

static PyObject *ring_wake_fd(Ring *s, void *closure) {
  (void)closure;
  return PyLong_FromLong(s->ring.wake_me);
}

static PyObject *ring_memfd(Ring *s, void *closure) {
  (void)closure;
  return PyLong_FromLong(s->ring.memfd);
}

static PyObject *ring_wake_peer_fd(Ring *s, void *closure) {
  (void)closure;
  return PyLong_FromLong(s->ring.wake_peer);
}

static PyObject *ring_ring_bytes(Ring *s, void *closure) {
  (void)closure;
  return PyLong_FromUnsignedLong(s->ring.ring_bytes);
}

static PyMethodDef ring_methods[] = {
    {"put", (PyCFunction)ring_put, METH_VARARGS, "put(data) -> bytes written; fewer: the ring is full, wait for wake_fd"},
    {"take", (PyCFunction)ring_take, METH_NOARGS, "take() -> the bytes waiting (b'' when none)"},
    {"pending", (PyCFunction)ring_pending, METH_NOARGS, "pending() -> bytes waiting"},
    {"sleep", (PyCFunction)ring_sleep, METH_NOARGS, "sleep() -> True: wait for wake_fd; False: data came"},
    {"woken", (PyCFunction)ring_woken, METH_NOARGS, "woken(): wake_fd was readable: resets it, clears our flags"},
    {"spin", (PyCFunction)ring_spin, METH_VARARGS, "spin(ns) -> True when data came within ns"},
    {"close", (PyCFunction)ring_close, METH_NOARGS, "close(): unmaps the segment, closes its descriptors"},
    {NULL, NULL, 0, NULL},
};

static PyGetSetDef ring_getset[] = {
    {"wake_fd", (getter)ring_wake_fd, NULL, "our eventfd: readable when the peer wakes us", NULL},
    {"memfd", (getter)ring_memfd, NULL, "the segment", NULL},
    {"wake_peer_fd", (getter)ring_wake_peer_fd, NULL, "the peer's eventfd", NULL},
    {"ring_bytes", (getter)ring_ring_bytes, NULL, "each ring's size", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyTypeObject RingType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "_interop_shm.Ring",
    .tp_basicsize = sizeof(Ring),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "One side of a mapped shm segment (made by dial() or accept())",
    .tp_dealloc = (destructor)ring_dealloc,
    .tp_methods = ring_methods,
    .tp_getset = ring_getset,
};

static PyMethodDef module_methods[] = {
    {"dial", shm_dial, METH_VARARGS, "dial(sock_fd, ring_bytes=0) -> Ring"},
    {"accept", shm_accept, METH_VARARGS, "accept(sock_fd) -> Ring, or None until the set-up message came"},
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
  if (SetupError == NULL || RingBroken == NULL || PyModule_AddObject(m, "SetupError", SetupError) < 0 ||
      PyModule_AddObject(m, "RingBroken", RingBroken) < 0) {
    Py_DECREF(m);
    return NULL;
  }
  return m;
}
