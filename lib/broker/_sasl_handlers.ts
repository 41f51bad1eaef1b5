/**
 * SaslHandshake and SaslAuthenticate, driving the per-connection state in
 * {@linkcode ConnectionSession}.
 *
 * @module
 */

import { ErrorCode } from "../protocol/api.ts";
import {
  decodeSaslAuthenticateRequest,
  decodeSaslHandshakeRequest,
  encodeSaslAuthenticateResponse,
  encodeSaslHandshakeResponse,
} from "../protocol/messages/sasl.ts";
import type { ConnectionSession, RequestHandler } from "./_context.ts";
import type { BrokerContext } from "./_context.ts";
import { startOAuthBearer } from "./oauth_bearer.ts";
import { SaslAuthenticationError, type SaslSession, startSasl } from "./sasl.ts";

function startMechanism(ctx: BrokerContext, mechanism: string): SaslSession | undefined {
  if (!ctx.saslMechanisms.includes(mechanism)) return undefined;
  if (mechanism === "OAUTHBEARER") {
    return ctx.oauthBearer ? startOAuthBearer(ctx.oauthBearer) : undefined;
  }
  return startSasl(mechanism, ctx.users);
}

/**
 * SaslHandshake v0-v1: v0 switches the connection to raw-token framing. On an authenticated
 * connection, v1 starts a re-authentication (KIP-368) with the same mechanism.
 */
export const handleSaslHandshake: RequestHandler = (req, r, w) => {
  const mechanism = decodeSaslHandshakeRequest(r);
  const { session, ctx } = req;
  const enabled = ctx.saslEnabled ? [...ctx.saslMechanisms] : [];
  const reauthentication = ctx.saslEnabled && session.sasl.kind === "authenticated" &&
    req.version >= 1;
  if (session.sasl.kind !== "start" && !reauthentication) {
    encodeSaslHandshakeResponse(w, ErrorCode.IllegalSaslState, enabled);
    session.closeAfterResponse = "SaslHandshake repeated on one connection";
    return;
  }
  const sasl = ctx.saslEnabled ? startMechanism(ctx, mechanism) : undefined;
  if (!sasl) {
    encodeSaslHandshakeResponse(w, ErrorCode.UnsupportedSaslMechanism, enabled);
    session.closeAfterResponse = `unsupported SASL mechanism "${mechanism}"`;
    return;
  }
  session.sasl = req.version === 0
    ? { kind: "legacyTokens", mechanism, session: sasl }
    : { kind: "authenticate", mechanism, session: sasl, reauthentication };
  encodeSaslHandshakeResponse(w, 0, enabled);
};

/**
 * Runs one SASL step; returns the response token (and, once authenticated with an expiring token,
 * the session lifetime) or an error text (already logged). A re-authentication must keep the
 * principal.
 */
export async function saslStep(
  session: ConnectionSession,
  mechanism: string,
  sasl: SaslSession,
  token: Uint8Array,
  log: (line: string) => void,
  reauthentication = false,
): Promise<{ response: Uint8Array; sessionLifetimeMs?: number } | { error: string }> {
  try {
    const step = await sasl.step(token);
    if (!step.done) return { response: step.response };
    if (reauthentication && step.principal !== session.principal) {
      throw new SaslAuthenticationError(
        `Authentication failed: re-authentication as "${step.principal}" on a connection of ` +
          `"${session.principal}"; the principal may not change`,
      );
    }
    session.sasl = { kind: "authenticated" };
    session.principal = step.principal;
    session.sessionExpiresAt = step.expiresAt;
    if (reauthentication) log(`${session.remote} re-authenticated as ${step.principal}`);
    const sessionLifetimeMs = step.expiresAt === undefined
      ? undefined
      : Math.max(1, step.expiresAt - Date.now());
    return { response: step.response, sessionLifetimeMs };
  } catch (e) {
    const message = e instanceof SaslAuthenticationError
      ? e.message
      : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${mechanism}`;
    log(`SASL ${mechanism} authentication from ${session.remote} failed: ${message}`);
    return { error: message };
  }
}

/** SaslAuthenticate v0-v1: one SASL step per request; failure answers 58 and closes. */
export const handleSaslAuthenticate: RequestHandler = async (req, r, w) => {
  const token = decodeSaslAuthenticateRequest(r);
  const { session } = req;
  const state = session.sasl;
  const finish = (errorCode: number, errorMessage: string | null, token: Uint8Array) =>
    encodeSaslAuthenticateResponse(w, req.version, { errorCode, errorMessage, token });
  if (state.kind !== "authenticate") {
    finish(
      ErrorCode.IllegalSaslState,
      "SaslAuthenticate without a preceding SaslHandshake v1",
      new Uint8Array(0),
    );
    session.closeAfterResponse = "SaslAuthenticate out of order";
    return;
  }
  const result = await saslStep(
    session,
    state.mechanism,
    state.session,
    token.slice(),
    req.ctx.log,
    state.reauthentication,
  );
  if ("error" in result) {
    finish(ErrorCode.SaslAuthenticationFailed, result.error, new Uint8Array(0));
    session.closeAfterResponse = "authentication failed";
    return;
  }
  encodeSaslAuthenticateResponse(w, req.version, {
    errorCode: 0,
    errorMessage: null,
    token: result.response,
    sessionLifetimeMs: result.sessionLifetimeMs,
  });
};
