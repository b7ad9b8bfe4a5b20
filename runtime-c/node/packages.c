/* Module libraries for interop-node: the ones named on the command line, and the package modules
 * its node config names (docs/library.md "Native packages"). The config's "packages" maps a module
 * to the folder of its package, unpacked from the cache by `interop run`; the folder's
 * interop-package.json names the shared library ("entry"), the platform it was built for, and the
 * fingerprint of the schema it was published with, which the loaded library's descriptor must
 * have: a library built from another schema is refused before the node starts. */
#include "packages.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

/* A node config or package metadata larger than this is refused. */
#define MAX_JSON_BYTES (16u * 1024 * 1024)

/* One line on stderr; returns 1, the exit code. */
__attribute__((format(printf, 1, 2))) static int fail(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("interop-node: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
  return 1;
}

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  char *text = malloc(MAX_JSON_BYTES + 1);
  size_t n = text != NULL ? fread(text, 1, MAX_JSON_BYTES + 1, f) : 0;
  fclose(f);
  if (text == NULL || n > MAX_JSON_BYTES) return free(text), NULL;
  text[n] = '\0';
  return text;
}

const interop_module_impl *load_module_library(const char *path) {
  void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL) return fail("cannot load %s: %s", path, dlerror()), NULL;
  interop_module_entry_fn entry = (interop_module_entry_fn)(uintptr_t)dlsym(lib, INTEROP_MODULE_ENTRY);
  if (entry == NULL) return fail("%s exports no %s(): build it as a module library (docs/c.md)", path, INTEROP_MODULE_ENTRY), NULL;
  const interop_module_impl *impl = entry();
  if (impl == NULL || impl->abi_version != INTEROP_ABI_VERSION || impl->module == NULL) {
    fail("%s was built for another module ABI (this host has %u)", path, INTEROP_ABI_VERSION);
    return NULL;
  }
  return impl;
}

/* This machine in package terms: Node's names for the OS and CPU (linux-x64, darwin-arm64). */
static void host_platform(char *out, size_t size) {
  struct utsname u;
  if (uname(&u) != 0) {
    snprintf(out, size, "unknown");
    return;
  }
  for (char *p = u.sysname; *p; p++) *p = (char)tolower((unsigned char)*p);
  const char *m = u.machine, *cpu = m;
  if (strcmp(m, "x86_64") == 0 || strcmp(m, "amd64") == 0) cpu = "x64";
  else if (strcmp(m, "aarch64") == 0 || strcmp(m, "arm64") == 0) cpu = "arm64";
  else if (m[0] == 'i' && strcmp(m + 2, "86") == 0) cpu = "ia32";
  else if (strncmp(m, "arm", 3) == 0) cpu = "arm";
  snprintf(out, size, "%s-%s", u.sysname, cpu);
}

static const char *string_of(const cJSON *o, const char *key) {
  const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
  return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* A path inside the package folder: relative, no "..", "." or empty segment. */
static int plain_relative(const char *p) {
  if (p[0] == '\0' || p[0] == '/') return 0;
  for (const char *s = p;; s = strchr(s, '/') + 1) {
    size_t len = strcspn(s, "/");
    if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.')) return 0;
    if (s[len] == '\0') return 1;
  }
}

static int load_package(const char *module, const char *dir, const interop_module_impl **impl) {
  static const char *const native[] = {"c", "cpp", "d", "haskell"};
  char file[4096], platform[64];
  if (snprintf(file, sizeof file, "%s/interop-package.json", dir) >= (int)sizeof file) return fail("packages.%s: the folder path is too long", module);
  char *text = read_file(file);
  if (text == NULL) return fail("packages.%s: cannot read %s (is the package unpacked there? interop run fills \"packages\" from its cache)", module, file);
  cJSON *meta = cJSON_Parse(text);
  free(text);
  int rc = 1;
  const char *name = string_of(meta, "name"), *language = string_of(meta, "language");
  const char *entry = string_of(meta, "entry"), *target = string_of(meta, "platform");
  const char *fingerprint = string_of(meta, "fingerprint");
  size_t known = 0;
  while (language != NULL && known < 4 && strcmp(language, native[known]) != 0) known++;
  host_platform(platform, sizeof platform);
  if (!cJSON_IsObject(meta) || name == NULL || language == NULL || entry == NULL || target == NULL)
    fail("%s: not package metadata (name, language, platform and entry are required)", file);
  else if (strcmp(name, module) != 0) fail("%s describes %s, but the node config hosts %s from it", file, name, module);
  else if (known == 4) fail("%s: a %s package; interop-node loads native packages (c, cpp, d, haskell)", file, language);
  else if (strcmp(target, platform) != 0) fail("%s: built for %s, this machine is %s: publish a build for it, or host the module elsewhere", file, target, platform);
  else if (!plain_relative(entry)) fail("%s: entry \"%s\" is not a path inside the package folder", file, entry);
  else if (snprintf(file, sizeof file, "%s/%s", dir, entry) >= (int)sizeof file) fail("packages.%s: the entry's path is too long", module);
  else if ((*impl = load_module_library(file)) == NULL) {
  } else if (strcmp((*impl)->module->name, module) != 0)
    fail("%s implements %s, not %s", file, (*impl)->module->name, module);
  else if (fingerprint != NULL && strcmp((*impl)->module->fingerprint, fingerprint) != 0)
    fail("%s implements fingerprint %s, but the package's schema has %s: it was built from another schema; rebuild and pack it again", file,
         (*impl)->module->fingerprint, fingerprint);
  else rc = 0;
  cJSON_Delete(meta);
  return rc;
}

int load_packages(const char *config, const interop_module_impl **impls, size_t *count, size_t cap) {
  if (config == NULL) config = getenv("INTEROP_NODE_CONFIG");
  if (config == NULL) return 0; /* interop_node_start reports the missing config */
  const char *p = config;
  while (isspace((unsigned char)*p)) p++;
  char *text = *p == '{' ? strdup(config) : read_file(config);
  if (text == NULL) return 0; /* likewise: interop_node_start names what is wrong with it */
  cJSON *doc = cJSON_Parse(text);
  free(text);
  const cJSON *packages = cJSON_GetObjectItemCaseSensitive(doc, "packages"), *dir;
  int rc = 0;
  if (packages != NULL && !cJSON_IsObject(packages)) rc = fail("packages: expected an object (module -> package folder)");
  cJSON_ArrayForEach(dir, packages) {
    if (rc != 0) break;
    if (!cJSON_IsString(dir)) rc = fail("packages.%s: expected a folder path", dir->string);
    else if (*count == cap) rc = fail("packages: more than %zu module libraries in one node", cap);
    else if ((rc = load_package(dir->string, dir->valuestring, &impls[*count])) == 0) (*count)++;
  }
  cJSON_Delete(doc);
  return rc;
}
