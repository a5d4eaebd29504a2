/** The chosen language (persisted in localStorage) and `useT()` for components. */
import { createContext, type ReactNode, useContext, useEffect, useMemo, useState } from "react";
import { type Language, LANGUAGES, preferredLanguage, type Translate, translator } from "./translate";

const STORAGE_KEY = "xor.language";

interface I18nValue {
  language: Language;
  setLanguage: (language: Language) => void;
  t: Translate;
}

const I18nContext = createContext<I18nValue | null>(null);

function initialLanguage(): Language {
  const stored = window.localStorage.getItem(STORAGE_KEY);
  if (stored !== null && (LANGUAGES as readonly string[]).includes(stored)) return stored as Language;
  return preferredLanguage(window.navigator.languages);
}

export function I18nProvider(props: { children: ReactNode }) {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  useEffect(() => {
    window.localStorage.setItem(STORAGE_KEY, language);
    document.documentElement.lang = language;
  }, [language]);
  const value = useMemo(() => ({ language, setLanguage, t: translator(language) }), [language]);
  return <I18nContext.Provider value={value}>{props.children}</I18nContext.Provider>;
}

export function useI18n(): I18nValue {
  const value = useContext(I18nContext);
  if (value === null) throw new Error("useI18n must be used inside <I18nProvider>");
  return value;
}

export function useT(): Translate {
  return useI18n().t;
}
