import { describe, expect, it, vi } from "vitest";
import { createAuthClient } from "../src/api-client.js";
import { FakeApi, FakeBus, FakeLocks } from "./fakes.js";

const API = "http://api.test";

/** A "tab": its own client module instance, sharing the browser's lock manager and channel bus. */
function tab(api: FakeApi, locks: FakeLocks | null, bus: FakeBus | null, onSignedOut?: () => void) {
  return createAuthClient({
    apiUrl: API,
    fetch: api.fetch,
    locks,
    channel: bus ? bus.channel() : null,
    settleMs: 5,
    onSignedOut,
  });
}

describe("authFetch in one tab", () => {
  it("refreshes once on a 401 and retries the request", async () => {
    const api = new FakeApi();
    const client = tab(api, new FakeLocks(), new FakeBus());
    const response = await client.authFetch("/auth/me");
    expect(response.status).toBe(200);
    expect(api.calls).toEqual(["GET /auth/me", "POST /auth/refresh", "GET /auth/me"]);
  });

  it("makes one refresh for many requests that failed together", async () => {
    const api = new FakeApi();
    const client = tab(api, new FakeLocks(), new FakeBus());
    const statuses = await Promise.all([1, 2, 3, 4].map(() => client.authFetch("/auth/me").then((r) => r.status)));
    expect(statuses).toEqual([200, 200, 200, 200]);
    expect(api.refreshCalls).toBe(1);
  });

  it("gives up after one refresh that fails: no loop, the 401 comes back and onSignedOut is called", async () => {
    const api = new FakeApi();
    api.revoked = true;
    const signedOut = vi.fn();
    const client = tab(api, new FakeLocks(), new FakeBus(), signedOut);
    const response = await client.authFetch("/auth/me");
    expect(response.status).toBe(401);
    expect(api.calls).toEqual(["GET /auth/me", "POST /auth/refresh"]);
    expect(signedOut).toHaveBeenCalledTimes(1);
  });

  it("does not refresh when the 401 is a wrong password", async () => {
    const api = new FakeApi();
    const client = tab(api, new FakeLocks(), new FakeBus());
    await expect(client.login("alice", "wrong")).rejects.toMatchObject({
      status: 401,
      message: "Invalid username or password.",
    });
    expect(api.refreshCalls).toBe(0);
  });

  it("reports the second-factor step of a sign-in", async () => {
    const api = new FakeApi();
    const client = tab(api, null, null);
    expect(await client.login("alice", "second-factor")).toEqual({ kind: "mfa-required", methods: ["totp"] });
    expect(await client.login("alice", "right")).toEqual({ kind: "signed-in" });
  });

  it("refreshes again for a request that started after the last refresh finished", async () => {
    const api = new FakeApi();
    const client = tab(api, new FakeLocks(), new FakeBus());
    await client.authFetch("/auth/me");
    api.accessFresh = false; // the new access token expired in turn
    const response = await client.authFetch("/auth/me");
    expect(response.status).toBe(200);
    expect(api.refreshCalls).toBe(2);
  });
});

describe("one refresh across tabs", () => {
  it("two tabs whose tokens expired together make one refresh; the waiting tab re-uses it", async () => {
    const api = new FakeApi();
    const locks = new FakeLocks();
    const bus = new FakeBus();
    const [a, b] = [tab(api, locks, bus), tab(api, locks, bus)];
    const statuses = await Promise.all([a.authFetch("/auth/me"), b.authFetch("/auth/me")].map((p) => p.then((r) => r.status)));
    expect(statuses).toEqual([200, 200]);
    expect(api.refreshCalls).toBe(1);
    expect(locks.waits).toBe(1); // the second tab waited for the lock, then re-used the first one's result
  });

  it("a failed refresh is re-used too: the other tab does not try the dead session again", async () => {
    const api = new FakeApi();
    api.revoked = true;
    const locks = new FakeLocks();
    const bus = new FakeBus();
    const [a, b] = [tab(api, locks, bus), tab(api, locks, bus)];
    const statuses = await Promise.all([a.authFetch("/auth/me"), b.authFetch("/auth/me")].map((p) => p.then((r) => r.status)));
    expect(statuses).toEqual([401, 401]);
    expect(api.refreshCalls).toBe(1);
  });

  it("without the channel the waiting tab cannot know and refreshes a second time", async () => {
    // What the BroadcastChannel buys: the lock alone only serialises the refreshes.
    const api = new FakeApi();
    const locks = new FakeLocks();
    const [a, b] = [tab(api, locks, null), tab(api, locks, null)];
    await Promise.all([a.authFetch("/auth/me"), b.authFetch("/auth/me")]);
    expect(api.refreshCalls).toBe(2);
  });

  it("a tab that hears of a refresh newer than its failed request skips the lock entirely", async () => {
    const api = new FakeApi();
    const locks = new FakeLocks();
    const bus = new FakeBus();
    const [a, b] = [tab(api, locks, bus), tab(api, locks, bus)];
    const since = Date.now() - 1000;
    expect(await a.refresh(since)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await b.refresh(since)).toBe(true);
    expect(api.refreshCalls).toBe(1);
  });
});
