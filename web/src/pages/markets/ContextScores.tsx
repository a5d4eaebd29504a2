/** The market context score of every stored market at one timeframe (GET /market/context). */
import type { MarketKey } from "../../data/queryKeys";
import { useMarketContext } from "../../data/market";
import { useT } from "../../i18n/I18nProvider";
import { Panel } from "../../shared/Panel";

export function ContextScores(props: { timeframe: string | null; onPick: (market: MarketKey) => void }) {
  const t = useT();
  const context = useMarketContext(props.timeframe);
  const direction = (value: number | null) =>
    value === null
      ? ""
      : value > 0
        ? t("direction.up")
        : value < 0
          ? t("direction.down")
          : t("direction.flat");
  return (
    <Panel title={`${t("markets.context")} (${props.timeframe ?? ""})`} query={context}>
      <table>
        <thead>
          <tr>
            <th>{t("col.symbol")}</th>
            <th>{t("col.exchange")}</th>
            <th className="num">{t("col.score")}</th>
            <th>{t("col.pattern")}</th>
            <th>{t("col.direction")}</th>
          </tr>
        </thead>
        <tbody>
          {(context.data?.rows ?? []).map((row) => (
            <tr key={`${row.exchange}|${row.symbol}`}>
              <td>
                <button
                  type="button"
                  onClick={() =>
                    props.onPick({ exchange: row.exchange, symbol: row.symbol, timeframe: row.timeframe })
                  }
                >
                  {row.symbol}
                </button>
              </td>
              <td>{row.exchange}</td>
              <td className="num">{row.score === null ? "–" : row.score.toFixed(1)}</td>
              <td>
                {row.skipped === null
                  ? (row.pattern ?? "")
                  : t("markets.context.skipped", { reason: row.skipped })}
              </td>
              <td>{direction(row.direction)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}
