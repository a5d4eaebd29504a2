/**
 * Thin React wrappers of the backtest chart models: the drawdown (DrawdownChartModel) and
 * several runs' returns on one chart (ComparisonChartModel). Each creates its model on
 * mount, hands the data over when it changes, follows the theme, and disposes on unmount.
 * The containers are named figures, not images: the chart library puts its attribution
 * link inside, and the children of an image are presentational (axe: nested-interactive).
 */
import { useEffect, useRef, useState } from "react";
import { type ComparedRun, ComparisonChartModel } from "../../charts/comparisonChartModel";
import { DrawdownChartModel } from "../../charts/drawdownChartModel";
import { useTheme } from "../../theme/ThemeProvider";

export function DrawdownChart(props: {
  tsMs: readonly number[];
  drawdownPct: readonly number[];
  label: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const [model, setModel] = useState<DrawdownChartModel | null>(null);
  const { palette } = useTheme();
  const initialPalette = useRef(palette);

  useEffect(() => {
    if (container.current === null) return undefined;
    const created = new DrawdownChartModel(container.current, initialPalette.current);
    setModel(created);
    return () => created.dispose();
  }, []);
  useEffect(() => model?.setPalette(palette), [model, palette]);
  useEffect(() => model?.setDrawdown(props.tsMs, props.drawdownPct), [model, props.tsMs, props.drawdownPct]);

  return <div ref={container} className="chart chart-short" role="figure" aria-label={props.label} />;
}

export function ComparisonChart(props: { runs: readonly ComparedRun[]; label: string }) {
  const container = useRef<HTMLDivElement>(null);
  const [model, setModel] = useState<ComparisonChartModel | null>(null);
  const { palette } = useTheme();
  const initialPalette = useRef(palette);

  useEffect(() => {
    if (container.current === null) return undefined;
    const created = new ComparisonChartModel(container.current, initialPalette.current);
    setModel(created);
    return () => created.dispose();
  }, []);
  useEffect(() => model?.setPalette(palette), [model, palette]);
  useEffect(() => model?.setRuns(props.runs), [model, props.runs]);

  return (
    <div
      ref={container}
      className="chart"
      role="figure"
      aria-label={props.label}
      data-testid="backtest-compare-chart"
    />
  );
}
