import type { Either, Left } from 'fp-ts/lib/Either';

/**
 * fp-ts's `isLeft` for the `Either` that io-ts's `decode` returns, without importing fp-ts at run
 * time: `fp-ts/Either` is a directory import that Node's ESM loader refuses, `fp-ts/lib/Either` is
 * CommonJS that bundlers cannot tree-shake, and the `fp-ts` index costs a browser bundle 12 KB.
 * The tag is part of fp-ts's documented data type (`readonly _tag: 'Left'`).
 *
 * @example
 * ```ts
 * const result = codecs.HereNowSingleBody.decode(body);
 * if (isLeft(result)) console.log(toIssues(result.left));
 * ```
 */
export const isLeft = <E, A>(either: Either<E, A>): either is Left<E> => either._tag === 'Left';
