/**
 * The proxy's signing keys: the current key signs access tokens; the previous one (during a
 * rotation) is still published in the JWKS and still accepted, so tokens issued before the switch
 * stay valid until they expire.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, SignJWT, type JSONWebKeySet, type JWK, type JWTPayload } from 'jose';

export interface SigningKey {
  kid: string;
  alg: string;
  privateKey: KeyObject;
  jwk: JWK;
}

function algorithmOf(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === 'prime256v1' || curve === 'P-256') return 'ES256';
      if (curve === 'secp384r1' || curve === 'P-384') return 'ES384';
      throw new Error(`EC curve ${curve} is not supported: use P-256 or P-384`);
    }
    case 'rsa':
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('RSA keys must have at least 2048 bits');
      return 'RS256';
    case 'ed25519':
      return 'EdDSA';
    default:
      throw new Error(`key type ${key.asymmetricKeyType} is not supported: use an EC P-256, RSA 2048+ or Ed25519 private key`);
  }
}

/** Reads a PEM private key (newlines may be written as `\n`); throws without quoting the key. */
export async function loadSigningKey(pem: string): Promise<SigningKey> {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem.replace(/\\n/g, '\n'));
  } catch {
    throw new Error('not a PEM private key');
  }
  const alg = algorithmOf(privateKey);
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(publicJwk);
  return { kid, alg, privateKey, jwk: { ...publicJwk, kid, alg, use: 'sig' } };
}

export interface TokenSigner {
  readonly jwks: JSONWebKeySet;
  sign(claims: JWTPayload, options: { issuer: string; audience: string; subject: string; expiresInSeconds: number; jti: string }): Promise<string>;
}

export function createSigner(current: SigningKey, previous: SigningKey[] = []): TokenSigner {
  return {
    jwks: { keys: [current.jwk, ...previous.map((k) => k.jwk)] },
    sign(claims, { issuer, audience, subject, expiresInSeconds, jti }) {
      return new SignJWT(claims)
        .setProtectedHeader({ alg: current.alg, kid: current.kid, typ: 'at+jwt' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(subject)
        .setIssuedAt()
        .setExpirationTime(`${expiresInSeconds}s`)
        .setJti(jti)
        .sign(current.privateKey);
    },
  };
}
