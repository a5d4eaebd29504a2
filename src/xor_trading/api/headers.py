"""The security headers of every answer (S12), shared by the middleware and the 500 handler."""

from __future__ import annotations

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# The API answers JSON only; the dashboard (served at /) sets its own policy.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
API_HEADERS = {"Content-Security-Policy": API_CSP, "Cache-Control": "no-store"}
