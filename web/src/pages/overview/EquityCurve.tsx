/** Thin React wrapper of EquityChartModel: creates it on mount, feeds it, disposes it. */
import { useEffect, useRef } from "react";
import { EquityChartModel, type EquityPoint } from "../../charts/equityChartModel";
import { useTheme } from "../../theme/ThemeProvider";

export function EquityCurve(props: { points: readonly EquityPoint[] }) {
  const container = useRef<HTMLDivElement>(null);
  const model = useRef<EquityChartModel | null>(null);
  const { palette } = useTheme();
  const initialPalette = useRef(palette);

  useEffect(() => {
    if (container.current === null) return undefined;
    const created = new EquityChartModel(container.current, initialPalette.current);
    model.current = created;
    return () => {
      created.dispose();
      model.current = null;
    };
  }, []);

  useEffect(() => model.current?.setPalette(palette), [palette]);
  useEffect(() => model.current?.setPoints(props.points), [props.points]);

  return <div ref={container} className="chart" />;
}
