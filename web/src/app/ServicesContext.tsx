/** React access to the AppServices (app/services.ts). */
import { createContext, type ReactNode, useContext } from "react";
import type { AppServices } from "./services";

const ServicesContext = createContext<AppServices | null>(null);

export function ServicesProvider(props: { services: AppServices; children: ReactNode }) {
  return <ServicesContext.Provider value={props.services}>{props.children}</ServicesContext.Provider>;
}

export function useServices(): AppServices {
  const services = useContext(ServicesContext);
  if (services === null) throw new Error("useServices must be used inside <ServicesProvider>");
  return services;
}
