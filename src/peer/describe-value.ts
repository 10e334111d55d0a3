// How an error message shows the value it refuses. Pure, and total: a message builder must
// never throw while reporting a bad value (a null-prototype object has no toString, a Symbol
// refuses implicit string conversion, a Proxy's traps may throw).

const MAX_SHOWN = 60;

/** A short, safe description of any value, for error messages: `"x"`, `42n`, `Symbol(a)`, `an object`. */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string':
        return shorten(JSON.stringify(value));
      case 'number':
        return Object.is(value, -0) ? '-0' : String(value);
      case 'bigint':
        return `${value.toString()}n`;
      case 'symbol':
        return shorten(value.toString());
      case 'function':
        return 'a function';
      case 'undefined':
        return 'undefined';
      case 'boolean':
        return String(value);
      default:
        if (value === null) return 'null';
        if (Array.isArray(value)) return `an array of length ${value.length}`;
        if (value instanceof Uint8Array) return `a Uint8Array of ${value.byteLength} bytes`;
        if (Object.getPrototypeOf(value) === null) return 'an object with no prototype';
        return `an object (${shorten(typeName(value as object))})`;
    }
  } catch {
    return 'an unreadable value';
  }
}

function typeName(value: object): string {
  const constructor = (value as { constructor?: unknown }).constructor;
  const name = typeof constructor === 'function' ? constructor.name : '';
  return typeof name === 'string' && name !== '' ? name : 'Object';
}

function shorten(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}
