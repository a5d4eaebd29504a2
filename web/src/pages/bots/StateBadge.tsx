/** A bot's state as a coloured badge (colour from botStates.stateTone, text the API's state). */
import { stateTone } from "./botStates";
import "../../shared/dataTable.css";

export function StateBadge(props: { state: string; testId?: string }) {
  return (
    <span
      className="badge"
      data-tone={stateTone(props.state)}
      data-state={props.state}
      data-testid={props.testId}
    >
      {props.state}
    </span>
  );
}
