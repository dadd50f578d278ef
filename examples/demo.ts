/**
 * `npm run demo`: presence, live, with no account and no network.
 *
 * A presence emulator starts inside this process. Five simulated users come and go on two
 * channels, each with its own {@link Presence} client, and a sixth client watches with
 * `presenceEvents$` and renders what it sees. One user "crashes": it stops heartbeating without
 * saying goodbye, so the server times it out. The demo ends by itself after 30 s, or on Ctrl-C;
 * either way every user still present announces leave first.
 *
 * ```sh
 * npm run demo                        # 30 s against the in-process emulator
 * npm run demo -- --duration 60       # longer
 * npm run demo -- --short             # 10 s, faster timings (what the spec runs)
 * npm run demo -- --origin https://ps.pndsn.com --sub-key sub-c-… --pub-key pub-c-…
 * ```
 *
 * The parts, in reading order:
 *   1. settings: flags and `RX_PRESENCE_*` environment variables;
 *   2. the simulated users: `heartbeat$` to be present, unsubscribe to leave, `setState`, and a
 *      raw `announceHeartbeat` loop for the one that crashes;
 *   3. the screenplay: who does what, when;
 *   4. the watcher: `presenceEvents$` for the log, `roster$` for who is here (sharing one poll),
 *      `status$` for the connection;
 *   5. the screen: a redrawn dashboard on a terminal, plain lines when piped;
 *   6. main: wiring, the end, Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { exhaustMap, firstValueFrom, race, Subject, Subscription, timer } from 'rxjs';
import { endHeartbeats, Keyset, Presence, StateInfo, type PresenceState, type Roster } from 'rx-presence';
import { startEmulator, type Emulator, type EmulatorPresenceEvent } from 'rx-presence/emulator';

// ─── 1. Settings ─────────────────────────────────────────────────────────────────────────────

const CHANNELS = ['lobby', 'games'];
/** The shortest poll the library allows: the real service caches here-now answers for 3 s. */
const WATCH_INTERVAL_S = 3;
/** Ctrl-C or the end waits at most this long for the leaves to be answered. */
const LEAVE_WAIT_MS = 3000;

interface Settings {
  readonly durationS: number;
  /** Presence timeout of every simulated user: how soon a silent user times out. */
  readonly heartbeatS: number;
  /** Seconds between heartbeats. */
  readonly intervalS: number;
  /** Absent: start the emulator in this process. */
  readonly origin?: string;
  readonly subscribeKey: string;
  readonly publishKey: string;
}

const USAGE = `Usage: npm run demo -- [--duration S] [--short] [--origin URL --sub-key KEY --pub-key KEY]

  --duration S     run for S seconds, 8 to 3600 (default 30; 10 with --short)
  --short          a quick run with scaled-down timings (used by the spec)
  --origin URL     run against this service instead of the in-process emulator (env RX_PRESENCE_ORIGIN)
  --sub-key KEY    subscribe key (env RX_PRESENCE_SUB_KEY; default demo)
  --pub-key KEY    publish key (env RX_PRESENCE_PUB_KEY; default demo)`;

class UsageError extends Error {}

function readSettings(args: string[], env: NodeJS.ProcessEnv): Settings | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        duration: { type: 'string' },
        short: { type: 'boolean', default: false },
        origin: { type: 'string' },
        'sub-key': { type: 'string' },
        'pub-key': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return undefined;
  const durationS = values.duration === undefined ? (values.short ? 10 : 30) : Number(values.duration);
  if (!(durationS >= 8 && durationS <= 3600)) throw new UsageError(`--duration must be a number of seconds from 8 to 3600, got "${values.duration}"`);
  // Everything scales with the run so that the crash's timeout lands before the end, and before
  // the watcher's last poll: 30 s gives a 6 s presence timeout with a heartbeat every 2 s; 10 s
  // gives 3 s and 1 s. Not below 3 s, so that a busy machine does not time out a healthy user.
  const heartbeatS = Math.min(6, Math.max(3, Math.round(durationS / 5)));
  const origin = values.origin ?? env.RX_PRESENCE_ORIGIN;
  return {
    durationS,
    heartbeatS,
    intervalS: heartbeatS / 3,
    ...(origin ? { origin } : {}),
    subscribeKey: values['sub-key'] ?? env.RX_PRESENCE_SUB_KEY ?? 'demo',
    publishKey: values['pub-key'] ?? env.RX_PRESENCE_PUB_KEY ?? 'demo',
  };
}

// ─── 2. The simulated users ──────────────────────────────────────────────────────────────────

/** Where the users report what they do, for the log. */
type Narrate = (text: string) => void;

/**
 * A user who is present the way an app would do it: a `heartbeat$` subscription. Subscribing
 * announces presence (with state) and keeps it alive; unsubscribing announces leave.
 */
class User {
  private subscription?: Subscription;
  private channels: string[] = [];

  constructor(
    readonly name: string,
    readonly presence: Presence,
    private readonly settings: Settings,
    private readonly narrate: Narrate,
  ) {}

  /** Becomes present on `channels`, holding `state` on each. */
  join(channels: string[], state?: PresenceState): void {
    this.channels = channels;
    this.subscribe(state);
    this.narrate(`${this.name} joins ${channels.join(', ')}${state ? ` with ${JSON.stringify(state)}` : ''}`);
  }

  /**
   * Changes state by resubscribing with the new one. `heartbeat$` sends its state with every
   * beat, so a `setState` next to it would be overwritten by the next beat. Unsubscribing and
   * resubscribing in the same tick sends no leave: the shared heartbeat loop sees the channel
   * claimed again before its leave goes out.
   */
  changeState(state: PresenceState): void {
    this.subscription?.unsubscribe();
    this.subscribe(state);
    this.narrate(`${this.name} changes state to ${JSON.stringify(state)} (resubscribes heartbeat$ with it)`);
  }

  /** Sets state the one-shot way; fine for a user whose `heartbeat$` carries no state. */
  setState(state: PresenceState): void {
    this.narrate(`${this.name} calls setState(${JSON.stringify(state)})`);
    this.presence.setState(state, { channels: this.channels }).subscribe({ error: (e: Error) => this.narrate(`${this.name}: ${e.message}`) });
  }

  /** Leaves: unsubscribing is all it takes, `heartbeat$` announces the leave. */
  leave(): void {
    this.narrate(`${this.name} leaves (unsubscribes from heartbeat$)`);
    this.subscription?.unsubscribe();
    this.subscription = undefined;
  }

  /** For the end and Ctrl-C: ends the heartbeats and waits until the leave is answered. */
  async leaveAndWait(): Promise<void> {
    if (this.subscription === undefined) return;
    this.narrate(`${this.name} leaves`);
    await endHeartbeats(this.presence.context, LEAVE_WAIT_MS);
    this.subscription = undefined;
  }

  private subscribe(state: PresenceState | undefined): void {
    const { heartbeatS: heartbeat, intervalS: interval } = this.settings;
    const perChannel = state && Object.fromEntries(this.channels.map((channel) => [channel, state]));
    this.subscription = this.presence
      .heartbeat$({ channels: this.channels, heartbeat, interval, ...(perChannel ? { state: perChannel } : {}) })
      .subscribe({
        next: (event) => event.type === 'failed' && this.narrate(`${this.name}: heartbeat failed, retrying: ${event.error.message}`),
        error: (error: Error) => this.narrate(`${this.name}: ${error.message}`),
      });
  }
}

/**
 * A user whose app dies: it heartbeats with a plain loop of `announceHeartbeat` calls, which
 * `crash()` just stops. No leave is sent (`heartbeat$` would always send one), so the server
 * keeps the user until the presence timeout runs out, then reports a `timeout`.
 */
class CrashingUser {
  private loop?: Subscription;
  private channels: string[] = [];

  constructor(
    readonly name: string,
    readonly presence: Presence,
    private readonly settings: Settings,
    private readonly narrate: Narrate,
  ) {}

  join(channels: string[]): void {
    this.channels = channels;
    const { heartbeatS: heartbeat, intervalS } = this.settings;
    this.loop = timer(0, intervalS * 1000)
      .pipe(exhaustMap(() => this.presence.announceHeartbeat({ channels, heartbeat })))
      .subscribe({ error: (error: Error) => this.narrate(`${this.name}: ${error.message}`) });
    this.narrate(`${this.name} joins ${channels.join(', ')} (a plain announceHeartbeat loop)`);
  }

  crash(): void {
    this.loop?.unsubscribe();
    this.loop = undefined;
    this.narrate(`${this.name} crashes: heartbeats stop, no leave; expect a timeout within ${this.settings.heartbeatS} s`);
  }

  /** Ctrl-C before the crash: this one leaves politely too. */
  async leaveAndWait(): Promise<void> {
    if (this.loop === undefined) return;
    this.loop.unsubscribe();
    this.loop = undefined;
    this.narrate(`${this.name} leaves`);
    await firstValueFrom(this.presence.announceLeave({ channels: this.channels })).catch(() => undefined);
  }
}

// ─── 3. The screenplay ───────────────────────────────────────────────────────────────────────

interface Cast {
  readonly alice: User;
  readonly bob: User;
  readonly carol: CrashingUser;
  readonly dave: User;
  readonly eve: User;
}

/** Who does what, at which fraction of the run. The crash is early enough for its timeout to show. */
function screenplay({ alice, bob, carol, dave, eve }: Cast): readonly [at: number, act: () => void][] {
  return [
    [0.0, () => alice.join(['lobby'], { mood: 'curious' })],
    [0.07, () => bob.join(['lobby', 'games'], { mood: 'playful' })],
    [0.13, () => carol.join(['lobby'])],
    [0.2, () => dave.join(['games'])],
    [0.3, () => alice.changeState({ mood: 'busy' })],
    [0.35, () => carol.crash()],
    [0.45, () => dave.setState({ score: 42 })],
    [0.55, () => bob.leave()],
    [0.65, () => eve.join(['lobby'], { mood: 'new here' })],
    [0.8, () => dave.leave()],
  ];
}

// ─── 4. The watcher ──────────────────────────────────────────────────────────────────────────

/**
 * What any client can know. `presenceEvents$` polls here-now and diffs the snapshots into join,
 * leave and state-change events, for the log; `roster$` with the same options shares that poll and
 * gives who is here now, once per change, for the roster; `status$` says when the watcher cannot
 * reach the service (and the roster is stale).
 */
function watch(watcher: Presence, screen: Screen): Subscription {
  const options = { channels: CHANNELS, interval: WATCH_INTERVAL_S, stateInfo: StateInfo.all };
  const subscription = watcher.presenceEvents$(options).subscribe({
    next: (event) => screen.line('watcher', eventText(event.action, event.channel, event.uuid, event.occupancy, event.state), event.timestamp),
    error: (error: Error) => screen.line('watcher', `stopped: ${error.message}`),
  });
  subscription.add(watcher.roster$(options).subscribe({ next: (roster) => screen.showRoster(roster), error: () => undefined }));
  subscription.add(
    watcher.status$.subscribe((streams) => {
      for (const s of streams) if (s.state === 'retrying' || s.state === 'failed') screen.line('watcher', `${s.stream} ${s.state} (attempt ${s.attempt}): ${s.error?.message ?? ''}`);
    }),
  );
  return subscription;
}

/**
 * What only the server knows, when the server is ours: its exact events, `timeout` included.
 * Logged until the emulator closes, so the goodbyes at the end show too. Returns live counts
 * per action, for the summary.
 */
function showServerEvents(emulator: Emulator, subscribeKey: string, screen: Screen): ReadonlyMap<string, number> {
  const counts = new Map<string, number>();
  emulator.events$.subscribe((e: EmulatorPresenceEvent) => {
    if (e.subscribeKey !== subscribeKey) return;
    counts.set(e.action, (counts.get(e.action) ?? 0) + 1);
    screen.line('emulator', eventText(e.action, e.channel, e.uuid, e.occupancy, e.data));
  });
  return counts;
}

// ─── 5. The screen ───────────────────────────────────────────────────────────────────────────

type Voice = 'script' | 'watcher' | 'emulator';

const hhmmss = (ms: number) => new Date(ms).toTimeString().slice(0, 8);
const stateText = (state: unknown) => (state === undefined || (typeof state === 'object' && state !== null && Object.keys(state).length === 0) ? '' : JSON.stringify(state));
const eventText = (action: string, channel: string, uuid: string, occupancy: number, state: unknown) =>
  `${action.padEnd(12)}  ${channel.padEnd(5)}  ${uuid.padEnd(5)}  ${occupancy} here  ${stateText(state)}`.trimEnd();

/**
 * Renders the demo. On a terminal it redraws a dashboard (roster on top, the latest log lines
 * below); when stdout is piped it prints every log line once, in order, so a spec or a file
 * gets the whole story.
 */
class Screen {
  private readonly log: string[] = [];
  private readonly started = Date.now();
  private roster: Roster | undefined;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly header: readonly string[],
    private readonly durationS: number,
  ) {
    if (!this.live) for (const line of header) out.write(`${line}\n`);
  }

  /** A terminal gets the dashboard; anything else (a pipe, a file, the spec) plain lines. */
  get live(): boolean {
    return this.out.isTTY === true;
  }

  line(voice: Voice, text: string, at = Date.now()): void {
    const entry = `${hhmmss(at)}  ${voice.padEnd(8)}  ${text}`;
    this.log.push(entry);
    if (this.live) this.draw();
    else this.out.write(`${entry}\n`);
  }

  /** Each channel's members as `[uuid, state]`, in order of arrival. */
  private occupants(channel: string): Array<[string, unknown]> {
    return [...(this.roster?.channels.get(channel)?.members.values() ?? [])].map((m) => [m.uuid, m.state]);
  }

  /** A new roster (`roster$` emits once per change): redrawn on a terminal, one line per channel otherwise. */
  showRoster(roster: Roster): void {
    this.roster = roster;
    if (this.live) return this.draw();
    for (const channel of CHANNELS) {
      const occupants = this.occupants(channel);
      const who = occupants.map(([uuid, state]) => `${uuid}${stateText(state) ? ` ${stateText(state)}` : ''}`).join(', ');
      this.line('watcher', `  ${channel}: ${occupants.length} here${who ? ` (${who})` : ''}${roster.stale ? ' (stale: reconnecting)' : ''}`);
    }
  }

  draw(): void {
    if (!this.live) return;
    const elapsed = Math.min(this.durationS, Math.round((Date.now() - this.started) / 1000));
    const rows = this.out.rows ?? 40;
    const top = [
      ...this.header,
      '',
      `Who is here, as the watcher's roster$ sees it (${elapsed} s of ${this.durationS} s)${this.roster?.stale ? ', stale: reconnecting' : ''}:`,
      ...CHANNELS.flatMap((channel) => {
        const occupants = this.occupants(channel);
        return [`  ${channel}  ${occupants.length} here`, ...occupants.map(([uuid, state]) => `      ${uuid.padEnd(6)} ${stateText(state)}`.trimEnd())];
      }),
      '',
      'Event log:',
    ];
    const room = Math.max(5, rows - top.length - 1);
    // Clear and home, then the whole frame: simple, and flicker-free enough at these rates.
    this.out.write(`\x1b[2J\x1b[H${[...top, ...this.log.slice(-room)].join('\n')}\n`);
  }
}

// ─── 6. Main ─────────────────────────────────────────────────────────────────────────────────

async function main(): Promise<number> {
  let settings: Settings | undefined;
  try {
    settings = readSettings(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`demo: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  if (settings === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  // The emulator answers here-now fresh every time (the service caches 3 s) so the demo is snappy.
  const emulator: Emulator | undefined = settings.origin === undefined ? await startEmulator({ port: 0, hereNowCacheMs: 0 }) : undefined;
  const origin = settings.origin ?? emulator!.url;
  const { subscribeKey, publishKey, durationS } = settings;

  // One client per user, as if each ran on their own device; all on the same keyset.
  const clientFor = (userId: string) => new Presence({ defaultKeyset: new Keyset({ subscribeKey, publishKey, userId }), origin });

  const screen = new Screen(process.stdout, headerLines(settings, origin, emulator !== undefined), durationS);
  const serverCounts = emulator && showServerEvents(emulator, subscribeKey, screen);

  // Everything that stops when time is up: the watcher, the screenplay, the redraw ticker.
  const show = watch(clientFor('watcher'), screen);
  if (screen.live) show.add(timer(0, 1000).subscribe(() => screen.draw()));
  const narrate: Narrate = (text) => screen.line('script', text);
  const cast: Cast = {
    alice: new User('alice', clientFor('alice'), settings, narrate),
    bob: new User('bob', clientFor('bob'), settings, narrate),
    carol: new CrashingUser('carol', clientFor('carol'), settings, narrate),
    dave: new User('dave', clientFor('dave'), settings, narrate),
    eve: new User('eve', clientFor('eve'), settings, narrate),
  };
  for (const [at, act] of screenplay(cast)) show.add(timer(at * durationS * 1000).subscribe(act));

  // The end: time is up, or Ctrl-C. A second Ctrl-C is swallowed so the leaves can finish;
  // they are bounded by LEAVE_WAIT_MS, so the demo still ends.
  const interrupted$ = new Subject<'interrupted'>();
  const onSignal = () => interrupted$.next('interrupted');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // `npm run demo | head` closing the pipe is an ending too, not a crash.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' ? onSignal() : undefined));
  const ending = await firstValueFrom(race(timer(durationS * 1000), interrupted$));
  screen.line('script', ending === 'interrupted' ? 'Ctrl-C: everyone still present leaves' : 'time is up: everyone still present leaves');
  show.unsubscribe();
  await Promise.all([cast.alice, cast.bob, cast.carol, cast.dave, cast.eve].map((user) => user.leaveAndWait()));
  await emulator?.close();
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  if (serverCounts) {
    const summary = ['join', 'state-change', 'leave', 'timeout'].map((action) => `${serverCounts.get(action) ?? 0} ${action}`).join(', ');
    screen.line('emulator', `done: ${summary}`);
  } else screen.line('script', 'done');
  return 0;
}

/** What the demo is about to show, and how to read it. */
function headerLines({ durationS, heartbeatS, intervalS, subscribeKey }: Settings, origin: string, inProcess: boolean): string[] {
  const every = Number(intervalS.toFixed(2));
  return [
    `rx-presence demo: 5 simulated users on ${CHANNELS.join(' and ')} for ${durationS} s; Ctrl-C ends it early (everyone still present leaves first).`,
    inProcess
      ? `Emulator running in this process at ${origin}, sub-key ${subscribeKey}.`
      : `Service at ${origin}, sub-key ${subscribeKey}: its own events are not visible from here.`,
    `Users heartbeat every ${every} s with a ${heartbeatS} s presence timeout. The log has ${inProcess ? 'three' : 'two'} voices:`,
    '  script    what a simulated user does (subscribe heartbeat$, unsubscribe, setState, crash)',
    `  watcher   what presenceEvents$ reports, polling here-now every ${WATCH_INTERVAL_S} s, and who is here (roster$, the same poll): the view any client gets`,
    ...(inProcess ? ['  emulator  the exact events inside the server (emulator.events$): join, leave, timeout, state-change'] : []),
    'Polling cannot tell a leave from a timeout: the watcher reports both as "leave"; only the server knows "timeout".',
  ];
}

main().then(
  (code) => {
    process.exitCode = code;
    // Nothing should be left running; this only guards against a stray socket keeping us alive.
    setTimeout(() => process.exit(code), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`demo: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
