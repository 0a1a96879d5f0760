// API keys and project keys.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** `ork_` + 32 base64url characters (24 random bytes = 192 bits). */
export function generateApiKey(): string {
  return `ork_${randomBytes(24).toString("base64url")}`;
}

/**
 * SHA-256 (hex) of an API key: what the database stores and looks keys up by. A fast, unsalted
 * hash is the right tool here, unlike for passwords: the keys are 192 random bits, so there is
 * no dictionary to try and brute force is hopeless however fast the hash; a slow KDF (bcrypt,
 * scrypt) would only slow down every API call. Being unsalted makes the hash a lookup key.
 */
export function hashApiKey(apiKey: string): string {
  return createHash("sha256").update(apiKey, "utf8").digest("hex");
}

/** Compares two hex hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** 20 characters of [A-Za-z0-9], uniformly random (rejection sampling: no modulo bias). */
export function generateProjectKey(length = 20): string {
  let key = "";
  while (key.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // 248 = 4 * 62: bytes from 248 up would favour the first characters.
      if (byte < 248 && key.length < length) key += ALPHANUMERIC[byte % 62];
    }
  }
  return key;
}
