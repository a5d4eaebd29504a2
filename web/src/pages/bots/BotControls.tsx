/**
 * A bot's state badge (and, for a live bot that runs, its exchange stream's badge) and its
 * lifecycle buttons (start, stop, pause, resume), each enabled only where the state allows
 * it (botStates.ts), with an optional reason kept in the state history. A refusal shows
 * the API's sentence (e.g. 409 naming the state).
 */
import { useId, useState } from "react";
import type { Schemas } from "../../api/client";
import { type BotCommand, useBotCommands } from "../../data/bots";
import { useT } from "../../i18n/I18nProvider";
import type { MessageKey } from "../../i18n/en";
import { ErrorNotice } from "../../shared/ErrorNotice";
import { useAction } from "../../shared/useAction";
import { commandAllowed } from "./botStates";
import { StateBadge } from "./StateBadge";
import { StreamBadge } from "./StreamBadge";

const COMMANDS: ReadonlyArray<{ command: BotCommand; label: MessageKey }> = [
  { command: "start", label: "bots.detail.start" },
  { command: "pause", label: "bots.detail.pause" },
  { command: "resume", label: "bots.detail.resume" },
  { command: "stop", label: "bots.detail.stop" },
];

export function BotControls(props: { bot: Schemas["BotPublic"] }) {
  const { bot } = props;
  const t = useT();
  const id = useId();
  const { command } = useBotCommands(bot.id);
  const action = useAction();
  const [reason, setReason] = useState("");

  return (
    <div className="toolbar">
      <span>
        {t("bots.detail.state")}: <StateBadge state={bot.state} testId="bot-state" />{" "}
        <StreamBadge stream={bot.private_stream} />
      </span>
      {COMMANDS.map(({ command: name, label }) => (
        <button
          key={name}
          type="button"
          disabled={action.busy || !commandAllowed(name, bot.state)}
          data-testid={`bot-${name}`}
          onClick={() =>
            void action.run(async () => {
              await command(name, reason.trim() === "" ? null : reason.trim());
              setReason("");
            })
          }
        >
          {t(label)}
        </button>
      ))}
      <label htmlFor={`${id}-reason`} className="muted">
        {t("bots.detail.reason")}
      </label>
      <input id={`${id}-reason`} value={reason} maxLength={255} onChange={(e) => setReason(e.target.value)} />
      <ErrorNotice error={action.error} />
    </div>
  );
}
