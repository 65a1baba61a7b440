// A relying party on openid-client 6 (OpenID certified), for tests/test_provider_rp_node.py.
//
// Talks line by line: it prints JSON lines ({"step": ...}) on stdout and reads
// what the person at the browser brought back on stdin. Steps: discovery, the
// authorize URL (PKCE S256, state, nonce) -> the callback URL -> code exchange with
// ID token validation, userinfo, refresh, revocation, the end-session URL -> after
// logout at the provider, a refresh that must fail.
import * as client from 'openid-client'
import { createInterface } from 'node:readline'

const { ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, POST_LOGOUT_REDIRECT_URI } = process.env
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]()
const say = (step, data = {}) => process.stdout.write(JSON.stringify({ step, ...data }) + '\n')
const next = async () => (await lines.next()).value

const config = await client.discovery(new URL(ISSUER), CLIENT_ID, CLIENT_SECRET, undefined, {
  execute: [client.allowInsecureRequests], // the test server speaks plain http on 127.0.0.1
})

const verifier = client.randomPKCECodeVerifier()
const state = client.randomState()
const nonce = client.randomNonce()
const url = client.buildAuthorizationUrl(config, {
  redirect_uri: REDIRECT_URI,
  scope: 'openid profile email offline_access',
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: 'S256',
  state,
  nonce,
})
say('authorize', { url: url.href })

const callback = new URL(await next())
const tokens = await client.authorizationCodeGrant(config, callback, {
  pkceCodeVerifier: verifier,
  expectedState: state,
  expectedNonce: nonce,
  idTokenExpected: true,
})
const claims = tokens.claims()
const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub)
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token)
let reuse = 'accepted'
try {
  await client.refreshTokenGrant(config, tokens.refresh_token)
} catch (error) {
  reuse = error.error ?? error.code ?? String(error)
}
say('tokens', { claims, userinfo, rotated: refreshed.refresh_token !== tokens.refresh_token, reuse })

// A second sign-in for the rest: the reuse above ended the first grant.
const verifier2 = client.randomPKCECodeVerifier()
const state2 = client.randomState()
const url2 = client.buildAuthorizationUrl(config, {
  redirect_uri: REDIRECT_URI,
  scope: 'openid profile offline_access',
  code_challenge: await client.calculatePKCECodeChallenge(verifier2),
  code_challenge_method: 'S256',
  state: state2,
})
say('authorize', { url: url2.href })
const second = await client.authorizationCodeGrant(config, new URL(await next()), {
  pkceCodeVerifier: verifier2,
  expectedState: state2,
})
await client.tokenRevocation(config, second.refresh_token, { token_type_hint: 'refresh_token' })
let afterRevoke = 'accepted'
try {
  await client.refreshTokenGrant(config, second.refresh_token)
} catch (error) {
  afterRevoke = error.error ?? String(error)
}
say('revoked', { afterRevoke })

// Sign in once more, then log out at the provider through the end-session URL.
const verifier3 = client.randomPKCECodeVerifier()
const state3 = client.randomState()
const url3 = client.buildAuthorizationUrl(config, {
  redirect_uri: REDIRECT_URI,
  scope: 'openid offline_access',
  code_challenge: await client.calculatePKCECodeChallenge(verifier3),
  code_challenge_method: 'S256',
  state: state3,
})
say('authorize', { url: url3.href })
const last = await client.authorizationCodeGrant(config, new URL(await next()), {
  pkceCodeVerifier: verifier3,
  expectedState: state3,
})
const endSession = client.buildEndSessionUrl(config, {
  id_token_hint: last.id_token,
  post_logout_redirect_uri: POST_LOGOUT_REDIRECT_URI,
  state: 'bye',
})
say('logout', { url: endSession.href })
await next()
let afterLogout = 'accepted'
try {
  await client.refreshTokenGrant(config, last.refresh_token)
} catch (error) {
  afterLogout = error.error ?? String(error)
}
say('done', { afterLogout })
process.exit(0)
