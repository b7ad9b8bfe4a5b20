// A bare Node process: answers one line as soon as it runs, then waits for stdin to close. What
// "start-up to the first answer" costs with nothing of ours loaded.
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
