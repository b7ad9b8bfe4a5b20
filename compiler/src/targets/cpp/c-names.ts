// The C names the C++ target reads and writes (the C target's structs, descriptors and module
// descriptor, ADR 0022), in one place: everything comes from the C target's own table
// (../c/names.ts, ../c/types.ts), except the base name of a function, which follows the C rule
// for it (module prefix, then the `@name(c = …)` or snake_case name).

import type { Annotations, FunctionDecl } from '../../ir/types.js';
import { snakeCase } from '../common/case.js';
import { moduleVar } from '../c/descriptor.js';
import { modulePrefix, moduleFileStem, typeName } from '../c/names.js';

export { caseNames as cCaseNames, fieldNames as cFieldNames } from '../c/types.js';
export { moduleFileStem };

/** `::example_chat_Message`: a declared type's C name. */
export function cDeclName(module: string, idlName: string, annotations?: Annotations): string {
  return `::${typeName(module, idlName, annotations)}`;
}

/** `::example_chat_post_params`: the C struct of a function's parameters. */
export function cParamsName(module: string, fn: FunctionDecl): string {
  return `::${modulePrefix(module)}_${fn.annotations.names?.['c'] ?? snakeCase(fn.name)}_params`;
}

/** `&::example_chat_module`: the module descriptor. */
export function cModuleRef(module: string): string {
  return `&::${moduleVar(module)}`;
}
