{
  "targets": [
    {
      "target_name": "interop_shm",
      "sources": ["addon.c", "../../../runtime-c/src/shm_ring.c"],
      "include_dirs": ["../../../runtime-c/include"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
