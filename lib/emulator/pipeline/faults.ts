/**
 * Injected faults (see `EmulatorFaults`): which covered requests fail and how, decided request by
 * request with a seeded PRNG, and the wrapper that puts them in front of the pipeline.
 */
import { STATUS_CODES } from 'node:http';
import { formatTimetoken } from '../model/timetoken';
import type { EmulatorFaultKind, EmulatorFaults, EmulatorOperation } from '../types';
import type { Answer, Outcome } from './pipeline';
import { presenceReply, replies, type Reply } from './responses';

/**
 * Longest delay `setTimeout` takes (about 24.8 days): the bound of every delay the emulator sets.
 *
 * @example
 * ```ts
 * Math.min(delayMs, MAX_TIMER_MS);
 * ```
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const OPERATIONS: readonly EmulatorOperation[] = [
  'heartbeat', 'leave', 'hereNow', 'globalHereNow', 'whereNow', 'setState', 'getState', 'channelGroup', 'time', 'subscribe', 'unknown',
];
const DEFAULT_OPERATIONS = OPERATIONS.filter((operation) => operation !== 'time');
const DEFAULT_ERROR_STATUSES: readonly number[] = [500, 503, 429];

/**
 * mulberry32: a tiny, fast 32-bit PRNG, good enough to pick faults reproducibly.
 *
 * @returns A function giving the next number in [0, 1) on each call.
 *
 * @example
 * ```ts
 * const next = mulberry32(42);
 * next(); // 0.6011037519201636, every time with seed 42
 * ```
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What happens to one covered request: wait `latencyMs`, then answer normally (`kind` undefined)
 * or apply the fault.
 *
 * @example
 * ```ts
 * const decision: FaultDecision = { latencyMs: 40, kind: 'error', status: 503 };
 * ```
 */
interface FaultDecision {
  readonly latencyMs: number;
  readonly kind: EmulatorFaultKind | undefined;
  /** For `error`: the status to answer with. */
  readonly status: number;
}

const fail = (what: string, rule: string, value: unknown): never => {
  throw new RangeError(`faults${what === '' ? '' : `.${what}`} must be ${rule}, got ${JSON.stringify(value) ?? String(value)}`);
};

const rate = (faults: EmulatorFaults, name: keyof EmulatorFaults): number => {
  const value = faults[name] ?? 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) fail(name, 'a number from 0 to 1', value);
  return value as number;
};

const delay = (value: unknown, what: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_TIMER_MS) {
    fail(what, `a number of ms from 0 to ${MAX_TIMER_MS}`, value);
  }
  return value as number;
};

/** The fault kinds in the order their shares are stacked on [0, 1). */
const KINDS: readonly (readonly [EmulatorFaultKind, keyof EmulatorFaults])[] = [
  ['error', 'errorRate'],
  ['reset', 'resetRate'],
  ['hang', 'hangRate'],
  ['truncate', 'truncateRate'],
  ['garbage', 'garbageRate'],
  ['false200', 'false200Rate'],
];

/**
 * Decides, request by request, which covered requests are faulted and how; see
 * {@link EmulatorFaults}. The constructor validates the faults and throws a `RangeError` naming
 * the first bad field.
 *
 * @example
 * ```ts
 * const injector = new FaultInjector({ seed: 1, errorRate: 0.5 });
 * injector.decide('heartbeat'); // { latencyMs: 0, kind: 'error', status: 503 } or { latencyMs: 0, kind: undefined, … }
 * injector.decide('time');      // undefined: not covered by default
 * ```
 */
export class FaultInjector {
  /** Seconds sent in `Retry-After` with a 429 or 503. */
  readonly retryAfterSeconds: number;
  private readonly covered: ReadonlySet<EmulatorOperation>;
  private readonly latency: readonly [number, number];
  private readonly statuses: readonly number[];
  /** Upper bound of each kind's share on [0, 1), in {@link KINDS} order. */
  private readonly bounds: readonly number[];
  private readonly random: () => number;

  constructor(faults: EmulatorFaults) {
    if (typeof faults !== 'object' || faults === null || Array.isArray(faults)) fail('', 'an object', faults);
    const known = new Set<string>([
      'seed', 'operations', 'latencyMs', 'errorRate', 'errorStatuses', 'retryAfterSeconds',
      'resetRate', 'hangRate', 'truncateRate', 'garbageRate', 'false200Rate',
    ]);
    for (const key of Object.keys(faults)) if (!known.has(key)) throw new RangeError(`faults: unknown field "${key}"`);
    const seed = faults.seed ?? 1;
    if (typeof seed !== 'number' || !Number.isInteger(seed)) fail('seed', 'an integer', seed);
    this.random = mulberry32(seed);

    const operations = faults.operations ?? DEFAULT_OPERATIONS;
    if (!Array.isArray(operations)) fail('operations', 'an array of operations', operations);
    for (const operation of operations) {
      if (!OPERATIONS.includes(operation)) fail('operations', `a list of ${OPERATIONS.join(', ')}`, operation);
    }
    this.covered = new Set(operations);

    const latency = faults.latencyMs ?? 0;
    if (Array.isArray(latency)) {
      if (latency.length !== 2) fail('latencyMs', 'a number or [min, max]', latency);
      const [min, max] = [delay(latency[0], 'latencyMs[0]'), delay(latency[1], 'latencyMs[1]')];
      if (min > max) fail('latencyMs', 'a number or [min, max] with min ≤ max', latency);
      this.latency = [min, max];
    } else {
      const fixed = delay(latency, 'latencyMs');
      this.latency = [fixed, fixed];
    }

    const statuses = faults.errorStatuses ?? DEFAULT_ERROR_STATUSES;
    if (!Array.isArray(statuses) || statuses.length === 0) fail('errorStatuses', 'a non-empty array of statuses', statuses);
    for (const status of statuses) {
      if (!Number.isInteger(status) || status < 400 || status > 599) fail('errorStatuses', 'a list of HTTP statuses from 400 to 599', status);
    }
    this.statuses = statuses;

    const retryAfter = faults.retryAfterSeconds ?? 1;
    if (!Number.isInteger(retryAfter) || retryAfter < 0) fail('retryAfterSeconds', 'a whole number ≥ 0', retryAfter);
    this.retryAfterSeconds = retryAfter;

    let total = 0;
    this.bounds = KINDS.map(([, field]) => (total += rate(faults, field)));
    if (total > 1 + 1e-9) throw new RangeError(`faults: the rates add up to ${total}, more than 1`);
  }

  /**
   * The decision for the next request, `undefined` when `operation` is not covered (nothing is
   * drawn then). A covered request always draws three numbers (kind, status, latency).
   */
  decide(operation: EmulatorOperation): FaultDecision | undefined {
    if (!this.covered.has(operation)) return undefined;
    const pick = this.random();
    const statusPick = this.random();
    const latencyPick = this.random();
    let kind: EmulatorFaultKind | undefined;
    for (let i = 0; i < KINDS.length; i++) {
      if (pick < this.bounds[i]) {
        kind = KINDS[i][0];
        break;
      }
    }
    const [min, max] = this.latency;
    return {
      kind,
      status: this.statuses[Math.min(this.statuses.length - 1, Math.floor(statusPick * this.statuses.length))],
      latencyMs: min === max ? min : min + Math.floor(latencyPick * (max - min + 1)),
    };
  }
}

/** The 429 body the SDKs' tests use, compact JSON (protocol.md §11.1). */
const TOO_MANY_REQUESTS: Reply = {
  ...presenceReply(429, {}),
  body: JSON.stringify({ status: 429, error: true, message: 'Too Many Requests', service: 'Presence' }),
};

/** The "false 200": HTTP 200 with an error body (protocol.md §11.1). */
const FALSE_200: Reply = {
  ...presenceReply(200, {}),
  body: JSON.stringify({ status: 503, message: 'Service Unavailable', error: 1, service: 'Presence' }),
};

/** What a proxy or captive portal sends: 200, but HTML. */
const GARBAGE: Reply = {
  status: 200,
  body:
    '<!DOCTYPE html>\n<html><head><title>Service Temporarily Unavailable</title></head>' +
    '<body><h1>Service Temporarily Unavailable</h1><p>Please try again later.</p></body></html>\n',
  contentType: 'text/html; charset=utf-8',
  server: 'Pubnub',
};

/**
 * The protocol's error body for `status`: the SDKs' 429, the Presence service's 500, and for any
 * other status the Presence error shape with the standard reason phrase (`Service Unavailable` for
 * 503). A 429 or 503 says `Retry-After: retryAfterSeconds`.
 */
function errorReply(status: number, retryAfterSeconds: number): Reply {
  const reply =
    status === 429 ? TOO_MANY_REQUESTS
    : status === 500 ? replies.internalError()
    : replies.presenceError(status, STATUS_CODES[status] ?? 'Error');
  return status === 429 || status === 503 ? { ...reply, headers: { 'Retry-After': String(retryAfterSeconds) } } : reply;
}

/** A success body of the kind `operation` answers, for truncation. */
const sampleBody = (operation: EmulatorOperation, nowMs: number): Reply => {
  switch (operation) {
    case 'leave':
      return replies.leave();
    case 'hereNow':
      return replies.hereNowSingle({ uuids: [], occupancy: 0 });
    case 'globalHereNow':
      return replies.hereNowMulti({}, 0);
    case 'whereNow':
      return replies.whereNow([]);
    case 'setState':
    case 'getState':
      return replies.setState({});
    case 'channelGroup':
      return replies.registryOk();
    case 'time':
      return replies.time(nowMs);
    case 'subscribe':
      return replies.subscribe(formatTimetoken(BigInt(Math.max(0, Math.floor(nowMs))) * 10_000n), []);
    default:
      return replies.heartbeat();
  }
};

/** The reply a `truncate`, `garbage` or `false200` fault sends (all HTTP 200). */
function bodyReply(kind: 'truncate' | 'garbage' | 'false200', operation: EmulatorOperation, nowMs: number): Reply {
  if (kind === 'garbage') return GARBAGE;
  if (kind === 'false200') return FALSE_200;
  const whole = sampleBody(operation, nowMs);
  // Any proper prefix of a JSON object or array is invalid JSON.
  return { ...whole, body: whole.body.slice(0, Math.max(1, Math.floor(whole.body.length / 2))) };
}

/** What a faulted request turns into. It is never processed: no presence change, no event. */
function faultOutcome(kind: EmulatorFaultKind, decision: FaultDecision, operation: EmulatorOperation, retryAfterSeconds: number, nowMs: number): Outcome {
  switch (kind) {
    case 'reset':
    case 'hang':
      return { kind: 'drop', fault: kind };
    case 'error':
      return { kind: 'reply', reply: errorReply(decision.status, retryAfterSeconds), fault: kind };
    default:
      return { kind: 'reply', reply: bodyReply(kind, operation, nowMs), fault: kind };
  }
}

/**
 * `answer` with `faults` in front of it. A covered request is routed once, to know its operation;
 * its decision is drawn; it waits its latency (a `delayed` outcome); then it is either answered by
 * `answer` as if nothing happened, or faulted and not processed at all. Requests that are not
 * covered, and covered ones drawn neither a fault nor a latency, go straight to `answer`.
 *
 * @example
 * ```ts
 * const flaky = withFaults(pipeline(deps), new FaultInjector({ seed: 7, errorRate: 0.2 }));
 * flaky(new IncomingRequest('GET', url), Date.now()); // 1 in 5 is { kind: 'reply', reply: <5xx or 429>, fault: 'error' }
 * ```
 */
export function withFaults(answer: Answer, faults: FaultInjector): Answer {
  return (request, now) => {
    const operation = request.operationOf();
    const decision = faults.decide(operation);
    if (decision === undefined || (decision.kind === undefined && decision.latencyMs <= 0)) return answer(request, now);
    const { kind } = decision;
    const apply = (at: number): Outcome =>
      kind === undefined ? answer(request, at) : faultOutcome(kind, decision, operation, faults.retryAfterSeconds, at);
    // A client that gives up during the delay takes its request with it: it is never processed.
    return decision.latencyMs > 0 ? { kind: 'delayed', ms: decision.latencyMs, next: apply } : apply(now);
  };
}
