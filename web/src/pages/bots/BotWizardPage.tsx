/**
 * The bot creation wizard: 1. the strategy (GET /strategies, with its description and
 * suited timeframes), 2. market and mode, 3. the parameters, a form generated from the
 * strategy's JSON Schema, 4. a review of exactly what will be sent. Each step is checked
 * before the next; POST /bots refusals show the API's sentence and hint; a live bot
 * needs a fresh MFA step-up (the dialog asks for the code, then the request is sent again).
 */
import { TextField } from "../../shared/TextField";
import { useNavigate } from "@tanstack/react-router";
import { type FormEvent, useId, useMemo, useState } from "react";
import type { Schemas } from "../../api/client";
import { useCreateBot, useStrategies } from "../../data/bots";
import { useMarkets } from "../../data/market";
import { useExchangeKeys } from "../../data/settings";
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
  type JsonValue,
  validateForm,
} from "../../shared/schemaForm";
import { useStepUp } from "../../shared/StepUpDialog";
import { TIMEFRAMES } from "./botStates";
import { botCreateBody, validateMarket, WIZARD_STEPS, type WizardMarket, type WizardStep } from "./botWizard";
import "../../shared/dataTable.css";

const STEP_LABELS: Record<WizardStep, MessageKey> = {
  strategy: "bots.wizard.strategy",
  market: "bots.wizard.market",
  params: "bots.wizard.params",
  review: "bots.wizard.review",
};

/** "" first: the exchange's convention is the default. */
const PAPER_FEE_ASSETS: readonly WizardMarket["paperFeeAsset"][] = ["", "quote", "received"];
const PAPER_FEE_ASSET_LABELS: Record<WizardMarket["paperFeeAsset"], MessageKey> = {
  "": "bots.wizard.paperFeeAsset.default",
  quote: "bots.wizard.paperFeeAsset.quote",
  received: "bots.wizard.paperFeeAsset.received",
};

const FIRST_MARKET: WizardMarket = {
  name: "",
  exchange: "binance",
  symbols: "BTC/USDT",
  timeframe: "1h",
  mode: "paper",
  credentialId: "",
  paperFeeAsset: "",
};

export function BotWizardPage() {
  const t = useT();
  const id = useId();
  const navigate = useNavigate();
  const strategies = useStrategies();
  const markets = useMarkets();
  const create = useCreateBot();
  const stepUp = useStepUp();
  const [step, setStep] = useState<WizardStep>("strategy");
  const [strategyName, setStrategyName] = useState("");
  const [market, setMarket] = useState<WizardMarket>(FIRST_MARKET);
  const [marketErrors, setMarketErrors] = useState<ReturnType<typeof validateMarket>>({});
  const [values, setValues] = useState<FormValues>({});
  const [paramErrors, setParamErrors] = useState<Record<string, FieldError>>({});
  const [params, setParams] = useState<Record<string, JsonValue>>({});
  const [strategyError, setStrategyError] = useState(false);

  const strategy = (strategies.data?.items ?? []).find((item) => item.name === strategyName);
  const fields = useMemo(() => (strategy ? fieldsFromSchema(strategy.parameters_schema) : []), [strategy]);
  const index = WIZARD_STEPS.indexOf(step);
  const body = strategy ? botCreateBody(strategy.name, market, params) : null;

  const chooseStrategy = (name: string) => {
    setStrategyName(name);
    const chosen = strategies.data?.items.find((item) => item.name === name);
    if (chosen) {
      setValues(initialValues(fieldsFromSchema(chosen.parameters_schema), chosen.defaults));
      if (
        chosen.timeframes &&
        chosen.timeframes.length > 0 &&
        !chosen.timeframes.includes(market.timeframe)
      ) {
        setMarket({ ...market, timeframe: chosen.timeframes[0] as string });
      }
    }
  };

  const next = (event: FormEvent) => {
    event.preventDefault();
    if (step === "strategy") {
      setStrategyError(strategy === undefined);
      if (strategy !== undefined) setStep("market");
    } else if (step === "market") {
      const errors = validateMarket(market);
      setMarketErrors(errors);
      if (Object.keys(errors).length === 0) setStep("params");
    } else if (step === "params") {
      const check = validateForm(fields, values);
      setParamErrors(check.errors);
      if (Object.keys(check.errors).length === 0) {
        setParams(check.params);
        setStep("review");
      }
    } else if (body !== null) {
      stepUp
        .run(() => create.mutateAsync(body))
        .then((bot) => navigate({ to: "/bots/$botId", params: { botId: bot.id } }))
        // A refusal is shown from create.error; a cancelled step-up needs nothing more.
        .catch(() => undefined);
    }
  };

  const marketField = (name: "name" | "exchange" | "symbols", label: MessageKey, list?: string) => (
    <TextField
      label={t(label)}
      value={market[name]}
      list={list}
      onChange={(value) => setMarket({ ...market, [name]: value })}
      error={marketErrors[name]}
    />
  );

  return (
    <>
      <h1>{t("bots.wizard.title")}</h1>
      <ol className="wizard-steps">
        {WIZARD_STEPS.map((name, i) => (
          <li key={name} aria-current={name === step ? "step" : undefined}>
            {i + 1}. {t(STEP_LABELS[name])}
          </li>
        ))}
      </ol>
      <Panel
        title={t("bots.wizard.step", {
          step: index + 1,
          count: WIZARD_STEPS.length,
          name: t(STEP_LABELS[step]),
        })}
        query={strategies}
      >
        <form onSubmit={next} noValidate data-testid={`wizard-step-${step}`}>
          {step === "strategy" && (
            <div className="field">
              <label htmlFor={`${id}-strategy`}>{t("bots.wizard.strategy")}</label>
              <select
                id={`${id}-strategy`}
                value={strategyName}
                onChange={(e) => chooseStrategy(e.target.value)}
                aria-invalid={strategyError}
                data-testid="wizard-strategy"
              >
                <option value="">–</option>
                {(strategies.data?.items ?? []).map((item) => (
                  <option key={item.name} value={item.name}>
                    {item.name}
                  </option>
                ))}
              </select>
              {strategyError && <span className="field-error">{t("bots.error.strategy")}</span>}
              {strategy && (
                <>
                  <p>{strategy.description}</p>
                  <p className="muted">
                    {strategy.timeframes
                      ? t("bots.wizard.timeframes", { timeframes: strategy.timeframes.join(", ") })
                      : t("bots.wizard.anyTimeframe")}
                  </p>
                </>
              )}
            </div>
          )}
          {step === "market" && (
            <>
              {marketField("name", "bots.wizard.name")}
              {marketField("exchange", "bots.wizard.exchange")}
              {marketField("symbols", "bots.wizard.symbols", `${id}-known-symbols`)}
              <datalist id={`${id}-known-symbols`}>
                {[...new Set((markets.data?.items ?? []).map((m) => m.symbol))].map((symbol) => (
                  <option key={symbol} value={symbol} />
                ))}
              </datalist>
              <div className="field">
                <label htmlFor={`${id}-timeframe`}>{t("bots.wizard.timeframe")}</label>
                <select
                  id={`${id}-timeframe`}
                  value={market.timeframe}
                  onChange={(e) => setMarket({ ...market, timeframe: e.target.value })}
                >
                  {TIMEFRAMES.map((tf) => (
                    <option key={tf} value={tf}>
                      {tf}
                    </option>
                  ))}
                </select>
                {marketErrors.timeframe && <span className="field-error">{t(marketErrors.timeframe)}</span>}
              </div>
              <ModeFields market={market} onChange={setMarket} error={marketErrors.credentialId} />
            </>
          )}
          {step === "params" && (
            <SchemaForm fields={fields} values={values} errors={paramErrors} onChange={setValues} />
          )}
          {step === "review" && body !== null && <Review body={body} />}
          {Object.keys(paramErrors).length > 0 && step === "params" && (
            <p className="field-error" role="alert">
              {t("form.fixErrors")}
            </p>
          )}
          <ErrorNotice error={create.error} />
          <div className="toolbar">
            {index > 0 && (
              <button type="button" onClick={() => setStep(WIZARD_STEPS[index - 1] as WizardStep)}>
                {t("bots.wizard.back")}
              </button>
            )}
            {step === "review" ? (
              <button
                type="submit"
                className="primary"
                disabled={create.isPending}
                data-testid="wizard-submit"
              >
                {t("bots.wizard.create")}
              </button>
            ) : (
              <button type="submit" className="primary" data-testid="wizard-next">
                {t("bots.wizard.next")}
              </button>
            )}
          </div>
        </form>
      </Panel>
      {stepUp.dialog}
    </>
  );
}

function ModeFields(props: {
  market: WizardMarket;
  onChange: (market: WizardMarket) => void;
  error: MessageKey | undefined;
}) {
  const t = useT();
  const id = useId();
  const keys = useExchangeKeys();
  const { market } = props;
  return (
    <>
      <div className="field">
        <label htmlFor={`${id}-mode`}>{t("bots.wizard.mode")}</label>
        <select
          id={`${id}-mode`}
          value={market.mode}
          onChange={(e) => props.onChange({ ...market, mode: e.target.value as Schemas["BotMode"] })}
        >
          <option value="paper">{t("bots.mode.paper")}</option>
          <option value="live">{t("bots.mode.live")}</option>
        </select>
      </div>
      {market.mode === "paper" && (
        <div className="field">
          <label htmlFor={`${id}-paper-fee-asset`}>{t("bots.wizard.paperFeeAsset")}</label>
          <select
            id={`${id}-paper-fee-asset`}
            value={market.paperFeeAsset}
            onChange={(e) =>
              props.onChange({ ...market, paperFeeAsset: e.target.value as WizardMarket["paperFeeAsset"] })
            }
            data-testid="wizard-paper-fee-asset"
          >
            {PAPER_FEE_ASSETS.map((asset) => (
              <option key={asset} value={asset}>
                {t(PAPER_FEE_ASSET_LABELS[asset])}
              </option>
            ))}
          </select>
        </div>
      )}
      {market.mode === "live" && (
        <div className="field">
          <label htmlFor={`${id}-key`}>{t("bots.wizard.key")}</label>
          <select
            id={`${id}-key`}
            value={market.credentialId}
            onChange={(e) => props.onChange({ ...market, credentialId: e.target.value })}
            aria-invalid={props.error !== undefined}
          >
            <option value="">{t("bots.wizard.noKey")}</option>
            {(keys.data?.items ?? []).map((key) => (
              <option key={key.id} value={key.id}>
                {key.label} ({key.exchange})
              </option>
            ))}
          </select>
          {props.error && <span className="field-error">{t(props.error)}</span>}
          <p className="muted">{t("bots.wizard.liveNote")}</p>
        </div>
      )}
    </>
  );
}

function Review(props: { body: Schemas["BotCreate"] }) {
  const t = useT();
  const { body } = props;
  const paperRows: Array<[string, string]> =
    (body.mode ?? "paper") === "paper"
      ? [[t("bots.wizard.paperFeeAsset"), t(PAPER_FEE_ASSET_LABELS[body.paper_fee_asset ?? ""])]]
      : [];
  const rows: Array<[string, string]> = [
    [t("bots.wizard.name"), body.name],
    [t("bots.wizard.strategy"), body.strategy],
    [t("bots.wizard.exchange"), body.exchange ?? "binance"],
    [t("table.col.symbols"), body.symbols.join(", ")],
    [t("bots.wizard.timeframe"), body.timeframe],
    [t("bots.wizard.mode"), t(`bots.mode.${body.mode ?? "paper"}`)],
    ...paperRows,
    ...Object.entries(body.params ?? {}).map(([name, value]): [string, string] => [
      name,
      JSON.stringify(value),
    ]),
  ];
  return (
    <table>
      <tbody>
        {rows.map(([name, value]) => (
          <tr key={name}>
            <th scope="row">{name}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
