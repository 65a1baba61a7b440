/**
 * The components' way of leaving the page: full navigations, so the server
 * (and a Next.js proxy) sees the cookies a sign-in just set. One object,
 * so tests can watch it.
 */

export const browser = {
  replace(url: string): void {
    window.location.replace(url);
  },
  assign(url: string): void {
    window.location.assign(url);
  },
  reload(): void {
    window.location.reload();
  },
};
