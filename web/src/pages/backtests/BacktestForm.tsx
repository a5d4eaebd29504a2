/**
 * The backtest form: strategy and its parameters (the same schema form as the bot
 * wizard), market, optional UTC day range, capital, stake and costs (with the asset fees
 * are charged in). Everything is checked before POST /backtests; a refusal (422 naming
 * the field, 429 with two runs already queued) shows the API's sentence and hint.
 */
import { TextField } from "../../shared/TextField";
import { type FormEvent, useId, useMemo, useState } from "react";
import type { Schemas } from "../../api/client";
import { useStrategies } from "../../data/bots";
import { useSubmitBacktest } from "../../data/backtests";
import { useMarkets } from "../../data/market";
import { useT } from "../../i18n/I18nProvider";
import type { MessageKey } from "../../i18n/en";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { Panel } from "../../shared/Panel";
import { SchemaForm } from "../../shared/SchemaForm";
import {
  type FieldError,
  fieldsFromSchema,
  type FormValues,
  initialValues,
  validateForm,
} from "../../shared/schemaForm";
import { TIMEFRAMES } from "../bots/botStates";
import {
  type BacktestFormErrors,
  type BacktestFormValues,
  backtestBody,
  FEE_ASSETS,
  FIRST_BACKTEST,
  validateBacktest,
} from "./backtestForm";

const FEE_ASSET_LABELS: Record<Schemas["FeeAsset"], MessageKey> = {
  quote: "backtests.feeAsset.quote",
  received: "backtests.feeAsset.received",
};

export function BacktestForm(props: { onSubmitted: (run: Schemas["BacktestRunPublic"]) => void }) {
  const t = useT();
  const id = useId();
  const strategies = useStrategies();
  const markets = useMarkets();
  const submit = useSubmitBacktest();
  const [form, setForm] = useState<BacktestFormValues>(FIRST_BACKTEST);
  const [errors, setErrors] = useState<BacktestFormErrors>({});
  const [values, setValues] = useState<FormValues>({});
  const [paramErrors, setParamErrors] = useState<Record<string, FieldError>>({});
  const strategy = (strategies.data?.items ?? []).find((item) => item.name === form.strategy);
  const fields = useMemo(() => (strategy ? fieldsFromSchema(strategy.parameters_schema) : []), [strategy]);

  const chooseStrategy = (name: string) => {
    setForm({ ...form, strategy: name });
    const chosen = strategies.data?.items.find((item) => item.name === name);
    setValues(chosen ? initialValues(fieldsFromSchema(chosen.parameters_schema), chosen.defaults) : {});
    setParamErrors({});
  };

  const send = (event: FormEvent) => {
    event.preventDefault();
    const found = validateBacktest(form);
    const check = validateForm(fields, values);
    setErrors(found);
    setParamErrors(check.errors);
    if (Object.keys(found).length > 0 || Object.keys(check.errors).length > 0) return;
    submit.mutate(backtestBody(form, check.params), { onSuccess: props.onSubmitted });
  };

  const field = (name: keyof BacktestFormValues, label: MessageKey, type = "text", list?: string) => (
    <TextField
      label={t(label)}
      type={type}
      list={list}
      inputMode={type === "text" && name !== "symbol" ? "decimal" : undefined}
      value={form[name]}
      onChange={(value) => setForm({ ...form, [name]: value })}
      error={errors[name]}
    />
  );

  return (
    <Panel title={t("backtests.form")} query={strategies}>
      <form onSubmit={send} noValidate data-testid="backtest-form">
        <div className="grid-2">
          <div>
            <div className="field">
              <label htmlFor={`${id}-strategy`}>{t("backtests.strategy")}</label>
              <select
                id={`${id}-strategy`}
                value={form.strategy}
                onChange={(e) => chooseStrategy(e.target.value)}
                aria-invalid={errors.strategy !== undefined}
              >
                <option value="">–</option>
                {(strategies.data?.items ?? []).map((item) => (
                  <option key={item.name} value={item.name}>
                    {item.name}
                  </option>
                ))}
              </select>
              {errors.strategy && <span className="field-error">{t(errors.strategy)}</span>}
              {strategy && <span className="muted">{strategy.description}</span>}
            </div>
            {field("symbol", "backtests.symbol", "text", `${id}-symbols`)}
            <datalist id={`${id}-symbols`}>
              {[...new Set((markets.data?.items ?? []).map((m) => m.symbol))].map((symbol) => (
                <option key={symbol} value={symbol} />
              ))}
            </datalist>
            <div className="field">
              <label htmlFor={`${id}-timeframe`}>{t("backtests.timeframe")}</label>
              <select
                id={`${id}-timeframe`}
                value={form.timeframe}
                onChange={(e) => setForm({ ...form, timeframe: e.target.value })}
              >
                {TIMEFRAMES.map((tf) => (
                  <option key={tf} value={tf}>
                    {tf}
                  </option>
                ))}
              </select>
            </div>
            {field("from", "backtests.from", "date")}
            {field("to", "backtests.to", "date")}
            {field("capital", "backtests.capital")}
            {field("stake", "backtests.stake")}
            {field("feeBps", "backtests.fee")}
            {field("slippageBps", "backtests.slippage")}
            <div className="field">
              <label htmlFor={`${id}-fee-asset`}>{t("backtests.feeAsset")}</label>
              <select
                id={`${id}-fee-asset`}
                value={form.feeAsset}
                onChange={(e) => setForm({ ...form, feeAsset: e.target.value as Schemas["FeeAsset"] })}
                data-testid="backtest-fee-asset"
              >
                {FEE_ASSETS.map((asset) => (
                  <option key={asset} value={asset}>
                    {t(FEE_ASSET_LABELS[asset])}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <fieldset>
            <legend>{t("backtests.params")}</legend>
            {strategy ? (
              <SchemaForm fields={fields} values={values} errors={paramErrors} onChange={setValues} />
            ) : (
              <p className="muted">{t("bots.error.strategy")}</p>
            )}
          </fieldset>
        </div>
        <ErrorNotice error={submit.error} />
        <button type="submit" className="primary" disabled={submit.isPending} data-testid="backtest-submit">
          {t("backtests.submit")}
        </button>
      </form>
    </Panel>
  );
}
