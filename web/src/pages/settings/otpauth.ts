/**
 * What the MFA enrolment shows of its `otpauth://totp/<issuer>:<account>?secret=...` URI:
 * the account and issuer it names, and the secret in groups of four characters, easier
 * to type into an authenticator app by hand.
 */
export interface OtpauthSummary {
  issuer: string;
  account: string;
}

/** The issuer and account of an otpauth URI; empty strings for what it does not name. */
export function summariseOtpauth(uri: string): OtpauthSummary {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return { issuer: "", account: "" };
  }
  if (url.protocol !== "otpauth:" || url.hostname !== "totp") return { issuer: "", account: "" };
  // otpauth://totp/<label>: "totp" is the URL's host, the label its path after "/".
  const label = decodeURIComponent(url.pathname.replace(/^\//, ""));
  const colon = label.indexOf(":");
  const labelIssuer = colon >= 0 ? label.slice(0, colon) : "";
  const account = colon >= 0 ? label.slice(colon + 1) : label;
  return { issuer: url.searchParams.get("issuer") ?? labelIssuer, account: account.trim() };
}

/** "JBSWY3DPEHPK3PXP" -> "JBSW Y3DP EHPK 3PXP". */
export function groupSecret(secret: string): string {
  return (
    secret
      .replace(/\s+/g, "")
      .match(/.{1,4}/g)
      ?.join(" ") ?? ""
  );
}
