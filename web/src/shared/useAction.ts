/**
 * The state of one user action on a page (a form submit, a delete): busy while it runs,
 * the error it failed with (shown with ErrorNotice), and whether it last succeeded, so
 * the page can say so in a live region.
 */
import { useCallback, useState } from "react";

export interface ActionState {
  busy: boolean;
  error: unknown;
  succeeded: boolean;
  /** Run `work`; resolves true when it succeeded. Never throws: the error is kept instead. */
  run: (work: () => Promise<unknown>) => Promise<boolean>;
  reset: () => void;
}

export function useAction(): ActionState {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [succeeded, setSucceeded] = useState(false);
  const run = useCallback(async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    setSucceeded(false);
    try {
      await work();
      setSucceeded(true);
      return true;
    } catch (caught) {
      setError(caught);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const reset = useCallback(() => {
    setError(null);
    setSucceeded(false);
  }, []);
  return { busy, error, succeeded, run, reset };
}
