// The C names the C++ target reads and writes (the C target's structs, descriptors and module
// descriptor, ADR 0022), in one place: everything comes from the C target's own table
// (../c/names.ts, ../c/types.ts), so a name the C target moves away from a clash (`_2`) is the
// name used here too.

import type { Bundle, FunctionDecl, TypeRef } from '../../ir/types.js';
import type { Ctx as CCtx } from '../c/context.js';
import { moduleVar } from '../c/descriptor.js';
import { moduleFileStem, namesOf } from '../c/names.js';

export { caseNames as cCaseNames, fieldNames as cFieldNames } from '../c/types.js';
export { moduleFileStem };

/** `::example_chat_Message`: a declared type's C name. */
export function cDeclName(bundle: Bundle, module: string, idlName: string): string {
  return `::${namesOf(bundle, module).type(idlName)}`;
}

/** `::example_chat_post_params`: the C struct of a function's parameters. */
export function cParamsName(bundle: Bundle, module: string, fn: FunctionDecl): string {
  return `::${namesOf(bundle, module).fn(fn.name)}_params`;
}

/** `&::example_chat_module`: the module descriptor. */
export function cModuleRef(module: string): string {
  return `&::${moduleVar(module)}`;
}

/** The C type of a value of `t` (what the generated C code declares). */
export function cTypeOf(c: CCtx, t: TypeRef): string {
  return c.cType(t).replace(/ \*$/, '*');
}
