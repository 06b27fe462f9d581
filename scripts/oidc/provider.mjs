// A real OpenID provider for the single sign-on test: npm `oidc-provider`
// (a certified implementation, installed by scripts/oidc.sh into the tool
// cache) on http://127.0.0.1:$OIDC_PORT, with its built-in development
// screens (any login name, any password; then a consent "Continue").
//
// Two confidential clients with the same redirect URI: `campaign-tracker`
// (secret $OIDC_SECRET, the service's) and `other-app` (secret
// $OIDC_OTHER_SECRET): a code issued to the second must not sign anyone in
// at the first. PKCE is required of every client. Every person exists:
// login `x` has the claims { sub: "x", email: "x@example.vn",
// email_verified: true }; whether campaign-tracker has an account for them
// is the service's business.
//
// Claims asked for by scope (`email`) are, as the provider ships
// (conformIdTokenClaims), answered at the UserInfo endpoint and not in the
// ID token of the code flow (OpenID Connect Core 5.4). OIDC_ID_TOKEN_CLAIMS=1
// puts them in the ID token too, as many providers do.
//
// One line per event on stdout ("oidc: <event> <detail>"), the token
// endpoint's refusals with the provider's own reason (e.g. "client
// mismatch", "PKCE verification failed", "authorization code already
// consumed"), for scripts/oidc/check.mjs to read.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`provider.mjs: ${name} is not set (run it with scripts/oidc.sh)`);
  return v;
};
const PORT = Number(env("OIDC_PORT"));
const ISSUER = `http://127.0.0.1:${PORT}`;
const REDIRECT_URI = env("OIDC_REDIRECT_URI");
const SECRET = env("OIDC_SECRET");
const OTHER_SECRET = env("OIDC_OTHER_SECRET");
const ID_TOKEN_CLAIMS = process.env.OIDC_ID_TOKEN_CLAIMS === "1";

// oidc-provider is an ES module in the tool cache, not beside this file.
const require = createRequire(env("NODE_PATH") + "/");
const { default: Provider } = await import(pathToFileURL(require.resolve("oidc-provider")).href);

// A fresh RS256 signing key each run (not the library's development key).
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: "jwk" }), kid: "ct-test-" + randomBytes(4).toString("hex"), use: "sig", alg: "RS256" };

const client = (client_id, client_secret) => ({
  client_id,
  client_secret,
  redirect_uris: [REDIRECT_URI],
  grant_types: ["authorization_code"],
  response_types: ["code"],
  token_endpoint_auth_method: "client_secret_basic",
  id_token_signed_response_alg: "RS256",
});

const provider = new Provider(ISSUER, {
  clients: [client("campaign-tracker", SECRET), client("other-app", OTHER_SECRET)],
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString("hex")] },
  scopes: ["openid", "email"],
  claims: { openid: ["sub"], email: ["email", "email_verified"] },
  conformIdTokenClaims: !ID_TOKEN_CLAIMS,
  // Every client, confidential too, must send a PKCE challenge (S256).
  pkce: { required: () => true },
  clientAuthMethods: ["client_secret_basic", "client_secret_post"],
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        return { sub: id, email: `${id}@example.vn`, email_verified: true };
      },
    };
  },
});

const log = (...parts) => console.log("oidc:", ...parts);
const who = (ctx) => ctx.oidc?.client?.clientId ?? ctx.oidc?.params?.client_id ?? "-";
provider.on("authorization.success", (ctx) => log("authorization.success", who(ctx)));
provider.on("authorization.error", (ctx, err) => log("authorization.error", who(ctx), err.error, err.error_description ?? "", err.error_detail ?? ""));
provider.on("grant.success", (ctx) => log("grant.success", who(ctx)));
provider.on("grant.error", (ctx, err) => log("grant.error", who(ctx), err.error, err.error_description ?? "", "|", err.error_detail ?? err.message ?? ""));
provider.on("grant.revoked", (_ctx, grantId) => log("grant.revoked", grantId));
provider.on("userinfo.error", (ctx, err) => log("userinfo.error", who(ctx), err.error, err.error_detail ?? ""));
provider.on("server_error", (_ctx, err) => log("server_error", err.stack ?? String(err)));
provider.on("interaction.started", (_ctx, prompt) => log("interaction.started", prompt.name));
provider.on("interaction.ended", () => log("interaction.ended"));

const server = provider.listen(PORT, "127.0.0.1", () => log("listening", ISSUER));
const stop = () => server.close(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
