"""PlatformRiskCaps and clamp_risk: pure rules of the platform's risk ceiling."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from xor_trading.core.errors import InputError
from xor_trading.risk.config import RiskConfig
from xor_trading.services.platform_risk_service import PlatformRiskCaps, clamp_risk


def test_violations_name_each_cap_and_both_values() -> None:
    caps = PlatformRiskCaps(max_leverage=D(5), max_open_positions=3, max_order_notional=D(100))
    risk = RiskConfig(max_leverage=D(8), max_open_positions=3, max_order_notional=D(50))
    assert caps.violations(risk) == [
        "risk.max_leverage (8) exceeds the platform cap max_leverage (5)"
    ]
    assert caps.violations(RiskConfig(max_leverage=D(5), max_order_notional=D(100))) == [
        "risk.max_open_positions (5) exceeds the platform cap max_open_positions (3)"
    ]
    assert PlatformRiskCaps().violations(RiskConfig(max_leverage=D(125))) == []


def test_raises_are_larger_values_removed_caps_and_allowing_disabled_limits() -> None:
    old = PlatformRiskCaps(max_leverage=D(5), max_drawdown_pct=D(20), allow_risk_disabled=False)
    new = PlatformRiskCaps(max_leverage=D(6), max_position_pct=D(10), allow_risk_disabled=True)
    assert new.raises_from(old) == [
        "max_leverage 5 -> 6",
        "max_drawdown_pct 20 -> none: no cap",
        "allow_risk_disabled false -> true",
    ]
    assert old.raises_from(new) == ["max_position_pct 10 -> none: no cap"]
    assert (
        PlatformRiskCaps(max_leverage=D(4)).raises_from(PlatformRiskCaps(max_leverage=D(5))) == []
    )


def test_a_cap_outside_the_riskconfig_range_is_refused() -> None:
    with pytest.raises(InputError, match=r"platform cap max_drawdown_pct \(0\) is out of range"):
        PlatformRiskCaps(max_drawdown_pct=D(0)).check_valid()
    with pytest.raises(InputError, match="cannot be stored exactly"):
        PlatformRiskCaps(max_order_notional=D("0.0000000000000000001")).check_valid()
    PlatformRiskCaps(max_leverage=D(125), max_open_positions=10_000).check_valid()


def test_clamp_lowers_capped_limits_and_keeps_the_result_coherent() -> None:
    risk = RiskConfig(
        max_position_pct=D(50),
        max_risk_per_trade_pct=D(10),
        max_leverage=D(20),
        daily_loss_limit_pct=D(8),
        max_drawdown_pct=D(30),
    )
    caps = PlatformRiskCaps(
        max_leverage=D("0.05"), max_drawdown_pct=D(5), max_order_notional=D(1000)
    )
    clamped = clamp_risk(risk, caps)
    assert clamped.max_leverage == D("0.05")
    assert clamped.max_position_pct == D(5)  # leverage 0.05 x 100 %
    assert clamped.max_risk_per_trade_pct == D(5)  # not above the position
    assert clamped.max_drawdown_pct == D(5)
    assert clamped.daily_loss_limit_pct == D(5)  # not above the drawdown
    assert clamped.max_order_notional == D(1000)  # no cap in the bot: the platform's
    assert caps.violations(clamped) == []
    assert clamp_risk(RiskConfig(), PlatformRiskCaps()) == RiskConfig()


def test_clamp_of_disabled_limits_depends_on_the_platform() -> None:
    off = RiskConfig.disabled()
    assert clamp_risk(off, PlatformRiskCaps()) == off
    forced = clamp_risk(off, PlatformRiskCaps(allow_risk_disabled=False, max_leverage=D(2)))
    assert forced == RiskConfig(max_leverage=D(2))
