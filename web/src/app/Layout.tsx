/**
 * The signed-in layout shared by every page: navigation, the stream's reconnect banner,
 * theme and language switches, log out. It starts the live stream for the session.
 * To add a page: a folder under pages/, a route in app/router.tsx, a link in NAV_LINKS.
 */
import { Link, Outlet, useNavigate } from "@tanstack/react-router";
import { useEffect } from "react";
import { useMe } from "../data/account";
import type { MessageKey } from "../i18n/en";
import { useI18n } from "../i18n/I18nProvider";
import { type Language, LANGUAGES } from "../i18n/translate";
import { ConnectionBanner } from "../stream/ConnectionBanner";
import { useTheme } from "../theme/ThemeProvider";
import { useServices } from "./ServicesContext";

const NAV_LINKS: ReadonlyArray<{
  to: "/" | "/markets" | "/bots" | "/trading" | "/backtests" | "/settings" | "/admin";
  label: MessageKey;
  /** Shown to the admin role only (the API refuses everyone else anyway). */
  adminOnly?: boolean;
}> = [
  { to: "/", label: "nav.overview" },
  { to: "/markets", label: "nav.markets" },
  { to: "/bots", label: "nav.bots" },
  { to: "/trading", label: "nav.trading" },
  { to: "/backtests", label: "nav.backtests" },
  { to: "/settings", label: "nav.settings" },
  { to: "/admin", label: "nav.admin", adminOnly: true },
];

export function Layout() {
  const { stream, tokens, api } = useServices();
  const { t, language, setLanguage } = useI18n();
  const { theme, toggle } = useTheme();
  const navigate = useNavigate();
  const isAdmin = useMe().data?.role === "admin";

  useEffect(() => {
    stream.start();
    const leave = tokens.subscribe(() => {
      if (!tokens.hasSession) void navigate({ to: "/login", search: { redirect: window.location.pathname } });
    });
    return () => {
      leave();
      stream.stop();
    };
  }, [stream, tokens, navigate]);

  const logout = async () => {
    const refresh = tokens.refresh;
    if (refresh !== null) {
      // Best effort: the session ends on this side whatever the server answers.
      await api.POST("/api/v1/auth/logout", { body: { refresh_token: refresh } }).catch(() => undefined);
    }
    tokens.clear();
  };

  return (
    <>
      <header className="app-header">
        <strong>{t("app.name")}</strong>
        <nav>
          {NAV_LINKS.filter((link) => link.adminOnly !== true || isAdmin).map((link) => (
            <Link
              key={link.to}
              to={link.to}
              activeProps={{ className: "active" }}
              activeOptions={{ exact: true }}
            >
              {t(link.label)}
            </Link>
          ))}
        </nav>
        <button type="button" onClick={toggle} title={t("theme.toggle")}>
          {theme === "dark" ? t("theme.light") : t("theme.dark")}
        </button>
        <label>
          <span className="muted">{t("language.label")} </span>
          <select value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
            {LANGUAGES.map((code) => (
              <option key={code} value={code}>
                {code.toUpperCase()}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={() => void logout()}>
          {t("nav.logout")}
        </button>
      </header>
      <ConnectionBanner />
      <main className="app-main">
        <Outlet />
      </main>
    </>
  );
}
