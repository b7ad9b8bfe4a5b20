// The same bare child, started through tsx (how a TypeScript plugin runs from source).
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
