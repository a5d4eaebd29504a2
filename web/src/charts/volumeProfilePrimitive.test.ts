import { describe, expect, it } from "vitest";
import { profileRows } from "./volumeProfilePrimitive";

const colors = { bin: "bin", valueArea: "va", poc: "poc" };
const profile = {
  bin_edges: [90, 100, 110, 120],
  volumes: [5, 20, 10],
  poc: 105,
  value_area_high: 120,
  value_area_low: 100,
};

describe("profileRows", () => {
  it("test_profile_rows_width_proportional_to_volume_from_right_edge", () => {
    // y = 1000 - price; pane 800 px wide; the biggest bin spans a quarter (200 px).
    const rows = profileRows(profile, (price) => 1000 - price, 800, colors);
    expect(rows).toEqual([
      { x: 750, y: 900, width: 50, height: 9, color: "bin" },
      { x: 600, y: 890, width: 200, height: 9, color: "poc" },
      { x: 700, y: 880, width: 100, height: 9, color: "va" },
    ]);
  });

  it("test_profile_rows_skip_bins_off_the_scale", () => {
    const rows = profileRows(profile, (price) => (price >= 110 ? null : 1000 - price), 800, colors);
    expect(rows.map((row) => row.color)).toEqual(["bin"]);
  });

  it("test_profile_rows_empty_volume_draws_nothing", () => {
    expect(profileRows({ ...profile, volumes: [0, 0, 0] }, (p) => p, 800, colors)).toEqual([]);
  });
});
