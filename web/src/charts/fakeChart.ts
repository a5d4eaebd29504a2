/**
 * Test double of lightweight-charts' `createChart` and `createSeriesMarkers`, for the
 * chart-model tests (`vi.mock("lightweight-charts", ...)` swaps them in). It records what a
 * model asked for (series with their pane, data, price lines, primitives, markers) and
 * mimics the one library behaviour the models rely on: a pane whose last series is removed
 * disappears and the panes below move up. Never imported by application code.
 */
export interface FakePriceLine {
  options: Record<string, unknown>;
}

interface Primitive {
  attached?: (param: unknown) => void;
  detached?: () => void;
}

export class FakeSeries {
  data: unknown[] = [];
  updates: unknown[] = [];
  priceLines: FakePriceLine[] = [];
  primitives: Primitive[] = [];
  updateRequests = 0;

  constructor(
    readonly type: string,
    public options: Record<string, unknown>,
    public paneIndex: number,
    private readonly chart: FakeChart,
  ) {}

  setData(data: unknown[]): void {
    this.data = data;
  }
  update(bar: unknown): void {
    this.updates.push(bar);
  }
  applyOptions(options: Record<string, unknown>): void {
    this.options = { ...this.options, ...options };
  }
  createPriceLine(options: Record<string, unknown>): FakePriceLine {
    const line = { options };
    this.priceLines.push(line);
    return line;
  }
  removePriceLine(line: FakePriceLine): void {
    this.priceLines = this.priceLines.filter((held) => held !== line);
  }
  attachPrimitive(primitive: Primitive): void {
    this.primitives.push(primitive);
    primitive.attached?.({
      chart: this.chart,
      series: this,
      requestUpdate: () => {
        this.updateRequests += 1;
      },
    });
  }
  detachPrimitive(primitive: Primitive): void {
    this.primitives = this.primitives.filter((held) => held !== primitive);
    primitive.detached?.();
  }
  /** A simple linear scale: price 0 at y = 1000, one pixel per unit. */
  priceToCoordinate(price: number): number {
    return 1000 - price;
  }
}

export class FakeChart {
  series: FakeSeries[] = [];
  removed = false;
  fitContentCalls = 0;
  appliedOptions: Array<Record<string, unknown>> = [];
  priceScaleOptions = new Map<string, Record<string, unknown>>();

  constructor(
    readonly container: unknown,
    readonly options: Record<string, unknown>,
  ) {}

  addSeries(definition: { type: string }, options: Record<string, unknown> = {}, paneIndex = 0): FakeSeries {
    const series = new FakeSeries(definition.type, options, paneIndex, this);
    this.series.push(series);
    return series;
  }
  removeSeries(series: FakeSeries): void {
    if (!this.series.includes(series)) throw new Error("series is not on this chart");
    this.series = this.series.filter((held) => held !== series);
    const pane = series.paneIndex;
    if (pane > 0 && !this.series.some((held) => held.paneIndex === pane)) {
      for (const held of this.series) if (held.paneIndex > pane) held.paneIndex -= 1;
    }
  }
  panes(): unknown[] {
    const count = Math.max(0, ...this.series.map((held) => held.paneIndex)) + 1;
    return Array.from({ length: count }, (_, i) => ({ index: i }));
  }
  priceScale(id: string) {
    return {
      applyOptions: (options: Record<string, unknown>) => {
        this.priceScaleOptions.set(id, options);
      },
    };
  }
  timeScale() {
    return {
      fitContent: () => {
        this.fitContentCalls += 1;
      },
    };
  }
  applyOptions(options: Record<string, unknown>): void {
    this.appliedOptions.push(options);
  }
  remove(): void {
    this.removed = true;
  }
  /** The series of one kind, in creation order. */
  ofType(type: string): FakeSeries[] {
    return this.series.filter((held) => held.type === type);
  }
}

export interface FakeMarkers {
  series: FakeSeries;
  markers: unknown[];
  setMarkers(markers: unknown[]): void;
  detach(): void;
}

export const fakeCharts: FakeChart[] = [];
export const fakeMarkers: FakeMarkers[] = [];

export const fakeLibrary = {
  createChart: (container: unknown, options: Record<string, unknown> = {}) => {
    const chart = new FakeChart(container, options);
    fakeCharts.push(chart);
    return chart;
  },
  createSeriesMarkers: (series: FakeSeries, markers: unknown[] = []) => {
    const plugin: FakeMarkers = {
      series,
      markers,
      setMarkers(next) {
        plugin.markers = next;
      },
      detach() {
        plugin.markers = [];
      },
    };
    fakeMarkers.push(plugin);
    return plugin;
  },
};

export function resetFakes(): void {
  fakeCharts.length = 0;
  fakeMarkers.length = 0;
}
