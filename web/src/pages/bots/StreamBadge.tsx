/** A live bot's private stream as a badge beside its state (mapping: streamBadge.ts). */
import { useT } from "../../i18n/I18nProvider";
import "../../shared/dataTable.css";
import { type PrivateStream, streamBadge } from "./streamBadge";

export function StreamBadge(props: { stream: PrivateStream | null }) {
  const t = useT();
  const { stream } = props;
  const view = streamBadge(stream);
  if (view === null || stream === null) return null;
  const text = view.held ? `${t(view.label)} · ${t("bots.stream.held")}` : t(view.label);
  return (
    <span
      className="badge"
      data-tone={view.tone}
      data-stream={stream.state}
      data-testid="bot-stream"
      title={t("bots.stream.title", { drops: stream.drops, stalls: stream.stalls })}
    >
      {text}
    </span>
  );
}
