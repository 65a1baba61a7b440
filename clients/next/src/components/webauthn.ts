// WebAuthn options and credentials as JSON (binary fields base64url), the
// shape the API speaks, converted by hand so any browser with WebAuthn works
// (PublicKeyCredential.parseCreationOptionsFromJSON is not everywhere yet).

export type Json = Record<string, unknown>;

function toBytes(value: string): Uint8Array<ArrayBuffer> {
  const base64 = value.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "===".slice((base64.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function toBase64url(buffer: ArrayBuffer): string {
  let text = "";
  for (const byte of new Uint8Array(buffer)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

type Descriptor = { id: string; type: "public-key"; transports?: AuthenticatorTransport[] };

function descriptors(list: unknown): PublicKeyCredentialDescriptor[] {
  return ((list as Descriptor[] | undefined) ?? []).map((c) => ({ ...c, id: toBytes(c.id) }));
}

export function creationOptions(options: Json): PublicKeyCredentialCreationOptions {
  const user = options.user as { id: string; name: string; displayName: string };
  return {
    ...(options as unknown as PublicKeyCredentialCreationOptions),
    challenge: toBytes(options.challenge as string),
    user: { ...user, id: toBytes(user.id) },
    excludeCredentials: descriptors(options.excludeCredentials),
  };
}

export function requestOptions(options: Json): PublicKeyCredentialRequestOptions {
  return {
    ...(options as unknown as PublicKeyCredentialRequestOptions),
    challenge: toBytes(options.challenge as string),
    allowCredentials: descriptors(options.allowCredentials),
  };
}

export function credentialJson(credential: PublicKeyCredential): Json {
  const response = credential.response;
  const out: Json = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
  };
  if (response instanceof AuthenticatorAttestationResponse) {
    out.response = {
      clientDataJSON: toBase64url(response.clientDataJSON),
      attestationObject: toBase64url(response.attestationObject),
      transports: response.getTransports?.() ?? [],
    };
  } else {
    const assertion = response as AuthenticatorAssertionResponse;
    out.response = {
      clientDataJSON: toBase64url(assertion.clientDataJSON),
      authenticatorData: toBase64url(assertion.authenticatorData),
      signature: toBase64url(assertion.signature),
      ...(assertion.userHandle ? { userHandle: toBase64url(assertion.userHandle) } : {}),
    };
  }
  return out;
}

/** The browser can make and use passkeys (checked after hydration: the server renders without it). */
export function passkeysSupported(): boolean {
  return typeof window !== "undefined" && typeof window.PublicKeyCredential === "function" && !!navigator.credentials;
}
