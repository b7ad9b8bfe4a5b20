// Annotations: `@deprecated` and `@name(...)` are checked and pre-parsed (E0414 unknown argument,
// E0415 invalid argument, E0416 repeated); any other annotation is kept verbatim for targets.

import type { Annotations, ConstValue } from '../ir/types.js';
import type { Annotation, Literal } from './ast.js';
import { parseIntLiteral } from './values.js';
import { closest, type Reporter } from './report.js';

/** The target ids `@name(...)` accepts as keys. */
export const KNOWN_TARGETS = ['ts', 'python', 'c', 'cpp', 'd', 'haskell'] as const;

/** An identifier in some target language (Haskell allows a trailing prime: `from'`). */
const IDENT = /^[A-Za-z_][A-Za-z0-9_']*$/;

export function buildAnnotations(anns: Annotation[], reporter: Reporter): Annotations {
  const out: Annotations = {};
  const seen = new Map<string, Annotation>();
  for (const ann of anns) {
    const name = ann.name.text;
    const first = seen.get(name);
    if (first) {
      reporter.error('E0416', ann.span, `@${name} is given twice`, 'merge the two annotations into one', [
        { message: 'first given here', span: first.span },
      ]);
      continue;
    }
    seen.set(name, ann);
    if (name === 'deprecated') out.deprecated = deprecated(ann, reporter);
    else if (name === 'name') {
      const names = nameOverrides(ann, reporter);
      if (Object.keys(names).length > 0) out.names = names;
    } else {
      const args: Record<string, ConstValue> = {};
      ann.args.forEach((a, i) => {
        args[a.key?.text ?? `_${i}`] = rawValue(a.value);
      });
      (out.other ??= []).push({ name, args });
    }
  }
  return out;
}

function deprecated(ann: Annotation, reporter: Reporter): { reason?: string } {
  const result: { reason?: string } = {};
  ann.args.forEach((arg, i) => {
    if (arg.key && arg.key.text !== 'reason') {
      reporter.error(
        'E0414',
        arg.key.span,
        `@deprecated has no argument '${arg.key.text}'`,
        '@deprecated takes one optional reason: @deprecated("use other_field")',
      );
    } else if (i > 0) {
      reporter.error('E0415', arg.value.span, '@deprecated takes at most one argument', 'give a single reason string');
    } else if (arg.value.kind !== 'string') {
      reporter.error('E0415', arg.value.span, 'the reason given to @deprecated must be a string', '@deprecated("use other_field")');
    } else {
      result.reason = arg.value.value;
    }
  });
  return result;
}

function nameOverrides(ann: Annotation, reporter: Reporter): Record<string, string> {
  const names: Record<string, string> = {};
  if (ann.args.length === 0) {
    reporter.error('E0415', ann.span, '@name needs at least one target', '@name(ts = "Klass", python = "klass")');
  }
  for (const arg of ann.args) {
    if (!arg.key) {
      reporter.error(
        'E0415',
        arg.value.span,
        '@name arguments must be named by target',
        `write e.g. @name(ts = "X"); targets: ${KNOWN_TARGETS.join(', ')}`,
      );
      continue;
    }
    const target = arg.key.text;
    if (!(KNOWN_TARGETS as readonly string[]).includes(target)) {
      const guess = closest(target, KNOWN_TARGETS);
      reporter.error(
        'E0414',
        arg.key.span,
        `unknown target '${target}' in @name`,
        `${guess !== undefined ? `did you mean '${guess}'? ` : ''}known targets: ${KNOWN_TARGETS.join(', ')}`,
      );
      continue;
    }
    if (target in names) {
      reporter.error('E0415', arg.key.span, `target '${target}' is given twice in @name`, 'keep one of them');
      continue;
    }
    if (arg.value.kind !== 'string' || !IDENT.test(arg.value.value)) {
      reporter.error(
        'E0415',
        arg.value.span,
        `the name given for '${target}' must be a string holding an identifier`,
        `e.g. ${target} = "my_name"`,
      );
      continue;
    }
    names[target] = arg.value.value;
  }
  return names;
}

/** An annotation argument as written, untyped: names become their dotted text as a string. */
function rawValue(lit: Literal): ConstValue {
  switch (lit.kind) {
    case 'int':
      return { kind: 'int', value: (parseIntLiteral(lit.text) ?? 0n).toString() };
    case 'float': {
      const t = lit.text;
      if (t === 'nan' || t === 'inf' || t === '-inf') return { kind: 'float', value: t };
      return { kind: 'float', value: Number(t) };
    }
    case 'string':
      return { kind: 'string', value: lit.value };
    case 'bool':
      return { kind: 'bool', value: lit.value };
    case 'none':
      return { kind: 'none' };
    case 'name':
      return { kind: 'string', value: lit.name.parts.map((p) => p.text).join('.') };
    case 'list':
      return { kind: 'list', items: lit.items.map(rawValue) };
    case 'map':
      return { kind: 'map', entries: lit.entries.map((e) => ({ key: rawValue(e.key), value: rawValue(e.value) })) };
  }
}
