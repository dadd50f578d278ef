import { Subject, type Observable } from 'rxjs';
import { Background } from './background';
import { HereNowCache } from './endpoints/here-now-cache';
import { SubscribeService } from './endpoints/subscribe';
import { Keyspaces } from './model/keyspaces';
import { PresenceFeed } from './model/presence-feed';
import { TimetokenSource } from './model/timetoken';
import { Access } from './pipeline/access';
import { FaultInjector, withFaults } from './pipeline/faults';
import { pipeline, type Answer } from './pipeline/pipeline';
import type { RequestLog } from './request-log';
import type { Settings } from './settings';
import type { EmulatorFaults, EmulatorPresenceEvent } from './types';

/**
 * The presence service the emulator stands for, without HTTP: its state (presence, channel
 * groups, the presence feed, held subscribes), its request pipeline with the injected faults in
 * front, and its background work. `EmulatorServer` feeds it requests over HTTP.
 *
 * @example
 * ```ts
 * const service = new PresenceService(settingsOf({}), new RequestLog(undefined));
 * service.start();
 * service.answer(new IncomingRequest('GET', '/time/0'), Date.now()); // { kind: 'reply', reply: … }
 * service.stop();
 * ```
 */
export class PresenceService {
  /** Presence and channel groups of every subscribe key. */
  readonly keyspaces: Keyspaces;
  readonly feed: PresenceFeed;
  readonly subscribes: SubscribeService;
  readonly events$: Observable<EmulatorPresenceEvent>;
  /** The pipeline, with the current faults in front of it. */
  answer: Answer;

  private readonly events = new Subject<EmulatorPresenceEvent>();
  private readonly background: Background;
  private readonly healthy: Answer;

  constructor(settings: Settings, log: RequestLog) {
    const { clock } = settings;
    const timetokens = new TimetokenSource(clock);
    this.events$ = this.events.asObservable();
    this.feed = new PresenceFeed({
      announceMax: settings.announceMax,
      eventBufferSize: settings.eventBufferSize,
      eventRetentionMs: settings.eventRetentionMs,
      clock,
      timetokens,
      groupsOf: (subscribeKey) => this.keyspaces.read(subscribeKey).groups,
    });
    this.keyspaces = new Keyspaces(
      clock,
      (event) => {
        this.feed.publish(event);
        // Skipping an unobserved Subject saves its bookkeeping on every change of a mass timeout.
        if (this.events.observed) this.events.next(event);
      },
      settings.defaultPresenceTimeout,
      { maxChannelsPerGroup: settings.maxChannelsPerGroup, maxParkedStates: settings.maxParkedStates },
    );
    this.subscribes = new SubscribeService(this.keyspaces, this.feed, timetokens, settings.subscribeTimeoutMs);
    const cache = new HereNowCache(settings.hereNowCacheMs, clock);
    this.background = new Background({
      keyspaces: this.keyspaces,
      feed: this.feed,
      cache,
      clock,
      presenceIntervalMs: settings.presenceIntervalMs,
      failed: (what, error) => log.error(what, error),
    });
    this.healthy = pipeline({
      endpoints: { keyspaces: this.keyspaces, cache },
      subscribes: this.subscribes,
      access: new Access(settings.keysets, settings.signatureWindowSeconds, settings.rejectReplayedSignatures),
      maxChannelsPerRequest: settings.maxChannelsPerRequest,
      beforeRequest: () => this.background.beforeRequest(),
      internalError: (error) => log.error('internal error', error),
    });
    this.answer = settings.faults === undefined ? this.healthy : withFaults(this.healthy, settings.faults);
  }

  /** Replaces the injected faults (`undefined`: none), with a fresh PRNG. Throws `RangeError` for invalid ones. */
  setFaults(faults: EmulatorFaults | undefined): void {
    this.answer = faults === undefined ? this.healthy : withFaults(this.healthy, new FaultInjector(faults));
  }

  start(): void {
    this.background.start();
  }

  /** Stops the background work; requests still get answers, without lazy expiry. */
  stop(): void {
    this.background.stop();
  }

  /** Completes `events$` (on close). */
  complete(): void {
    this.events.complete();
  }

  /** `Emulator.sweep()`: all expiry and a whole eviction pass, now. */
  sweep(): void {
    this.background.runNow();
  }
}
