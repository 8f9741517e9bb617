/*
 * The expiry of the ServiceAccount token kpaas-backend holds for a cluster: the `exp` claim of
 * the JWT, decoded without verifying (kpaas only reads the date it was given; the API server
 * is the one that verifies). The token itself never leaves this function: not logged, not
 * returned, not in an error message.
 */

/** The token's `exp` as a date; undefined when it has none (a legacy Secret token) or is not a JWT. */
export function serviceAccountTokenExpiry(token: string): Date | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(
      Buffer.from(parts[1], 'base64url').toString('utf8'),
    ) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp)
      ? new Date(claims.exp * 1000)
      : undefined;
  } catch {
    return undefined;
  }
}
