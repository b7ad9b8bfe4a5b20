/* Loading module libraries into interop-node (packages.c). */
#ifndef INTEROP_NODE_PACKAGES_H
#define INTEROP_NODE_PACKAGES_H
#include <stddef.h>
#include "interop/interop.h"

/* dlopen()s a module library and returns its entry's result; NULL after saying why on stderr. */
const interop_module_impl *load_module_library(const char *path);

/* Appends the module libraries of the packages the node config (a file, JSON text, or NULL for
 * INTEROP_NODE_CONFIG) names to impls[*count..cap). 0, or 1 after saying why on stderr. */
int load_packages(const char *config, const interop_module_impl **impls, size_t *count, size_t cap);

#endif
