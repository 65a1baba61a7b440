// WebAuthn JSON <-> browser objects, for the built-in pages (no build step, no library).
const b64urlToBytes = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4)), (c) => c.charCodeAt(0));
const bytesToB64url = (b) => btoa(String.fromCharCode(...new Uint8Array(b))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
function creationOptions(o) {
  return { ...o, challenge: b64urlToBytes(o.challenge), user: { ...o.user, id: b64urlToBytes(o.user.id) },
    excludeCredentials: (o.excludeCredentials || []).map((c) => ({ ...c, id: b64urlToBytes(c.id) })) };
}
function requestOptions(o) {
  return { ...o, challenge: b64urlToBytes(o.challenge), allowCredentials: (o.allowCredentials || []).map((c) => ({ ...c, id: b64urlToBytes(c.id) })) };
}
function credentialJson(c) {
  const r = c.response, out = { id: c.id, rawId: bytesToB64url(c.rawId), type: c.type, clientExtensionResults: c.getClientExtensionResults(), response: { clientDataJSON: bytesToB64url(r.clientDataJSON) } };
  if (r.attestationObject) { out.response.attestationObject = bytesToB64url(r.attestationObject); out.response.transports = r.getTransports ? r.getTransports() : []; }
  if (r.authenticatorData) { out.response.authenticatorData = bytesToB64url(r.authenticatorData); out.response.signature = bytesToB64url(r.signature); if (r.userHandle) out.response.userHandle = bytesToB64url(r.userHandle); }
  if (c.authenticatorAttachment) out.authenticatorAttachment = c.authenticatorAttachment;
  return out;
}
async function postJson(url, body, method = "POST") {
  const r = await fetch(url, { method, credentials: "same-origin", headers: { "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, data: await r.json().catch(() => ({})) };
}
