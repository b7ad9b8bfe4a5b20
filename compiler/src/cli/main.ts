// `interopc`: the command line. Parses arguments with yargs and hands over to ./commands.ts.
// Exit codes (docs/cli.md): 0 ok, 1 schema errors, fmt --check differences or breaking changes,
// 2 usage error, 3 I/O or internal error.

import yargs from 'yargs';
import '../targets/index.js';
import { listTargets } from '../targets/registry.js';
import { INTEROPC_VERSION } from '../version.js';
import { breakingCommand } from './breaking-command.js';
import { genCommand } from './gen-command.js';
import {
  checkCommand,
  err,
  EXIT,
  fmtCommand,
  manifestCommand,
  type CommonArgs,
  type ErrorFormat,
} from './commands.js';

function common(argv: { files?: unknown; errorFormat?: unknown; include?: unknown }): CommonArgs {
  return {
    files: (argv.files as string[] | undefined ?? []).map(String),
    errorFormat: (argv.errorFormat as ErrorFormat | undefined) ?? 'text',
    include: (argv.include === undefined ? [] : Array.isArray(argv.include) ? argv.include : [argv.include]).map(String),
  };
}

const includeOption = {
  alias: 'I',
  type: 'string',
  nargs: 1,
  requiresArg: true,
  describe: 'Also look for imports in DIR (repeatable)',
} as const;

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  let failed = false;

  const parser = yargs(argv)
    .scriptName('interopc')
    .usage('$0 <command> [options] FILES...')
    .option('error-format', {
      choices: ['text', 'json'] as const,
      default: 'text' as const,
      global: true,
      describe: 'How diagnostics are printed on stderr',
    })
    .command(
      'check <files..>',
      'Check schemas and report every error',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, describe: '.interop files to check' })
          .option('include', includeOption)
          .example('$0 check chat.interop', 'check one schema and the files it imports')
          .example('$0 check -I common a.interop b.interop', 'imports also in common/')
          .example('$0 check --error-format json chat.interop', 'diagnostics as JSON, for editors and CI'),
      (a) => {
        if (!failed) code = checkCommand(common(a));
      },
    )
    .command(
      'manifest <files..>',
      'Print the IR (the manifest) of the schemas as JSON on stdout',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, describe: '.interop files' })
          .option('include', includeOption)
          .example('$0 manifest chat.interop > chat.manifest.json', 'the manifest the chat module serves'),
      (a) => {
        if (!failed) code = manifestCommand(common(a));
      },
    )
    .command(
      'fmt <files..>',
      'Format schemas (to stdout, or --check, or --write)',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, describe: '.interop files' })
          // No defaults: yargs counts a defaulted option as given, and would call them conflicting.
          .option('check', { type: 'boolean', describe: 'List files that are not formatted; exit 1 if any' })
          .option('write', { type: 'boolean', describe: 'Rewrite files in place' })
          .conflicts('check', 'write')
          .example('$0 fmt chat.interop', 'print the formatted schema')
          .example('$0 fmt --write schemas/*.interop', 'reformat in place')
          .example('$0 fmt --check schemas/*.interop', 'in CI: fail if a file is not formatted'),
      (a) => {
        if (failed) return;
        code = fmtCommand({
          files: common(a).files,
          errorFormat: common(a).errorFormat,
          check: a.check === true,
          write: a.write === true,
        });
      },
    )
    .command(
      'gen <files..>',
      'Generate code for one target language',
      (y) =>
        y
          .positional('files', { type: 'string', array: true, describe: '.interop files to generate code for' })
          .option('lang', {
            type: 'string',
            demandOption: true,
            requiresArg: true,
            describe: `Target language (${listTargets().map((t) => t.id).join(', ') || 'none registered'})`,
          })
          .option('out', { type: 'string', demandOption: true, requiresArg: true, describe: 'Output directory' })
          .option('include', includeOption)
          .option('format', {
            type: 'boolean',
            describe: 'Also run the language formatter (TypeScript: prettier); the output is laid out already',
          })
          .option('check', { type: 'boolean', describe: 'Write nothing; list the files that differ from what the schemas produce and exit 1 if any (CI for checked-in code)' })
          .option('watch', { type: 'boolean', describe: 'Generate, then again whenever a schema (or an import) changes, until Ctrl-C' })
          .conflicts('check', 'watch')
          .example('$0 gen --lang python --out gen/ chat.interop', 'Python code for chat and its imports')
          .example('$0 gen --lang ts --out gen -I lib a.interop', 'TypeScript; imports also in lib/')
          .example('$0 gen --check --lang ts --out src/gen chat.interop', 'in CI: fail if the checked-in code is out of date'),
      async (a) => {
        if (!failed) code = await genCommand({ ...common(a), lang: a.lang, out: a.out, format: a.format === true, check: a.check === true, watch: a.watch === true });
      },
    )
    .command(
      'breaking <old> <new>',
      'Report every change from OLD to NEW that breaks peers built from OLD',
      (y) =>
        y
          .positional('old', { type: 'string', describe: 'The old version: FILE.interop, MANIFEST.json, git:REV:PATH or git:REV' })
          .positional('new', { type: 'string', describe: 'The new version, in the same forms' })
          .option('include', includeOption)
          .example('$0 breaking git:main chat.interop', 'does chat.interop break peers built from it as it is on main?')
          .example('$0 breaking git:v1.0.0:api/chat.interop api/chat.interop', 'against a release tag')
          .example('$0 breaking release.json chat.interop', 'against a manifest (interopc manifest, interop inspect --json)'),
      (a) => {
        if (!failed) code = breakingCommand({ old: String(a.old), new: String(a.new), include: common(a).include, errorFormat: common(a).errorFormat });
      },
    )
    .demandCommand(1, 'Give a command: check, manifest, fmt, gen or breaking')
    .recommendCommands()
    .strict()
    .help()
    .alias('h', 'help')
    .version(INTEROPC_VERSION)
    .epilog(
      'The interop IDL compiler: checks, formats and generates code from .interop files.\n' +
        'Exit codes: 0 ok, 1 schema errors, fmt --check differences or breaking changes,\n2 usage error, ' +
        '3 I/O or internal error. See docs/cli.md.',
    )
    .wrap(100)
    .exitProcess(false)
    // With exitProcess(false), yargs still runs the command's handler after a validation failure;
    // the handlers check `failed` so that a usage error is never followed by a run.
    .fail((msg, e) => {
      failed = true;
      if (e) {
        err(`interopc: internal error: ${e.stack ?? e.message}\n`);
        code = EXIT.io;
      } else {
        err(`interopc: ${msg}\nRun 'interopc --help' or 'interopc <command> --help' for usage.\n`);
        code = EXIT.usage;
      }
    });

  try {
    await parser.parseAsync();
  } catch (e) {
    // yargs rethrows what .fail() saw; the code is already set.
    if (!failed) {
      err(`interopc: internal error: ${(e as Error).stack ?? String(e)}\n`);
      return EXIT.io;
    }
  }
  return code;
}
