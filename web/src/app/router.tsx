/**
 * Routes. `/login` is public; everything else sits under the signed-in layout, which
 * redirects to `/login?redirect=...` without a session. Pages load lazily (one chunk each,
 * the chart library with the first page that draws a chart), so the login page stays light.
 */
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  lazyRouteComponent,
  Outlet,
  redirect,
} from "@tanstack/react-router";
import { LoginPage } from "../pages/login/LoginPage";
import { Layout } from "./Layout";
import type { AppServices } from "./services";

export interface RouterContext {
  services: AppServices;
}

const rootRoute = createRootRouteWithContext<RouterContext>()({ component: Outlet });

const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: "/login",
  validateSearch: (search: Record<string, unknown>): { redirect?: string } =>
    typeof search["redirect"] === "string" ? { redirect: search["redirect"] } : {},
  component: function LoginRoute() {
    const { redirect: to } = loginRoute.useSearch();
    return <LoginPage redirectTo={to ?? "/"} />;
  },
});

const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: "app",
  component: Layout,
  beforeLoad: ({ context, location }) => {
    if (!context.services.tokens.hasSession) {
      throw redirect({ to: "/login", search: { redirect: location.href } });
    }
  },
});

const overviewRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/",
  component: lazyRouteComponent(() => import("../pages/overview/OverviewPage"), "OverviewPage"),
});

const marketsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/markets",
  component: lazyRouteComponent(() => import("../pages/markets/MarketsPage"), "MarketsPage"),
});

const settingsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/settings",
  component: lazyRouteComponent(() => import("../pages/settings/SettingsPage"), "SettingsPage"),
});

const adminRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/admin",
  component: lazyRouteComponent(() => import("../pages/admin/AdminPage"), "AdminPage"),
});

const botsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/bots",
  component: lazyRouteComponent(() => import("../pages/bots/BotsPage"), "BotsPage"),
});

const botWizardRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/bots/new",
  component: lazyRouteComponent(() => import("../pages/bots/BotWizardPage"), "BotWizardPage"),
});

const botDetailRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/bots/$botId",
  component: lazyRouteComponent(() => import("../pages/bots/BotDetailPage"), "BotDetailRoute"),
});

const tradingRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/trading",
  component: lazyRouteComponent(() => import("../pages/trading/TradingPage"), "TradingPage"),
});

const backtestsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: "/backtests",
  component: lazyRouteComponent(() => import("../pages/backtests/BacktestsPage"), "BacktestsPage"),
});

const routeTree = rootRoute.addChildren([
  loginRoute,
  appRoute.addChildren([
    overviewRoute,
    marketsRoute,
    botsRoute,
    botWizardRoute,
    botDetailRoute,
    tradingRoute,
    backtestsRoute,
    settingsRoute,
    adminRoute,
  ]),
]);

export function createAppRouter(services: AppServices) {
  return createRouter({ routeTree, context: { services }, defaultPreload: "intent" });
}

declare module "@tanstack/react-router" {
  interface Register {
    router: ReturnType<typeof createAppRouter>;
  }
}
