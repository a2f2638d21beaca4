import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashing with scrypt (RFC 7914), memory-hard, from Node's own crypto: no native
 * build to install, maintained with Node itself. Parameters are one of OWASP's equivalent
 * scrypt settings (N=2^15, r=8, p=3: 32 MiB per hash, about as slow as N=2^17, p=1 with a
 * quarter of its memory, so that a burst of sign-ins cannot exhaust a small host).
 * Stored as `scrypt$N$r$p$salt$hash` (base64url), so parameters can be raised later and old
 * hashes still verify.
 */
export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 15, r: 8, p: 3 };
const KEY_BYTES = 32;
const SALT_BYTES = 16;

function derive(password: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: p.N, r: p.r, p: p.p, maxmem: 128 * p.N * p.r * 2 + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, KEY_BYTES, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash || !(Number(n) >= 2 && Number(n) <= 2 ** 20)) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of no password anyone knows: verified against when the user name is unknown, so that the answer takes as long. */
const decoys = new Map<number, Promise<string>>();
export function decoyHash(params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  let decoy = decoys.get(params.N * 1000 + params.p);
  if (!decoy) decoys.set(params.N * 1000 + params.p, (decoy = hashPassword(randomBytes(16).toString('hex'), params)));
  return decoy;
}
