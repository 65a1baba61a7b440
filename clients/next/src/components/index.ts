"use client";

/**
 * `@flask-auth/next/components`: ready-made client components for every
 * way in and the account page. They need an <AuthProvider> above them and
 * the stylesheet `@flask-auth/next/styles.css` (or your own).
 */

export { AccountSettings, type AccountSettingsProps, type AccountSection, ACCOUNT_SECTIONS } from "./account-settings.js";
export { type ServerConfig, useServerConfig } from "./config.js";
export { describeError, ERROR_KEYS } from "./errors.js";
export { addCatalogue, type Catalogue, locales, type MessageKey, resolveLocale, translator } from "./i18n.js";
export { ForgotPassword, MagicLink, ResetPassword, VerifyEmail } from "./mail-forms.js";
export { OrganizationSwitcher, type OrganizationSwitcherProps } from "./organization-switcher.js";
export { SignIn, type SignInProps } from "./sign-in.js";
export { SignUp, type SignUpProps } from "./sign-up.js";
export type { CommonProps, FinishProps } from "./ui.js";
export { UserButton, type UserButtonProps } from "./user-button.js";
