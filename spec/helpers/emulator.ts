import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import PubNub from 'pubnub';
import type { Emulator, EmulatorClock } from '../../lib/emulator';

/** A clock the test moves by hand. Starts at the real time so SDK-made timestamps stay fresh. */
export class ManualClock implements EmulatorClock {
  constructor(public ms: number = Date.now()) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** A fresh subscribe key, so tests sharing one emulator never see each other's presence. */
export const randomKey = (): string => `sub-c-${randomUUID()}`;

/** What a raw request came back with. */
export interface RawResponse {
  readonly status: number;
  readonly contentType: string | null;
  readonly text: string;
  readonly json: unknown;
  readonly headers: Headers;
}

/** GET (or another method) on the emulator with Node's fetch; the path is sent exactly as given. */
export async function request(emulator: Emulator, pathAndQuery: string, method = 'GET'): Promise<RawResponse> {
  const response = await fetch(`${emulator.url}${pathAndQuery}`, { method });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), text, json, headers: response.headers };
}

/** Expects a 200; returns the parsed body. */
export async function ok(emulator: Emulator, pathAndQuery: string): Promise<unknown> {
  const response = await request(emulator, pathAndQuery);
  if (response.status !== 200) throw new Error(`${pathAndQuery} → ${response.status} ${response.text}`);
  return response.json;
}

/**
 * Writes `text` on a raw TCP connection and collects everything the server sends until it closes,
 * for requests `fetch` cannot make (garbage, half-sent headers, oversized request lines).
 */
export function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    // The server may close while we are still writing an oversized request: that is the point.
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    socket.on('close', () => resolve(received));
    socket.write(text);
  });
}

/** The official SDK pointed at the emulator. Call `destroy()` when done. */
export function sdkFor(
  emulator: Emulator,
  subscribeKey: string,
  userId: string,
  extra: Partial<PubNub.PubNubConfiguration> = {},
): PubNub {
  return new PubNub({
    subscribeKey,
    publishKey: 'pub-c-emulator',
    userId,
    origin: emulator.url.replace(/^http:\/\//, ''),
    ssl: false,
    keepAlive: false,
    ...extra,
  });
}

/** One message of a subscribe answer. */
export interface SubscribeMessage {
  readonly a: string;
  readonly f: number;
  readonly p: { readonly t: string; readonly r: number };
  readonly k: string;
  readonly c: string;
  readonly u?: Record<string, unknown>;
  readonly d: Record<string, unknown>;
  readonly b?: string;
}

/** A subscribe answer: `{"t":{"t","r"},"m":[…]}`. */
export interface SubscribeBody {
  readonly t: { readonly t: string; readonly r: number };
  readonly m: readonly SubscribeMessage[];
}

/** `/v2/subscribe/{key}/{channels|,}/0?…`: channels joined with `,` (`,` when none), each query value URL-encoded. */
export function subscribePath(subscribeKey: string, channels: readonly string[], query: Record<string, string | number>): string {
  const names = channels.length === 0 ? ',' : channels.map(encodeURIComponent).join(',');
  const search = Object.entries(query)
    .map(([name, value]) => `${name}=${encodeURIComponent(String(value))}`)
    .join('&');
  return `/v2/subscribe/${encodeURIComponent(subscribeKey)}/${names}/0${search ? `?${search}` : ''}`;
}

/** One subscribe request (handshake or long-poll); resolves with the parsed answer. Pass `signal` to abort it. */
export async function subscribeOnce(emulator: Emulator, pathAndQuery: string, signal?: AbortSignal): Promise<SubscribeBody> {
  const response = await fetch(`${emulator.url}${pathAndQuery}`, { signal });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${pathAndQuery} → ${response.status} ${text}`);
  return JSON.parse(text) as SubscribeBody;
}

/** Resolves once `condition()` holds, checking every few ms; rejects after `timeoutMs`. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
