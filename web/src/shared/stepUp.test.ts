import { describe, expect, it } from "vitest";
import { ApiError } from "../api/apiError";
import { isStepUpRequired, runWithStepUp, StepUpCancelled } from "./stepUp";

const stepUpError = () =>
  new ApiError(403, { code: "mfa_required", message: "Verify again.", hint: "h", request_id: "r1" });
const roleError = () =>
  new ApiError(403, { code: "forbidden", message: "Admins only.", hint: "h", request_id: "r2" });

describe("step-up", () => {
  it("test_is_step_up_required_only_for_403_mfa_required", () => {
    expect(isStepUpRequired(stepUpError())).toBe(true);
    expect(isStepUpRequired(roleError())).toBe(false);
    expect(
      isStepUpRequired(new ApiError(401, { code: "mfa_required", message: "m", hint: "", request_id: "" })),
    ).toBe(false);
    expect(isStepUpRequired(new Error("mfa_required"))).toBe(false);
  });

  it("test_run_with_step_up_no_refusal_does_not_ask", async () => {
    let asked = 0;
    const result = await runWithStepUp(
      () => Promise.resolve("done"),
      () => {
        asked += 1;
        return Promise.resolve(true);
      },
    );
    expect(result).toBe("done");
    expect(asked).toBe(0);
  });

  it("test_run_with_step_up_refusal_asks_then_retries_once", async () => {
    const calls: string[] = [];
    let attempt = 0;
    const result = await runWithStepUp(
      () => {
        attempt += 1;
        calls.push(`action ${attempt}`);
        return attempt === 1 ? Promise.reject(stepUpError()) : Promise.resolve("saved");
      },
      () => {
        calls.push("ask");
        return Promise.resolve(true);
      },
    );
    expect(result).toBe("saved");
    expect(calls).toEqual(["action 1", "ask", "action 2"]);
  });

  it("test_run_with_step_up_cancelled_throws_cancelled_without_retry", async () => {
    let attempts = 0;
    const run = runWithStepUp(
      () => {
        attempts += 1;
        return Promise.reject(stepUpError());
      },
      () => Promise.resolve(false),
    );
    await expect(run).rejects.toBeInstanceOf(StepUpCancelled);
    expect(attempts).toBe(1);
  });

  it("test_run_with_step_up_second_refusal_is_thrown_not_asked_again", async () => {
    let asked = 0;
    const run = runWithStepUp(
      () => Promise.reject(stepUpError()),
      () => {
        asked += 1;
        return Promise.resolve(true);
      },
    );
    await expect(run).rejects.toMatchObject({ code: "mfa_required" });
    expect(asked).toBe(1);
  });

  it("test_run_with_step_up_other_errors_pass_through", async () => {
    await expect(
      runWithStepUp(
        () => Promise.reject(roleError()),
        () => Promise.resolve(true),
      ),
    ).rejects.toMatchObject({
      code: "forbidden",
    });
  });
});
