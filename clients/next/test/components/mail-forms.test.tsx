// @vitest-environment jsdom
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { ForgotPassword, MagicLink, ResetPassword, SignUp, VerifyEmail } from "../../src/components/index.js";
import { CONFIG_ALL, watchNavigation, withServer } from "./harness.js";

const NO_MAIL = { ...CONFIG_ALL, mail: false, magic_links: false, registration: false };

describe("<SignUp />", () => {
  it("says sign-ups are closed when the server has registration off", async () => {
    withServer({ "GET /auth/config": { body: NO_MAIL } }, <SignUp />);
    expect((await screen.findByTestId("signup-closed")).textContent).toContain("does not take new sign-ups");
    expect(screen.queryByRole("textbox")).toBeNull();
  });

  it("catches two different passwords on the field, focused, before asking the server", async () => {
    const user = userEvent.setup();
    const { callsTo } = withServer({ "GET /auth/config": { body: CONFIG_ALL } }, <SignUp />);
    await user.type(await screen.findByLabelText("Username"), "bob");
    await user.type(screen.getByLabelText("New password"), "one long password");
    const repeat = screen.getByLabelText("New password again");
    await user.type(repeat, "another one");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    await waitFor(() => expect(document.activeElement).toBe(repeat));
    expect(repeat.getAttribute("aria-invalid")).toBe("true");
    expect(document.getElementById(repeat.getAttribute("aria-describedby")?.split(" ").at(-1) ?? "")?.textContent).toContain("do not match");
    expect(callsTo("POST /auth/register")).toHaveLength(0);
  });

  it("registers with the optional email, then redirects; a taken name is said", async () => {
    const nav = watchNavigation();
    const user = userEvent.setup();
    const { callsTo } = withServer(
      {
        "GET /auth/config": { body: CONFIG_ALL },
        "POST /auth/register": (_b, n) => (n === 0 ? { status: 409, body: { success: false, message: "Taken.", error: "username_taken" } } : { status: 201, body: { success: true } }),
      },
      <SignUp redirectTo="/dashboard" />,
    );
    const email = await screen.findByLabelText("Email address (optional)");
    expect(email.getAttribute("autocomplete")).toBe("email");
    expect(screen.getByLabelText("New password").getAttribute("autocomplete")).toBe("new-password");
    await user.type(screen.getByLabelText("Username"), "bob");
    await user.type(email, "bob@example.com");
    await user.type(screen.getByLabelText("New password"), "pw pw pw pw");
    await user.type(screen.getByLabelText("New password again"), "pw pw pw pw");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    expect((await screen.findByRole("alert")).textContent).toContain("That username is taken.");
    await user.click(screen.getByRole("button", { name: "Create account" }));
    await waitFor(() => expect(nav.replace).toHaveBeenCalledWith("/dashboard"));
    expect(callsTo("POST /auth/register")[1]?.body).toEqual({ username: "bob", password: "pw pw pw pw", email: "bob@example.com" });
  });
});

describe("<ForgotPassword />", () => {
  it("asks for a link and says, politely, that one is on its way", async () => {
    const user = userEvent.setup();
    const onSuccess = vi.fn();
    const { callsTo } = withServer({ "GET /auth/config": { body: CONFIG_ALL }, "POST /auth/password/forgot": { status: 202, body: { success: true } } }, <ForgotPassword onSuccess={onSuccess} />);
    await user.type(screen.getByLabelText("Email address"), "a@example.com");
    await user.click(screen.getByRole("button", { name: "Mail me a reset link" }));
    const status = await screen.findByTestId("forgot-form-done");
    expect(status.getAttribute("role")).toBe("status");
    expect(status.textContent).toContain("on its way");
    expect(screen.queryByTestId("forgot-form")).toBeNull();
    expect(callsTo("POST /auth/password/forgot")[0]?.body).toEqual({ email: "a@example.com" });
    expect(onSuccess).toHaveBeenCalledOnce();
  });

  it("says the server sends no mail when it has mail off", async () => {
    withServer({ "GET /auth/config": { body: NO_MAIL } }, <ForgotPassword locale="fr" />);
    expect((await screen.findByTestId("mail-unavailable")).textContent).toContain("n’envoie pas");
  });
});

describe("<ResetPassword />", () => {
  it("says a link without its token is incomplete", async () => {
    withServer({}, <ResetPassword />);
    expect((await screen.findByTestId("token-missing")).textContent).toContain("incomplete");
  });

  it("spends the URL's token with the new password, then goes on", async () => {
    window.history.replaceState(null, "", "/reset-password?token=tok123");
    const nav = watchNavigation();
    const onSuccess = vi.fn();
    const user = userEvent.setup();
    const { callsTo } = withServer({ "POST /auth/password/reset": { body: { success: true } } }, <ResetPassword onSuccess={onSuccess} redirectTo="/dashboard" />);
    const field = await screen.findByLabelText("New password");
    expect(field.getAttribute("autocomplete")).toBe("new-password");
    await user.type(field, "a new long password");
    await user.click(screen.getByRole("button", { name: "Set password" }));
    await waitFor(() => expect(nav.replace).toHaveBeenCalledWith("/dashboard"));
    expect(onSuccess).toHaveBeenCalledOnce();
    expect(callsTo("POST /auth/password/reset")[0]?.body).toEqual({ token: "tok123", new_password: "a new long password" });
  });

  it("translates a spent token", async () => {
    const user = userEvent.setup();
    withServer({ "POST /auth/password/reset": { status: 400, body: { success: false, message: "Invalid.", error: "invalid_token" } } }, <ResetPassword token="old" locale="es" />);
    await user.type(screen.getByLabelText("Contraseña nueva"), "whatever long");
    await user.click(screen.getByRole("button", { name: "Guardar contraseña" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("ya se usó o ha caducado");
    expect(document.activeElement).toBe(alert);
  });
});

describe("<VerifyEmail />", () => {
  it("confirms only when the button is pressed", async () => {
    const user = userEvent.setup();
    const { callsTo } = withServer({ "POST /auth/email/verify": { body: { success: true } } }, <VerifyEmail token="v1" />);
    await screen.findByTestId("verify-form");
    expect(callsTo("POST /auth/email/verify")).toHaveLength(0);
    await user.click(screen.getByRole("button", { name: "Confirm" }));
    expect((await screen.findByTestId("verify-form-done")).textContent).toContain("confirmed");
    expect(callsTo("POST /auth/email/verify")[0]?.body).toEqual({ token: "v1" });
  });
});

describe("<MagicLink />", () => {
  it("without a token, asks for a link", async () => {
    const user = userEvent.setup();
    withServer({ "GET /auth/config": { body: CONFIG_ALL }, "POST /auth/magic-link": { status: 202, body: { success: true } } }, <MagicLink token="" />);
    await user.type(screen.getByLabelText("Email address"), "a@example.com");
    await user.click(screen.getByRole("button", { name: "Mail me a sign-in link" }));
    expect((await screen.findByTestId("magic-request-form-done")).textContent).toContain("sign-in link");
  });

  it("without a token on a server with magic links off, says so", async () => {
    withServer({ "GET /auth/config": { body: NO_MAIL } }, <MagicLink token="" />);
    expect(await screen.findByTestId("mail-unavailable")).toBeTruthy();
  });

  it("with a token, signs in, through the second step when the account has one", async () => {
    const nav = watchNavigation();
    const user = userEvent.setup();
    withServer(
      {
        "POST /auth/magic-link/verify": { body: { success: true, mfa_required: true, methods: ["totp"] } },
        "POST /auth/mfa/verify": { body: { success: true } },
      },
      <MagicLink token="m1" redirectTo="/dashboard" />,
    );
    await user.click(screen.getByRole("button", { name: "Sign in" }));
    await user.type(await screen.findByLabelText("Code from your authenticator app"), "123456");
    await user.click(screen.getByRole("button", { name: "Verify" }));
    await waitFor(() => expect(nav.replace).toHaveBeenCalledWith("/dashboard"));
  });
});
