/** A QR code as an SVG image (dark modules on a light quiet zone in both themes). */
import { useMemo } from "react";
import { qrMatrix } from "./qrCode";

const QUIET_ZONE = 4;

export function QrCode(props: { text: string; label: string }) {
  const matrix = useMemo(() => qrMatrix(props.text), [props.text]);
  if (matrix === null) return null;
  const size = matrix.length + QUIET_ZONE * 2;
  const path = matrix
    .flatMap((row, y) => row.map((dark, x) => (dark ? `M${x + QUIET_ZONE} ${y + QUIET_ZONE}h1v1h-1z` : "")))
    .join("");
  return (
    <svg
      viewBox={`0 0 ${size} ${size}`}
      width={size * 4}
      height={size * 4}
      role="img"
      aria-label={props.label}
      shapeRendering="crispEdges"
      data-testid="mfa-qr"
    >
      <rect width={size} height={size} fill="#ffffff" />
      <path d={path} fill="#000000" />
    </svg>
  );
}
