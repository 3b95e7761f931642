/**
 * The check of option names that every options object weft takes from a user shares: a misspelt
 * name (`queueSise`, `stuckTimoutMs`) would otherwise leave its setting at the default, silently,
 * and the options people tune are the ones they mistype.
 *
 * Threading: a pure function, any thread.
 */

/**
 * The problem with `options`' names, `where` first, naming every key not in `known` and listing the
 * known ones; undefined when every name is known. Pure; any thread.
 */
export function unknownOptionsProblem(
  options: object,
  known: Iterable<string>,
  where: string,
): string | undefined {
  const names = [...known];
  const unknown = Object.keys(options).filter((key) => !names.includes(key));
  if (unknown.length === 0) return undefined;
  const list = unknown.map((key) => `"${key}"`).join(', ');
  return `${where}: unknown option${unknown.length > 1 ? 's' : ''} ${list} (known: ${names.join(', ')})`;
}
