// The D target: `interopc gen --lang d --out DIR FILES` writes, per IDL module (imports too), the D
// module DIR/<path>.d (`example.chat` → example/chat.d, module example.chat) next to the C target's
// DIR/<stem>.h and DIR/<stem>.c, which it builds on (ADR 0029): D value types, the C type
// descriptors as extern(C) declarations, and a codec per declared type that runs runtime-c's
// codecs. Compile the .c files with a C compiler and the .d files with ldc2 (warning-free with
// -w), and link libinterop and runtime-d (docs/d.md).

import type { Bundle, Module } from '../../ir/types.js';
import { cTarget } from '../c/index.js';
import { generatedHeader, sourceName } from '../common/header.js';
import { registerTarget } from '../registry.js';
import type { GeneratedFile, Target, TargetOptions } from '../target.js';
import { emitClient, emitErrorMapper, emitModuleDecl, emitParams, emitPublisher } from './client.js';
import { emitCodecs } from './codec.js';
import { emitServer } from './server.js';
import { type Aggregate, Ctx, CodeWriter, dDoc } from './context.js';
import { importAlias, moduleFile, moduleName } from './names.js';
import { emitAlias, emitConsts, emitEnum, emitErrorClass, emitStruct, emitUnion } from './types.js';

function render(bundle: Bundle, module: Module, source: string): GeneratedFile {
  const ctx = new Ctx(bundle, module);
  const body = new CodeWriter();
  for (const e of module.types) if (e.kind === 'enum') emitEnum(body, e);
  for (const d of module.types) {
    if (d.kind !== 'struct' && d.kind !== 'error' && d.kind !== 'union') continue;
    const a: Aggregate = d;
    if (a.kind === 'union') emitUnion(ctx, body, a);
    else if (a.kind === 'error') emitErrorClass(ctx, body, a);
    else emitStruct(ctx, body, a);
  }
  const aliases = module.types.filter((t) => t.kind === 'alias');
  if (aliases.length > 0) body.line('');
  for (const a of aliases) if (a.kind === 'alias') emitAlias(ctx, body, a);
  emitConsts(ctx, body);
  emitCodecs(ctx, body);
  if (module.functions.length > 0 || module.events.length > 0) {
    emitModuleDecl(ctx, body);
    emitParams(ctx, body);
    emitErrorMapper(ctx, body);
    emitClient(ctx, body);
    emitPublisher(ctx, body);
    emitServer(ctx, body);
  }

  const w = new CodeWriter();
  w.line(generatedHeader('//', source, module));
  w.line(dDoc(module.doc ?? `Generated D code of module ${module.name} ${module.version}.`));
  w.line(`module ${moduleName(module.name)};`);
  w.line('');
  w.line('import rt = interop.runtime;');
  for (const m of [...ctx.imports].sort()) w.line(`import ${importAlias(m)} = ${moduleName(m)};`);
  w.line('');
  w.append(body);
  return { path: moduleFile(module.name), content: w.toString() };
}

export const dTarget: Target = {
  id: 'd',
  displayName: 'D over runtime-c (the C target\'s code plus D value types; ldc2, warning-free with -w)',
  async generate(bundle: Bundle, options: TargetOptions): Promise<GeneratedFile[]> {
    const files = [...(await cTarget.generate(bundle, options))];
    for (const m of bundle.modules) {
      if (m.name === 'interop.control') continue;
      files.push(render(bundle, m, sourceName(m, options)));
    }
    return files;
  },
};

registerTarget(dTarget);
