/**
 * The volume profile drawn on the price pane: one horizontal bar per price bin, growing
 * leftwards from the right edge, its length proportional to the bin's volume (the largest
 * bin spans `widthShare` of the pane). Bins inside the value area and the point of control
 * (POC) get their own colours. A series primitive of lightweight-charts, attached to the
 * candle series so it shares its price scale.
 */
import type {
  IPrimitivePaneRenderer,
  IPrimitivePaneView,
  ISeriesPrimitive,
  SeriesAttachedParameter,
  Time,
} from "lightweight-charts";

export interface VolumeProfile {
  bin_edges: readonly number[];
  volumes: readonly number[];
  poc: number;
  value_area_high: number;
  value_area_low: number;
}

export interface ProfileColors {
  bin: string;
  valueArea: string;
  poc: string;
}

export interface ProfileRow {
  x: number;
  y: number;
  width: number;
  height: number;
  color: string;
}

/**
 * The rectangles of a profile in media pixels; `priceToY` is the series' converter (null
 * when the price is off the scale; such bins are left out).
 */
export function profileRows(
  profile: VolumeProfile,
  priceToY: (price: number) => number | null,
  paneWidth: number,
  colors: ProfileColors,
  widthShare = 0.25,
): ProfileRow[] {
  const maxVolume = Math.max(0, ...profile.volumes);
  if (maxVolume <= 0 || paneWidth <= 0) return [];
  const rows: ProfileRow[] = [];
  for (let i = 0; i < profile.volumes.length; i += 1) {
    const low = profile.bin_edges[i];
    const high = profile.bin_edges[i + 1];
    if (low === undefined || high === undefined) break;
    const yLow = priceToY(low);
    const yHigh = priceToY(high);
    if (yLow === null || yHigh === null) continue;
    const width = ((profile.volumes[i] as number) / maxVolume) * paneWidth * widthShare;
    const inValueArea = low >= profile.value_area_low && high <= profile.value_area_high;
    const isPoc = profile.poc >= low && profile.poc < high;
    rows.push({
      x: paneWidth - width,
      y: Math.min(yLow, yHigh),
      width,
      // One pixel of air between bins keeps them readable when bins are thin.
      height: Math.max(1, Math.abs(yLow - yHigh) - 1),
      color: isPoc ? colors.poc : inValueArea ? colors.valueArea : colors.bin,
    });
  }
  return rows;
}

type DrawTarget = Parameters<IPrimitivePaneRenderer["draw"]>[0];

class ProfileRenderer implements IPrimitivePaneRenderer {
  constructor(private readonly source: VolumeProfilePrimitive) {}

  draw(target: DrawTarget): void {
    target.useMediaCoordinateSpace(({ context, mediaSize }) => {
      for (const row of this.source.rows(mediaSize.width)) {
        context.fillStyle = row.color;
        context.fillRect(row.x, row.y, row.width, row.height);
      }
    });
  }
}

class ProfilePaneView implements IPrimitivePaneView {
  private readonly profileRenderer: ProfileRenderer;
  constructor(source: VolumeProfilePrimitive) {
    this.profileRenderer = new ProfileRenderer(source);
  }
  zOrder(): "bottom" {
    return "bottom";
  }
  renderer(): IPrimitivePaneRenderer {
    return this.profileRenderer;
  }
}

export class VolumeProfilePrimitive implements ISeriesPrimitive<Time> {
  private attachedTo: SeriesAttachedParameter<Time> | null = null;
  private readonly views: readonly IPrimitivePaneView[];

  constructor(
    private profile: VolumeProfile,
    private colors: ProfileColors,
  ) {
    this.views = [new ProfilePaneView(this)];
  }

  attached(param: SeriesAttachedParameter<Time>): void {
    this.attachedTo = param;
  }

  detached(): void {
    this.attachedTo = null;
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return this.views;
  }

  update(profile: VolumeProfile, colors: ProfileColors = this.colors): void {
    this.profile = profile;
    this.colors = colors;
    this.attachedTo?.requestUpdate();
  }

  recolor(colors: ProfileColors): void {
    this.update(this.profile, colors);
  }

  rows(paneWidth: number): ProfileRow[] {
    const series = this.attachedTo?.series;
    if (series === undefined) return [];
    return profileRows(this.profile, (price) => series.priceToCoordinate(price), paneWidth, this.colors);
  }
}
