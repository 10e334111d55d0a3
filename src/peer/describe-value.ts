// How an error message shows the value it refuses: the one describer every message builder
// uses (the observable layer re-exports it). Pure, and total: a message builder must never
// throw while reporting a bad value (a null-prototype object has no toString, a Symbol
// refuses implicit string conversion, a Proxy's traps may throw).

/** A short description of any value for an error message: `"x"`, `42n`, `Symbol(a)`, `an array of 2`, `a Map`. Never throws. */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string':
        return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
      case 'bigint':
        return `${value.toString()}n`;
      case 'symbol':
        return value.description === undefined ? 'a Symbol' : `Symbol(${value.description})`;
      case 'function':
        return 'a function';
      case 'undefined':
        return 'undefined';
      case 'object': {
        if (value === null) return 'null';
        if (Array.isArray(value)) return `an array of ${value.length}`;
        const proto: unknown = Object.getPrototypeOf(value);
        if (proto === null) return 'an object with a null prototype';
        const name = (proto as { constructor?: { name?: unknown } }).constructor?.name;
        return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'an object';
      }
      default:
        return Object.is(value, -0) ? '-0' : String(value);
    }
  } catch {
    return 'an unreadable value';
  }
}

/** A string or number as itself (for ids, codes and reasons in messages), anything else described. Never throws. */
export function describeText(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : describeValue(value);
}
