// --help for the example programs: prints the usage and exits 0; `-h` too. Anything that
// looks like an option the program does not take prints the usage and exits 2.

/** True when the program should stop: the usage was printed and process.exitCode set. */
export function handledHelp(usage: string, argv: string[], options: readonly string[] = []): boolean {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${usage.trim()}\n`);
    process.exitCode = 0;
    return true;
  }
  const unknown = argv.find((arg) => arg.startsWith('-') && !options.some((option) => arg === option || arg.startsWith(`${option}=`)));
  if (unknown !== undefined) {
    process.stderr.write(`unknown option ${unknown}\n${usage.trim()}\n`);
    process.exitCode = 2;
    return true;
  }
  return false;
}
