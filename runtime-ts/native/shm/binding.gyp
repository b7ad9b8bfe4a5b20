{
  "targets": [
    {
      "target_name": "interop_shm",
      "sources": ["addon.c", "ring.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
