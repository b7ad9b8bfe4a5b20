// The Haskell target: `interopc gen --lang haskell --out DIR FILES` writes one Haskell module per
// IDL module (`example.chat` → DIR/Example/Chat.hs) with its types, their Wire instances (the
// codecs), the module descriptor, the client record, the handlers record and the publisher. At
// run time they need only the interop-runtime package (runtime-haskell/). Names: names.ts.

import type { Bundle, Module } from '../../ir/types.js';
import { generatedHeader, sourceName } from '../common/header.js';
import { registerTarget } from '../registry.js';
import type { GeneratedFile, Target, TargetOptions } from '../target.js';
import { emitEnumCodec, emitRecordCodec, emitUnionCodec } from './codec.js';
import { emitEnumFb, emitUnionFb } from './codec-fb.js';
import { Ctx, Writer } from './context.js';
import { hsModuleName, hsModulePath } from './names.js';
import { emitAlias, emitConsts, emitEnum, emitRecord, emitUnion } from './types.js';
import { emitClient } from './client.js';
import { emitDescriptor } from './descriptor.js';
import { emitServer } from './server.js';

function renderModule(bundle: Bundle, module: Module, sourceName: string): string {
  const ctx = new Ctx(bundle, module, sourceName);
  const body = new Writer();

  body.line('');
  body.line('-- ---- types ----');
  for (const d of module.types) {
    if (d.kind === 'struct' || d.kind === 'error') emitRecord(ctx, body, d);
    else if (d.kind === 'union') emitUnion(ctx, body, d);
    else if (d.kind === 'enum') emitEnum(ctx, body, d);
    else emitAlias(ctx, body, d);
  }
  emitConsts(ctx, body);

  body.line('');
  body.line('-- ---- codecs (docs/wire.md §3) ----');
  for (const d of module.types) {
    const name = ctx.names.types.get(d.name)!;
    if (d.kind === 'struct' || d.kind === 'error') {
      // Fields bound by the pattern, not read with their selectors: less code for GHC to compile.
      const vars = d.fields.map((_, i) => `a${i}`);
      emitRecordCodec(ctx, body, {
        type: name,
        ctor: name,
        label: d.name,
        fields: d.fields,
        get: (_f, i) => vars[i]!,
        pattern: vars.length === 0 ? '_' : `(${name} ${vars.join(' ')})`,
      });
    } else if (d.kind === 'union') {
      emitUnionCodec(ctx, body, d);
      emitUnionFb(ctx, body, d);
    } else if (d.kind === 'enum') {
      emitEnumCodec(ctx, body, d);
      emitEnumFb(ctx, body, d);
    }
  }
  body.line('');
  body.doc('The codec of every type this module declares, by IDL name (tests and tools look them up).');
  body.line(`${ctx.names.api.codecsValue} :: [(G.Text, G.SomeWire)]`);
  const codecs = module.types.map((d) => `(${JSON.stringify(d.name)}, G.someWire (G.Proxy :: G.Proxy ${ctx.names.types.get(d.name)!}))`);
  body.line(`${ctx.names.api.codecsValue} = [${codecs.join(', ')}]`);

  emitDescriptor(ctx, body);
  emitClient(ctx, body);
  emitServer(ctx, body);

  const head = new Writer();
  head.line(generatedHeader('--', sourceName, module));
  head.line('{-# LANGUAGE NoImplicitPrelude, OverloadedStrings, DataKinds, DerivingStrategies, DerivingVia, GeneralizedNewtypeDeriving, RankNTypes #-}');
  head.line('{-# OPTIONS_GHC -Wno-unused-imports -Wno-name-shadowing -Wno-unused-matches #-}');
  head.doc(module.doc ?? `Generated code of module ${module.name} ${module.version}.`);
  head.line(`module ${hsModuleName(module)} where`);
  head.line('');
  head.line('import qualified Prelude as P');
  head.line('import qualified Interop.Runtime.Gen as G');
  for (const m of [...ctx.imports].sort()) head.line(`import qualified ${m}`);
  return head.toString() + body.toString();
}

export const haskellTarget: Target = {
  id: 'haskell',
  displayName: 'Haskell (GHC 9.0+, interop-runtime)',
  generate(bundle: Bundle, options: TargetOptions): GeneratedFile[] {
    const source = (m: Module): string => sourceName(m, options);
    // Imported modules are generated too: the roots' types refer to theirs.
    return bundle.modules
      .filter((m) => m.name !== 'interop.control')
      .map((m) => ({ path: hsModulePath(m), content: renderModule(bundle, m, source(m)) }));
  },
};

registerTarget(haskellTarget);
