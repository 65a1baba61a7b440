// @vitest-environment jsdom
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { SignIn } from "../../src/components/index.js";
import { CONFIG_ALL, watchNavigation, withServer } from "./harness.js";

const OFF = { success: true, registration: false, magic_links: false, mail: false, passkeys: false, providers: [] };

async function signInWith(user: ReturnType<typeof userEvent.setup>, password = "pw") {
  await user.type(screen.getByLabelText("Username"), "alice");
  await user.type(screen.getByLabelText("Password"), password);
  await user.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("<SignIn />", () => {
  it("labels its fields with autocomplete values and shows the ways in the server has on", async () => {
    withServer({ "GET /auth/config": { body: CONFIG_ALL } }, <SignIn redirectTo="/dashboard" />);
    expect(screen.getByLabelText("Username").getAttribute("autocomplete")).toBe("username");
    expect(screen.getByLabelText("Password").getAttribute("autocomplete")).toBe("current-password");
    const provider = await screen.findByRole("link", { name: "Continue with Mock ID" });
    const href = new URL(provider.getAttribute("href") ?? "");
    expect(href.pathname).toBe("/auth/oidc/mock/start");
    expect(href.searchParams.get("next")).toBe(`${window.location.origin}/dashboard`);
    expect(screen.getByRole("link", { name: "Forgot your password?" }).getAttribute("href")).toBe("/forgot-password");
    expect(screen.getByRole("link", { name: "Email me a sign-in link" })).toBeTruthy();
    expect(screen.getByRole("link", { name: "Create an account" })).toBeTruthy();
  });

  it("hides what the server has off", async () => {
    const { callsTo } = withServer({ "GET /auth/config": { body: OFF } }, <SignIn />);
    await waitFor(() => expect(callsTo("GET /auth/config")).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(screen.queryByRole("link")).toBeNull();
    expect(screen.queryByTestId("passkey-login")).toBeNull();
  });

  it("signs in, then calls onSuccess and goes to redirectTo", async () => {
    const nav = watchNavigation();
    const onSuccess = vi.fn();
    const user = userEvent.setup();
    const { callsTo } = withServer({ "GET /auth/config": { body: OFF }, "POST /auth/login": { body: { success: true } } }, <SignIn onSuccess={onSuccess} redirectTo="/dashboard" />);
    await signInWith(user);
    await waitFor(() => expect(nav.replace).toHaveBeenCalledWith("/dashboard"));
    expect(onSuccess).toHaveBeenCalledOnce();
    expect(callsTo("POST /auth/login")[0]?.body).toEqual({ username: "alice", password: "pw" });
  });

  it("shows a refusal as an alert that takes the focus, in the server's words when there is no code", async () => {
    const nav = watchNavigation();
    const user = userEvent.setup();
    withServer({ "POST /auth/login": { status: 401, body: { success: false, message: "Invalid username or password." } } }, <SignIn redirectTo="/x" />);
    await signInWith(user);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Invalid username or password.");
    expect(document.activeElement).toBe(alert);
    expect(alert.textContent).toContain("⚠");
    expect(nav.replace).not.toHaveBeenCalled();
  });

  it("translates a known error code and falls back to the server's message for an unknown one", async () => {
    const user = userEvent.setup();
    withServer(
      { "POST /auth/login": (_body, n) => (n === 0 ? { status: 403, body: { success: false, message: "locked", error: "account_locked" } } : { status: 400, body: { success: false, message: "Something new.", error: "brand_new" } }) },
      <SignIn locale="de" />,
    );
    await user.type(screen.getByLabelText("Benutzername"), "alice");
    await user.type(screen.getByLabelText("Passwort"), "pw");
    await user.click(screen.getByRole("button", { name: "Anmelden" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Dieses Konto ist gesperrt");
    await user.click(screen.getByRole("button", { name: "Anmelden" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toContain("Something new."));
  });

  it("says how long a 429 lasts and keeps the button disabled meanwhile", async () => {
    const user = userEvent.setup();
    withServer({ "POST /auth/login": { status: 429, headers: { "Retry-After": "30" }, body: { success: false, message: "Too many attempts; try again later." } } }, <SignIn />);
    await signInWith(user);
    expect((await screen.findByRole("alert")).textContent).toContain("Try again in 30 seconds.");
    expect((screen.getByRole("button", { name: "Sign in" }) as HTMLButtonElement).disabled).toBe(true);
  });

  it("asks for the second step, takes a recovery code instead, and finishes", async () => {
    const nav = watchNavigation();
    const user = userEvent.setup();
    const { callsTo } = withServer(
      {
        "POST /auth/login": { body: { success: true, mfa_required: true, methods: ["totp", "recovery_code"] } },
        "POST /auth/mfa/verify": (_body, n) => (n === 0 ? { status: 401, body: { success: false, message: "Wrong code." } } : { body: { success: true } }),
      },
      <SignIn redirectTo="/dashboard" />,
    );
    await signInWith(user);
    const code = await screen.findByLabelText("Code from your authenticator app");
    expect(code.getAttribute("autocomplete")).toBe("one-time-code");
    await user.type(code, "000000");
    await user.click(screen.getByRole("button", { name: "Verify" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Wrong code.");
    await user.click(screen.getByRole("button", { name: "Use a recovery code instead" }));
    await user.type(screen.getByLabelText("Recovery code"), " abcd-efgh ");
    await user.click(screen.getByRole("button", { name: "Verify" }));
    await waitFor(() => expect(nav.replace).toHaveBeenCalledWith("/dashboard"));
    expect(callsTo("POST /auth/mfa/verify").map((c) => c.body)).toEqual([
      { method: "totp", code: "000000" },
      { method: "recovery_code", code: "abcd-efgh" },
    ]);
  });

  it("starts at the second step when the page says so, and shows an error code from the URL", () => {
    withServer({}, <SignIn secondStep errorCode="access_denied" />);
    expect(screen.getByLabelText("Code from your authenticator app")).toBeTruthy();
    withServer({}, <SignIn errorCode="access_denied" />);
    expect(screen.getByRole("alert").textContent).toContain("cancelled");
  });

  it("with only a passkey as second factor, says so", async () => {
    const user = userEvent.setup();
    withServer({ "POST /auth/login": { body: { success: true, mfa_required: true, methods: ["passkey"] } } }, <SignIn />);
    await signInWith(user);
    expect((await screen.findByTestId("mfa-passkey")).textContent).toContain("passkey");
    expect(screen.getByTestId("passkey-login")).toBeTruthy();
  });

  it("signs in with a passkey: options from the server, the browser's credential back", async () => {
    const nav = watchNavigation();
    const user = userEvent.setup();
    vi.stubGlobal("PublicKeyCredential", function PublicKeyCredential() {});
    const get = vi.fn(async () => ({
      id: "cred",
      rawId: new Uint8Array([1, 2]).buffer,
      type: "public-key",
      getClientExtensionResults: () => ({}),
      authenticatorAttachment: null,
      response: { clientDataJSON: new Uint8Array([3]).buffer, authenticatorData: new Uint8Array([4]).buffer, signature: new Uint8Array([5]).buffer, userHandle: null },
    }));
    Object.defineProperty(navigator, "credentials", { configurable: true, value: { get } });
    vi.stubGlobal("AuthenticatorAttestationResponse", class {});
    const { callsTo } = withServer(
      {
        "GET /auth/config": { body: CONFIG_ALL },
        "POST /auth/passkeys/login/options": { body: { success: true, options: { challenge: "AQI", allowCredentials: [] } } },
        "POST /auth/passkeys/login": { body: { success: true } },
      },
      <SignIn redirectTo="/dashboard" />,
    );
    await user.click(await screen.findByRole("button", { name: "Sign in with a passkey" }));
    await waitFor(() => expect(nav.replace).toHaveBeenCalledWith("/dashboard"));
    expect(get).toHaveBeenCalledOnce();
    expect((callsTo("POST /auth/passkeys/login")[0]?.body as { credential: { id: string } }).credential.id).toBe("cred");
    vi.unstubAllGlobals();
  });

  it("says a cancelled passkey prompt was cancelled", async () => {
    const user = userEvent.setup();
    vi.stubGlobal("PublicKeyCredential", function PublicKeyCredential() {});
    Object.defineProperty(navigator, "credentials", { configurable: true, value: { get: async () => { throw new DOMException("no", "NotAllowedError"); } } });
    withServer({ "GET /auth/config": { body: CONFIG_ALL }, "POST /auth/passkeys/login/options": { body: { success: true, options: { challenge: "AQI" } } } }, <SignIn />);
    await user.click(await screen.findByRole("button", { name: "Sign in with a passkey" }));
    expect((await screen.findByTestId("passkey-error")).textContent).toContain("cancelled");
    vi.unstubAllGlobals();
  });
});
