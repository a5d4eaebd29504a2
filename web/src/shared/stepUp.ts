/**
 * MFA step-up around a sensitive action. The API refuses such an action with 403
 * `mfa_required` unless the access token carries an MFA verification from the last five
 * minutes; the dashboard then asks for a code (POST /auth/mfa/step-up gives a fresh access
 * token) and runs the action once more. Pure, so the flow is tested without React.
 */
import { ApiError } from "../api/apiError";

/** The API's code for "prove MFA again first". */
export const STEP_UP_CODE = "mfa_required";

export function isStepUpRequired(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403 && error.code === STEP_UP_CODE;
}

/** Thrown when the user closes the step-up dialog instead of entering a code. */
export class StepUpCancelled extends Error {
  constructor() {
    super("The action was cancelled: it needs your two-factor code.");
    this.name = "StepUpCancelled";
  }
}

/**
 * Run `action`; when it needs a step-up, `askStepUp` (the dialog) gets a fresh token and
 * resolves true, or false when the user cancels. The action is retried once: a second
 * refusal is shown as it is rather than asking again in a loop.
 */
export async function runWithStepUp<T>(
  action: () => Promise<T>,
  askStepUp: () => Promise<boolean>,
): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (!isStepUpRequired(error)) throw error;
    if (!(await askStepUp())) throw new StepUpCancelled();
    return action();
  }
}
