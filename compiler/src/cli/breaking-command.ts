// `interopc breaking OLD NEW`: prints every change from OLD to NEW that breaks a peer built from
// OLD (compiler/src/compat/), like `check` prints errors, and exits 1 when there is one.

import { breakingChanges } from '../compat/breaking.js';
import { InputError, loadVersion, sourcePathOf, type LoadedVersion } from '../compat/inputs.js';
import { err, EXIT, report, type ErrorFormat } from './commands.js';

export interface BreakingArgs {
  old: string;
  new: string;
  include: string[];
  errorFormat: ErrorFormat;
}

export function breakingCommand(args: BreakingArgs): number {
  let old: LoadedVersion;
  let neu: LoadedVersion;
  try {
    neu = loadVersion(args.new, args.include, sourcePathOf(args.old));
    old = loadVersion(args.old, args.include, sourcePathOf(args.new));
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    err(`interopc breaking: ${e.message}\n`);
    return e.usage ? EXIT.usage : EXIT.io;
  }
  const sources = new Map([...old.sources, ...neu.sources]);
  if (!old.version || !neu.version) {
    report([...old.diagnostics, ...neu.diagnostics], sources, args.errorFormat);
    const which = [old.version ? '' : `the old version (${args.old})`, neu.version ? '' : `the new version (${args.new})`].filter(Boolean);
    err(`interopc breaking: ${which.join(' and ')} ${which.length > 1 ? 'have' : 'has'} errors: fix them first, or compare other versions\n`);
    return EXIT.errors;
  }
  const changes = breakingChanges(old.version, neu.version);
  report(changes, sources, args.errorFormat);
  if (changes.length > 0 && args.errorFormat === 'text') {
    err(`interopc breaking: ${changes.length} breaking change${changes.length === 1 ? '' : 's'} from ${args.old} to ${args.new}\n`);
  }
  return changes.length > 0 ? EXIT.errors : EXIT.ok;
}
