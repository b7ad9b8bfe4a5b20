// The TypeScript target: one file per module (`<module name>.ts`) holding its types, their codecs,
// the module descriptor, a client stub, a handlers interface and a publisher. Generated files
// import the runtime as `@interop/runtime` and each other by relative path.

import type { Bundle } from '../../ir/types.js';
import { generatedHeader, sourceName } from '../common/header.js';
import { registerTarget } from '../registry.js';
import type { GeneratedFile, Target, TargetOptions } from '../target.js';
import { emitClient } from './client.js';
import { CodeWriter } from './code-writer.js';
import { GenContext, RT } from './context.js';
import { emitDeclCodec } from './decl-codecs.js';
import { emitDescriptor } from './descriptor.js';
import { assignNames } from './model.js';
import { emitHandlers, emitPublisher } from './server.js';
import { emitConst, emitTypeDecl } from './types.js';

/**
 * The source of one module's file, laid out by the code writer (prettier's style at 110 columns).
 * `names`: from assignNames(bundle), computed once for all the bundle's files.
 */
export function generateModuleSource(
  bundle: Bundle,
  moduleName: string,
  source: string,
  names = assignNames(bundle),
): string {
  const module = bundle.modules.find((m) => m.name === moduleName);
  if (module === undefined) throw new Error(`ts target: module ${moduleName} is not in the bundle`);
  const ctx = new GenContext(bundle, module, names, source);

  // The body first: it decides which imports and JSON keys the file needs.
  const body = new CodeWriter();
  for (const d of module.types) {
    emitTypeDecl(ctx, d, body);
    if (d.kind !== 'alias') emitDeclCodec(ctx, d, body);
    body.line();
  }
  // Alias codecs may refer to other codecs by value, so they come after all of those.
  for (const d of module.types) if (d.kind === 'alias') emitDeclCodec(ctx, d, body);
  for (const c of module.consts) emitConst(ctx, c, body);
  body.line();
  emitDescriptor(ctx, body);
  body.line();
  emitClient(ctx, body);
  body.line();
  emitHandlers(ctx, body);
  body.line();
  emitPublisher(ctx, body);

  const file = new CodeWriter();
  file.line(generatedHeader('//', source, module));
  if (module.doc !== undefined)
    file.line(
      `//\n${module.doc
        .split('\n')
        .map((l) => `// ${l}`.trimEnd())
        .join('\n')}`,
    );
  file.line(`// Module ${module.name} ${module.version}.`);
  file.line();
  file.line(`import * as ${RT} from '@interop/runtime';`);
  for (const l of ctx.importLines()) file.line(l);
  file.line();
  for (const l of ctx.jsonKeyLines()) file.line(l);
  file.line();
  file.append(body);
  return file.toString();
}

/** Fixed options for `--format`, so the output never depends on a prettier config near --out. */
const PRETTIER_OPTIONS = { parser: 'typescript', singleQuote: true, printWidth: 110 } as const;

export const tsTarget: Target = {
  id: 'ts',
  displayName: 'TypeScript / JavaScript',
  async generate(bundle: Bundle, options: TargetOptions): Promise<GeneratedFile[]> {
    const names = assignNames(bundle);
    const files: GeneratedFile[] = [];
    for (const m of bundle.modules) {
      const source = generateModuleSource(bundle, m.name, sourceName(m, options), names);
      files.push({ path: names.get(m.name)!.file, content: source });
    }
    // The writer already lays the code out; prettier (slow at scale, see docs/adr/0007) runs only
    // when asked, once per file, and is loaded only then.
    if (options.format === true) {
      const prettier = await import('prettier');
      for (const f of files) f.content = await prettier.format(f.content, PRETTIER_OPTIONS);
    }
    return files;
  },
};

registerTarget(tsTarget);
