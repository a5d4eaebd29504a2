/**
 * The filter form of a trading table. The inputs are a draft: "Apply" checks them
 * (recordFilters.ts) and hands them over only when they are valid, so a half-typed date
 * never reaches the API; "Reset" clears them.
 */
import { TextField } from "../../shared/TextField";
import { type FormEvent, useId, useState } from "react";
import type { Schemas } from "../../api/client";
import type { RecordKindName } from "../../data/records";
import { useT } from "../../i18n/I18nProvider";
import { EMPTY_FILTERS, ORDER_STATUSES, type RecordFilters, SIDES, validateFilters } from "./recordFilters";

export function RecordFiltersForm(props: {
  kind: RecordKindName;
  bots: readonly Schemas["BotPublic"][];
  applied: RecordFilters;
  onApply: (filters: RecordFilters) => void;
}) {
  const t = useT();
  const id = useId();
  const { kind } = props;
  const [draft, setDraft] = useState<RecordFilters>(props.applied);
  const [errors, setErrors] = useState<ReturnType<typeof validateFilters>>({});
  const set = <F extends keyof RecordFilters>(name: F, value: RecordFilters[F]) =>
    setDraft({ ...draft, [name]: value });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = validateFilters(draft);
    setErrors(found);
    if (Object.keys(found).length === 0) props.onApply(draft);
  };

  const textField = (name: "symbol" | "strategy" | "from" | "to", label: string, type = "text") => (
    <TextField
      label={label}
      type={type}
      value={draft[name]}
      onChange={(value) => set(name, value)}
      error={errors[name]}
    />
  );

  return (
    <form className="toolbar" onSubmit={submit} noValidate aria-label={t("trading.filter.apply")}>
      <div className="field">
        <label htmlFor={`${id}-bot`}>{t("trading.filter.bot")}</label>
        <select id={`${id}-bot`} value={draft.bot_id} onChange={(e) => set("bot_id", e.target.value)}>
          <option value="">{t("trading.filter.any")}</option>
          {props.bots.map((bot) => (
            <option key={bot.id} value={bot.id}>
              {bot.name}
            </option>
          ))}
        </select>
      </div>
      {textField("symbol", t("trading.filter.symbol"))}
      {kind === "orders" && (
        <div className="field">
          <label htmlFor={`${id}-status`}>{t("trading.filter.status")}</label>
          <select id={`${id}-status`} value={draft.status} onChange={(e) => set("status", e.target.value)}>
            <option value="">{t("trading.filter.any")}</option>
            {ORDER_STATUSES.map((status) => (
              <option key={status} value={status}>
                {status}
              </option>
            ))}
          </select>
        </div>
      )}
      {kind !== "positions" && (
        <div className="field">
          <label htmlFor={`${id}-side`}>{t("trading.filter.side")}</label>
          <select id={`${id}-side`} value={draft.side} onChange={(e) => set("side", e.target.value)}>
            <option value="">{t("trading.filter.any")}</option>
            {SIDES[kind].map((side) => (
              <option key={side} value={side}>
                {side}
              </option>
            ))}
          </select>
        </div>
      )}
      {kind === "trades" && textField("strategy", t("trading.filter.strategy"))}
      {kind !== "positions" && textField("from", t("trading.filter.from"), "date")}
      {kind !== "positions" && textField("to", t("trading.filter.to"), "date")}
      {kind === "positions" && (
        <div className="field">
          <label htmlFor={`${id}-open`}>
            <input
              id={`${id}-open`}
              type="checkbox"
              checked={draft.open_only}
              onChange={(e) => set("open_only", e.target.checked)}
            />{" "}
            {t("trading.filter.openOnly")}
          </label>
        </div>
      )}
      <button type="submit" className="primary">
        {t("trading.filter.apply")}
      </button>
      <button
        type="button"
        onClick={() => {
          setDraft(EMPTY_FILTERS);
          setErrors({});
          props.onApply(EMPTY_FILTERS);
        }}
      >
        {t("trading.filter.reset")}
      </button>
    </form>
  );
}
