/** Test doubles for what a browser shares between tabs: Web Locks, BroadcastChannel, the cookie jar. */

import type { ChannelLike, LockManagerLike } from "../src/refresh.js";

/** A FIFO exclusive lock per name, shared by every "tab" given the same instance. */
export class FakeLocks implements LockManagerLike {
  private tails = new Map<string, Promise<void>>();
  private held = new Set<string>();
  waits = 0;

  async request<T>(name: string, options: { ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T> {
    if (options.ifAvailable && this.held.has(name)) return callback(null);
    if (this.held.has(name)) this.waits += 1;
    const before = this.tails.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.tails.set(name, before.then(() => mine));
    await before;
    this.held.add(name);
    try {
      return await callback({ name });
    } finally {
      this.held.delete(name);
      release();
    }
  }
}

/** BroadcastChannel semantics: a message reaches every other channel of the bus, asynchronously. */
export class FakeBus {
  private channels = new Set<FakeChannel>();
  channel(): FakeChannel {
    const channel = new FakeChannel(this.channels);
    this.channels.add(channel);
    return channel;
  }
}

class FakeChannel implements ChannelLike {
  private listeners: Array<(event: { data: unknown }) => void> = [];
  constructor(private peers: Set<FakeChannel>) {}
  postMessage(message: unknown): void {
    for (const peer of this.peers) {
      if (peer !== this) setTimeout(() => peer.listeners.forEach((l) => l({ data: structuredClone(message) })), 0);
    }
  }
  addEventListener(_type: "message", listener: (event: { data: unknown }) => void): void {
    this.listeners.push(listener);
  }
  close(): void {
    this.peers.delete(this);
  }
}

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fake API behind a fake cookie jar that all tabs share: the access token
 * is "fresh" or "expired"; POST /auth/refresh makes it fresh (unless the
 * session is revoked) and counts itself.
 */
export class FakeApi {
  accessFresh = false;
  revoked = false;
  refreshCalls = 0;
  calls: string[] = [];
  refreshDelayMs = 20;

  fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(String(input));
    const method = (init.method ?? "GET").toUpperCase();
    this.calls.push(`${method} ${url.pathname}`);
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
    if (url.pathname === "/auth/refresh") {
      this.refreshCalls += 1;
      await tick(this.refreshDelayMs);
      if (this.revoked) return json(401, { success: false, message: "Session revoked." });
      this.accessFresh = true;
      return json(200, { success: true, message: "Token refreshed" });
    }
    if (url.pathname === "/auth/login") {
      const body = JSON.parse(String(init.body)) as { password: string };
      if (body.password === "second-factor") return json(200, { success: true, mfa_required: true, methods: ["totp"] });
      if (body.password !== "right") return json(401, { success: false, message: "Invalid username or password." });
      this.accessFresh = true;
      return json(200, { success: true, message: "User logged in" });
    }
    const fresh = this.accessFresh && !this.revoked;
    await tick(2);
    if (!fresh) return json(401, { success: false, message: "Not authenticated." });
    return json(200, { success: true, user: { id: "1", username: "alice", roles: [] } });
  };

  count(call: string): number {
    return this.calls.filter((c) => c === call).length;
  }
}
