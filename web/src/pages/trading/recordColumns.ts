/**
 * The columns of the orders, trades and positions tables, on screen and in the CSV
 * export (the CSV has every field of the row, by its API name, values exact).
 */
import type { RecordKindName, RecordRows } from "../../data/records";
import type { Translate } from "../../i18n/translate";
import type { CsvColumn } from "../../shared/csv";
import { type Column } from "../../shared/DataTable";
import { signedClass, utcTime } from "../../shared/cellFormat";

type Rows = RecordRows;

export function recordColumns<K extends RecordKindName>(
  kind: K,
  t: Translate,
  botName: (botId: string) => string,
): Column<Rows[K]>[] {
  const bot: Column<{ bot_id: string }> = { id: "bot", header: t("col.bot"), cell: (r) => botName(r.bot_id) };
  const symbol: Column<{ symbol: string }> = {
    id: "symbol",
    header: t("col.symbol"),
    sortKey: "symbol",
    cell: (r) => r.symbol,
  };
  if (kind === "orders") {
    const columns: Column<Rows["orders"]>[] = [
      {
        id: "created",
        header: t("table.col.created"),
        sortKey: "created_at",
        cell: (r) => utcTime(r.created_at),
      },
      bot,
      symbol,
      { id: "side", header: t("table.col.side"), cell: (r) => r.side },
      { id: "type", header: t("table.col.type"), cell: (r) => r.type },
      { id: "status", header: t("table.col.status"), sortKey: "status", cell: (r) => r.status },
      { id: "quantity", header: t("col.quantity"), numeric: true, cell: (r) => r.quantity },
      {
        id: "price",
        header: t("table.col.price"),
        numeric: true,
        cell: (r) => r.price ?? r.stop_price ?? "–",
      },
      { id: "filled", header: t("table.col.filled"), numeric: true, cell: (r) => r.filled_quantity },
      { id: "average", header: t("col.averagePrice"), numeric: true, cell: (r) => r.average_price ?? "–" },
      { id: "tag", header: t("table.col.tag"), cell: (r) => r.tag },
      { id: "reason", header: t("table.col.reason"), cell: (r) => r.reason },
    ];
    return columns as Column<Rows[K]>[];
  }
  if (kind === "trades") {
    const columns: Column<Rows["trades"]>[] = [
      { id: "exit", header: t("table.col.exit"), sortKey: "exit_at", cell: (r) => utcTime(r.exit_at) },
      { id: "entry", header: t("table.col.entry"), sortKey: "entry_at", cell: (r) => utcTime(r.entry_at) },
      bot,
      { id: "strategy", header: t("col.strategy"), cell: (r) => r.strategy },
      symbol,
      { id: "side", header: t("table.col.side"), cell: (r) => r.side },
      { id: "quantity", header: t("col.quantity"), numeric: true, cell: (r) => r.quantity },
      { id: "entryPrice", header: t("table.col.entryPrice"), numeric: true, cell: (r) => r.entry_price },
      { id: "exitPrice", header: t("table.col.exitPrice"), numeric: true, cell: (r) => r.exit_price },
      { id: "fees", header: t("table.col.fees"), numeric: true, cell: (r) => r.fees },
      {
        id: "net",
        header: t("table.col.netPnl"),
        sortKey: "net_pnl",
        numeric: true,
        cell: (r) => r.net_pnl,
        className: (r) => signedClass(r.net_pnl),
      },
      { id: "exitReason", header: t("table.col.exitReason"), cell: (r) => r.exit_reason },
    ];
    return columns as Column<Rows[K]>[];
  }
  const columns: Column<Rows["positions"]>[] = [
    symbol,
    bot,
    {
      id: "quantity",
      header: t("col.quantity"),
      sortKey: "quantity",
      numeric: true,
      cell: (r) => r.quantity,
      className: (r) => signedClass(r.quantity),
    },
    { id: "average", header: t("col.averagePrice"), numeric: true, cell: (r) => r.average_price },
    {
      id: "realised",
      header: t("col.realisedPnl"),
      numeric: true,
      cell: (r) => r.realised_pnl,
      className: (r) => signedClass(r.realised_pnl),
    },
    {
      id: "updated",
      header: t("table.col.updated"),
      sortKey: "updated_at",
      cell: (r) => utcTime(r.updated_at),
    },
  ];
  return columns as Column<Rows[K]>[];
}

const CSV_FIELDS: { [K in RecordKindName]: readonly (keyof Rows[K] & string)[] } = {
  orders: [
    "id",
    "created_at",
    "updated_at",
    "bot_id",
    "symbol",
    "side",
    "type",
    "time_in_force",
    "status",
    "quantity",
    "price",
    "stop_price",
    "filled_quantity",
    "average_price",
    "tag",
    "reason",
    "client_order_id",
    "venue_order_id",
  ],
  trades: [
    "id",
    "bot_id",
    "strategy",
    "symbol",
    "side",
    "quantity",
    "entry_at",
    "entry_price",
    "exit_at",
    "exit_price",
    "gross_pnl",
    "fees",
    "net_pnl",
    "exit_reason",
  ],
  positions: ["id", "bot_id", "symbol", "quantity", "average_price", "realised_pnl", "updated_at"],
};

/** Every field of a row by its API name, as the API sent it. */
export function recordCsvColumns<K extends RecordKindName>(kind: K): CsvColumn<Rows[K]>[] {
  return CSV_FIELDS[kind].map((field) => ({
    header: field,
    value: (row: Rows[K]) => row[field] as string | number | null,
  }));
}
