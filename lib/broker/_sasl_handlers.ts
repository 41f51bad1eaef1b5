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
import { SASL_MECHANISMS, SaslAuthenticationError, type SaslSession, startSasl } from "./sasl.ts";

/** SaslHandshake v0-v1: v0 switches the connection to raw-token framing. */
export const handleSaslHandshake: RequestHandler = (req, r, w) => {
  const mechanism = decodeSaslHandshakeRequest(r);
  const { session, ctx } = req;
  const enabled = ctx.saslEnabled ? [...SASL_MECHANISMS] : [];
  if (session.sasl.kind !== "start") {
    encodeSaslHandshakeResponse(w, ErrorCode.IllegalSaslState, enabled);
    session.closeAfterResponse = "SaslHandshake repeated on one connection";
    return;
  }
  const sasl = ctx.saslEnabled ? startSasl(mechanism, ctx.users) : undefined;
  if (!sasl) {
    encodeSaslHandshakeResponse(w, ErrorCode.UnsupportedSaslMechanism, enabled);
    session.closeAfterResponse = `unsupported SASL mechanism "${mechanism}"`;
    return;
  }
  session.sasl = req.version === 0
    ? { kind: "legacyTokens", mechanism, session: sasl }
    : { kind: "authenticate", mechanism, session: sasl };
  encodeSaslHandshakeResponse(w, 0, enabled);
};

/** Runs one SASL step; returns the response token or an error text (already logged). */
export async function saslStep(
  session: ConnectionSession,
  mechanism: string,
  sasl: SaslSession,
  token: Uint8Array,
  log: (line: string) => void,
): Promise<{ response: Uint8Array } | { error: string }> {
  try {
    const step = await sasl.step(token);
    if (step.done) {
      session.sasl = { kind: "authenticated" };
      session.principal = step.principal;
    }
    return { response: step.response };
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
  );
  if ("error" in result) {
    finish(ErrorCode.SaslAuthenticationFailed, result.error, new Uint8Array(0));
    session.closeAfterResponse = "authentication failed";
    return;
  }
  finish(0, null, result.response);
};
