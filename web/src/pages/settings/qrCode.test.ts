import { describe, expect, it } from "vitest";
import { qrMatrix } from "./qrCode";

// Decoded as "HELLO" by zbarimg (zbar-tools) when the encoder was written.
const HELLO = [
  "#######.#..#..#######",
  "#.....#.####..#.....#",
  "#.###.#...#.#.#.###.#",
  "#.###.#.#.#.#.#.###.#",
  "#.###.#....#..#.###.#",
  "#.....#....##.#.....#",
  "#######.#.#.#.#######",
  "........#..##........",
  "#.##.###.#.##.#..#.##",
  ".##.##.#.######..##..",
  "#...#.#..#.#.......##",
  "#.##...#...#..####.#.",
  ".#.######...#..#..#.#",
  "........####..#...#.#",
  "#######.#..##..#.....",
  "#.....#.#.#....#####.",
  "#.###.#.....######.##",
  "#.###.#.#.##..#.####.",
  "#.###.#.##..#.##..#..",
  "#.....#...#..#.##...#",
  "#######.#.#..#.#.....",
];

const render = (matrix: boolean[][]) => matrix.map((row) => row.map((dark) => (dark ? "#" : ".")).join(""));

function finderAt(matrix: boolean[][], left: number, top: number): string[] {
  return matrix.slice(top, top + 7).map((row) => render([row.slice(left, left + 7)])[0] ?? "");
}

const FINDER = ["#######", "#.....#", "#.###.#", "#.###.#", "#.###.#", "#.....#", "#######"];

describe("QR code", () => {
  it("test_qr_matrix_hello_matches_the_decoded_reference", () => {
    expect(render(qrMatrix("HELLO") ?? [])).toEqual(HELLO);
  });

  it("test_qr_matrix_version_grows_with_length_up_to_version_10", () => {
    expect(qrMatrix("x".repeat(14))?.length).toBe(21); // version 1 holds 14 bytes at level M
    expect(qrMatrix("x".repeat(15))?.length).toBe(25);
    const uri = "otpauth://totp/XOR:alice%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=XOR";
    expect(qrMatrix(uri)?.length).toBe(41); // 91 bytes: version 6 (holds 106)
    expect(qrMatrix("y".repeat(213))?.length).toBe(57); // version 10, the largest
    expect(qrMatrix("y".repeat(214))).toBeNull();
  });

  it("test_qr_matrix_has_three_finder_patterns_and_timing", () => {
    const matrix = qrMatrix("y".repeat(200)) ?? [];
    const size = matrix.length;
    expect(finderAt(matrix, 0, 0)).toEqual(FINDER);
    expect(finderAt(matrix, size - 7, 0)).toEqual(FINDER);
    expect(finderAt(matrix, 0, size - 7)).toEqual(FINDER);
    const timing = matrix[6]?.slice(8, size - 8).map((dark, i) => dark === (i % 2 === 0));
    expect(timing?.every(Boolean)).toBe(true);
    expect(matrix[size - 8]?.[8]).toBe(true); // the dark module
  });
});
