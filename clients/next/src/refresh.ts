/**
 * One refresh in flight across every tab of the browser.
 *
 * The server rotates the refresh token on every use, so two tabs refreshing
 * at once waste a rotation at best and, outside the server's grace window,
 * look like a stolen token at worst. Every tab takes the Web Lock
 * "flask-auth-refresh" before refreshing. The tab that refreshed announces
 * its result on a BroadcastChannel; a tab that waited for the lock and
 * learns that a refresh finished after its own failed request had started
 * re-uses that result instead of refreshing again (its retry then carries
 * the cookies the other tab received, which the browser shares).
 */

export const REFRESH_LOCK = "flask-auth-refresh";

/** The part of navigator.locks used here. */
export interface LockManagerLike {
  request<T>(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

/** The part of BroadcastChannel used here. */
export interface ChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: "message", listener: (event: { data: unknown }) => void): void;
  close(): void;
}

export interface RefreshOutcome {
  /** When the refresh finished (Date.now() of the tab that made it). */
  at: number;
  ok: boolean;
  /** The double-submit CSRF token from the refresh reply, when the server sends one. */
  csrfToken?: string;
  /**
   * Present when the new access token came from switching organisation
   * (POST /auth/orgs/active): the slug now active, or null for none.
   */
  org?: string | null;
}

export interface RefreshCoordinatorOptions {
  /** Makes the actual POST /auth/refresh; resolves to its outcome. */
  refresh: () => Promise<Omit<RefreshOutcome, "at">>;
  /** Default navigator.locks; null: no cross-tab lock (one tab only). */
  locks?: LockManagerLike | null;
  /** Default a BroadcastChannel named after the lock; null: none. */
  channel?: ChannelLike | null;
  now?: () => number;
  /**
   * After waiting for the lock, wait this long for the holder's announcement
   * to arrive (the lock's release and the message travel separately); default 30 ms.
   */
  settleMs?: number;
  /** Called whenever a refresh finished here or in another tab. */
  onOutcome?: (outcome: RefreshOutcome) => void;
}

export interface RefreshCoordinator {
  /**
   * Make the session usable again for a request that started at `startedAt`
   * and was refused: re-use a refresh that finished after that moment (here
   * or in another tab), else refresh once. Resolves true when the session
   * can be used.
   */
  refreshAfter(startedAt: number): Promise<boolean>;
  /**
   * Run `action` (a call that hands the browser a new access token, such as
   * switching organisation) under the same cross-tab lock as a refresh, so
   * no refresh races it; its outcome (null: nothing changed) is announced to
   * every tab as a refresh. The action must not wait for a refresh itself.
   */
  exclusive<T>(action: () => Promise<{ value: T; outcome: Omit<RefreshOutcome, "at"> | null }>): Promise<T>;
  /** The latest refresh seen, from any tab. */
  last(): RefreshOutcome | null;
  close(): void;
}

/** Only a browser has tabs to coordinate (server-side rendering of a client component has none). */
const inBrowser = () => typeof (globalThis as { window?: unknown }).window !== "undefined";

function defaultLocks(): LockManagerLike | null {
  if (!inBrowser()) return null;
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks ?? null;
}

function defaultChannel(): ChannelLike | null {
  if (!inBrowser()) return null;
  const Channel = (globalThis as { BroadcastChannel?: new (name: string) => ChannelLike }).BroadcastChannel;
  return Channel ? new Channel(REFRESH_LOCK) : null;
}

function isOutcome(data: unknown): data is RefreshOutcome {
  const value = data as RefreshOutcome | null;
  return typeof value === "object" && value !== null && typeof value.at === "number" && typeof value.ok === "boolean";
}

export function createRefreshCoordinator(options: RefreshCoordinatorOptions): RefreshCoordinator {
  const locks = options.locks === undefined ? defaultLocks() : options.locks;
  const channel = options.channel === undefined ? defaultChannel() : options.channel;
  const now = options.now ?? Date.now;
  const settleMs = options.settleMs ?? 30;
  let latest: RefreshOutcome | null = null;
  let inflight: Promise<boolean> | null = null;

  function record(outcome: RefreshOutcome): void {
    if (!latest || outcome.at >= latest.at) latest = outcome;
    options.onOutcome?.(outcome);
  }

  channel?.addEventListener("message", (event) => {
    if (isOutcome(event.data)) record(event.data);
  });

  const reusable = (startedAt: number) => (latest && latest.at >= startedAt ? latest : null);

  async function announce(action: () => Promise<Omit<RefreshOutcome, "at">>): Promise<RefreshOutcome> {
    const outcome: RefreshOutcome = { ...(await action()), at: now() };
    record(outcome);
    // Announce before the lock is released, so a waiting tab hears it first.
    channel?.postMessage(outcome);
    return outcome;
  }

  async function refreshNow(startedAt: number, waited: boolean): Promise<boolean> {
    if (waited && settleMs > 0) {
      await new Promise((resolve) => setTimeout(resolve, settleMs));
    }
    const done = reusable(startedAt);
    if (done) return done.ok;
    return (await announce(options.refresh)).ok;
  }

  async function underLock(startedAt: number): Promise<boolean> {
    if (!locks) return refreshNow(startedAt, false);
    const first = await locks.request(REFRESH_LOCK, { ifAvailable: true }, async (lock) =>
      lock ? { ran: true as const, ok: await refreshNow(startedAt, false) } : { ran: false as const },
    );
    if (first.ran) return first.ok;
    return locks.request(REFRESH_LOCK, {}, () => refreshNow(startedAt, true));
  }

  return {
    refreshAfter(startedAt) {
      const done = reusable(startedAt);
      if (done) return Promise.resolve(done.ok);
      // One refresh per tab at a time; later callers in this tab join it.
      inflight ??= underLock(startedAt).finally(() => {
        inflight = null;
      });
      return inflight;
    },
    exclusive(action) {
      const run = async () => {
        const { value, outcome } = await action();
        if (outcome) await announce(async () => outcome);
        return value;
      };
      return locks ? locks.request(REFRESH_LOCK, {}, run) : run();
    },
    last: () => latest,
    close: () => channel?.close(),
  };
}
