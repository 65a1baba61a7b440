// @vitest-environment jsdom
import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it } from "vitest";
import { AccountSettings } from "../../src/components/index.js";
import { CONFIG_ALL, ME, type Route, watchNavigation, withServer } from "./harness.js";

const SESSIONS = {
  success: true,
  sessions: [
    { id: "s1", created_at: 1700000000, last_used_at: null, user_agent: "Firefox", ip: "10.0.0.1", current: true },
    { id: "s2", created_at: 1700000000, last_used_at: 1700000100, user_agent: "Chromium", ip: null, current: false },
  ],
};

const BASE: Record<string, Route> = {
  "GET /auth/config": { body: CONFIG_ALL },
  "GET /auth/me": { body: ME },
  "GET /auth/sessions": { body: SESSIONS },
  "GET /auth/mfa": { body: { success: true, totp: false, recovery_codes_left: 0, passkeys: [] } },
  "GET /auth/passkeys": { body: { success: true, passkeys: [{ id: "p1", name: "Laptop", created_at: 1700000000 }] } },
  "GET /auth/identities": { body: { success: true, identities: [] } },
};

describe("<AccountSettings />", () => {
  it("sends a signed-out visitor to the sign-in page with the way back", async () => {
    const nav = watchNavigation();
    window.history.replaceState(null, "", "/account?tab=1");
    withServer({ "GET /auth/me": { status: 401, body: { success: false, message: "Not authenticated." } }, "POST /auth/refresh": { status: 401, body: { success: false, message: "no" } } }, <AccountSettings />);
    await waitFor(() => expect(nav.replace).toHaveBeenCalledWith("/login?next=%2Faccount%3Ftab%3D1"));
  });

  it("shows the profile, the sessions and the passkeys; hides organisations and API keys on a server without them (404)", async () => {
    withServer(BASE, <AccountSettings />);
    expect((await screen.findByTestId("current-username")).textContent).toBe("alice");
    expect(await screen.findAllByTestId("session-row")).toHaveLength(2);
    expect(screen.getByRole("button", { name: "Sign out on this device" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Sign out the session on Chromium" })).toBeTruthy();
    expect((await screen.findByTestId("passkey-name")).textContent).toBe("Laptop");
    expect(screen.getByTestId("current-email").textContent).toContain("(verified)");
    await waitFor(() => expect(screen.getByText("Set up an authenticator app")).toBeTruthy());
    expect(screen.queryByRole("heading", { name: "Organisations" })).toBeNull();
    expect(screen.queryByRole("heading", { name: "API keys" })).toBeNull();
  });

  it("ends another session and says so in the status line", async () => {
    const user = userEvent.setup();
    const { callsTo } = withServer({ ...BASE, "DELETE /auth/sessions/s2": { body: { success: true } } }, <AccountSettings sections={["sessions"]} />);
    await user.click(await screen.findByRole("button", { name: "Sign out the session on Chromium" }));
    expect((await screen.findByTestId("sessions-status")).textContent).toBe("The session was signed out.");
    expect(callsTo("DELETE /auth/sessions/s2")).toHaveLength(1);
  });

  it("changes the password, and catches a mismatch on the field first", async () => {
    const user = userEvent.setup();
    const { callsTo } = withServer({ ...BASE, "POST /auth/password": { body: { success: true } } }, <AccountSettings sections={["password"]} />);
    await user.type(await screen.findByLabelText("Current password"), "old");
    await user.type(screen.getByLabelText("New password"), "new new new");
    const repeat = screen.getByLabelText("New password again");
    await user.type(repeat, "nope");
    await user.click(screen.getByRole("button", { name: "Change password" }));
    await waitFor(() => expect(document.activeElement).toBe(repeat));
    await user.clear(repeat);
    await user.type(repeat, "new new new");
    await user.click(screen.getByRole("button", { name: "Change password" }));
    expect((await screen.findByTestId("password-status")).textContent).toContain("was changed");
    expect(callsTo("POST /auth/password")[0]?.body).toEqual({ current_password: "old", new_password: "new new new" });
  });

  it("offers a mailed link to set a password to a user without one", async () => {
    const user = userEvent.setup();
    const me = { success: true, user: { ...ME.user, has_password: false } };
    const { callsTo } = withServer({ ...BASE, "GET /auth/me": { body: me }, "POST /auth/password/forgot": { status: 202, body: { success: true } } }, <AccountSettings sections={["password"]} />);
    await user.click(await screen.findByRole("button", { name: "Mail me a link to set a password" }));
    await waitFor(() => expect(callsTo("POST /auth/password/forgot")[0]?.body).toEqual({ email: "alice@example.com" }));
  });

  it("enrols an authenticator app: a recent sign-in first, then the QR code, the code, and recovery codes shown once", async () => {
    const user = userEvent.setup();
    let enrolled = false;
    const { callsTo } = withServer(
      {
        ...BASE,
        "GET /auth/mfa": () => ({ body: { success: true, totp: enrolled, recovery_codes_left: enrolled ? 2 : 0, passkeys: [] } }),
        "POST /auth/mfa/totp/setup": (_b, n) =>
          n === 0
            ? { status: 403, body: { success: false, message: "This needs a recent sign-in.", error: "reauth_required" } }
            : { body: { success: true, secret: "JBSWY3DP", otpauth_uri: "otpauth://totp/x", qr_svg: "<svg xmlns='http://www.w3.org/2000/svg'/>" } },
        "POST /auth/reauthenticate": { body: { success: true } },
        "POST /auth/mfa/totp/confirm": () => {
          enrolled = true;
          return { body: { success: true, recovery_codes: ["aaaa-bbbb", "cccc-dddd"] } };
        },
      },
      <AccountSettings sections={["authenticator"]} />,
    );
    await user.click(await screen.findByRole("button", { name: "Set up an authenticator app" }));
    const prompt = await screen.findByTestId("reauth-form");
    expect(within(prompt).getByRole("alert").textContent).toContain("recent sign-in");
    await user.type(within(prompt).getByLabelText("Your password, to confirm it is you"), "pw");
    await user.click(within(prompt).getByRole("button", { name: "Confirm and continue" }));
    const qr = await screen.findByRole("img", { name: "QR code for your authenticator app" });
    expect(qr.getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    expect(screen.getByTestId("totp-secret").textContent).toBe("JBSWY3DP");
    expect(callsTo("POST /auth/reauthenticate")[0]?.body).toEqual({ password: "pw" });
    await user.type(screen.getByLabelText("Code from the app"), "123456");
    await user.click(screen.getByRole("button", { name: "Turn on" }));
    expect((await screen.findAllByTestId("recovery-code")).map((li) => li.textContent)).toEqual(["aaaa-bbbb", "cccc-dddd"]);
    expect((await screen.findByTestId("totp-active")).textContent).toContain("2");
  });

  it("shows API keys when the server has them: a new key once, a revoke per key", async () => {
    const user = userEvent.setup();
    const key = { id: "k1", name: "ci", prefix: "fak_ab", scopes: ["read"], org: null, created_at: 1700000000, last_used_at: null, expires_at: null };
    let keys: unknown[] = [];
    const { callsTo } = withServer(
      {
        ...BASE,
        "GET /auth/api-keys": () => ({ body: { success: true, api_keys: keys } }),
        "POST /auth/api-keys": () => {
          keys = [key];
          return { status: 201, body: { success: true, api_key: key, key: "fak_secret_abc" } };
        },
        "DELETE /auth/api-keys/k1": { body: { success: true } },
      },
      <AccountSettings sections={["api-keys"]} />,
    );
    await user.type(await screen.findByLabelText("Key name"), "ci");
    await user.type(screen.getByLabelText("Scopes"), "read, write");
    await user.click(screen.getByRole("button", { name: "Create a key" }));
    expect((await screen.findByTestId("api-key-value")).textContent).toBe("fak_secret_abc");
    expect(callsTo("POST /auth/api-keys")[0]?.body).toEqual({ name: "ci", scopes: ["read", "write"] });
    await user.click(await screen.findByRole("button", { name: "Revoke the key ci" }));
    await waitFor(() => expect(callsTo("DELETE /auth/api-keys/k1")).toHaveLength(1));
  });

  it("shows organisations when the server has them, and creates one", async () => {
    const user = userEvent.setup();
    const { callsTo } = withServer(
      {
        ...BASE,
        "GET /auth/orgs": { body: { success: true, orgs: [{ slug: "acme", name: "Acme", role: "owner" }], active: null } },
        "POST /auth/orgs": { status: 201, body: { success: true, org: { slug: "beta", name: "Beta", role: "owner" } } },
      },
      <AccountSettings sections={["organizations"]} />,
    );
    expect((await screen.findByTestId("org-item")).textContent).toContain("owner");
    await user.type(screen.getByLabelText("Name"), "Beta");
    await user.type(screen.getByLabelText("Short name for links"), "beta");
    await user.click(screen.getByRole("button", { name: "Create an organisation" }));
    await waitFor(() => expect(callsTo("POST /auth/orgs")[0]?.body).toEqual({ slug: "beta", name: "Beta" }));
  });

  it("lists linked providers with unlink, and offers to link the others", async () => {
    const nav = watchNavigation();
    const user = userEvent.setup();
    const config = { ...CONFIG_ALL, providers: [{ name: "mock", label: "Mock ID" }, { name: "github", label: "GitHub" }] };
    withServer(
      {
        ...BASE,
        "GET /auth/config": { body: config },
        "GET /auth/identities": { body: { success: true, identities: [{ id: 1, provider: "mock", label: "Mock ID", email: "a@x" }] } },
        "POST /auth/oidc/github/link": { body: { success: true, url: "https://github.example/authorize" } },
      },
      <AccountSettings sections={["providers"]} />,
    );
    expect((await screen.findByTestId("identity-mock")).textContent).toContain("Mock ID (a@x)");
    await user.click(await screen.findByRole("button", { name: "Link GitHub" }));
    await waitFor(() => expect(nav.assign).toHaveBeenCalledWith("https://github.example/authorize"));
  });
});
