import { InvalidArgumentError } from 'commander';

/*
 * Commander argument parsers. They throw commander's `InvalidArgumentError`, so commander names
 * the flag and the value in the message (`option '--port <n>' argument 'x' is invalid. …`) and a
 * typo is exit 2 with one line, before any request is made.
 */

/**
 * A whole number within bounds.
 *
 * @example
 * ```ts
 * new Option('--port <n>').argParser(wholeNumber(0, 65535));
 * ```
 */
export function wholeNumber(min: number, max: number): (text: string) => number {
  return (text) => {
    const value = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
    if (!(value >= min && value <= max)) throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    return value;
  };
}

/**
 * A number of seconds, fractions allowed, at least `min` (and more than 0).
 *
 * @example
 * ```ts
 * seconds(3)('2.5'); // throws: Expected a number of seconds, at least 3.
 * ```
 */
export function seconds(min: number): (text: string) => number {
  return (text) => {
    const value = text.trim() === '' ? NaN : Number(text);
    if (!Number.isFinite(value) || value < min || value <= 0) {
      throw new InvalidArgumentError(min > 0 ? `Expected a number of seconds, at least ${min}.` : 'Expected a number of seconds, more than 0.');
    }
    return value;
  };
}

/**
 * A JSON object (presence state is always one).
 *
 * @example
 * ```ts
 * jsonObject('{"mood":"ok"}'); // { mood: 'ok' }
 * ```
 */
export function jsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new InvalidArgumentError(`Expected JSON: ${(error as Error).message}.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    const got = Array.isArray(value) ? 'an array' : value === null ? 'null' : typeof value;
    throw new InvalidArgumentError(`Expected a JSON object such as '{"mood":"ok"}', got ${got}.`);
  }
  return value as Record<string, unknown>;
}

/**
 * Collects a variadic list of names; commas split too (`--groups a,b c`), since the protocol
 * forbids commas in names anyway.
 *
 * @example
 * ```ts
 * new Option('--groups <groups...>').argParser(nameList);
 * ```
 */
export function nameList(text: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...text.split(',').filter((name) => name !== '')];
}
