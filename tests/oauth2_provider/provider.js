// Launches panva's oidc-provider (an OpenID Certified implementation) on a loopback port.
//
// Configuration only: every endpoint (authorization, token, JWKS, userinfo, discovery and the
// development login/consent pages) is the library's own. Reads one JSON object from the
// KYROS_TEST_OP_CONFIG environment variable:
//   { "clients": [ oidc-provider client metadata ... ],
//     "accounts": { "<sub>": { "email": ..., "email_verified": ..., "name": ... } } }
// and prints {"issuer": "http://127.0.0.1:<port>"} on one stdout line once it is listening.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const { clients, accounts } = JSON.parse(process.env.KYROS_TEST_OP_CONFIG ?? '{}');

const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: randomBytes(8).toString('hex'),
  use: 'sig',
  alg: 'RS256',
};

const server = createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    // Every client must use PKCE, so a missing or wrong code_verifier is refused.
    pkce: { required: () => true },
    // Put the scope's claims (email, name) into the ID token, as Google and Microsoft do.
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
    },
    features: { devInteractions: { enabled: true } },
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      IdToken: 600,
      Interaction: 600,
      Session: 600,
      Grant: 600,
    },
    async findAccount(_ctx, sub) {
      const profile = accounts?.[sub];
      if (!profile) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...profile }) };
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => process.exit(0));
}
