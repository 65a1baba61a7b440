// @vitest-environment jsdom
import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { describe, expect, it, vi } from "vitest";
import { OrganizationSwitcher, UserButton } from "../../src/components/index.js";
import { ME, watchNavigation, withServer } from "./harness.js";

describe("<UserButton />", () => {
  it("names the user and signs out", async () => {
    const nav = watchNavigation();
    const onSuccess = vi.fn();
    const user = userEvent.setup();
    const { callsTo } = withServer({ "GET /auth/me": { body: ME }, "POST /auth/logout": { body: { success: true } } }, <UserButton onSuccess={onSuccess} redirectTo="/bye" />);
    expect((await screen.findByTestId("user-name")).textContent).toBe("alice");
    expect(screen.queryByTestId("impersonation-banner")).toBeNull();
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    await waitFor(() => expect(nav.replace).toHaveBeenCalledWith("/bye"));
    expect(onSuccess).toHaveBeenCalledOnce();
    expect(callsTo("POST /auth/logout")).toHaveLength(1);
  });

  it("shows a banner in words while an admin impersonates, and stops it", async () => {
    const nav = watchNavigation();
    const user = userEvent.setup();
    const me = { success: true, user: { ...ME.user, impersonated_by: { id: "1", username: "root" } } };
    const { callsTo } = withServer({ "GET /auth/me": { body: me }, "POST /auth/impersonation/stop": { body: { success: true } } }, <UserButton locale="de" />);
    const banner = await screen.findByTestId("impersonation-banner");
    expect(banner.textContent).toContain("Identitätswechsel:");
    expect(banner.textContent).toContain("Sie handeln als alice, angemeldet als root.");
    await user.click(screen.getByRole("button", { name: "Identitätswechsel beenden" }));
    await waitFor(() => expect(nav.reload).toHaveBeenCalled());
    expect(callsTo("POST /auth/impersonation/stop")).toHaveLength(1);
  });

  it("offers a sign-in link when nobody is signed in", async () => {
    withServer({ "GET /auth/me": { status: 401, body: { success: false, message: "no" } }, "POST /auth/refresh": { status: 401, body: { success: false, message: "no" } } }, <UserButton signInUrl="/in" />);
    expect((await screen.findByTestId("sign-in-link")).getAttribute("href")).toBe("/in");
  });
});

describe("<OrganizationSwitcher />", () => {
  it("renders nothing on a server without organisations (404)", async () => {
    const { container, callsTo } = withServer({}, <OrganizationSwitcher />);
    await waitFor(() => expect(callsTo("GET /auth/orgs")).toHaveLength(1));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(container.textContent).toBe("");
  });

  it("switches the active organisation, and back to the personal account", async () => {
    const onSuccess = vi.fn();
    const user = userEvent.setup();
    const { callsTo } = withServer(
      {
        "GET /auth/orgs": { body: { success: true, orgs: [{ slug: "acme", name: "Acme", role: "member" }, { slug: "beta", name: "Beta", role: "owner" }], active: "acme" } },
        "POST /auth/orgs/active": { body: { success: true } },
      },
      <OrganizationSwitcher onSuccess={onSuccess} />,
    );
    const select = (await screen.findByLabelText("Organisation")) as HTMLSelectElement;
    expect(select.value).toBe("acme");
    await user.selectOptions(select, "beta");
    expect((await screen.findByRole("status")).textContent).toBe("Now working in Beta.");
    await user.selectOptions(select, "");
    await waitFor(() => expect(onSuccess).toHaveBeenLastCalledWith(null));
    expect(callsTo("POST /auth/orgs/active").map((c) => c.body)).toEqual([{ org: "beta" }, { org: null }]);
  });

  it("puts the choice back when the server refuses it", async () => {
    const user = userEvent.setup();
    withServer(
      {
        "GET /auth/orgs": { body: { success: true, orgs: [{ slug: "acme", name: "Acme" }], active: null } },
        "POST /auth/orgs/active": { status: 403, body: { success: false, message: "You are no longer a member." } },
      },
      <OrganizationSwitcher />,
    );
    const select = (await screen.findByLabelText("Organisation")) as HTMLSelectElement;
    await user.selectOptions(select, "acme");
    expect((await screen.findByRole("alert")).textContent).toContain("no longer a member");
    expect(select.value).toBe("");
  });
});
