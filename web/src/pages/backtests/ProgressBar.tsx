/** A progress bar of a 0..1 fraction, exposed to assistive technology as a progressbar. */
import "../../shared/dataTable.css";

export function ProgressBar(props: { value: number; label: string; testId?: string }) {
  const percent = Math.round(Math.min(1, Math.max(0, props.value)) * 100);
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={props.label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={`${percent} %`}
      data-testid={props.testId}
    >
      <span style={{ width: `${percent}%` }} />
    </div>
  );
}
