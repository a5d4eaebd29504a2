"""Names of the bus endpoints that receive commands."""

RISK = "risk.execute"  # strategies send SubmitOrder / CancelOrder here
EXECUTION = "execution.execute"  # the risk engine forwards approved commands here
